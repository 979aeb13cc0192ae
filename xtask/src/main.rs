//! Developer commands. `cargo xtask run` starts Gatehouse on a fresh machine;
//! `cargo xtask test` runs every check CI runs. Both install what they need, idempotently.

mod fuzz;
mod services;
mod tools;
mod util;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use util::{cargo, step, Cmd};

const USAGE: &str = "usage: cargo xtask <command>

commands:
  run       build the SPA, make sure PostgreSQL and Redis run, migrate, seed, serve
  test      install missing tooling, then fmt, clippy, tests, drift checks, Wasm build, e2e,
            hostile input
  openapi   regenerate openapi/gatehouse.json from the code
  schema    regenerate api/src/db/schema.rs from the migrations
  spa       build the SPA's bundles (web/dist and its subdirectories) in release mode
  e2e       build the server and the SPA, then run only the browser tests
            (`e2e dashboard.spec.mjs …`: only those files of e2e/tests)
  hostile   Schemathesis from the OpenAPI document against a seeded server: two tenants
            (no 5xx, no cross-tenant read) and staff (no 5xx)
  bench     run every benchmark (release build) and print each figure beside its target
            (`bench reads spa`: only those; server benches are login, webhooks,
            placement, reads and process, `spa` is the SPA's first page interactive)
  fuzz      every cargo-fuzz target of fuzz/ for a while each (`fuzz 60`: seconds per
            target, default 30; nightly and cargo-fuzz installed when missing); a failing
            input is left in fuzz/artifacts/<target>/

GATEHOUSE_SPA_BUNDLES=admin,support (with spa or e2e): build only those bundles and keep
the others as an earlier build left them in web/dist (for quick rounds while developing;
`test` always builds every bundle)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = workspace_root();
    std::env::set_current_dir(&root).expect("cd to the workspace root");
    util::prepare_env(&root);
    let result = match args.first().map(String::as_str) {
        Some("run") => cmd_run(&root),
        Some("test") => cmd_test(&root),
        Some("openapi") => cmd_openapi(&root),
        Some("schema") => cmd_schema(&root),
        Some("bench") => cmd_bench(&root, &args[1..]),
        Some("fuzz") => fuzz::cmd_fuzz(&root, &args[1..]),
        Some("spa") => tools::ensure_spa_tools(&root).and_then(|()| build_spa(&root)),
        Some("e2e") => cmd_e2e(&root, &args[1..]),
        Some("hostile") => services::ensure_postgres().and_then(|()| hostile(&root)),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("\nxtask: {err}");
            ExitCode::FAILURE
        }
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

fn cmd_run(root: &Path) -> Result<(), String> {
    services::ensure_postgres()?;
    let redis = services::ensure_redis();
    tools::ensure_spa_tools(root)?;
    build_spa(root)?;
    step("building gatehouse");
    cargo(&["build", "-p", "gatehouse", "-p", "gatehouse-fakes"])?;
    let bin = util::target_dir().join("debug/gatehouse");
    let database = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/gatehouse".to_owned());
    services::create_database_if_missing(&database)?;
    let mut env = vec![
        ("DATABASE_URL".to_owned(), database),
        (
            "GATEHOUSE_WEB_DIR".to_owned(),
            root.join("web/dist").display().to_string(),
        ),
    ];
    if redis && std::env::var_os("REDIS_URL").is_none() {
        env.push(("REDIS_URL".to_owned(), "redis://127.0.0.1:6379".to_owned()));
    }
    // No Stripe keys: the fake Stripe (its own checkout page, signed webhooks) stands in,
    // so the whole paid flow works on this machine. Keys in the environment win.
    let mut fake_stripe = None;
    if std::env::var_os("GATEHOUSE_STRIPE_SECRET_KEY").is_none() {
        let addr = std::env::var("GATEHOUSE_ADDR").unwrap_or_else(|_| "127.0.0.1:8080".to_owned());
        step("starting the fake Stripe (no GATEHOUSE_STRIPE_SECRET_KEY set)");
        let (child, stripe_env) = spawn_fake_stripe("127.0.0.1:12111", &addr)?;
        env.extend(stripe_env);
        fake_stripe = Some(child);
    }
    step("migrating and seeding the demo catalog");
    let result = Cmd::new(&bin)
        .arg("migrate")
        .envs(&env)
        .run()
        .and_then(|()| Cmd::new(&bin).arg("seed").envs(&env).run())
        .and_then(|()| {
            step("serving (Ctrl-C stops)");
            Cmd::new(&bin).arg("serve").envs(&env).run()
        });
    if let Some(mut child) = fake_stripe {
        util::terminate(&mut child);
    }
    result
}

fn cmd_test(root: &Path) -> Result<(), String> {
    let started = std::time::Instant::now();
    services::ensure_postgres()?;
    if !services::ensure_redis() {
        return Err("Redis is required by the tests and could not be started".into());
    }
    tools::ensure_all(root)?;

    step("cargo fmt --check");
    cargo(&["fmt", "--all", "--", "--check"])?;
    step("cargo clippy (server crates and tests)");
    cargo(&[
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ])?;
    step("cargo clippy (SPA for wasm32)");
    cargo(&[
        "clippy",
        "-p",
        "gatehouse-web",
        "--target",
        "wasm32-unknown-unknown",
        "--",
        "-D",
        "warnings",
    ])?;
    services::drop_test_databases()?;
    step("cargo test (unit, integration, fuzz corpus replay, OpenAPI and schema drift)");
    cargo(&["test", "--workspace"])?;
    build_bundles(root, None)?;
    e2e(root, &[])?;
    hostile(root)?;
    step(&format!(
        "all checks passed in {} s",
        started.elapsed().as_secs()
    ));
    Ok(())
}

/// The browser tests alone (all, or the `specs` files of e2e/tests), against a fresh
/// build of the server and the SPA.
fn cmd_e2e(root: &Path, specs: &[String]) -> Result<(), String> {
    services::ensure_postgres()?;
    tools::ensure_all(root)?;
    build_spa(root)?;
    e2e(root, specs)
}

/// The server and the fakes (`target/debug/gatehouse`, `…/gatehouse-fakes`) as
/// `cargo test --workspace` builds them for its own tests, with the same features: nothing
/// to do after it. (`cargo build -p gatehouse` resolves features without the
/// dev-dependencies', so it would compile the server and much of what it uses again.)
fn build_servers() -> Result<(), String> {
    cargo(&["test", "--workspace", "--no-run"])
}

/// The SPA's Wasm bundles: (name, Trunk target, dist directory, public URL). Each is one
/// `trunk build` (Trunk builds one HTML page per run) and each has its own size budget.
/// The main app goes first: its build replaces `web/dist` wholesale, the others then
/// land in their subdirectories of it (the server maps their paths there, by
/// `gatehouse_shared::spa::BUNDLES`).
const SPA_BUNDLES: &[(&str, &str, &str, &str)] = &[
    ("main", "web/index.html", "web/dist", "/"),
    (
        "onboarding",
        "web/onboarding.html",
        "web/dist/onboarding",
        "/onboarding/",
    ),
    ("home", "web/home.html", "web/dist/home", "/home/"),
    ("team", "web/team.html", "web/dist/team", "/team/"),
    ("admin", "web/admin.html", "web/dist/admin", "/admin/"),
    (
        "support",
        "web/support.html",
        "web/dist/support",
        "/support/",
    ),
    (
        "catalog",
        "web/catalog.html",
        "web/dist/catalog",
        "/catalog/",
    ),
    (
        "accounts",
        "web/accounts.html",
        "web/dist/accounts",
        "/accounts/",
    ),
];

/// The gzipped size budget of each bundle's Wasm (docs/PERFORMANCE.md).
const SPA_BUDGET: u64 = 300 * 1024;

fn build_spa(root: &Path) -> Result<(), String> {
    build_bundles(root, std::env::var("GATEHOUSE_SPA_BUNDLES").ok().as_deref())
}

/// Builds the bundles named in `only` (comma-separated), or every bundle.
fn build_bundles(root: &Path, only: Option<&str>) -> Result<(), String> {
    let wanted = |name: &str| only.is_none_or(|only| only.split(',').any(|n| n.trim() == name));
    let mut sizes = Vec::new();
    for &(name, target, dist, public_url) in SPA_BUNDLES.iter().filter(|b| wanted(b.0)) {
        step(&format!(
            "building the SPA's {name} bundle (trunk build {target} --release)"
        ));
        Cmd::new("trunk")
            .args([
                "build",
                target,
                // `--release` takes an optional value: never put the target right after it.
                "--release",
                "--dist",
                dist,
                "--public-url",
                public_url,
            ])
            .env("TRUNK_SKIP_VERSION_CHECK", "true")
            .env("NO_COLOR", "true")
            .run()?;
        let dist = root.join(dist);
        let wasm = std::fs::read_dir(&dist)
            .map_err(|err| format!("reading {}: {err}", dist.display()))?
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .find(|path| path.extension().is_some_and(|ext| ext == "wasm"))
            .ok_or_else(|| format!("trunk produced no .wasm file for the {name} bundle"))?;
        let raw = std::fs::metadata(&wasm).map(|m| m.len()).unwrap_or(0);
        let gzipped = util::gzip_size(&wasm)?;
        sizes.push((name, raw, gzipped));
    }
    let mut over = Vec::new();
    for &(name, raw, gzipped) in &sizes {
        println!(
            "SPA Wasm ({name}): {raw} B raw ({} KiB), {gzipped} B gzip -9 ({} KiB; budget {} KiB gzipped)",
            raw / 1024,
            gzipped / 1024,
            SPA_BUDGET / 1024
        );
        if gzipped > SPA_BUDGET {
            over.push(format!(
                "the {name} bundle's Wasm is {gzipped} bytes gzipped, over the 300 KiB budget"
            ));
        }
    }
    if over.is_empty() {
        Ok(())
    } else {
        Err(over.join("; "))
    }
}

/// A seeded Gatehouse on a free port with a fresh database, the fake Stripe (so checkouts
/// work and its webhooks arrive) and fake OAuth providers: what the browser tests and the
/// hostile-input run talk to. Stopped (gracefully) when dropped.
struct Stack {
    base: String,
    database: String,
    children: Vec<std::process::Child>,
}

impl Stack {
    /// `name` names the run's database; `env` is added to the server's environment.
    fn start(root: &Path, name: &str, env: &[(&str, &str)]) -> Result<Self, String> {
        build_servers()?;
        let bin = util::target_dir().join("debug/gatehouse");
        let mut stack = Self {
            base: String::new(),
            database: String::new(),
            children: Vec::new(),
        };
        // Fake Google and GitHub for the "Continue with …" buttons.
        let (fake_oauth, oauth_env) = util::spawn_reporting_env(
            &util::target_dir().join("debug/gatehouse-fakes"),
            &["oauth", "--addr", "127.0.0.1:0"],
        )?;
        stack.children.push(fake_oauth);
        // On a free port: two runs on one machine never collide.
        let port = util::free_port()?;
        let (fake_stripe, stripe_env) =
            spawn_fake_stripe("127.0.0.1:0", &format!("127.0.0.1:{port}"))?;
        stack.children.push(fake_stripe);
        // One database per run, so two checkouts can run side by side.
        stack.database =
            services::fresh_database(&format!("gatehouse_test_{name}_{}", std::process::id()))?;
        let mut server_env = vec![
            ("DATABASE_URL".to_owned(), stack.database.clone()),
            // Short polls so emails reach the outbox quickly.
            ("GATEHOUSE_WORKER_POLL_MS".to_owned(), "100".to_owned()),
            (
                "GATEHOUSE_WEB_DIR".to_owned(),
                root.join("web/dist").display().to_string(),
            ),
            // No REDIS_URL: the in-process limiter starts empty with every run, so sign-ins
            // from 127.0.0.1 in one run never throttle the next.
            ("GATEHOUSE_LOG".to_owned(), "warn".to_owned()),
        ];
        server_env.extend(stripe_env);
        server_env.extend(env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        Cmd::new(&bin).arg("migrate").envs(&server_env).run()?;
        // Seeding also creates the catalog's products and prices in the fake Stripe.
        Cmd::new(&bin).arg("seed").envs(&server_env).run()?;
        let server = Cmd::new(&bin)
            .arg("serve")
            .envs(&server_env)
            .envs(&oauth_env)
            .env("GATEHOUSE_ADDR", format!("127.0.0.1:{port}"))
            .spawn()?;
        stack.children.push(server);
        stack.base = format!("http://127.0.0.1:{port}");
        util::wait_for_http(&format!("127.0.0.1:{port}"), "/health")?;
        Ok(stack)
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        // The server first, so it stops while the fakes still answer.
        for child in self.children.iter_mut().rev() {
            util::terminate(child);
        }
    }
}

/// Serves the built SPA with a fresh, seeded database and runs the browser tests (all of
/// them, or the `specs` files of e2e/tests).
fn e2e(root: &Path, specs: &[String]) -> Result<(), String> {
    step("e2e: serving a seeded Gatehouse for the browser tests");
    // Each browser and test file says who it is with X-Forwarded-For (e2e/lib/browser.mjs),
    // so the sign-in throttle per client address sees many clients, as in production.
    let stack = Stack::start(root, "e2e", &[("GATEHOUSE_TRUSTED_PROXIES", "127.0.0.1")])?;
    step("e2e: browser tests (headless Chromium)");
    let runner = if specs.is_empty() {
        Cmd::new("npm").args(["test"])
    } else {
        Cmd::new("node")
            .arg("--test")
            .args(specs.iter().map(|spec| format!("tests/{spec}")))
    };
    runner
        .current_dir(root.join("e2e"))
        .env("GATEHOUSE_E2E_URL", &stack.base)
        // The tests read the development outbox (emails) from it.
        .env("GATEHOUSE_E2E_DATABASE_URL", &stack.database)
        .run()
}

/// Hostile input generated from the committed OpenAPI document (Schemathesis, in
/// `e2e/schemathesis/run.py`) against a seeded Gatehouse: two tenants and a staff member;
/// no 5xx and no cross-tenant read.
fn hostile(root: &Path) -> Result<(), String> {
    let python = tools::ensure_schemathesis(root)?;
    step("hostile input: serving a seeded Gatehouse for Schemathesis");
    let stack = Stack::start(
        root,
        "hostile",
        &[
            // Tokens outlive the run; staff fuzz the admin API without a second factor.
            ("GATEHOUSE_ACCESS_TOKEN_MINUTES", "120"),
            ("GATEHOUSE_STAFF_MFA_REQUIRED", "false"),
        ],
    )?;
    step("hostile input: Schemathesis as two tenants, then as staff");
    let dir = std::env::temp_dir().join(format!("gatehouse-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|err| format!("{}: {err}", dir.display()))?;
    let result = Cmd::new(&python)
        .arg(root.join("e2e/schemathesis/run.py"))
        .current_dir(&dir)
        .env("GATEHOUSE_HOSTILE_URL", &stack.base)
        .env("GATEHOUSE_BIN", util::target_dir().join("debug/gatehouse"))
        .env("DATABASE_URL", &stack.database)
        .run();
    if result.is_ok() {
        let _ = std::fs::remove_dir_all(&dir);
    } else {
        eprintln!("reports kept in {}", dir.join("report").display());
    }
    result
}

/// The fake Stripe listening on `listen`, delivering signed webhooks to Gatehouse at `addr`;
/// returns it with the environment that points Gatehouse at it.
fn spawn_fake_stripe(
    listen: &str,
    addr: &str,
) -> Result<(std::process::Child, Vec<(String, String)>), String> {
    util::spawn_reporting_env(
        &util::target_dir().join("debug/gatehouse-fakes"),
        &[
            "stripe",
            "--addr",
            listen,
            "--webhook-url",
            &format!("http://{addr}/api/v1/webhooks/stripe"),
        ],
    )
}

/// The server benches in `api/benches/`; `spa` is the SPA's, in `e2e/bench/`.
const SERVER_BENCHES: &[&str] = &["login", "webhooks", "placement", "reads", "process"];

fn cmd_bench(root: &Path, only: &[String]) -> Result<(), String> {
    if let Some(unknown) = only
        .iter()
        .find(|name| *name != "spa" && !SERVER_BENCHES.contains(&name.as_str()))
    {
        return Err(format!(
            "no bench named {unknown}: {} or spa",
            SERVER_BENCHES.join(", ")
        ));
    }
    let chosen = |name: &str| only.is_empty() || only.iter().any(|o| o == name);
    services::ensure_postgres()?;
    step("benchmarks (release build; figures and targets below)");
    for bench in SERVER_BENCHES.iter().filter(|bench| chosen(bench)) {
        cargo(&["bench", "-p", "gatehouse", "--bench", bench])?;
    }
    if !chosen("spa") {
        return Ok(());
    }
    step("benchmark: the SPA's size and first page interactive in headless Chromium");
    tools::ensure_all(root)?;
    build_spa(root)?;
    let stack = Stack::start(root, "bench", &[])?;
    Cmd::new("node")
        .arg("bench/interactive.mjs")
        .current_dir(root.join("e2e"))
        .env("GATEHOUSE_E2E_URL", &stack.base)
        .run()
}

fn cmd_openapi(root: &Path) -> Result<(), String> {
    step("regenerating openapi/gatehouse.json");
    cargo(&["build", "-p", "gatehouse"])?;
    let bin = util::target_dir().join("debug/gatehouse");
    let json = Cmd::new(&bin).arg("openapi").output()?;
    std::fs::write(root.join("openapi/gatehouse.json"), json)
        .map_err(|err| format!("writing openapi/gatehouse.json: {err}"))?;
    println!("wrote openapi/gatehouse.json");
    Ok(())
}

fn cmd_schema(root: &Path) -> Result<(), String> {
    services::ensure_postgres()?;
    tools::ensure_diesel()?;
    cargo(&["build", "-p", "gatehouse"])?;
    let bin = util::target_dir().join("debug/gatehouse");
    let database = services::fresh_database("gatehouse_test_schema")?;
    Cmd::new(&bin)
        .arg("migrate")
        .env("DATABASE_URL", &database)
        .run()?;
    let printed = Cmd::new("diesel")
        .args(["print-schema", "--database-url", &database])
        .output()?;
    std::fs::write(root.join("api/src/db/schema.rs"), printed)
        .map_err(|err| format!("writing schema.rs: {err}"))?;
    println!("wrote api/src/db/schema.rs");
    Ok(())
}
