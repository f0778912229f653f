//! The built `bootstrap` binary exactly as Lambda runs it: a cleared environment holding only what
//! Lambda sets, the Lambda Runtime API, Connect through the SDK's standard endpoint override, and
//! the answers PUT to a local ResponseURL receiver. Create, Update and Delete go through ONE process,
//! so the wiring in `main.rs` (logging, clients built once, the runtime loop) is what is under test.
//! It logs at TRACE, the most verbose level a user can set, and no log line may carry the
//! ResponseURL's signature or the credentials. It runs twice: over plain http, and over HTTPS as in
//! production, with Connect and the ResponseURL presenting certificates of a CA made for the test
//! that the function trusts only through `AWS_CA_BUNDLE`.

use std::io::{BufRead, BufReader};
use std::process::Child;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use connect_emulator::connect::{ConnectEmulator, DEMO_INSTANCE_ID};
use connect_emulator::receiver::ResponseReceiver;
use connect_emulator::runtime_api::{Outcome, RuntimeApi};
use connect_emulator::tls::TestCa;
use serde_json::Value;

use crate::world::{Answer, World, event, event_on};

const SECRET_KEY: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYdummySECRETkey";
const SESSION_TOKEN: &str = "IQoJb3JpZ2luX2VjEdummySESSIONtokenValue0123456789";
const WAIT: Duration = Duration::from_secs(5);

/// Kills the child when dropped, so a failing assert does not leave the process behind.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `event` with its ResponseURL pointed at the receiver, the original path and query (the
/// presigned signature with it) kept; returns the event and that query.
fn answering_to(receiver: &ResponseReceiver, mut event: Value) -> (Value, String) {
    receiver.redirect(&mut event);
    let url = event["ResponseURL"].as_str().expect("ResponseURL");
    let (_, query) = url.split_once('?').expect("a presigned query");
    let query = query.to_string();
    (event, query)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_runs_create_update_delete_in_one_process() {
    lifecycle_in_one_process(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_runs_create_update_delete_over_https_trusting_aws_ca_bundle() {
    lifecycle_in_one_process(true).await;
}

async fn lifecycle_in_one_process(https: bool) {
    let ca = TestCa::new("binary test CA");
    let bundle = ca.pem_file();
    let (connect, receiver) = if https {
        let connect = ConnectEmulator::start_tls_on(0, ca.server_tls(&["127.0.0.1"]))
            .await
            .expect("Connect over TLS");
        connect.seed_demo();
        let receiver = ResponseReceiver::start_tls_on(0, ca.server_tls(&["127.0.0.1"]))
            .await
            .expect("receiver over TLS");
        (connect, receiver)
    } else {
        let World {
            connect, receiver, ..
        } = World::start().await;
        (connect, receiver)
    };
    let runtime = RuntimeApi::start().await;

    let mut child = runtime.function_command(
        env!("CARGO_BIN_EXE_routing-profile-resource"),
        &connect.endpoint(),
        ["ASIADUMMYACCESSKEY01", SECRET_KEY, SESSION_TOKEN],
    );
    child.env("AWS_LAMBDA_LOG_LEVEL", "TRACE");
    // Set or cleared, never inherited: the machine may point it at the system's bundle.
    if https {
        child.env("AWS_CA_BUNDLE", bundle.path());
    } else {
        child.env_remove("AWS_CA_BUNDLE");
    }
    let mut running = Running(child.spawn().expect("spawn the bootstrap binary"));

    // stdout and stderr are drained on their own threads so the child never blocks on a full pipe.
    let stdout_lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let stdout = running.0.stdout.take().expect("stdout");
    let collected = stdout_lines.clone();
    let stdout_reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            collected.lock().unwrap().push(line);
        }
    });
    let stderr_text = Arc::new(Mutex::new(String::new()));
    let stderr = running.0.stderr.take().expect("stderr");
    let collected = stderr_text.clone();
    let stderr_reader = std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let mut text = collected.lock().unwrap();
            text.push_str(&line);
            text.push('\n');
        }
    });
    let deadline = || SystemTime::now() + Duration::from_secs(60);
    let mut queries = Vec::new();

    // Input that is not a CloudFormation request and carries nothing to answer: the invocation
    // ends with an error, nothing is PUT, and the process goes on serving.
    runtime.push(
        "invoke-garbage",
        Value::String("not a request".into()),
        deadline(),
    );
    let outcome = runtime.wait_outcome("invoke-garbage", WAIT).await;
    assert!(
        matches!(outcome, Some(Outcome::Error(_))),
        "garbage: {outcome:?}"
    );
    assert!(receiver.requests().is_empty(), "nothing to answer, no PUT");

    // Create.
    let (create, query) = answering_to(&receiver, event("create"));
    queries.push(query);
    runtime.push("invoke-create", create.clone(), deadline());
    let outcome = runtime.wait_outcome("invoke-create", WAIT).await;
    let stderr_now = || stderr_text.lock().unwrap().clone();
    let Some(Outcome::Response(returned)) = outcome else {
        panic!(
            "create: {outcome:?}; init error {:?}; stderr:\n{}",
            runtime.init_error(),
            stderr_now()
        );
    };
    let puts = receiver.wait_for(1, WAIT).await;
    assert_eq!(puts.len(), 1, "exactly one PUT for the Create");
    let created = Answer::of(&puts[0], create);
    assert_eq!(puts[0].method, "PUT");
    assert_eq!(created.status, "SUCCESS", "{created}");
    let physical = created.physical.clone();
    let profile = created.profile();
    assert_eq!(profile.instance_id, DEMO_INSTANCE_ID);
    assert_eq!(returned["Status"], "SUCCESS");
    assert_eq!(returned["PhysicalResourceId"], physical);
    let stored = connect
        .profile(&profile.routing_profile_id)
        .expect("the emulator holds the created profile");
    assert_eq!(stored.name, "Support Tier 1");

    // Update, same profile.
    let (update, query) = answering_to(&receiver, event_on("update", &physical));
    queries.push(query);
    runtime.push("invoke-update", update.clone(), deadline());
    let outcome = runtime.wait_outcome("invoke-update", WAIT).await;
    assert!(
        matches!(outcome, Some(Outcome::Response(_))),
        "update: {outcome:?}"
    );
    let puts = receiver.wait_for(2, WAIT).await;
    assert_eq!(puts.len(), 2, "exactly one PUT for the Update");
    let updated = Answer::of(&puts[1], update);
    assert_eq!(updated.status, "SUCCESS", "{updated}");
    assert_eq!(updated.physical, physical, "an in-place update");
    assert!(connect.profile(&profile.routing_profile_id).is_some());

    // Delete.
    let (delete, query) = answering_to(&receiver, event_on("delete", &physical));
    queries.push(query);
    runtime.push("invoke-delete", delete.clone(), deadline());
    let outcome = runtime.wait_outcome("invoke-delete", WAIT).await;
    assert!(
        matches!(outcome, Some(Outcome::Response(_))),
        "delete: {outcome:?}"
    );
    let puts = receiver.wait_for(3, WAIT).await;
    assert_eq!(puts.len(), 3, "exactly one PUT for the Delete");
    let deleted = Answer::of(&puts[2], delete);
    assert_eq!(deleted.status, "SUCCESS", "{deleted}");
    assert_eq!(deleted.physical, physical);
    assert!(
        connect.profiles().is_empty(),
        "no profile left after Delete"
    );
    assert_eq!(runtime.init_error(), None);

    // No stray answers, then stop the process and read everything it logged.
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(receiver.requests().len(), 3, "one PUT per event, no more");
    drop(running);
    stdout_reader.join().expect("stdout reader");
    stderr_reader.join().expect("stderr reader");

    let lines = stdout_lines.lock().unwrap().clone();
    assert!(
        !lines.is_empty(),
        "the function logged nothing; stderr:\n{}",
        stderr_now()
    );
    // The first line of a cold start names the release (the README's Upgrading section).
    let first: Value = serde_json::from_str(&lines[0]).unwrap_or_default();
    assert_eq!(
        (first["message"].as_str(), first["version"].as_str()),
        (Some("init"), Some(env!("CARGO_PKG_VERSION"))),
        "first log line: {}",
        lines[0]
    );
    for line in &lines {
        let parsed: Result<Value, _> = serde_json::from_str(line);
        assert!(
            parsed.as_ref().is_ok_and(Value::is_object),
            "not a JSON log line: {line}"
        );
        for query in &queries {
            let signature = query
                .split('&')
                .find_map(|p| p.strip_prefix("X-Amz-Signature="))
                .expect("a signature in the query");
            assert!(
                !line.contains(query.as_str()),
                "ResponseURL query logged: {line}"
            );
            assert!(
                !line.contains(signature),
                "ResponseURL signature logged: {line}"
            );
        }
        assert!(!line.contains(SECRET_KEY), "secret key logged: {line}");
        assert!(
            !line.contains(SESSION_TOKEN),
            "session token logged: {line}"
        );
    }
    let stderr = stderr_now();
    for secret in [SECRET_KEY, SESSION_TOKEN] {
        assert!(!stderr.contains(secret), "secret on stderr:\n{stderr}");
    }
}
