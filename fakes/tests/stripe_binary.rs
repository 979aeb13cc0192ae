//! `gatehouse-fakes stripe` prints Gatehouse's environment, serves, and stops on SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[test]
fn the_stripe_subcommand_prints_gatehouses_environment_then_serves_until_sigterm() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_gatehouse-fakes"))
        .args([
            "stripe",
            "--addr",
            "127.0.0.1:0",
            "--webhook-secret",
            "whsec_one",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut env = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        if line.is_empty() {
            break;
        }
        env.push(
            line.split_once('=')
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .unwrap(),
        );
    }
    let keys: Vec<&str> = env.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        [
            "GATEHOUSE_STRIPE_API_BASE",
            "GATEHOUSE_STRIPE_SECRET_KEY",
            "GATEHOUSE_STRIPE_WEBHOOK_SECRETS"
        ]
    );
    assert!(env[0].1.starts_with("http://127.0.0.1:"));
    assert!(env[1].1.starts_with("sk_test_"));
    assert_eq!(env[2].1, "whsec_one");
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    assert!(child.wait().unwrap().success(), "a clean exit on SIGTERM");
}
