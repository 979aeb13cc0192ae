//! `gatehouse-fakes oauth [--addr 127.0.0.1:9100]`: serves the fake OAuth providers.
//! `gatehouse-fakes stripe [--addr 127.0.0.1:12111] [--webhook-url URL]
//! [--webhook-secret whsec_…]…`: serves the fake Stripe, delivering events to the URL.
//!
//! Each prints the `KEY=VALUE` lines that point Gatehouse at it, then a blank line, and
//! serves until interrupted (SIGINT or SIGTERM).

use std::process::ExitCode;

use actix_web::dev::Server;
use gatehouse_fakes::stripe::{Endpoint, FakeStripe, WEBHOOK_SECRET};

const USAGE: &str = "usage: gatehouse-fakes oauth [--addr HOST:PORT]\n       gatehouse-fakes stripe [--addr HOST:PORT] [--webhook-url URL] [--webhook-secret whsec_…]…";

enum Fake {
    OAuth,
    Stripe {
        webhook_url: Option<String>,
        secrets: Vec<String>,
    },
}

fn parse(args: &[String]) -> Option<(Fake, String)> {
    let (command, mut rest) = args.split_first()?;
    let mut addr = None;
    let mut webhook_url = None;
    let mut secrets = Vec::new();
    while let [flag, value, tail @ ..] = rest {
        match flag.as_str() {
            "--addr" => addr = Some(value.clone()),
            "--webhook-url" if command == "stripe" => webhook_url = Some(value.clone()),
            "--webhook-secret" if command == "stripe" => secrets.push(value.clone()),
            _ => return None,
        }
        rest = tail;
    }
    if !rest.is_empty() {
        return None;
    }
    match command.as_str() {
        "oauth" => Some((
            Fake::OAuth,
            addr.unwrap_or_else(|| "127.0.0.1:9100".to_owned()),
        )),
        "stripe" => {
            if secrets.is_empty() {
                secrets.push(WEBHOOK_SECRET.to_owned());
            }
            Some((
                Fake::Stripe {
                    webhook_url,
                    secrets,
                },
                addr.unwrap_or_else(|| "127.0.0.1:12111".to_owned()),
            ))
        }
        _ => None,
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((fake, addr)) = parse(&args) else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    runtime.block_on(async move {
        let listener = match std::net::TcpListener::bind(&addr) {
            Ok(listener) => listener,
            Err(err) => {
                eprintln!("cannot listen on {addr}: {err}");
                return ExitCode::FAILURE;
            }
        };
        let base = format!("http://{}", listener.local_addr().expect("bound"));
        let (env, server) = match fake {
            Fake::OAuth => {
                let provider = gatehouse_fakes::oauth::FakeOAuth::default();
                (provider.gatehouse_env(&base), provider.serve(listener))
            }
            Fake::Stripe {
                webhook_url,
                secrets,
            } => {
                let stripe = FakeStripe::default();
                stripe.set_webhook_endpoint(Endpoint {
                    url: webhook_url,
                    secrets,
                    ..Endpoint::default()
                });
                (stripe.gatehouse_env(&base), stripe.serve(listener))
            }
        };
        // Handlers first: whoever reads the list below may signal at once.
        let signals = Signals::install();
        for (key, value) in env {
            println!("{key}={value}");
        }
        // A blank line ends the list (scripts read up to it).
        println!();
        match server {
            Ok(server) => run(server, signals).await,
            Err(err) => {
                eprintln!("cannot serve: {err}");
                ExitCode::FAILURE
            }
        }
    })
}

/// SIGINT and SIGTERM, listened for from the moment they are installed.
struct Signals {
    interrupt: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
}

impl Signals {
    fn install() -> Self {
        use tokio::signal::unix::{signal, SignalKind};
        Self {
            interrupt: signal(SignalKind::interrupt()).expect("a SIGINT handler"),
            terminate: signal(SignalKind::terminate()).expect("a SIGTERM handler"),
        }
    }
}

async fn run(server: Server, mut signals: Signals) -> ExitCode {
    let handle = server.handle();
    tokio::spawn(async move {
        tokio::select! {
            _ = signals.interrupt.recv() => {}
            _ = signals.terminate.recv() => {}
        }
        handle.stop(true).await;
    });
    match server.await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("{err}");
            ExitCode::FAILURE
        }
    }
}
