//! Tooling the checks need, installed only when missing or at the wrong version.

use std::path::Path;

use crate::util::{step, Cmd};

const TRUNK_VERSION: &str = "0.21.14";
const DIESEL_CLI_VERSION: &str = "2.3.14";

/// Builds tools with a fast release profile: they run seconds, compiling them is minutes.
pub fn cargo_install(args: &[&str]) -> Result<(), String> {
    Cmd::new("cargo")
        .arg("install")
        .args(args)
        .env("CARGO_PROFILE_RELEASE_LTO", "off")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16")
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "1")
        // Tools build in their own target dir, not the project's.
        .env(
            "CARGO_TARGET_DIR",
            crate::util::home().join(".cache/gatehouse/tools-target"),
        )
        .run()
}

pub fn ensure_all(root: &Path) -> Result<(), String> {
    ensure_spa_tools(root)?;
    ensure_diesel()?;
    ensure_chromium()
}

/// Everything `trunk build --release` needs.
pub fn ensure_spa_tools(root: &Path) -> Result<(), String> {
    ensure_components()?;
    ensure_wasm_target()?;
    ensure_trunk()?;
    ensure_wasm_bindgen(root)?;
    ensure_npm_packages(root)
}

fn ensure_components() -> Result<(), String> {
    let fmt = Cmd::new("cargo").args(["fmt", "--version"]).succeeds();
    let clippy = Cmd::new("cargo").args(["clippy", "--version"]).succeeds();
    if fmt && clippy {
        return Ok(());
    }
    step("installing rustfmt and clippy");
    Cmd::new("rustup")
        .args(["component", "add", "rustfmt", "clippy"])
        .run()
}

fn ensure_wasm_target() -> Result<(), String> {
    let installed = Cmd::new("rustup")
        .args(["target", "list", "--installed"])
        .stdout_text()
        .unwrap_or_default();
    if installed
        .lines()
        .any(|t| t.trim() == "wasm32-unknown-unknown")
    {
        return Ok(());
    }
    step("installing the wasm32-unknown-unknown target");
    Cmd::new("rustup")
        .args(["target", "add", "wasm32-unknown-unknown"])
        .run()
}

fn ensure_trunk() -> Result<(), String> {
    let version = Cmd::new("trunk")
        .arg("--version")
        .stdout_text()
        .unwrap_or_default();
    if version.ends_with(TRUNK_VERSION) {
        return Ok(());
    }
    step(&format!("installing trunk {TRUNK_VERSION}"));
    cargo_install(&["trunk", "--version", TRUNK_VERSION, "--locked"])
}

/// wasm-bindgen-cli must equal the wasm-bindgen in Cargo.lock.
fn ensure_wasm_bindgen(root: &Path) -> Result<(), String> {
    let lock =
        std::fs::read_to_string(root.join("Cargo.lock")).map_err(|e| format!("Cargo.lock: {e}"))?;
    let wanted = lock
        .split("[[package]]")
        .find(|block| block.contains("name = \"wasm-bindgen\"\n"))
        .and_then(|block| block.lines().find_map(|l| l.strip_prefix("version = \"")))
        .map(|v| v.trim_end_matches('"').to_owned())
        .ok_or("wasm-bindgen is not in Cargo.lock")?;
    let have = Cmd::new("wasm-bindgen")
        .arg("--version")
        .stdout_text()
        .unwrap_or_default();
    if have.split_whitespace().nth(1) == Some(wanted.as_str()) {
        return Ok(());
    }
    step(&format!("installing wasm-bindgen-cli {wanted}"));
    // Not --locked: its lockfile wants a crate version the registry lacks.
    cargo_install(&["wasm-bindgen-cli", "--version", &wanted])
}

pub fn ensure_diesel() -> Result<(), String> {
    let version = Cmd::new("diesel")
        .arg("--version")
        .stdout_text()
        .unwrap_or_default();
    if version.contains(DIESEL_CLI_VERSION) {
        return Ok(());
    }
    if !Path::new("/usr/include/postgresql/libpq-fe.h").exists() {
        apt_install(&["libpq-dev"])?;
    }
    step(&format!(
        "installing diesel_cli {DIESEL_CLI_VERSION} (schema drift check)"
    ));
    cargo_install(&[
        "diesel_cli",
        "--version",
        DIESEL_CLI_VERSION,
        "--no-default-features",
        "--features",
        "postgres",
        "--locked",
    ])
}

fn ensure_chromium() -> Result<(), String> {
    if Path::new("/usr/bin/chromium").exists() {
        return Ok(());
    }
    apt_install(&["chromium"])
}

fn apt_install(packages: &[&str]) -> Result<(), String> {
    step(&format!("installing {} (apt-get)", packages.join(" ")));
    Cmd::new("apt-get")
        .arg("update")
        .env("DEBIAN_FRONTEND", "noninteractive")
        .run()?;
    Cmd::new("apt-get")
        .args(["install", "-y", "--no-install-recommends"])
        .args(packages)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .run()
}

/// `npm ci` in e2e/ when node_modules is missing or older than the lockfile.
fn ensure_npm_packages(root: &Path) -> Result<(), String> {
    let e2e = root.join("e2e");
    let marker = e2e.join("node_modules/.package-lock.json");
    let lock = e2e.join("package-lock.json");
    let fresh = match (std::fs::metadata(&marker), std::fs::metadata(&lock)) {
        (Ok(m), Ok(l)) => m.modified().ok() >= l.modified().ok(),
        _ => false,
    };
    if fresh {
        return Ok(());
    }
    step("installing node packages (e2e/: playwright-core, binaryen)");
    Cmd::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(&e2e)
        .run()
}

/// A Python virtual environment (`~/.cache/gatehouse/venv`) with Schemathesis at the
/// version `e2e/schemathesis/requirements.txt` pins; its interpreter.
pub fn ensure_schemathesis(root: &Path) -> Result<std::path::PathBuf, String> {
    let venv = crate::util::home().join(".cache/gatehouse/venv");
    let python = venv.join("bin/python");
    let requirements = root.join("e2e/schemathesis/requirements.txt");
    let wanted = std::fs::read_to_string(&requirements)
        .map_err(|err| format!("{}: {err}", requirements.display()))?;
    let marker = venv.join("gatehouse-requirements.txt");
    if std::fs::read_to_string(&marker).ok().as_deref() == Some(wanted.as_str()) {
        return Ok(python);
    }
    step("installing Schemathesis (Python virtual environment in ~/.cache/gatehouse/venv)");
    if !python.exists() {
        Cmd::new("python3").args(["-m", "venv"]).arg(&venv).run()?;
    }
    Cmd::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
        ])
        .arg(&requirements)
        .run()?;
    std::fs::write(&marker, wanted).map_err(|err| format!("{}: {err}", marker.display()))?;
    Ok(python)
}
