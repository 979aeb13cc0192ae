//! Running the HTTP server (and, in `serve`, the worker) until a shutdown signal.

use std::net::TcpListener;

use actix_web::HttpServer;
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::http::{self, HttpSettings};
use crate::jobs::worker::{Worker, WorkerConfig};
use crate::jobs::{JobServices, Registry};
use crate::state::AppState;

/// A server started on a listener; stop it by cancelling `shutdown`.
pub struct RunningServer {
    pub addr: std::net::SocketAddr,
    pub shutdown: CancellationToken,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl RunningServer {
    /// Waits until the server has stopped (in-flight requests finished).
    pub async fn stopped(self) -> anyhow::Result<()> {
        self.server.await??;
        Ok(())
    }
}

/// Starts serving `settings`' app on `listener`. Signals are not handled here.
pub fn start(
    state: AppState,
    settings: HttpSettings,
    listener: TcpListener,
    workers: Option<usize>,
    shutdown_timeout: std::time::Duration,
) -> anyhow::Result<RunningServer> {
    let addr = listener.local_addr()?;
    http::metrics::recorder();
    // actix-web's own default: one worker per core.
    let workers = workers.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get)
    });
    // Called on each worker's thread as it starts (again if one is restarted), so each
    // worker's pool opens its connections on that worker's runtime.
    let server = HttpServer::new(move || http::app(state.for_worker(workers), settings.clone()))
        .disable_signals()
        .shutdown_timeout(shutdown_timeout.as_secs().max(1))
        .workers(workers)
        .listen(listener)?
        .run();
    let handle = server.handle();
    let shutdown = CancellationToken::new();
    let stop = shutdown.clone();
    tokio::spawn(async move {
        stop.cancelled().await;
        tracing::info!("stopping the HTTP server; in-flight requests finish first");
        handle.stop(true).await;
    });
    Ok(RunningServer {
        addr,
        shutdown,
        server: tokio::spawn(server),
    })
}

/// `gatehouse serve`: HTTP plus, unless disabled, the job worker in-process.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    // Signals first, so a SIGTERM during start-up is a clean stop, not a kill.
    let shutdown = CancellationToken::new();
    stop_on_signal(shutdown.clone())?;
    let state = AppState::connect(&config).await?;
    let listener = TcpListener::bind(config.http.addr).map_err(|err| {
        anyhow::anyhow!(
            "cannot listen on {} (GATEHOUSE_ADDR): {err}",
            config.http.addr
        )
    })?;
    let settings = HttpSettings {
        max_body_bytes: config.http.max_body_bytes,
        web_dir: config.http.web_dir.clone(),
        extra_routes: None,
    };
    if !config.http.web_dir.join("index.html").is_file() {
        tracing::warn!(dir = %config.http.web_dir.display(), "no built SPA found (GATEHOUSE_WEB_DIR); serving the API only");
    }
    let running = start(
        state.clone(),
        settings,
        listener,
        config.http.workers,
        config.http.shutdown_timeout,
    )?;
    let server_stop = running.shutdown.clone();
    let signalled = shutdown.clone();
    tokio::spawn(async move {
        signalled.cancelled().await;
        server_stop.cancel();
    });

    let worker = config.worker.in_process.then(|| {
        let worker = Worker::new(
            state.pool.clone(),
            Registry::standard(),
            job_services(&config),
            worker_config(&config),
        );
        tokio::spawn(worker.run(shutdown.clone()))
    });
    tracing::info!(url = %config.http.public_url, addr = %running.addr, "Gatehouse is serving");
    println!("Gatehouse is serving on {}", config.http.public_url);
    let served = running.stopped().await;
    // However the server ended, the worker stops and drains too.
    shutdown.cancel();
    if let Some(worker) = worker {
        worker.await?;
    }
    served?;
    tracing::info!("stopped");
    Ok(())
}

/// `gatehouse worker`: only the job worker.
pub async fn work(config: Config) -> anyhow::Result<()> {
    let shutdown = CancellationToken::new();
    stop_on_signal(shutdown.clone())?;
    let pool = crate::db::build_pool(&config.database)?;
    crate::state::check_postgres(&pool)
        .await
        .map_err(|err| anyhow::anyhow!("PostgreSQL is not reachable at DATABASE_URL: {err}"))?;
    Worker::new(
        pool,
        Registry::standard(),
        job_services(&config),
        worker_config(&config),
    )
    .run(shutdown)
    .await;
    Ok(())
}

pub fn job_services(config: &Config) -> JobServices {
    JobServices {
        mailer: config.mail.mailer.clone(),
        stripe: config.billing.stripe.clone(),
        billing: crate::billing::subscriptions::BillingSettings::new(
            config.billing.grace,
            &config.http.public_url,
        )
        .with_retention(config.billing.retention),
        http: reqwest::Client::builder()
            .user_agent(concat!("Gatehouse/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(std::time::Duration::from_secs(5))
            .build()
            .unwrap_or_default(),
    }
}

pub fn worker_config(config: &Config) -> WorkerConfig {
    WorkerConfig {
        concurrency: config.worker.concurrency,
        poll_interval: config.worker.poll_interval,
        shutdown_timeout: config.http.shutdown_timeout,
        ..WorkerConfig::default()
    }
}

/// Installs SIGTERM and SIGINT handlers now; the first signal cancels `shutdown`.
pub fn stop_on_signal(shutdown: CancellationToken) -> anyhow::Result<()> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    tokio::spawn(async move {
        tokio::select! {
            _ = term.recv() => tracing::info!("SIGTERM received"),
            _ = interrupt.recv() => tracing::info!("SIGINT received"),
        }
        shutdown.cancel();
    });
    Ok(())
}
