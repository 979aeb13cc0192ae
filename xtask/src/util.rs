//! Small process helpers (std only, so the xtask builds in seconds).

use std::ffi::OsStr;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub fn step(message: &str) {
    println!("\n==> {message}");
}

/// The cargo target directory: `CARGO_TARGET_DIR`, or one outside the clone so fresh
/// clones (CI) reuse earlier builds.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| home().join(".cache/gatehouse/target"))
}

pub fn home() -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/root"))
}

/// Sets up the environment every child inherits: the shared target dir, and the npm
/// tools (wasm-opt from binaryen) ahead of the system's on PATH.
pub fn prepare_env(root: &Path) {
    std::env::set_var("CARGO_TARGET_DIR", target_dir());
    let mut paths = vec![
        root.join("e2e/node_modules/.bin"),
        home().join(".cargo/bin"),
    ];
    if let Some(existing) = std::env::var_os("PATH") {
        paths.extend(std::env::split_paths(&existing));
    }
    if let Ok(joined) = std::env::join_paths(paths) {
        std::env::set_var("PATH", joined);
    }
}

pub struct Cmd {
    command: Command,
    shown: String,
}

impl Cmd {
    pub fn new(program: impl AsRef<OsStr>) -> Self {
        let shown = program.as_ref().to_string_lossy().into_owned();
        Self {
            command: Command::new(program),
            shown,
        }
    }

    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.shown.push(' ');
        self.shown.push_str(&arg.as_ref().to_string_lossy());
        self.command.arg(arg);
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        for arg in args {
            self = self.arg(arg);
        }
        self
    }

    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.command.env(key, value);
        self
    }

    pub fn envs(mut self, vars: &[(String, String)]) -> Self {
        for (key, value) in vars {
            self.command.env(key, value);
        }
        self
    }

    pub fn current_dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.command.current_dir(dir);
        self
    }

    /// Runs to completion, output streaming through; an error names the command.
    pub fn run(mut self) -> Result<(), String> {
        let status = self
            .command
            .status()
            .map_err(|err| format!("cannot start `{}`: {err}", self.shown))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("`{}` failed ({status})", self.shown))
        }
    }

    /// Runs to completion with stderr streaming through and also returned (for the
    /// figures a tool prints there).
    pub fn run_keeping_stderr(mut self) -> (Result<(), String>, String) {
        use std::io::BufRead;
        let mut child = match self.command.stderr(Stdio::piped()).spawn() {
            Ok(child) => child,
            Err(err) => {
                return (
                    Err(format!("cannot start `{}`: {err}", self.shown)),
                    String::new(),
                )
            }
        };
        let mut kept = String::new();
        if let Some(stderr) = child.stderr.take() {
            for line in std::io::BufReader::new(stderr)
                .split(b'\n')
                .map_while(Result::ok)
            {
                let line = String::from_utf8_lossy(&line);
                eprintln!("{line}");
                kept.push_str(&line);
                kept.push('\n');
            }
        }
        let result = match child.wait() {
            Ok(status) if status.success() => Ok(()),
            Ok(status) => Err(format!("`{}` failed ({status})", self.shown)),
            Err(err) => Err(format!("`{}`: {err}", self.shown)),
        };
        (result, kept)
    }

    /// Runs quietly; true when it exits 0.
    pub fn succeeds(mut self) -> bool {
        self.command
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    /// Runs and returns stdout.
    pub fn output(mut self) -> Result<Vec<u8>, String> {
        let output = self
            .command
            .stderr(Stdio::inherit())
            .output()
            .map_err(|err| format!("cannot start `{}`: {err}", self.shown))?;
        if output.status.success() {
            Ok(output.stdout)
        } else {
            Err(format!("`{}` failed ({})", self.shown, output.status))
        }
    }

    pub fn stdout_text(self) -> Option<String> {
        let mut command = self.command;
        let output = command.stderr(Stdio::null()).output().ok()?;
        output
            .status
            .success()
            .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
    }

    pub fn spawn(mut self) -> Result<Child, String> {
        self.command
            .spawn()
            .map_err(|err| format!("cannot start `{}`: {err}", self.shown))
    }
}

pub fn cargo(args: &[&str]) -> Result<(), String> {
    Cmd::new("cargo").args(args).run()
}

pub fn free_port() -> Result<u16, String> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|err| format!("no free port: {err}"))
}

/// Polls `GET path` on `addr` until it answers 200 (at most 60 s).
pub fn wait_for_http(addr: &str, path: &str) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Ok(mut stream) = TcpStream::connect(addr) {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let request =
                format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
            if stream.write_all(request.as_bytes()).is_ok() {
                let mut response = String::new();
                let _ = stream.read_to_string(&mut response);
                if response.starts_with("HTTP/1.1 200") {
                    return Ok(());
                }
            }
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    Err(format!(
        "http://{addr}{path} did not answer 200 within 60 s"
    ))
}

/// Starts `program`, which prints `KEY=VALUE` lines and then a blank line before it
/// serves; returns the child and those variables.
pub fn spawn_reporting_env(
    program: &Path,
    args: &[&str],
) -> Result<(Child, Vec<(String, String)>), String> {
    use std::io::BufRead;
    let mut child = Command::new(program)
        .args(args)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .map_err(|err| format!("cannot start {}: {err}", program.display()))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut env = Vec::new();
    for line in std::io::BufReader::new(stdout).lines() {
        let line = line.map_err(|err| format!("reading {}: {err}", program.display()))?;
        match line.split_once('=') {
            Some((key, value)) => env.push((key.to_owned(), value.to_owned())),
            None if line.is_empty() => return Ok((child, env)),
            None => {}
        }
    }
    terminate(&mut child);
    Err(format!("{} stopped before it was ready", program.display()))
}

/// SIGTERM, then wait (the server stops gracefully).
pub fn terminate(child: &mut Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
}

/// Size of the file after `gzip -9`.
pub fn gzip_size(path: &Path) -> Result<u64, String> {
    let output = Command::new("gzip")
        .args(["-9", "-c"])
        .arg(path)
        .output()
        .map_err(|err| format!("gzip: {err}"))?;
    Ok(output.stdout.len() as u64)
}
