//! The benchmark driver behind `bench/run` (see bench/README.md). Not a test and not part of CI.
//!
//! For each N it creates a fresh emulator account, writes a spec of N repositories plus the
//! standard IAM set of `init`, and runs the release CLI as a child process for each phase,
//! measuring wall time, API calls (the JSON `stats`) and the child's peak RSS (wait4). The floor
//! is the same reads a converged plan makes, issued in-process by bare SDK clients at the same
//! concurrency: what the emulator itself allows.
//!
//! With `--targets AxR` it also measures one spec over A accounts (each reached through an
//! assumed role) × R regions, against A × R times the single-target figures at the same N.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use clap::{CommandFactory, Parser};
use futures::{StreamExt, stream};
use rand::Rng;
use serde_json::{Value, json};

const REGION: &str = "ap-southeast-1";
const PREFIX: &str = "betekk";
const SCHEMA_VERSION: u32 = 1;

#[derive(Parser)]
#[command(about = "Benchmark betekk-ecr against an emulator (run it through bench/run)")]
struct Args {
    /// Spec sizes (repositories)
    #[arg(default_values_t = [1usize, 10, 100, 1000])]
    sizes: Vec<usize>,
    #[arg(long, env = "BENCH_ENDPOINT")]
    endpoint: String,
    /// The release CLI binary
    #[arg(long, default_value = "target/release/betekk-ecr")]
    bin: PathBuf,
    /// Where to write the results
    #[arg(long, default_value = "bench/results.json")]
    out: PathBuf,
    /// Runs of each read-only phase (and of the floor); the median is reported
    #[arg(long, default_value_t = 3)]
    repeat: usize,
    /// Parallelism for every phase; default: the CLI's own default
    #[arg(long)]
    parallelism: Option<u16>,
    /// Sweep plan and floor over these parallelism values at the N of --sweep-at
    #[arg(long, value_delimiter = ',', default_value = "1,2,4,8,16,32")]
    sweep: Vec<u16>,
    /// The N of the parallelism sweep: default the largest N run; 0 (or an N not run) skips it
    #[arg(long)]
    sweep_at: Option<usize>,
    /// Also measure one spec over A accounts (targets through an assumed role) × R regions,
    /// e.g. 3x2, against A × R times the single-target run at the same N
    #[arg(long, value_name = "AxR", value_parser = parse_fanout)]
    targets: Option<Fanout>,
    /// The N of the --targets case: default the largest N (added to the sizes if not among them)
    #[arg(long)]
    targets_n: Option<usize>,
}

/// Accounts × regions of the `--targets` case.
#[derive(Clone, Copy, Debug)]
struct Fanout {
    accounts: usize,
    regions: usize,
}

impl Fanout {
    fn units(self) -> usize {
        self.accounts * self.regions
    }

    fn label(self) -> String {
        format!("{}x{}", self.accounts, self.regions)
    }
}

/// The regions of the `--targets` case, in this order.
const FANOUT_REGIONS: &[&str] = &[
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-northeast-1",
    "eu-west-1",
    "us-east-1",
    "us-west-2",
];

fn parse_fanout(s: &str) -> Result<Fanout, String> {
    let (a, r) = s
        .split_once(['x', 'X'])
        .ok_or_else(|| format!("expected ACCOUNTSxREGIONS (e.g. 3x2), not {s:?}"))?;
    let number = |t: &str| t.trim().parse::<usize>().ok().filter(|&n| n > 0);
    match (number(a), number(r)) {
        (Some(accounts), Some(regions)) if regions <= FANOUT_REGIONS.len() => {
            Ok(Fanout { accounts, regions })
        }
        (Some(_), Some(_)) => Err(format!("at most {} regions", FANOUT_REGIONS.len())),
        _ => Err(format!(
            "expected ACCOUNTSxREGIONS, both at least 1 (e.g. 3x2), not {s:?}"
        )),
    }
}

/// One run of the CLI.
struct ChildRun {
    wall: Duration,
    code: i32,
    max_rss_kb: i64,
    /// User plus system CPU time of the child.
    cpu: Duration,
    json: Value,
    stderr: String,
}

fn main() {
    let mut args = Args::parse();
    let targets_n = args.targets.map(|_| {
        let n = args
            .targets_n
            .unwrap_or_else(|| args.sizes.iter().copied().max().unwrap_or(1));
        if !args.sizes.contains(&n) {
            args.sizes.push(n);
        }
        n
    });
    let rt = tokio::runtime::Runtime::new().expect("tokio runtime");
    let parallelism = args.parallelism.unwrap_or_else(cli_default_parallelism);
    let has_drift = Command::new(&args.bin)
        .args(["drift", "--help"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !has_drift {
        eprintln!("bench: `betekk-ecr drift --help` fails: skipping the drift phase");
    }

    let sweep_at = args
        .sweep_at
        .unwrap_or_else(|| args.sizes.iter().copied().max().unwrap_or(0));
    warm_up(&args, parallelism);

    let mut rows: Vec<Value> = Vec::new();
    let mut sweep: Vec<Value> = Vec::new();
    for &n in &args.sizes {
        let account = random_account();
        let dir = std::env::temp_dir().join(format!("betekk-bench-{account}"));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        let spec = dir.join("spec.yaml");
        std::fs::write(&spec, spec_text(n)).expect("write spec");
        let bench = Bench {
            args: &args,
            account: &account,
            spec: &spec,
        };
        eprintln!("bench: N={n} account {account}, parallelism {parallelism}");

        let apply = bench.cli(&["apply", "--yes"], parallelism);
        check(&apply, "apply from empty", &[0]);
        rows.push(row(n, "apply from empty", &[apply], None));

        let plans = bench.repeat(|| bench.cli(&["plan"], parallelism));
        for p in &plans {
            check(p, "converged plan", &[0]);
            let changes = changes_of(&p.json);
            if changes > 0 {
                eprintln!("bench: N={n}: the plan after apply is not empty ({changes} changes)");
            }
        }
        let expected = plans[0].json["stats"]["by_operation"].clone();
        let floors = bench.repeat(|| rt.block_on(floor(&bench, parallelism)));
        if floors[0].1 != expected {
            eprintln!(
                "bench: N={n}: the floor's calls {} differ from the plan's {expected}",
                floors[0].1
            );
        }
        let floor_median = median(floors.iter().map(|f| f.0).collect());
        let floor_cpu = median(floors.iter().map(|f| f.2).collect());
        eprintln!(
            "bench: N={n}: floor {:.3}s, {:.3} CPU-s in the client",
            floor_median.as_secs_f64(),
            floor_cpu.as_secs_f64()
        );
        let mut plan_row = row(n, "converged plan", &plans, Some(floor_median));
        plan_row["floor_cpu_s"] = json!(floor_cpu.as_secs_f64());
        rows.push(plan_row);

        let noops = bench.repeat(|| bench.cli(&["apply", "--yes"], parallelism));
        noops.iter().for_each(|r| check(r, "no-op apply", &[0]));
        rows.push(row(n, "no-op apply", &noops, Some(floor_median)));

        if has_drift {
            let drifts = bench.repeat(|| bench.cli(&["drift"], parallelism));
            drifts.iter().for_each(|r| check(r, "drift", &[0, 2]));
            rows.push(row(n, "drift", &drifts, Some(floor_median)));
        }

        if n == sweep_at {
            for &p in &args.sweep {
                let plans = bench.repeat(|| bench.cli(&["plan"], p));
                let floors = bench.repeat(|| rt.block_on(floor(&bench, p)));
                let plan_s = median(plans.iter().map(|r| r.wall).collect());
                let floor_s = median(floors.iter().map(|f| f.0).collect());
                eprintln!(
                    "bench: sweep N={n} parallelism {p}: plan {:.3}s floor {:.3}s",
                    plan_s.as_secs_f64(),
                    floor_s.as_secs_f64()
                );
                sweep.push(json!({
                    "n": n,
                    "parallelism": p,
                    "plan_s": plan_s.as_secs_f64(),
                    "floor_s": floor_s.as_secs_f64(),
                    "ratio": plan_s.as_secs_f64() / floor_s.as_secs_f64(),
                }));
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    let mut fanout_rows: Vec<Value> = Vec::new();
    if let (Some(fanout), Some(n)) = (args.targets, targets_n) {
        fanout_rows = fanout_case(&args, fanout, n, parallelism, has_drift, &rows);
    }

    print_table(&rows, &sweep);
    print_fanout_table(&fanout_rows);
    let doc = json!({
        "schema_version": SCHEMA_VERSION,
        "machine": machine(),
        "parallelism": parallelism,
        "repeat": args.repeat,
        "drift_measured": has_drift,
        "measurements": rows,
        "parallelism_sweep": sweep,
        "targets_case": fanout_rows,
    });
    std::fs::write(
        &args.out,
        serde_json::to_string_pretty(&doc).expect("json") + "\n",
    )
    .expect("write results");
    eprintln!("bench: wrote {}", args.out.display());
}

/// A throwaway apply and plan: the emulator's first requests load its services (~2.5 s).
fn warm_up(args: &Args, parallelism: u16) {
    let account = random_account();
    let dir = std::env::temp_dir().join(format!("betekk-bench-{account}"));
    std::fs::create_dir_all(&dir).expect("create temp dir");
    let spec = dir.join("spec.yaml");
    std::fs::write(&spec, spec_text(2)).expect("write spec");
    let bench = Bench {
        args,
        account: &account,
        spec: &spec,
    };
    check(
        &bench.cli(&["apply", "--yes"], parallelism),
        "warm-up",
        &[0],
    );
    check(&bench.cli(&["plan"], parallelism), "warm-up", &[0]);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The CLI's own `--parallelism` default, so the bench follows it when it changes.
fn cli_default_parallelism() -> u16 {
    betekk_ecr::cli::Cli::command()
        .get_arguments()
        .find(|a| a.get_id() == "parallelism")
        .and_then(|a| a.get_default_values().first().cloned())
        .and_then(|v| v.to_str().and_then(|s| s.parse().ok()))
        .expect("--parallelism has a numeric default")
}

struct Bench<'a> {
    args: &'a Args,
    account: &'a str,
    spec: &'a Path,
}

impl Bench<'_> {
    fn repeat<T>(&self, mut f: impl FnMut() -> T) -> Vec<T> {
        (0..self.args.repeat.max(1)).map(|_| f()).collect()
    }

    /// Runs `betekk-ecr COMMAND --output json SPEC` in this account.
    fn cli(&self, command: &[&str], parallelism: u16) -> ChildRun {
        let mut cmd = Command::new(&self.args.bin);
        cmd.args(command)
            .args([
                "--output",
                "json",
                "--parallelism",
                &parallelism.to_string(),
            ])
            .arg(self.spec)
            .env_remove("AWS_PROFILE")
            .env("AWS_REGION", REGION)
            .env("AWS_ENDPOINT_URL", &self.args.endpoint)
            .env("AWS_ACCESS_KEY_ID", self.account)
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        run_child(cmd)
    }
}

/// Spawns, collects output, and reaps with wait4 for this child's own peak RSS.
#[allow(clippy::zombie_processes, reason = "wait4 reaps the child")]
fn run_child(mut cmd: Command) -> ChildRun {
    use std::io::Read;
    let started = Instant::now();
    let mut child = cmd.spawn().expect("spawn betekk-ecr");
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let out_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let mut status = 0;
    // SAFETY: rusage is plain data; wait4 fills it for the child we spawned and reaps it.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = child.id() as libc::pid_t;
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = started.elapsed();
    assert_eq!(reaped, pid, "wait4: {}", std::io::Error::last_os_error());
    let stdout = out_reader.join().expect("stdout reader");
    let stderr = err_reader.join().expect("stderr reader");
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    ChildRun {
        wall,
        code,
        max_rss_kb: usage.ru_maxrss,
        cpu: cpu_time(&usage),
        json: serde_json::from_str(&stdout).unwrap_or(Value::Null),
        stderr,
    }
}

fn cpu_time(usage: &libc::rusage) -> Duration {
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

/// CPU time of this process so far (the floor runs in-process).
fn own_cpu() -> Duration {
    // SAFETY: getrusage fills plain data for this process.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    cpu_time(&usage)
}

fn check(run: &ChildRun, phase: &str, codes: &[i32]) {
    if !codes.contains(&run.code) || run.json.is_null() {
        eprintln!(
            "bench: {phase} failed with exit code {}\n{}",
            run.code, run.stderr
        );
        std::process::exit(1);
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn row(n: usize, phase: &str, runs: &[ChildRun], floor: Option<Duration>) -> Value {
    let wall = median(runs.iter().map(|r| r.wall).collect());
    let stats = &stats_of(&runs[0].json);
    let rss_mb = runs.iter().map(|r| r.max_rss_kb).max().unwrap_or(0) as f64 / 1024.0;
    json!({
        "n": n,
        "phase": phase,
        "wall_s": wall.as_secs_f64(),
        "runs_s": runs.iter().map(|r| r.wall.as_secs_f64()).collect::<Vec<_>>(),
        "calls": stats["total"],
        "retries": stats["retries"],
        "by_operation": stats["by_operation"],
        "changes": changes_of(&runs[0].json),
        "cpu_s": median(runs.iter().map(|r| r.cpu).collect()).as_secs_f64(),
        "peak_rss_mb": rss_mb,
        "floor_s": floor.map(|f| f.as_secs_f64()),
        "ratio": floor.map(|f| wall.as_secs_f64() / f.as_secs_f64()),
    })
}

/// A number cell with `digits` decimals, or empty when the value is absent.
fn opt(v: &Value, digits: usize) -> String {
    v.as_f64()
        .map_or(String::new(), |f| format!("{f:.digits$}"))
}

fn print_table(rows: &[Value], sweep: &[Value]) {
    println!(
        "| N | phase | wall s | CPU s | calls | peak RSS MB | floor s | ratio |\n|---:|---|---:|---:|---:|---:|---:|---:|"
    );
    for r in rows {
        println!(
            "| {} | {} | {:.3} | {:.3} | {} | {:.1} | {} | {} |",
            r["n"],
            r["phase"].as_str().unwrap_or_default(),
            r["wall_s"].as_f64().unwrap_or_default(),
            r["cpu_s"].as_f64().unwrap_or_default(),
            r["calls"],
            r["peak_rss_mb"].as_f64().unwrap_or_default(),
            opt(&r["floor_s"], 3),
            opt(&r["ratio"], 2),
        );
    }
    if !sweep.is_empty() {
        println!("\n| N | parallelism | plan s | floor s | ratio |\n|---:|---:|---:|---:|---:|");
        for s in sweep {
            println!(
                "| {} | {} | {:.3} | {:.3} | {:.2} |",
                s["n"],
                s["parallelism"],
                s["plan_s"].as_f64().unwrap_or_default(),
                s["floor_s"].as_f64().unwrap_or_default(),
                s["ratio"].as_f64().unwrap_or_default(),
            );
        }
    }
}

fn machine() -> Value {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map(str::trim)
        .unwrap_or("unknown");
    json!({
        "nproc": std::thread::available_parallelism().map_or(0, |n| n.get()),
        "cpu": cpu,
        "os": std::env::consts::OS,
        "loadavg_at_end": std::fs::read_to_string("/proc/loadavg").unwrap_or_default().trim(),
    })
}

fn random_account() -> String {
    let mut rng = rand::rng();
    let digits: String = (0..11)
        .map(|_| char::from(b'0' + rng.random_range(0..10)))
        .collect();
    format!("8{digits}")
}

/// The starter spec of `init` (provider, two policies, two roles) with N repositories, each with
/// a two-rule lifecycle policy, a repository policy and tags.
fn spec_text(n: usize) -> String {
    let starter = betekk_ecr::commands::init::starter_spec("bench", PREFIX);
    let (head, rest) = starter
        .split_once("repositories:\n")
        .expect("the starter has repositories");
    let (_, tail) = rest
        .split_once("\ngithub:")
        .expect("the starter has github");
    let mut repos = String::new();
    for i in 1..=n {
        repos.push_str(&REPOSITORY.replace("NNNN", &format!("{i:04}")));
    }
    format!("{head}repositories:\n{repos}\ngithub:{tail}")
}

const REPOSITORY: &str = r#"  - name: "{prefix}-bench-NNNN"
    image_tag_mutability: IMMUTABLE
    lifecycle_policy:
      rules:
        - {priority: 1, description: Keep last 50, tag_status: tagged, tag_prefixes: [v], keep_last: 50}
        - {priority: 2, tag_status: untagged, expire_after_days: 14}
    repository_policy:
      Version: "2012-10-17"
      Statement:
        - Sid: Pull
          Effect: Allow
          Principal: {AWS: "arn:{partition}:iam::{account}:root"}
          Action: [ecr:BatchGetImage, ecr:GetDownloadUrlForLayer]
    tags: {Service: bench-NNNN}
"#;

/// The spec of `spec_text(n)` over several accounts and regions: `regions:` instead of `region:`,
/// and one target per account, reached through its role `Provisioner` (LocalStack maps an assumed
/// role to the account in the role's ARN).
fn fanout_spec_text(n: usize, accounts: &[String], regions: &[&str]) -> String {
    let mut placement = format!("regions: [{}]\ntargets:\n", regions.join(", "));
    for (i, account) in accounts.iter().enumerate() {
        placement.push_str(&format!(
            "  - {{name: t{}, account: \"{account}\", role: Provisioner}}\n",
            i + 1
        ));
    }
    let mut out = String::new();
    let mut replaced = false;
    for line in spec_text(n).lines() {
        if !replaced && line.starts_with("region:") {
            out.push_str(&placement);
            replaced = true;
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    assert!(replaced, "the starter names a region");
    out
}

/// The API statistics of a CLI document: its own, or summed over its `targets`.
fn stats_of(doc: &Value) -> Value {
    let Some(targets) = doc["targets"].as_array() else {
        return doc["stats"].clone();
    };
    let (mut total, mut retries) = (0, 0);
    let mut by_operation: BTreeMap<String, u64> = BTreeMap::new();
    for t in targets {
        total += t["stats"]["total"].as_u64().unwrap_or(0);
        retries += t["stats"]["retries"].as_u64().unwrap_or(0);
        for (op, calls) in t["stats"]["by_operation"].as_object().into_iter().flatten() {
            *by_operation.entry(op.clone()).or_default() += calls.as_u64().unwrap_or(0);
        }
    }
    json!({"total": total, "retries": retries, "by_operation": by_operation})
}

/// The planned changes of a CLI document, summed over its `targets`.
fn changes_of(doc: &Value) -> usize {
    let count = |d: &Value| d["changes"].as_array().map_or(0, Vec::len);
    match doc["targets"].as_array() {
        Some(targets) => targets.iter().map(count).sum(),
        None => count(doc),
    }
}

/// Like [`check`], and every one of the `units` targets succeeded.
fn check_fanout(run: &ChildRun, phase: &str, codes: &[i32], units: usize) {
    check(run, phase, codes);
    let targets = run.json["targets"]
        .as_array()
        .map_or(&[][..], Vec::as_slice);
    let failed: Vec<String> = targets
        .iter()
        .filter(|t| t.get("error").is_some())
        .map(|t| format!("{} {}: {}", t["target"], t["region"], t["error"]))
        .collect();
    if targets.len() != units || !failed.is_empty() {
        eprintln!(
            "bench: {phase}: {} of {units} targets reported, failed: {failed:?}\n{}",
            targets.len(),
            run.stderr
        );
        std::process::exit(1);
    }
}

/// The `--targets` case: one spec of N repositories and the standard IAM set over
/// `fanout.accounts` fresh accounts × `fanout.regions` regions, run from a caller in yet another
/// fresh account; each phase is compared with `fanout.units()` × the single-target row of the same
/// N and phase.
fn fanout_case(
    args: &Args,
    fanout: Fanout,
    n: usize,
    parallelism: u16,
    has_drift: bool,
    single: &[Value],
) -> Vec<Value> {
    let regions = &FANOUT_REGIONS[..fanout.regions];
    let units = fanout.units();
    let setup = |n: usize| {
        let caller = random_account();
        let accounts: Vec<String> = (0..fanout.accounts).map(|_| random_account()).collect();
        let dir = std::env::temp_dir().join(format!("betekk-bench-{caller}"));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        let spec = dir.join("spec.yaml");
        std::fs::write(&spec, fanout_spec_text(n, &accounts, regions)).expect("write spec");
        (caller, accounts, dir, spec)
    };

    // The first assumed roles and the other regions' first requests, in throwaway accounts.
    let (caller, _, dir, spec) = setup(2);
    let warm = Bench {
        args,
        account: &caller,
        spec: &spec,
    };
    check_fanout(
        &warm.cli(&["apply", "--yes"], parallelism),
        "targets warm-up",
        &[0],
        units,
    );
    check_fanout(
        &warm.cli(&["plan"], parallelism),
        "targets warm-up",
        &[0],
        units,
    );
    let _ = std::fs::remove_dir_all(&dir);

    let (caller, accounts, dir, spec) = setup(n);
    let bench = Bench {
        args,
        account: &caller,
        spec: &spec,
    };
    eprintln!(
        "bench: targets {} N={n}: caller {caller}, accounts {}, regions {}, parallelism {parallelism}",
        fanout.label(),
        accounts.join(" "),
        regions.join(" ")
    );
    let mut rows = Vec::new();
    let mut push = |phase: &str, runs: &[ChildRun]| {
        let r = fanout_row(n, fanout, phase, runs, single);
        eprintln!(
            "bench: targets {} N={n} {phase}: {:.3}s, {} calls; {units} × single: {:.3}s, {} calls",
            fanout.label(),
            r["wall_s"].as_f64().unwrap_or_default(),
            r["calls"],
            r["single_x_units_wall_s"].as_f64().unwrap_or_default(),
            r["single_x_units_calls"].as_f64().unwrap_or_default(),
        );
        rows.push(r);
    };

    let apply = bench.cli(&["apply", "--yes"], parallelism);
    check_fanout(&apply, "targets apply from empty", &[0], units);
    push("apply from empty", &[apply]);

    let plans = bench.repeat(|| bench.cli(&["plan"], parallelism));
    for p in &plans {
        check_fanout(p, "targets converged plan", &[0], units);
        let changes = changes_of(&p.json);
        if changes > 0 {
            eprintln!(
                "bench: targets N={n}: the plan after apply is not empty ({changes} changes)"
            );
        }
    }
    push("converged plan", &plans);

    let noops = bench.repeat(|| bench.cli(&["apply", "--yes"], parallelism));
    noops
        .iter()
        .for_each(|r| check_fanout(r, "targets no-op apply", &[0], units));
    push("no-op apply", &noops);

    if has_drift {
        let drifts = bench.repeat(|| bench.cli(&["drift"], parallelism));
        drifts
            .iter()
            .for_each(|r| check_fanout(r, "targets drift", &[0, 2], units));
        push("drift", &drifts);
    }
    let _ = std::fs::remove_dir_all(&dir);
    rows
}

/// A `--targets` row: [`row`] plus the single-target row of the same N and phase × units, and
/// the calls by operation where they differ from that.
fn fanout_row(n: usize, fanout: Fanout, phase: &str, runs: &[ChildRun], single: &[Value]) -> Value {
    let units = fanout.units() as f64;
    let mut r = row(n, phase, runs, None);
    if let Some(map) = r.as_object_mut() {
        map.remove("floor_s");
        map.remove("ratio");
    }
    r["targets"] = json!(fanout.label());
    r["units"] = json!(fanout.units());
    let Some(s) = single.iter().find(|s| s["n"] == n && s["phase"] == phase) else {
        return r;
    };
    let single_wall = s["wall_s"].as_f64().unwrap_or_default();
    let single_calls = s["calls"].as_f64().unwrap_or_default();
    r["single_wall_s"] = json!(single_wall);
    r["single_calls"] = s["calls"].clone();
    r["single_x_units_wall_s"] = json!(single_wall * units);
    r["single_x_units_calls"] = json!(single_calls * units);
    r["wall_vs_single_x_units"] =
        json!(r["wall_s"].as_f64().unwrap_or_default() / (single_wall * units));
    r["calls_vs_single_x_units"] =
        json!(r["calls"].as_f64().unwrap_or_default() / (single_calls * units));
    let mut differ = serde_json::Map::new();
    let ops: std::collections::BTreeSet<&String> = r["by_operation"]
        .as_object()
        .into_iter()
        .chain(s["by_operation"].as_object())
        .flat_map(|m| m.keys())
        .collect();
    for op in ops {
        let multi = r["by_operation"][op].as_u64().unwrap_or(0);
        let scaled = s["by_operation"][op].as_u64().unwrap_or(0) * fanout.units() as u64;
        if multi != scaled {
            differ.insert(
                op.clone(),
                json!({"calls": multi, "single_x_units": scaled}),
            );
        }
    }
    r["by_operation_vs_single_x_units"] = Value::Object(differ);
    r
}

fn print_fanout_table(rows: &[Value]) {
    if rows.is_empty() {
        return;
    }
    println!(
        "\n| targets | N | phase | wall s | CPU s | calls | peak RSS MB | units × single wall s | units × single calls | wall ratio | calls ratio |\n|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    for r in rows {
        println!(
            "| {} | {} | {} | {:.3} | {:.3} | {} | {:.1} | {} | {} | {} | {} |",
            r["targets"].as_str().unwrap_or_default(),
            r["n"],
            r["phase"].as_str().unwrap_or_default(),
            r["wall_s"].as_f64().unwrap_or_default(),
            r["cpu_s"].as_f64().unwrap_or_default(),
            r["calls"],
            r["peak_rss_mb"].as_f64().unwrap_or_default(),
            opt(&r["single_x_units_wall_s"], 3),
            opt(&r["single_x_units_calls"], 0),
            opt(&r["wall_vs_single_x_units"], 2),
            opt(&r["calls_vs_single_x_units"], 2),
        );
    }
}

/// One per-resource read of a converged plan.
enum Read {
    Lifecycle(String),
    RepositoryPolicy(String),
    RepositoryTags(String),
    Provider(String),
    Role(String),
    RolePolicies(String),
    RoleInlinePolicies(String),
    PolicyTags(String),
    PolicyVersion(String, String),
}

/// The reads of a converged plan and nothing else; returns the time and the calls by operation.
async fn floor(bench: &Bench<'_>, parallelism: u16) -> (Duration, Value, Duration) {
    let creds = aws_sdk_sts::config::Credentials::new(bench.account, "test", None, None, "bench");
    let shared = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(REGION))
        .endpoint_url(&bench.args.endpoint)
        .credentials_provider(creds)
        .load()
        .await;
    let ecr = aws_sdk_ecr::Client::new(&shared);
    let iam = aws_sdk_iam::Client::new(&shared);
    let sts = aws_sdk_sts::Client::new(&shared);
    let mut calls: BTreeMap<&str, u64> = BTreeMap::new();
    let started = Instant::now();
    let cpu_before = own_cpu();

    sts.get_caller_identity().send().await.expect("sts");
    *calls.entry("sts:GetCallerIdentity").or_default() += 1;
    let repos = async {
        let mut pages = ecr
            .describe_repositories()
            .max_results(1000)
            .into_paginator()
            .send();
        let (mut names, mut n) = (Vec::new(), 0);
        while let Some(page) = pages.next().await {
            n += 1;
            let page = page.expect("ecr:DescribeRepositories");
            names.extend(page.repositories().iter().map(|r| {
                (
                    r.repository_name().unwrap_or_default().to_string(),
                    r.repository_arn().unwrap_or_default().to_string(),
                )
            }));
        }
        (names, n)
    };
    let providers = async {
        iam.list_open_id_connect_providers()
            .send()
            .await
            .expect("iam:ListOpenIDConnectProviders")
    };
    let roles = async {
        let mut pages = iam.list_roles().max_items(1000).into_paginator().send();
        let (mut names, mut n) = (Vec::new(), 0);
        while let Some(page) = pages.next().await {
            n += 1;
            let page = page.expect("iam:ListRoles");
            names.extend(page.roles().iter().map(|r| r.role_name().to_string()));
        }
        (names, n)
    };
    let policies = async {
        let mut pages = iam
            .list_policies()
            .scope(aws_sdk_iam::types::PolicyScopeType::Local)
            .max_items(1000)
            .into_paginator()
            .send();
        let (mut found, mut n) = (Vec::new(), 0);
        while let Some(page) = pages.next().await {
            n += 1;
            let page = page.expect("iam:ListPolicies");
            found.extend(page.policies().iter().map(|p| {
                (
                    p.arn().unwrap_or_default().to_string(),
                    p.default_version_id().unwrap_or_default().to_string(),
                )
            }));
        }
        (found, n)
    };
    let ((repos, repo_pages), providers, (roles, role_pages), (policies, policy_pages)) =
        futures::join!(repos, providers, roles, policies);
    *calls.entry("ecr:DescribeRepositories").or_default() += repo_pages;
    *calls.entry("iam:ListOpenIDConnectProviders").or_default() += 1;
    *calls.entry("iam:ListRoles").or_default() += role_pages;
    *calls.entry("iam:ListPolicies").or_default() += policy_pages;

    let mut reads = Vec::new();
    for (name, arn) in repos {
        reads.push(Read::Lifecycle(name.clone()));
        reads.push(Read::RepositoryPolicy(name));
        reads.push(Read::RepositoryTags(arn));
    }
    for p in providers.open_id_connect_provider_list() {
        reads.push(Read::Provider(p.arn().unwrap_or_default().to_string()));
    }
    for role in roles.into_iter().filter(|r| r.starts_with("BETEKK-")) {
        reads.push(Read::Role(role.clone()));
        reads.push(Read::RolePolicies(role.clone()));
        reads.push(Read::RoleInlinePolicies(role));
    }
    for (arn, version) in policies {
        reads.push(Read::PolicyTags(arn.clone()));
        reads.push(Read::PolicyVersion(arn, version));
    }
    let done: Vec<(&str, bool)> = stream::iter(reads)
        .map(|read| {
            let (ecr, iam) = (&ecr, &iam);
            async move {
                match read {
                    Read::Lifecycle(name) => {
                        let ok = ecr
                            .get_lifecycle_policy()
                            .repository_name(name)
                            .send()
                            .await
                            .is_ok();
                        ("ecr:GetLifecyclePolicy", ok)
                    }
                    Read::RepositoryPolicy(name) => {
                        let ok = ecr
                            .get_repository_policy()
                            .repository_name(name)
                            .send()
                            .await
                            .is_ok();
                        ("ecr:GetRepositoryPolicy", ok)
                    }
                    Read::RepositoryTags(arn) => {
                        let ok = ecr
                            .list_tags_for_resource()
                            .resource_arn(arn)
                            .send()
                            .await
                            .is_ok();
                        ("ecr:ListTagsForResource", ok)
                    }
                    Read::Provider(arn) => {
                        let ok = iam
                            .get_open_id_connect_provider()
                            .open_id_connect_provider_arn(arn)
                            .send()
                            .await
                            .is_ok();
                        ("iam:GetOpenIDConnectProvider", ok)
                    }
                    Read::Role(name) => {
                        let ok = iam.get_role().role_name(name).send().await.is_ok();
                        ("iam:GetRole", ok)
                    }
                    Read::RolePolicies(name) => {
                        let ok = iam
                            .list_attached_role_policies()
                            .role_name(name)
                            .send()
                            .await
                            .is_ok();
                        ("iam:ListAttachedRolePolicies", ok)
                    }
                    Read::RoleInlinePolicies(name) => {
                        let ok = iam
                            .list_role_policies()
                            .role_name(name)
                            .send()
                            .await
                            .is_ok();
                        ("iam:ListRolePolicies", ok)
                    }
                    Read::PolicyTags(arn) => {
                        let ok = iam.list_policy_tags().policy_arn(arn).send().await.is_ok();
                        ("iam:ListPolicyTags", ok)
                    }
                    Read::PolicyVersion(arn, version) => {
                        let ok = iam
                            .get_policy_version()
                            .policy_arn(arn)
                            .version_id(version)
                            .send()
                            .await
                            .is_ok();
                        ("iam:GetPolicyVersion", ok)
                    }
                }
            }
        })
        .buffer_unordered(usize::from(parallelism).max(1))
        .collect()
        .await;
    let elapsed = started.elapsed();
    let cpu = own_cpu() - cpu_before;
    for (op, ok) in done {
        *calls.entry(op).or_default() += 1;
        if !ok {
            eprintln!("bench: floor: {op} failed");
        }
    }
    (elapsed, json!(calls), cpu)
}
