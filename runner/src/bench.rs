//! The cold-start benchmark: prints figures, it is not a test (it exits 0 whatever they are).
//!
//! `cargo run --release -p runner --bin bench [-- --runs N]` builds the release Lambda binary with
//! the root package's own features (`cargo build --release -p routing-profile-resource`), then
//! starts it 2N times as a fresh process (default N = 15), each against its own local Lambda
//! Runtime API, Connect emulator and ResponseURL receiver, with the environment Lambda gives it:
//! N times over plain http (`AWS_CA_BUNDLE` cleared) and, interleaved, N times over HTTPS as in
//! production (Connect and the receiver present certificates of a CA made for the run, which the
//! function trusts through `AWS_CA_BUNDLE`; its first invoke pays two cold TLS handshakes). For
//! each process it measures:
//!
//! - init: spawn to the first `GET /2018-06-01/runtime/invocation/next` (the Runtime API's own
//!   timestamp);
//! - first invoke: a cold Create with every property set (`events/create.json`), from the moment
//!   the Runtime API hands the event out to the moment the receiver has the whole answer PUT (both
//!   timestamps taken by the servers themselves, so the endpoints' own latency is included and
//!   the benchmark's polling is not);
//! - warm invoke: a second such Create (another Name) in the same process;
//! - peak resident memory: `VmHWM` from `/proc/PID/status` after both invocations;
//! - connections the process opened to each endpoint (reuse across calls and invocations).
//!
//! Then it prints the median, p90, min and max against the targets, the stripped binary size and,
//! when `cargo lambda` is on PATH, the size of the arm64 bootstrap zip.
//!
//! Options: `--runs N`; `--binary PATH` benchmarks that binary instead of building one;
//! `--no-zip` skips the arm64 zip build; `--http-only` skips the HTTPS runs (for a binary that
//! predates `AWS_CA_BUNDLE`).
//!
//! `--stack [N,...]` runs the stack-scale benchmark instead (default sizes 50 and 200; see
//! `stack.rs`): N profiles created at once, then deleted at once, under Connect's per-operation
//! quotas, one process per invocation.

use std::collections::{BTreeMap, VecDeque};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use connect_emulator::connect::ConnectEmulator;
use connect_emulator::receiver::ResponseReceiver;
use connect_emulator::runtime_api::{Outcome, RuntimeApi};
use connect_emulator::tls::{PemFile, ServerTls, TestCa};
use serde_json::Value;

mod stack;

/// How long any one step may take before the run is reported as failed instead of hanging.
const STEP_TIMEOUT: Duration = Duration::from_secs(10);
const DEFAULT_RUNS: usize = 15;
/// The stack sizes `--stack` runs when given none.
const DEFAULT_STACKS: [usize; 2] = [50, 200];
const BIN: &str = "routing-profile-resource";
/// The role credentials Lambda would hand the function: dummies the emulator accepts.
const CREDENTIALS: [&str; 3] = [
    "ASIABENCHDUMMYKEY001",
    "benchDummySecretKey0000000000000000000000",
    "benchDummySessionToken",
];

const INIT_TARGET_MS: f64 = 5.0;
const FIRST_TARGET_MS: f64 = 6.0;
const WARM_TARGET_MS: f64 = 2.5;
const MEMORY_TARGET_MB: f64 = 12.0;
const BINARY_TARGET_BYTES: u64 = 6_000_000;
const ZIP_TARGET_BYTES: u64 = 2_500_000;
const MB: f64 = 1024.0 * 1024.0;

struct Args {
    runs: usize,
    /// Stack sizes for the stack-scale benchmark; empty for the cold-start one.
    stack: Vec<usize>,
    binary: Option<PathBuf>,
    zip: bool,
    https: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        runs: DEFAULT_RUNS,
        stack: Vec::new(),
        binary: None,
        zip: true,
        https: true,
    };
    let mut it = std::env::args().skip(1).peekable();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--runs" => {
                args.runs = it
                    .next()
                    .and_then(|n| n.parse().ok())
                    .filter(|n| *n > 0)
                    .ok_or("--runs needs a positive number")?;
            }
            "--stack" => {
                args.stack = match it.peek().filter(|next| !next.starts_with("--")) {
                    Some(_) => it
                        .next()
                        .unwrap_or_default()
                        .split(',')
                        .map(|n| n.trim().parse().ok().filter(|n| *n > 0))
                        .collect::<Option<Vec<usize>>>()
                        .ok_or("--stack takes positive sizes separated by commas, e.g. 50,200")?,
                    None => DEFAULT_STACKS.to_vec(),
                };
            }
            "--binary" => args.binary = Some(it.next().ok_or("--binary needs a path")?.into()),
            "--no-zip" => args.zip = false,
            "--http-only" => args.https = false,
            "-h" | "--help" => {
                return Err(
                    "usage: cargo run --release -p runner --bin bench [-- --runs N] [--binary PATH] [--no-zip] [--http-only]\n       cargo run --release -p runner --bin bench -- --stack [N,...] [--binary PATH]"
                        .into(),
                );
            }
            other => return Err(format!("unknown argument {other}; see --help")),
        }
    }
    Ok(args)
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(problem) => {
            eprintln!("{problem}");
            return ExitCode::from(2);
        }
    };
    let binary = match &args.binary {
        Some(path) => path.clone(),
        None => match build() {
            Ok(path) => path,
            Err(problem) => {
                eprintln!("error: {problem}");
                return ExitCode::from(1);
            }
        },
    };
    let template = match load_event() {
        Ok(event) => event,
        Err(problem) => {
            eprintln!("error: {problem}");
            return ExitCode::from(1);
        }
    };
    if !args.stack.is_empty() {
        if let Err(problem) = stack::run(&binary, &template, &args.stack).await {
            eprintln!("error: {problem}");
            return ExitCode::from(1);
        }
        return ExitCode::SUCCESS;
    }

    println!(
        "benchmarking {} over {} fresh processes per transport",
        binary.display(),
        args.runs
    );
    let https = Https::new();
    let mut samples = Vec::new();
    let mut failures = Vec::new();
    for run in 1..=args.runs {
        let transports: &[Transport] = if args.https {
            &[Transport::Http, Transport::Https]
        } else {
            &[Transport::Http]
        };
        for &transport in transports {
            match one_run(&binary, &template, run, transport, &https).await {
                Ok(sample) => samples.push(sample),
                Err(problem) => {
                    eprintln!("run {run} ({}): {problem}", transport.name());
                    failures.push(format!("{run} ({})", transport.name()));
                }
            }
        }
    }

    let zip = if args.zip {
        arm64_zip()
    } else {
        Err("skipped (--no-zip)".into())
    };
    report(&binary, &samples, &failures, zip);
    ExitCode::SUCCESS
}

/// `cargo build --release -p routing-profile-resource --bin routing-profile-resource`: the binary
/// with the root package's own features (not unified with the runner's), as it is deployed.
fn build() -> Result<PathBuf, String> {
    eprintln!("building: cargo build --release -p {BIN} --bin {BIN}");
    let output = Command::new(cargo())
        .current_dir(workspace_root())
        .args(["build", "--release", "-p", BIN, "--bin", BIN])
        .args(["--message-format", "json-render-diagnostics"])
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !output.status.success() {
        return Err(format!("the release build failed ({})", output.status));
    }
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == BIN)
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
        .ok_or_else(|| "cargo reported no executable".into())
}

fn load_event() -> Result<Value, String> {
    let path = workspace_root().join("events/create.json");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// A Create with every property, answering to `receiver` (original path and query kept).
fn create_event(
    template: &Value,
    receiver: &ResponseReceiver,
    request_id: &str,
    name: &str,
) -> Value {
    let mut event = template.clone();
    receiver.redirect(&mut event);
    event["RequestId"] = Value::String(request_id.into());
    event["ResourceProperties"]["Name"] = Value::String(name.into());
    event
}

/// How the function reaches Connect and the ResponseURL.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Transport {
    /// Plain http, `AWS_CA_BUNDLE` cleared: the function's cost without TLS.
    Http,
    /// HTTPS with the run's CA in `AWS_CA_BUNDLE`: production's transport.
    Https,
}

impl Transport {
    fn name(self) -> &'static str {
        match self {
            Transport::Http => "http",
            Transport::Https => "HTTPS",
        }
    }
}

/// The run's CA, the identity both servers present, and the CA's file for `AWS_CA_BUNDLE`.
struct Https {
    server: ServerTls,
    bundle: PemFile,
}

impl Https {
    fn new() -> Https {
        let ca = TestCa::new("benchmark CA");
        Https {
            server: ca.server_tls(&["127.0.0.1"]),
            bundle: ca.pem_file(),
        }
    }
}

/// One fresh process's figures.
struct Sample {
    transport: Transport,
    init: Duration,
    first: Duration,
    warm: Duration,
    vm_hwm_kb: u64,
    /// Connections the process opened to Connect, the ResponseURL and the Runtime API.
    connections: [usize; 3],
}

/// The child process, killed when dropped; its output is drained (Lambda's stdout is a pipe) and
/// the last lines kept for diagnostics.
struct Running {
    child: Child,
    tail: Arc<Mutex<VecDeque<String>>>,
}

impl Running {
    fn spawn(mut command: Command) -> std::io::Result<Running> {
        let mut child = command.spawn()?;
        let tail = Arc::new(Mutex::new(VecDeque::new()));
        let pipes: [Option<Box<dyn Read + Send>>; 2] = [
            child
                .stdout
                .take()
                .map(|p| Box::new(p) as Box<dyn Read + Send>),
            child
                .stderr
                .take()
                .map(|p| Box::new(p) as Box<dyn Read + Send>),
        ];
        for pipe in pipes.into_iter().flatten() {
            let tail = tail.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                    let mut tail = tail.lock().unwrap();
                    if tail.len() == 20 {
                        tail.pop_front();
                    }
                    tail.push_back(line);
                }
            });
        }
        Ok(Running { child, tail })
    }

    fn exited(&mut self) -> Option<String> {
        match self.child.try_wait() {
            Ok(Some(status)) => Some(format!("the process exited ({status})")),
            _ => None,
        }
    }

    fn diagnose(&self, problem: impl Into<String>) -> String {
        let tail = self.tail.lock().unwrap();
        let mut text = problem.into();
        if !tail.is_empty() {
            text.push_str("; its last output:");
            for line in tail.iter() {
                text.push_str("\n    ");
                text.push_str(line);
            }
        }
        text
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn one_run(
    binary: &Path,
    template: &Value,
    run: usize,
    transport: Transport,
    https: &Https,
) -> Result<Sample, String> {
    let started_server = |e: std::io::Error| format!("cannot start a local server: {e}");
    let (connect, receiver) = match transport {
        Transport::Http => (
            ConnectEmulator::start().await,
            ResponseReceiver::start().await,
        ),
        Transport::Https => (
            ConnectEmulator::start_tls_on(0, https.server.clone())
                .await
                .map_err(started_server)?,
            ResponseReceiver::start_tls_on(0, https.server.clone())
                .await
                .map_err(started_server)?,
        ),
    };
    connect.seed_demo();
    let runtime = RuntimeApi::start().await;

    let mut command = runtime.function_command(binary, &connect.endpoint(), CREDENTIALS);
    // Set or cleared, never inherited: the machine may point it at the system's bundle.
    match transport {
        Transport::Http => command.env_remove("AWS_CA_BUNDLE"),
        Transport::Https => command.env("AWS_CA_BUNDLE", https.bundle.path()),
    };
    let started = Instant::now();
    let mut child =
        Running::spawn(command).map_err(|e| format!("cannot start {}: {e}", binary.display()))?;

    // init: until the first poll (the server's timestamp; this loop only notices it).
    let first_poll = loop {
        if let Some(at) = runtime.first_poll() {
            break at;
        }
        if let Some(problem) = child.exited() {
            return Err(child.diagnose(problem));
        }
        if started.elapsed() > STEP_TIMEOUT {
            return Err(child.diagnose(format!(
                "no poll of /invocation/next within {STEP_TIMEOUT:?}"
            )));
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    };
    let init = first_poll.duration_since(started);

    let mut invoke = async |n: usize, label: &str| -> Result<Duration, String> {
        let request_id = format!("bench-{run}-{}-{label}", transport.name());
        let event = create_event(
            template,
            &receiver,
            &request_id,
            &format!("Bench {run} {} {label}", transport.name()),
        );
        runtime.push(
            &request_id,
            event,
            SystemTime::now() + Duration::from_secs(60),
        );
        match runtime.wait_outcome(&request_id, STEP_TIMEOUT).await {
            Some(Outcome::Response(_)) => {}
            Some(Outcome::Error(e)) => {
                return Err(child.diagnose(format!("{label} invoke: error {e}")));
            }
            None => {
                let exited = child.exited().unwrap_or_default();
                return Err(child.diagnose(format!(
                    "{label} invoke: no outcome within {STEP_TIMEOUT:?} {exited}"
                )));
            }
        }
        let puts = receiver.wait_for(n, STEP_TIMEOUT).await;
        let put = puts
            .get(n - 1)
            .ok_or_else(|| child.diagnose(format!("{label} invoke: no answer PUT")))?;
        let answer = put.json();
        if answer["Status"] != "SUCCESS" {
            return Err(format!("{label} invoke answered {answer}"));
        }
        let delivered = runtime
            .delivered_at(&request_id)
            .ok_or("the Runtime API did not record the hand-out")?;
        Ok(put.at.saturating_duration_since(delivered))
    };
    let first = invoke(1, "cold").await?;
    let warm = invoke(2, "warm").await?;

    let pid = child.child.id();
    let vm_hwm_kb = vm_hwm_kb(pid).ok_or("cannot read VmHWM from /proc")?;
    let port = |url: &str| url.rsplit(':').next().and_then(|p| p.parse::<u16>().ok());
    let ports = [
        port(&connect.endpoint()),
        port(&receiver.url("")),
        port(&runtime.address()),
    ];
    let connections = ports.map(|p| p.map_or(0, client_connections_to));
    drop(child);
    Ok(Sample {
        transport,
        init,
        first,
        warm,
        vm_hwm_kb,
        connections,
    })
}

/// Peak resident set size (kB) of a live process.
fn vm_hwm_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Distinct client-side IPv4 sockets (any state, TIME_WAIT included, so closed ones count too)
/// whose remote end is 127.0.0.1:`port`: the connections opened to that server.
fn client_connections_to(port: u16) -> usize {
    let Ok(table) = std::fs::read_to_string("/proc/net/tcp") else {
        return 0;
    };
    let hex_port = |addr: &str| {
        addr.rsplit(':')
            .next()
            .and_then(|p| u16::from_str_radix(p, 16).ok())
    };
    let mut locals: Vec<u16> = table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let mut fields = line.split_whitespace().skip(1);
            let (local, remote) = (fields.next()?, fields.next()?);
            (hex_port(remote) == Some(port))
                .then(|| hex_port(local))
                .flatten()
        })
        .collect();
    locals.sort_unstable();
    locals.dedup();
    locals.len()
}

/// The arm64 bootstrap zip's size, built with cargo-lambda when it is installed.
fn arm64_zip() -> Result<(PathBuf, u64), String> {
    let installed = Command::new(cargo())
        .args(["lambda", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !installed {
        return Err("cargo-lambda is not installed".into());
    }
    eprintln!(
        "building: cargo lambda build --release --arm64 --output-format zip -p {BIN} --bin {BIN} (about 6 minutes the first time)"
    );
    let status = Command::new(cargo())
        .current_dir(workspace_root())
        .args([
            "lambda",
            "build",
            "--release",
            "--arm64",
            "--output-format",
            "zip",
        ])
        .args(["-p", BIN, "--bin", BIN])
        .stdout(Stdio::null())
        .status()
        .map_err(|e| format!("cannot run cargo lambda: {e}"))?;
    if !status.success() {
        return Err(format!("cargo lambda build failed ({status})"));
    }
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| workspace_root().join("target"));
    let zip = target.join("lambda").join(BIN).join("bootstrap.zip");
    let size = std::fs::metadata(&zip)
        .map_err(|e| format!("{}: {e}", zip.display()))?
        .len();
    Ok((zip, size))
}

/// The binary's size on disk and stripped (a stripped copy, when `strip` is available).
fn binary_sizes(binary: &Path) -> (Option<u64>, Option<u64>) {
    let on_disk = std::fs::metadata(binary).ok().map(|m| m.len());
    let copy = std::env::temp_dir().join(format!("bench-stripped-{}", std::process::id()));
    let stripped = Command::new("strip")
        .arg("-o")
        .arg(&copy)
        .arg(binary)
        .stderr(Stdio::null())
        .status()
        .ok()
        .filter(|s| s.success())
        .and_then(|_| std::fs::metadata(&copy).ok())
        .map(|m| m.len());
    let _ = std::fs::remove_file(&copy);
    (on_disk, stripped)
}

struct Stats {
    median: f64,
    p90: f64,
    min: f64,
    max: f64,
}

fn stats(mut values: Vec<f64>) -> Option<Stats> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    let median = if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    };
    // Nearest rank.
    let p90 = values[(n * 9).div_ceil(10).max(1) - 1];
    Some(Stats {
        median,
        p90,
        min: values[0],
        max: values[n - 1],
    })
}

fn verdict(value: f64, target: f64) -> &'static str {
    if value <= target { "PASS" } else { "MISS" }
}

fn report(
    binary: &Path,
    samples: &[Sample],
    failures: &[String],
    zip: Result<(PathBuf, u64), String>,
) {
    println!();
    println!(
        "{} fresh processes measured{}",
        samples.len(),
        if failures.is_empty() {
            String::new()
        } else {
            format!(", runs {} failed (see above)", failures.join(", "))
        }
    );
    println!(
        "{:<34} {:>9} {:>9} {:>9} {:>9} {:>10}",
        "metric", "median", "p90", "min", "max", "target"
    );
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let of = |transport: Transport, figure: &dyn Fn(&Sample) -> f64| -> Vec<f64> {
        samples
            .iter()
            .filter(|s| s.transport == transport)
            .map(figure)
            .collect()
    };
    let mut rows: Vec<(String, Vec<f64>, f64, &str)> = Vec::new();
    for transport in [Transport::Http, Transport::Https] {
        let t = transport.name();
        rows.extend([
            (
                format!("init, {t} (ms)"),
                of(transport, &|s| ms(s.init)),
                INIT_TARGET_MS,
                "ms",
            ),
            (
                format!("first invoke, {t} (ms)"),
                of(transport, &|s| ms(s.first)),
                FIRST_TARGET_MS,
                "ms",
            ),
            (
                format!("warm invoke, {t} (ms)"),
                of(transport, &|s| ms(s.warm)),
                WARM_TARGET_MS,
                "ms",
            ),
            (
                format!("peak memory VmHWM, {t} (MB)"),
                of(transport, &|s| s.vm_hwm_kb as f64 / 1024.0),
                MEMORY_TARGET_MB,
                "MB",
            ),
        ]);
    }
    for (name, values, target, unit) in rows {
        match stats(values) {
            Some(s) => println!(
                "{name:<34} {:>9.2} {:>9.2} {:>9.2} {:>9.2} {:>7} {unit}  {}",
                s.median,
                s.p90,
                s.min,
                s.max,
                format!("<= {target}"),
                verdict(s.median, target)
            ),
            None => println!("{name:<34} {:>9}", "n/a"),
        }
    }

    let (on_disk, stripped) = binary_sizes(binary);
    let size = |bytes: Option<u64>| {
        bytes.map_or("n/a".to_string(), |b| {
            format!("{b} bytes ({:.2} MB)", b as f64 / MB)
        })
    };
    println!("binary on disk               {}", size(on_disk));
    println!(
        "binary stripped (x86-64)     {}  target <= {BINARY_TARGET_BYTES} bytes  {}",
        size(stripped),
        stripped.map_or("n/a", |b| verdict(b as f64, BINARY_TARGET_BYTES as f64))
    );
    match zip {
        Ok((path, bytes)) => println!(
            "arm64 bootstrap zip          {}  target <= {ZIP_TARGET_BYTES} bytes  {}  ({})",
            size(Some(bytes)),
            verdict(bytes as f64, ZIP_TARGET_BYTES as f64),
            path.display()
        ),
        Err(why) => println!(
            "arm64 bootstrap zip          n/a: {why}; to measure it: pip install cargo-lambda, then\n                             cargo lambda build --release --arm64 --output-format zip -p {BIN}"
        ),
    }

    // Connection reuse: one connection per endpoint per process means reuse across the calls and
    // the two invocations (over HTTPS: one handshake per endpoint per process).
    let mut counts: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for s in samples {
        for (name, n) in ["Connect", "ResponseURL", "Runtime API"]
            .into_iter()
            .zip(s.connections)
        {
            let entry = counts.entry(name).or_insert((usize::MAX, 0));
            *entry = (entry.0.min(n), entry.1.max(n));
        }
    }
    let text: Vec<String> = counts
        .iter()
        .map(|(name, (lo, hi))| {
            if lo == hi {
                format!("{name} {lo}")
            } else {
                format!("{name} {lo}-{hi}")
            }
        })
        .collect();
    if !text.is_empty() {
        println!(
            "connections per process      {} (two invocations)",
            text.join(", ")
        );
    }
}
