//! The offline runner: the real handler on events from `events/`, against the local Connect
//! emulator and a local receiver standing in for CloudFormation's ResponseURL. No AWS account,
//! no Docker, no network.
//!
//! `cargo run -p runner` runs the lifecycle create -> update -> delete;
//! `cargo run -p runner -- events/X.json ...` runs the given events in order;
//! `cargo run -p runner -- --serve` keeps the emulator and the receiver running on fixed ports for
//! the built function under `cargo lambda watch` (see the README's local testing section).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use connect_emulator::connect::ConnectEmulator;
use connect_emulator::receiver::{Received, ResponseReceiver};
use routing_profile_resource::arn;
use routing_profile_resource::connect::Connect;
use routing_profile_resource::handler::Handler;
use routing_profile_resource::response::Responder;
use serde_json::Value;
use tokio::time::Instant;

const LIFECYCLE: [&str; 3] = [
    "events/create.json",
    "events/update.json",
    "events/delete.json",
];

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .init();
    if std::env::args().nth(1).as_deref() == Some("--serve") {
        return match serve().await {
            Ok(()) => ExitCode::SUCCESS,
            Err(problem) => {
                eprintln!("error: {problem}");
                ExitCode::from(2)
            }
        };
    }
    let args: Vec<PathBuf> = std::env::args().skip(1).map(PathBuf::from).collect();
    let files: Vec<PathBuf> = if args.is_empty() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        LIFECYCLE.iter().map(|f| root.join(f)).collect()
    } else {
        args
    };
    match run(&files).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(problem) => {
            eprintln!("error: {problem}");
            ExitCode::from(2)
        }
    }
}

/// Runs each event; `Ok(false)` when any answer was FAILED.
async fn run(files: &[PathBuf]) -> Result<bool, String> {
    let connect = ConnectEmulator::start().await;
    connect.seed_demo();
    let receiver = ResponseReceiver::start().await;
    let handler = Handler::new(
        Connect::for_endpoint(&connect.endpoint()),
        Responder::new(false),
    );
    println!(
        "Connect emulator at {} (demo instances {} and {}), ResponseURL receiver at {}\n",
        connect.endpoint(),
        connect_emulator::connect::DEMO_INSTANCE_ID,
        connect_emulator::connect::DEMO_INSTANCE2_ID,
        receiver.url("/")
    );

    let mut all_succeeded = true;
    let mut last_profile: Option<String> = None;
    for file in files {
        let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
        let mut event: Value = serde_json::from_str(&text)
            .map_err(|e| format!("{}: not JSON: {e}", file.display()))?;
        println!("=== {} ({})", file.display(), field(&event, "RequestType"));

        receiver.redirect(&mut event);
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

        connect.clear_calls();
        let before = receiver.requests().len();
        let result = handler
            .handle(event, Instant::now() + Duration::from_secs(60))
            .await;

        print_calls(&connect);
        println!("--- Answer to CloudFormation");
        match receiver.requests().get(before) {
            Some(put) => {
                let body = print_answer(put);
                if body["Status"] == "SUCCESS" {
                    if let Some(physical) = body["PhysicalResourceId"].as_str()
                        && arn::routing_profile(physical).is_some()
                    {
                        last_profile = Some(physical.to_string());
                    }
                } else {
                    all_succeeded = false;
                }
            }
            None => {
                all_succeeded = false;
                println!("    none delivered: {result:?}");
            }
        }
        println!();
    }

    println!("--- Routing profiles left in the emulator");
    let profiles = connect.profiles();
    if profiles.is_empty() {
        println!("    none");
    }
    for p in profiles {
        println!(
            "    {} {:?}: {} queues, {} manual queues, {} tags",
            p.arn,
            p.name,
            p.queue_configs.len(),
            p.manual_assignment_queues.len(),
            p.tags.len()
        );
    }
    Ok(all_succeeded)
}

/// Fixed ports for `--serve`, so the function's environment and the events can name them.
const SERVE_CONNECT_PORT: u16 = 9100;
const SERVE_RECEIVER_PORT: u16 = 9101;

/// Serves the seeded emulator and the receiver until interrupted, printing each Connect call and
/// each answer as they arrive.
async fn serve() -> Result<(), String> {
    let connect = ConnectEmulator::start_on(SERVE_CONNECT_PORT)
        .await
        .map_err(|e| format!("cannot listen on 127.0.0.1:{SERVE_CONNECT_PORT}: {e}"))?;
    connect.seed_demo();
    let receiver = ResponseReceiver::start_on(SERVE_RECEIVER_PORT)
        .await
        .map_err(|e| format!("cannot listen on 127.0.0.1:{SERVE_RECEIVER_PORT}: {e}"))?;
    println!(
        "Connect emulator at {} (demo instances {} and {}), ResponseURL receiver at {}",
        connect.endpoint(),
        connect_emulator::connect::DEMO_INSTANCE_ID,
        connect_emulator::connect::DEMO_INSTANCE2_ID,
        receiver.url("/")
    );
    println!("Point the function at them, in another terminal:");
    println!(
        "    AWS_ENDPOINT_URL_CONNECT={} AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local cargo lambda watch",
        connect.endpoint()
    );
    println!("and send it events whose ResponseURL is the receiver, in a third:");
    println!(
        "    sed 's#https://[^/]*amazonaws.com#{}#' events/create.json > /tmp/create.json && cargo lambda invoke routing-profile-resource --data-file /tmp/create.json",
        receiver.url("")
    );
    println!("Ctrl-C stops.\n");
    let mut answered = 0;
    loop {
        let received = receiver
            .wait_for(answered + 1, Duration::from_secs(3600))
            .await;
        for put in received.iter().skip(answered) {
            print_calls(&connect);
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

fn field(event: &Value, key: &str) -> String {
    event
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or("?")
        .to_string()
}
