//! `cargo xtask fuzz [seconds-per-target]`: every cargo-fuzz target of `fuzz/` for a while
//! each, on nightly with AddressSanitizer and debug assertions. Installs nightly and
//! cargo-fuzz when missing; builds in its own target directory (`<target dir>-nightly`), so
//! the stable builds stay warm. What libFuzzer finds interesting goes to a scratch corpus
//! next to that build (`corpus/<target>`), never into the committed seeds
//! (`fuzz/corpus/<target>`, read as a second corpus); a failing input is left under
//! `fuzz/artifacts/<target>/`, and the command fails after the other targets ran.

use std::path::{Path, PathBuf};

use crate::util::{step, target_dir, Cmd};

/// Seconds per target when none are given.
pub const DEFAULT_SECONDS: u64 = 30;
const CARGO_FUZZ_VERSION: &str = "0.13.2";
/// A single input that takes longer than this is a failure (a hang), not slowness.
const INPUT_TIMEOUT_SECS: u64 = 10;

pub fn cmd_fuzz(root: &Path, args: &[String]) -> Result<(), String> {
    let seconds =
        match args.first() {
            None => DEFAULT_SECONDS,
            Some(text) => text.parse::<u64>().ok().filter(|s| *s > 0).ok_or_else(|| {
                format!("seconds per target must be a positive number, not {text:?}")
            })?,
        };
    ensure_nightly()?;
    ensure_cargo_fuzz()?;
    let build_dir = PathBuf::from(format!("{}-nightly", target_dir().display()));
    let fuzz = |subcommand: &str| {
        Cmd::new("cargo")
            .args(["+nightly", "fuzz", subcommand, "--fuzz-dir"])
            .arg(root.join("fuzz"))
            .arg("--target-dir")
            .arg(&build_dir)
            .current_dir(root)
    };
    step("building the fuzz targets (nightly, AddressSanitizer, debug assertions)");
    fuzz("build").arg("--debug-assertions").run()?;
    let listed = Cmd::new("cargo")
        .args(["+nightly", "fuzz", "list", "--fuzz-dir"])
        .arg(root.join("fuzz"))
        .stdout_text()
        .ok_or("`cargo fuzz list` failed")?;
    let targets: Vec<&str> = listed
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let mut summary = Vec::new();
    let mut failed = Vec::new();
    for target in &targets {
        step(&format!("fuzzing {target} for {seconds} s"));
        let scratch = build_dir.join("corpus").join(target);
        std::fs::create_dir_all(&scratch).map_err(|err| format!("{}: {err}", scratch.display()))?;
        let (result, stderr) = fuzz("run")
            .arg("--debug-assertions")
            .arg(target)
            .arg(&scratch)
            .arg(root.join("fuzz/corpus").join(target))
            .arg("--")
            .arg(format!("-max_total_time={seconds}"))
            .arg(format!("-timeout={INPUT_TIMEOUT_SECS}"))
            .arg("-print_final_stats=1")
            .run_keeping_stderr();
        let stat = |name: &str| {
            stderr
                .lines()
                .find_map(|line| line.strip_prefix(&format!("stat::{name}:")))
                .map_or_else(|| "?".to_owned(), |value| value.trim().to_owned())
        };
        let corpus = std::fs::read_dir(&scratch).map_or(0, Iterator::count);
        let outcome = match &result {
            Ok(()) => "ok".to_owned(),
            Err(_) => {
                failed.push(*target);
                format!("FAILED, input in fuzz/artifacts/{target}/")
            }
        };
        summary.push(format!(
            "{target}: {} runs, {} execs/s, {corpus} corpus files: {outcome}",
            stat("number_of_executed_units"),
            stat("average_exec_per_sec"),
        ));
    }
    step(&format!("fuzzing summary ({seconds} s per target)"));
    for line in &summary {
        println!("{line}");
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "fuzzing failed for {}: fix the product, then keep the input as a seed \
             (fuzz/corpus/<target>/) so the stable replay test covers it",
            failed.join(", ")
        ))
    }
}

fn ensure_nightly() -> Result<(), String> {
    if Cmd::new("cargo").args(["+nightly", "--version"]).succeeds() {
        return Ok(());
    }
    step("installing the nightly toolchain (cargo-fuzz needs it)");
    Cmd::new("rustup")
        .args(["toolchain", "install", "nightly", "--profile", "minimal"])
        .run()
}

fn ensure_cargo_fuzz() -> Result<(), String> {
    let version = Cmd::new("cargo")
        .args(["+nightly", "fuzz", "--version"])
        .stdout_text()
        .unwrap_or_default();
    if version.ends_with(CARGO_FUZZ_VERSION) {
        return Ok(());
    }
    step(&format!("installing cargo-fuzz {CARGO_FUZZ_VERSION}"));
    crate::tools::cargo_install(&["cargo-fuzz", "--version", CARGO_FUZZ_VERSION, "--locked"])
}
