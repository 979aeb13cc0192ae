//! The `gatehouse` command line: one binary, one configuration, several roles.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use secrecy::ExposeSecret;

use crate::config::{Config, Needs};

#[derive(Debug, Parser)]
#[command(
    name = "gatehouse",
    version,
    about = "Gatehouse: sign-up, billing, entitlements and seats for SaaS products"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the API and the SPA (and run the job worker unless GATEHOUSE_RUN_WORKER=false).
    Serve,
    /// Run only the job worker.
    Worker,
    /// Apply pending database migrations.
    Migrate,
    /// Write the demo catalog (idempotent), and create it at Stripe when
    /// GATEHOUSE_STRIPE_SECRET_KEY is set.
    Seed,
    /// Print the OpenAPI document as JSON.
    Openapi,
    /// Inspect and retry background jobs.
    #[command(subcommand)]
    Jobs(JobsCommand),
    /// Manage the keys that sign access tokens.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Manage people.
    #[command(subcommand)]
    Users(UsersCommand),
    /// Stripe housekeeping.
    #[command(subcommand)]
    Stripe(StripeCommand),
}

#[derive(Debug, Subcommand)]
enum StripeCommand {
    /// Create the catalog's new products and prices at Stripe and archive retired prices.
    Sync,
}

#[derive(Debug, Subcommand)]
enum UsersCommand {
    /// Make someone staff (access to the admin API) with a role, or take it away with
    /// `--revoke`.
    Staff {
        /// Email address or username.
        login: String,
        /// `admin` (everything), `billing` (catalog, billing, webhooks) or `support`
        /// (accounts, instances, waitlist, tickets); each reads the rest.
        #[arg(long, default_value = "admin", value_parser = ["admin", "billing", "support"])]
        role: String,
        #[arg(long)]
        revoke: bool,
    },
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// Make a new signing key and retire the others. Retired keys keep verifying (and stay
    /// in the JWKS) until their tokens have expired; every node picks the new key up
    /// within a minute.
    Rotate,
}

#[derive(Debug, Subcommand)]
enum JobsCommand {
    /// List the newest dead jobs (out of attempts) with their last error.
    Dead {
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// Put a dead job back in the queue with fresh attempts.
    Retry { id: i64 },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Command::Openapi = cli.command {
        return match crate::http::openapi().to_pretty_json() {
            Ok(json) => {
                println!("{json}");
                ExitCode::SUCCESS
            }
            Err(err) => {
                eprintln!("error: {err}");
                ExitCode::FAILURE
            }
        };
    }
    let needs = match cli.command {
        Command::Serve | Command::Worker => Needs::Everything,
        _ => Needs::DatabaseOnly,
    };
    let config = match Config::from_env(needs) {
        Ok(config) => config,
        Err(err) => {
            eprintln!("gatehouse: {err}");
            eprintln!("See README.md (Configuration) for every variable and its default.");
            return ExitCode::from(2);
        }
    };
    crate::telemetry::init(&config.log);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("gatehouse: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(run(cli.command, config));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = format!("{err:#}"), "gatehouse failed");
            eprintln!("gatehouse: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, config: Config) -> anyhow::Result<()> {
    match command {
        Command::Serve => crate::server::serve(config).await,
        Command::Worker => crate::server::work(config).await,
        Command::Migrate => {
            let applied = crate::db::run_migrations(config.database.url.expose_secret()).await?;
            if applied.is_empty() {
                println!("database is up to date");
            }
            for version in applied {
                println!("applied migration {version}");
            }
            Ok(())
        }
        Command::Seed => {
            let pool = crate::db::build_pool(&config.database)?;
            let mut conn = pool.get().await?;
            let count = crate::catalog::seed::seed_demo_catalog(&mut conn).await?;
            println!("demo catalog seeded ({count} products)");
            let instances = crate::catalog::seed::seed_demo_instances(&mut conn).await?;
            if instances > 0 {
                println!("demo instances added ({instances}; placeholder addresses)");
            }
            if let Some(stripe) = &config.billing.stripe {
                let synced = crate::billing::catalog_sync::sync(&mut conn, stripe).await?;
                println!(
                    "Stripe: {} products and {} prices created, {} prices archived",
                    synced.products, synced.prices, synced.archived
                );
            }
            Ok(())
        }
        Command::Stripe(StripeCommand::Sync) => {
            let stripe = config
                .billing
                .stripe
                .as_ref()
                .ok_or_else(|| anyhow::anyhow!("GATEHOUSE_STRIPE_SECRET_KEY is not set"))?;
            let pool = crate::db::build_pool(&config.database)?;
            let mut conn = pool.get().await?;
            let synced = crate::billing::catalog_sync::sync(&mut conn, stripe).await?;
            println!(
                "Stripe: {} products and {} prices created, {} prices archived",
                synced.products, synced.prices, synced.archived
            );
            Ok(())
        }
        Command::Openapi => unreachable!("handled before configuration is read"),
        Command::Jobs(command) => jobs(command, &config).await,
        Command::Users(UsersCommand::Staff {
            login,
            role,
            revoke,
        }) => {
            let pool = crate::db::build_pool(&config.database)?;
            let mut conn = pool.get().await?;
            let user = crate::db::identity::find_user_by_login(&mut conn, &login)
                .await?
                .ok_or_else(|| anyhow::anyhow!("no user with the email or username {login:?}"))?;
            let role = (!revoke).then_some(role.as_str());
            crate::db::identity::set_staff(&mut conn, user.id, role).await?;
            match role {
                None => println!("{} is no longer staff", user.email),
                Some(role) => println!("{} is staff now ({role})", user.email),
            }
            Ok(())
        }
        Command::Keys(KeysCommand::Rotate) => {
            let pool = crate::db::build_pool(&config.database)?;
            let mut conn = pool.get().await?;
            let kid = crate::identity::keys::rotate(&mut conn).await?;
            println!("new signing key {kid}; older keys retired");
            Ok(())
        }
    }
}

async fn jobs(command: JobsCommand, config: &Config) -> anyhow::Result<()> {
    use crate::jobs::queue;
    let pool = crate::db::build_pool(&config.database)?;
    let mut conn = pool.get().await?;
    match command {
        JobsCommand::Dead { limit } => {
            let dead = queue::dead(&mut conn, limit).await?;
            if dead.is_empty() {
                println!("no dead jobs");
            }
            for job in dead {
                let finished = job.finished_at.map(|t| t.to_rfc3339()).unwrap_or_default();
                let error = job.last_error.unwrap_or_default();
                println!(
                    "{}\t{}\tattempts={}\t{finished}\t{error}",
                    job.id, job.kind, job.attempts
                );
            }
            Ok(())
        }
        JobsCommand::Retry { id } => {
            anyhow::ensure!(
                queue::retry_dead(&mut conn, id).await?,
                "job {id} is not dead, or a queued copy of it already exists"
            );
            println!("job {id} is queued again");
            Ok(())
        }
    }
}
