//! The offline runner: the real handler on events from `events/`, against the local Connect
//! emulator and a local receiver standing in for CloudFormation's ResponseURL. No AWS account,
//! no Docker, no network.
//!
//! `cargo run -p runner` runs the lifecycle create -> update -> update to another instance
//! (replacement) -> delete; `cargo run -p runner -- events/X.json ...` runs the given events in
//! order. Like CloudFormation, the runner follows an Update answered with a new PhysicalResourceId
//! by the cleanup Delete of the old one, so a run leaves nothing behind that a stack would not.
//!
//! `cargo run -p runner -- --serve [--bind ADDR]` keeps the emulator and the receiver running on
//! fixed ports for the built function under `cargo lambda watch` or `sam local invoke` (see the
//! README's local testing section).
//!
//! `--https` (with either) serves both over HTTPS with a CA made for the run, as production's
//! endpoints are; the handler trusts it (with `--serve`, the function does through `AWS_CA_BUNDLE`).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use connect_emulator::connect::{ConnectEmulator, Profile};
use connect_emulator::receiver::{Received, ResponseReceiver};
use connect_emulator::tls::{ServerTls, TestCa};
use routing_profile_resource::arn;
use routing_profile_resource::connect::Connect;
use routing_profile_resource::handler::Handler;
use routing_profile_resource::response::Responder;
use routing_profile_resource::tls::Trust;
use serde_json::Value;
use tokio::time::Instant;

const LIFECYCLE: [&str; 4] = [
    "events/create.json",
    "events/update.json",
    "events/update-replacement.json",
    "events/delete.json",
];

const USAGE: &str = "\
usage: cargo run -p runner [-- EVENT.json ...]
           runs the events in order (default: the create -> update -> replacement -> delete lifecycle)
       cargo run -p runner -- --serve [--bind ADDR]
           serves the Connect emulator on port 9100 and the ResponseURL receiver on port 9101 of
           ADDR (default 127.0.0.1; 0.0.0.0 lets containers such as `sam local invoke` reach them)
       --https (with either)
           serves both over HTTPS, with a certificate of a CA made for the run";

/// What the command line asks for.
#[derive(Debug, PartialEq)]
enum Command {
    /// Run these event files in order.
    Run(Vec<PathBuf>),
    /// Serve the emulator and the receiver until interrupted.
    Serve(ServeOptions),
    /// Print the usage.
    Help,
}

/// How `--serve` listens.
#[derive(Debug, Clone, PartialEq)]
struct ServeOptions {
    /// The address both servers bind.
    bind: IpAddr,
    connect_port: u16,
    receiver_port: u16,
}

impl Default for ServeOptions {
    /// Loopback and fixed ports, so the function's environment and the events can name them.
    fn default() -> Self {
        ServeOptions {
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            connect_port: 9100,
            receiver_port: 9101,
        }
    }
}

/// Reads the arguments (without the program name).
fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Command, String> {
    let mut serve = false;
    let mut bind: Option<IpAddr> = None;
    let mut files = Vec::new();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--serve" => serve = true,
            "--bind" => {
                let value = args
                    .next()
                    .ok_or("--bind needs an IP address, such as 0.0.0.0 or 127.0.0.1")?;
                let addr = value.parse().map_err(|_| {
                    format!("--bind {value:?}: not an IP address (such as 0.0.0.0 or 127.0.0.1)")
                })?;
                bind = Some(addr);
            }
            "-h" | "--help" => return Ok(Command::Help),
            other if other.starts_with('-') => {
                return Err(format!("unknown option {other}\n{USAGE}"));
            }
            file => files.push(PathBuf::from(file)),
        }
    }
    if !serve {
        if bind.is_some() {
            return Err("--bind applies only to --serve".into());
        }
        return Ok(Command::Run(files));
    }
    if !files.is_empty() {
        return Err("--serve takes no event files: send events to the function instead".into());
    }
    let mut options = ServeOptions::default();
    if let Some(bind) = bind {
        options.bind = bind;
    }
    Ok(Command::Serve(options))
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .init();
    let https = match std::env::args().any(|a| a == "--https") {
        true => match Https::new() {
            Ok(https) => Some(https),
            Err(problem) => {
                eprintln!("error: {problem}");
                return ExitCode::from(2);
            }
        },
        false => None,
    };
    let https = https.as_ref();
    let command = match parse_args(std::env::args().skip(1).filter(|a| a != "--https")) {
        Ok(command) => command,
        Err(problem) => {
            eprintln!("error: {problem}");
            return ExitCode::from(2);
        }
    };
    let result = match command {
        Command::Help => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Command::Serve(options) => serve(&options, https).await.map(|()| true),
        Command::Run(files) if files.is_empty() => {
            let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
            let files: Vec<PathBuf> = LIFECYCLE.iter().map(|f| root.join(f)).collect();
            // The lifecycle deletes everything it creates: a profile left over is a leak, and
            // fails the run (CI runs it).
            run(&files, https)
                .await
                .map(|run| run.all_succeeded() && run.left.is_empty())
        }
        Command::Run(files) => run(&files, https).await.map(|run| run.all_succeeded()),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(problem) => {
            eprintln!("error: {problem}");
            ExitCode::from(2)
        }
    }
}

/// `--https`: the run's CA in a PEM file (for `AWS_CA_BUNDLE`), the trust it gives the handler,
/// and the certificate both servers present.
struct Https {
    bundle: PathBuf,
    trust: Trust,
    server: ServerTls,
}

impl Https {
    fn new() -> Result<Https, String> {
        let ca = TestCa::new("routing-profile-resource runner CA");
        let bundle = std::env::temp_dir().join(format!(
            "routing-profile-resource-runner-ca-{}.pem",
            std::process::id()
        ));
        std::fs::write(&bundle, ca.pem()).map_err(|e| format!("{}: {e}", bundle.display()))?;
        let trust = Trust::with_ca_bundle(&bundle).map_err(|e| e.to_string())?;
        Ok(Https {
            bundle,
            trust,
            server: ca.server_tls(&["127.0.0.1", "::1", "localhost"]),
        })
    }
}

/// One event sent to the handler and the answer CloudFormation got, if any.
struct Step {
    event: Value,
    answer: Option<Value>,
}

/// What a run did, for the exit status and for tests.
struct Run {
    steps: Vec<Step>,
    /// The routing profiles in the emulator at the end.
    left: Vec<Profile>,
}

impl Run {
    /// Whether every step was answered SUCCESS.
    fn all_succeeded(&self) -> bool {
        self.steps.iter().all(|step| {
            step.answer
                .as_ref()
                .is_some_and(|a| a["Status"] == "SUCCESS")
        })
    }
}

/// The emulator, the receiver and the real handler wired together for one run.
struct World {
    connect: ConnectEmulator,
    receiver: ResponseReceiver,
    handler: Handler,
}

impl World {
    /// The seeded emulator, a receiver, and the handler pointed at the emulator; over HTTPS with
    /// `https`.
    async fn start(https: Option<&Https>) -> Result<World, String> {
        let failed = |e: std::io::Error| format!("cannot start a local server: {e}");
        let (connect, receiver, trust) = match https {
            None => (
                ConnectEmulator::start().await,
                ResponseReceiver::start().await,
                Trust::default(),
            ),
            Some(https) => (
                ConnectEmulator::start_tls_on(0, https.server.clone())
                    .await
                    .map_err(failed)?,
                ResponseReceiver::start_tls_on(0, https.server.clone())
                    .await
                    .map_err(failed)?,
                https.trust.clone(),
            ),
        };
        connect.seed_demo();
        let handler = Handler::new(
            Connect::for_endpoint_trusting(&connect.endpoint(), &trust),
            Responder::with_trust(false, &trust),
        );
        Ok(World {
            connect,
            receiver,
            handler,
        })
    }

    /// Sends one event (its ResponseURL already pointed at the receiver) and prints the Connect
    /// calls and the answer.
    async fn send(&self, event: Value) -> Step {
        self.connect.clear_calls();
        let before = self.receiver.requests().len();
        let result = self
            .handler
            .handle(event.clone(), Instant::now() + Duration::from_secs(60))
            .await;
        print_calls(&self.connect);
        println!("--- Answer to CloudFormation");
        let answer = match self.receiver.requests().get(before) {
            Some(put) => Some(print_answer(put)),
            None => {
                println!("    none delivered: {result:?}");
                None
            }
        };
        println!();
        Step { event, answer }
    }
}

/// Runs each event, and after an Update that replaced the profile, CloudFormation's cleanup Delete.
/// Over HTTPS with `https`.
async fn run(files: &[PathBuf], https: Option<&Https>) -> Result<Run, String> {
    let world = World::start(https).await?;
    println!(
        "Connect emulator at {} (demo instances {} and {}), ResponseURL receiver at {}\n",
        world.connect.endpoint(),
        connect_emulator::connect::DEMO_INSTANCE_ID,
        connect_emulator::connect::DEMO_INSTANCE2_ID,
        world.receiver.url("/")
    );

    let mut steps = Vec::new();
    let mut last_profile: Option<String> = None;
    for file in files {
        let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
        let mut event: Value = serde_json::from_str(&text)
            .map_err(|e| format!("{}: not JSON: {e}", file.display()))?;
        println!("=== {} ({})", file.display(), field(&event, "RequestType"));

        world.receiver.redirect(&mut event);
        // Update and Delete events name a profile; the one this run created stands in for it.
        if let (Some(id), Some(profile)) = (event.get("PhysicalResourceId"), &last_profile)
            && id
                .as_str()
                .is_some_and(|id| arn::routing_profile(id).is_some())
            && id != profile.as_str()
        {
            println!("    (PhysicalResourceId replaced by this run's profile {profile})");
            event["PhysicalResourceId"] = Value::String(profile.clone());
        }

        let step = world.send(event).await;
        let cleanup = step
            .answer
            .as_ref()
            .and_then(|answer| cleanup_delete(&step.event, answer));
        if field(&step.event, "RequestType") != "Delete"
            && let Some(physical) = step.answer.as_ref().and_then(successful_profile)
        {
            last_profile = Some(physical);
        }
        steps.push(step);

        if let Some(delete) = cleanup {
            println!(
                "=== cleanup: Delete of the replaced profile {}, with its old properties (what \
                 CloudFormation sends once the stack update is complete)",
                field(&delete, "PhysicalResourceId")
            );
            steps.push(world.send(delete).await);
        }
    }

    println!("--- Routing profiles left in the emulator");
    let left = world.connect.profiles();
    if left.is_empty() {
        println!("    none");
    }
    for p in &left {
        println!(
            "    {} {:?}: {} queues, {} manual queues, {} tags",
            p.arn,
            p.name,
            p.queue_configs.len(),
            p.manual_assignment_queues.len(),
            p.tags.len()
        );
    }
    Ok(Run { steps, left })
}

/// The routing profile ARN a SUCCESS answer names, if it names one.
fn successful_profile(answer: &Value) -> Option<String> {
    let physical = answer["PhysicalResourceId"].as_str()?;
    (answer["Status"] == "SUCCESS" && arn::routing_profile(physical).is_some())
        .then(|| physical.to_string())
}

/// The Delete CloudFormation sends during cleanup when an Update was answered with a different
/// PhysicalResourceId: the OLD id with the OLD properties, under a request of its own.
fn cleanup_delete(update: &Value, answer: &Value) -> Option<Value> {
    let old = update["PhysicalResourceId"].as_str()?;
    let new = answer["PhysicalResourceId"].as_str()?;
    if update["RequestType"] != "Update" || answer["Status"] != "SUCCESS" || old == new {
        return None;
    }
    let mut delete = update.clone();
    let fields = delete.as_object_mut()?;
    let old_properties = fields.remove("OldResourceProperties")?;
    fields.insert("RequestType".into(), "Delete".into());
    fields.insert("ResourceProperties".into(), old_properties);
    // A new request: its own RequestId, and the presigned ResponseURL (whose key carries the
    // RequestId) to match.
    let update_request = update["RequestId"].as_str().unwrap_or_default();
    let request = format!("{update_request}-cleanup");
    if let Some(url) = update["ResponseURL"].as_str()
        && !update_request.is_empty()
    {
        fields.insert(
            "ResponseURL".into(),
            url.replace(update_request, &request).into(),
        );
    }
    fields.insert("RequestId".into(), request.into());
    Some(delete)
}

/// The two servers of `--serve` and the URLs processes on this machine reach them at.
struct Served {
    connect: ConnectEmulator,
    receiver: ResponseReceiver,
    connect_url: String,
    receiver_url: String,
}

/// Starts the seeded emulator and the receiver on `options.bind`, over HTTPS with `https`.
async fn start_serving(options: &ServeOptions, https: Option<&Https>) -> Result<Served, String> {
    let connect_addr = SocketAddr::new(options.bind, options.connect_port);
    let receiver_addr = SocketAddr::new(options.bind, options.receiver_port);
    let listen =
        |addr: SocketAddr| move |e: std::io::Error| format!("cannot listen on {addr}: {e}");
    let (connect, receiver) = match https {
        None => (
            ConnectEmulator::start_at(connect_addr).await,
            ResponseReceiver::start_at(receiver_addr).await,
        ),
        Some(https) => (
            ConnectEmulator::start_tls_at(connect_addr, https.server.clone()).await,
            ResponseReceiver::start_tls_at(receiver_addr, https.server.clone()).await,
        ),
    };
    let (connect, receiver) = (
        connect.map_err(listen(connect_addr))?,
        receiver.map_err(listen(receiver_addr))?,
    );
    connect.seed_demo();
    let scheme = |url: String| match https {
        Some(_) => url.replacen("http://", "https://", 1),
        None => url,
    };
    let connect_url = scheme(local_url(options.bind, connect.port()));
    let receiver_url = scheme(local_url(options.bind, receiver.port()));
    Ok(Served {
        connect,
        receiver,
        connect_url,
        receiver_url,
    })
}

/// `http://HOST:PORT` for a client on this machine: the bound address, or loopback when the
/// servers listen on every address.
fn local_url(bind: IpAddr, port: u16) -> String {
    let host = match bind {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(std::net::Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    format!("http://{}", SocketAddr::new(host, port))
}

/// Serves the seeded emulator and the receiver until interrupted, printing each Connect call and
/// each answer as they arrive.
async fn serve(options: &ServeOptions, https: Option<&Https>) -> Result<(), String> {
    let served = start_serving(options, https).await?;
    let trust_env = https.map_or(String::new(), |h| {
        format!("AWS_CA_BUNDLE={} ", h.bundle.display())
    });
    let (connect, receiver) = (&served.connect, &served.receiver);
    println!(
        "Connect emulator at {} (demo instances {} and {}), ResponseURL receiver at {}/",
        served.connect_url,
        connect_emulator::connect::DEMO_INSTANCE_ID,
        connect_emulator::connect::DEMO_INSTANCE2_ID,
        served.receiver_url,
    );
    println!("Point the function at them, in another terminal:");
    println!(
        "    {trust_env}AWS_ENDPOINT_URL_CONNECT={} AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local cargo lambda watch",
        served.connect_url
    );
    println!("and send it events whose ResponseURL is the receiver, in a third:");
    println!(
        "    sed 's#https://[^/]*amazonaws.com#{}#' events/create.json > /tmp/create.json && cargo lambda invoke routing-profile-resource --data-file /tmp/create.json",
        served.receiver_url
    );
    if options.bind.is_loopback() {
        println!(
            "Containers (sam local invoke) cannot reach {}: for them, run with --bind 0.0.0.0.",
            options.bind
        );
    } else {
        println!(
            "From a container (sam local invoke, see the README), they are http://host.docker.internal:{} and http://host.docker.internal:{}/",
            connect.port(),
            receiver.port()
        );
    }
    println!("Ctrl-C stops.\n");
    let mut answered = 0;
    loop {
        let received = receiver
            .wait_for(answered + 1, Duration::from_secs(3600))
            .await;
        for put in received.iter().skip(answered) {
            print_calls(connect);
            connect.clear_calls();
            println!("--- Answer to CloudFormation");
            print_answer(put);
            println!();
        }
        answered = received.len();
    }
}

/// The Connect calls the emulator has seen since it was last cleared, with their outcome.
fn print_calls(connect: &ConnectEmulator) {
    println!("--- Connect calls");
    for call in connect.calls() {
        let error = call.error_type.map(|e| format!(" {e}")).unwrap_or_default();
        println!("    {:<44} {}{error}", call.operation, call.status);
    }
}

/// Prints one answer PUT and returns its JSON body.
fn print_answer(put: &Received) -> Value {
    let body = put.json();
    let pretty = serde_json::to_string_pretty(&body).unwrap_or_default();
    println!("    {} ({} bytes)", put.method, put.body.len());
    for line in pretty.lines() {
        println!("    {line}");
    }
    body
}

/// A top-level string field of an event, or `?`.
fn field(event: &Value, key: &str) -> String {
    event
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or("?")
        .to_string()
}

#[cfg(test)]
mod tests;
