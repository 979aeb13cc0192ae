//! `gatehouse-fakes oauth [--addr 127.0.0.1:9100]`: serves the fake OAuth providers until
//! interrupted. Point Gatehouse at it with the variables it prints.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let addr = match args.as_slice() {
        [cmd] if cmd == "oauth" => "127.0.0.1:9100".to_owned(),
        [cmd, flag, addr] if cmd == "oauth" && flag == "--addr" => addr.clone(),
        _ => {
            eprintln!("usage: gatehouse-fakes oauth [--addr HOST:PORT]");
            return ExitCode::from(2);
        }
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
        let provider = gatehouse_fakes::oauth::FakeOAuth::default();
        let base = format!("http://{}", listener.local_addr().expect("bound"));
        for (key, value) in provider.gatehouse_env(&base) {
            println!("{key}={value}");
        }
        // A blank line ends the list (scripts read up to it).
        println!();
        let server = match provider.serve(listener) {
            Ok(server) => server,
            Err(err) => {
                eprintln!("cannot serve: {err}");
                return ExitCode::FAILURE;
            }
        };
        let handle = server.handle();
        tokio::spawn(async move {
            _ = tokio::signal::ctrl_c().await;
            handle.stop(true).await;
        });
        match server.await {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("{err}");
                ExitCode::FAILURE
            }
        }
    })
}
