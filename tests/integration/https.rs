//! The function over HTTPS, as production runs it: Connect and the ResponseURL served over TLS with
//! certificates from a CA made at test time, which the function trusts only through
//! `AWS_CA_BUNDLE`. Most tests run the built binary (the Lambda environment, `main.rs`'s init);
//! one runs the handler in-process with the same trust.
//!
//! What a certificate problem must never do is leave a stack waiting: an untrusted certificate or
//! one for another host answers FAILED at once (Connect) or ends the invocation at once with the
//! reason logged (ResponseURL), and a server that never finishes its handshake still gets the
//! deadline's answer.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, ExitStatus};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use connect_emulator::connect::{ConnectEmulator, DEMO_INSTANCE_ID, Fault};
use connect_emulator::receiver::ResponseReceiver;
use connect_emulator::runtime_api::{Outcome, RuntimeApi};
use connect_emulator::tls::{PemFile, ServerTls, TestCa};
use routing_profile_resource::connect::Connect;
use routing_profile_resource::handler::Handler;
use routing_profile_resource::response::Responder;
use routing_profile_resource::tls::Trust;
use serde_json::Value;
use tokio::time::Instant;

const CREDENTIALS: [&str; 3] = [
    "ASIAHTTPSTESTKEY0001",
    "httpsTestSecretKey",
    "httpsTestToken",
];
/// Longer than any answer here may take; reaching it is a failure, not a wait.
const WAIT: Duration = Duration::from_secs(15);

/// The built function, started with its stdout and stderr collected, killed when dropped.
struct Function {
    child: Child,
    output: Arc<Mutex<Vec<String>>>,
}

impl Function {
    /// The binary against `runtime` and Connect at `connect_endpoint`, trusting the file
    /// `ca_bundle` names through AWS_CA_BUNDLE (always set or cleared: the machine may set it).
    fn start(runtime: &RuntimeApi, connect_endpoint: &str, ca_bundle: Option<&Path>) -> Function {
        let mut command = runtime.function_command(
            env!("CARGO_BIN_EXE_routing-profile-resource"),
            connect_endpoint,
            CREDENTIALS,
        );
        match ca_bundle {
            Some(path) => command.env("AWS_CA_BUNDLE", path),
            None => command.env_remove("AWS_CA_BUNDLE"),
        };
        let mut child = command.spawn().expect("spawn the bootstrap binary");
        let output = Arc::new(Mutex::new(Vec::new()));
        let stdout = child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn std::io::Read + Send>);
        let stderr = child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn std::io::Read + Send>);
        for pipe in [stdout, stderr].into_iter().flatten() {
            let output = output.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                    output.lock().unwrap().push(line);
                }
            });
        }
        Function { child, output }
    }

    /// Everything the process has written so far.
    fn output(&self) -> String {
        self.output.lock().unwrap().join("\n")
    }

    /// Everything the process has written once a line contains `needle`, or after [`WAIT`]:
    /// the pipes are read by threads, so a line logged before an answer may arrive after it.
    async fn output_with(&self, needle: &str) -> String {
        let until = Instant::now() + WAIT;
        while Instant::now() < until && !self.output().contains(needle) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        self.output()
    }

    /// Waits up to `timeout` for the process to exit by itself.
    async fn exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let until = Instant::now() + timeout;
        while Instant::now() < until {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        None
    }
}

impl Drop for Function {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `events/<name>.json`, answering to `receiver`.
fn event(receiver: &ResponseReceiver, name: &str) -> Value {
    let mut event = crate::world::event(name);
    receiver.redirect(&mut event);
    event
}

/// `events/<name>.json` for the resource `physical`, answering to `receiver`.
fn event_on(receiver: &ResponseReceiver, name: &str, physical: &str) -> Value {
    let mut event = crate::world::event_on(name, physical);
    receiver.redirect(&mut event);
    event
}

async fn connect_over(tls: ServerTls) -> ConnectEmulator {
    let connect = ConnectEmulator::start_tls_on(0, tls)
        .await
        .expect("start the Connect emulator over TLS");
    connect.seed_demo();
    connect
}

async fn receiver_over(tls: ServerTls) -> ResponseReceiver {
    ResponseReceiver::start_tls_on(0, tls)
        .await
        .expect("start the receiver over TLS")
}

/// Pushes `event` with `within` to its deadline and waits for the function's outcome.
async fn invoke(runtime: &RuntimeApi, id: &str, event: Value, within: Duration) -> Outcome {
    runtime.push(id, event, SystemTime::now() + within);
    runtime
        .wait_outcome(id, WAIT)
        .await
        .unwrap_or_else(|| panic!("{id}: no outcome within {WAIT:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_process_reuses_one_tls_connection_per_endpoint_through_retries_and_invocations() {
    let ca = TestCa::new("reuse CA");
    let (connect_tls, receiver_tls) =
        (ca.server_tls(&["127.0.0.1"]), ca.server_tls(&["127.0.0.1"]));
    let connect = connect_over(connect_tls.clone()).await;
    let receiver = receiver_over(receiver_tls.clone()).await;
    let runtime = RuntimeApi::start().await;
    let bundle = ca.pem_file();
    let function = Function::start(&runtime, &connect.endpoint(), Some(bundle.path()));

    // 25 queues (Create with 10, then two associations) under throttling: SDK retries on TLS.
    connect.inject("AssociateRoutingProfileQueues", Fault::throttling(), 2);
    let outcome = invoke(&runtime, "large", event(&receiver, "create-large"), WAIT).await;
    assert!(
        matches!(outcome, Outcome::Response(_)),
        "{outcome:?}\n{}",
        function.output()
    );
    let puts = receiver.wait_for(1, WAIT).await;
    let answer = puts[0].json();
    assert_eq!(answer["Status"], "SUCCESS", "{answer}");
    let physical = answer["PhysicalResourceId"]
        .as_str()
        .expect("an ARN")
        .to_string();
    let throttled = connect.calls().iter().filter(|c| c.status == 429).count();
    assert_eq!(throttled, 2, "the throttled calls were made and retried");
    let profile = connect.profiles().pop().expect("the created profile");
    assert_eq!(profile.queue_configs.len(), 25);

    let mut delete = event_on(&receiver, "delete", &physical);
    delete["LogicalResourceId"] = "SupportOverflow".into(); // the Delete of the same resource
    let outcome = invoke(&runtime, "delete", delete, WAIT).await;
    assert!(matches!(outcome, Outcome::Response(_)), "{outcome:?}");
    let puts = receiver.wait_for(2, WAIT).await;
    assert_eq!(puts[1].json()["Status"], "SUCCESS", "{}", puts[1].json());
    assert!(connect.profiles().is_empty());

    // Two cold handshakes for the whole process, then reuse.
    assert_eq!(connect_tls.handshakes(), 1, "one TLS connection to Connect");
    assert_eq!(
        receiver_tls.handshakes(),
        1,
        "one TLS connection to the ResponseURL"
    );
    let output = function.output_with("trusting AWS_CA_BUNDLE").await;
    assert!(output.contains("trusting AWS_CA_BUNDLE"), "{output}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connect_certificate_from_an_untrusted_ca_answers_failed_at_once() {
    let trusted = TestCa::new("trusted CA");
    let stranger = TestCa::new("stranger CA");
    let connect = connect_over(stranger.server_tls(&["127.0.0.1"])).await;
    let receiver = receiver_over(trusted.server_tls(&["127.0.0.1"])).await;
    let runtime = RuntimeApi::start().await;
    let bundle = trusted.pem_file();
    let function = Function::start(&runtime, &connect.endpoint(), Some(bundle.path()));

    let started = Instant::now();
    let outcome = invoke(
        &runtime,
        "create",
        event(&receiver, "create"),
        Duration::from_secs(60),
    )
    .await;
    assert!(matches!(outcome, Outcome::Response(_)), "{outcome:?}");
    let answer = receiver.wait_for(1, WAIT).await[0].json();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "no retries until the deadline"
    );
    assert_eq!(answer["Status"], "FAILED", "{answer}");
    let reason = answer["Reason"].as_str().unwrap_or_default();
    assert!(
        reason.contains(&format!("could not reach {}", connect.endpoint()))
            && reason.contains("invalid peer certificate: UnknownIssuer"),
        "{reason}"
    );
    assert!(
        connect.calls().is_empty(),
        "no request got past the handshake"
    );
    drop(function);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connect_certificate_for_another_host_answers_failed_at_once() {
    let ca = TestCa::new("host name CA");
    // Signed by the trusted CA, but for a name the function did not ask for.
    let connect = connect_over(ca.server_tls(&["connect.us-east-1.amazonaws.com"])).await;
    let receiver = receiver_over(ca.server_tls(&["127.0.0.1"])).await;
    let runtime = RuntimeApi::start().await;
    let bundle = ca.pem_file();
    let _function = Function::start(&runtime, &connect.endpoint(), Some(bundle.path()));

    let outcome = invoke(
        &runtime,
        "create",
        event(&receiver, "create"),
        Duration::from_secs(60),
    )
    .await;
    assert!(matches!(outcome, Outcome::Response(_)), "{outcome:?}");
    let answer = receiver.wait_for(1, WAIT).await[0].json();
    assert_eq!(answer["Status"], "FAILED", "{answer}");
    let reason = answer["Reason"].as_str().unwrap_or_default();
    assert!(
        reason.contains("NotValidForName") || reason.contains("not valid for name"),
        "{reason}"
    );
    assert!(connect.calls().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untrusted_response_url_certificate_ends_the_invocation_at_once_and_says_why() {
    let trusted = TestCa::new("trusted CA");
    let stranger = TestCa::new("stranger CA");
    let connect = connect_over(trusted.server_tls(&["127.0.0.1"])).await;
    let receiver = receiver_over(stranger.server_tls(&["127.0.0.1"])).await;
    let runtime = RuntimeApi::start().await;
    let bundle = trusted.pem_file();
    let function = Function::start(&runtime, &connect.endpoint(), Some(bundle.path()));

    let started = Instant::now();
    let outcome = invoke(
        &runtime,
        "create",
        event(&receiver, "create"),
        Duration::from_secs(60),
    )
    .await;
    let Outcome::Error(error) = outcome else {
        panic!("the answer cannot be delivered, so the invocation fails: {outcome:?}");
    };
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "no retries of a refused certificate"
    );
    assert_eq!(error["errorType"], "AnswerNotDelivered", "{error}");
    let message = error["errorMessage"].as_str().unwrap_or_default();
    assert!(
        message.contains("after 1 attempt(s)") && message.contains("UnknownIssuer"),
        "{error}"
    );
    assert!(receiver.requests().is_empty());
    let output = function
        .output_with("ResponseURL's TLS certificate is not trusted")
        .await;
    assert!(
        output.contains("ResponseURL's TLS certificate is not trusted"),
        "{output}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_response_url_slow_to_accept_gets_the_answer_on_a_later_attempt() {
    let ca = TestCa::new("slow CA");
    let connect = connect_over(ca.server_tls(&["127.0.0.1"])).await;
    let receiver_tls = ca.server_tls(&["127.0.0.1"]);
    // Longer than one attempt may take (4 s): the first connection is given up, the second is
    // answered at once.
    receiver_tls.stall_handshakes(1, Duration::from_secs(6));
    let receiver = receiver_over(receiver_tls.clone()).await;
    let runtime = RuntimeApi::start().await;
    let bundle = ca.pem_file();
    let function = Function::start(&runtime, &connect.endpoint(), Some(bundle.path()));

    let outcome = invoke(
        &runtime,
        "create",
        event(&receiver, "create"),
        Duration::from_secs(60),
    )
    .await;
    assert!(
        matches!(outcome, Outcome::Response(_)),
        "{outcome:?}\n{}",
        function.output()
    );
    let puts = receiver.wait_for(1, WAIT).await;
    assert_eq!(puts.len(), 1, "one answer");
    assert_eq!(puts[0].json()["Status"], "SUCCESS");
    let output = function.output_with("answer delivered").await;
    assert!(
        output.contains("ResponseURL unreachable, will retry"),
        "{output}"
    );
    assert!(
        output
            .lines()
            .any(|l| l.contains("answer delivered") && l.contains("\"attempt\":2")),
        "{output}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_response_url_that_never_accepts_still_ends_the_invocation_before_the_deadline() {
    let ca = TestCa::new("silent CA");
    let connect = connect_over(ca.server_tls(&["127.0.0.1"])).await;
    let receiver_tls = ca.server_tls(&["127.0.0.1"]);
    receiver_tls.stall_handshakes(10, Duration::from_secs(3600));
    let receiver = receiver_over(receiver_tls).await;
    let runtime = RuntimeApi::start().await;
    let bundle = ca.pem_file();
    let _function = Function::start(&runtime, &connect.endpoint(), Some(bundle.path()));

    let deadline = Duration::from_secs(6);
    let started = Instant::now();
    let outcome = invoke(&runtime, "create", event(&receiver, "create"), deadline).await;
    assert!(
        started.elapsed() < deadline,
        "answered after the deadline: {:?}",
        started.elapsed()
    );
    let Outcome::Error(error) = outcome else {
        panic!("nothing delivered, so the invocation fails: {outcome:?}");
    };
    assert_eq!(error["errorType"], "AnswerNotDelivered", "{error}");
    let message = error["errorMessage"].as_str().unwrap_or_default();
    assert!(message.contains("not delivered"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_that_never_accepts_is_answered_failed_before_the_deadline() {
    let ca = TestCa::new("tarpit CA");
    let connect_tls = ca.server_tls(&["127.0.0.1"]);
    connect_tls.stall_handshakes(100, Duration::from_secs(3600));
    let connect = connect_over(connect_tls).await;
    let receiver = receiver_over(ca.server_tls(&["127.0.0.1"])).await;
    let runtime = RuntimeApi::start().await;
    let bundle = ca.pem_file();
    let _function = Function::start(&runtime, &connect.endpoint(), Some(bundle.path()));

    let deadline = Duration::from_secs(8);
    let started = Instant::now();
    let outcome = invoke(&runtime, "create", event(&receiver, "create"), deadline).await;
    assert!(
        started.elapsed() < deadline,
        "answered after the deadline: {:?}",
        started.elapsed()
    );
    assert!(matches!(outcome, Outcome::Response(_)), "{outcome:?}");
    let answer = receiver.wait_for(1, WAIT).await[0].json();
    assert_eq!(answer["Status"], "FAILED", "{answer}");
    let reason = answer["Reason"].as_str().unwrap_or_default();
    assert!(reason.starts_with("Ran out of time while"), "{reason}");
}

/// A bad AWS_CA_BUNDLE: the init fails, saying so to the Runtime API and in the log, naming the
/// variable and the file; the function never asks for an event.
async fn init_fails_with(contents: Option<&[u8]>, expected: &str) {
    let runtime = RuntimeApi::start().await;
    let file = contents.map(PemFile::new);
    let missing = std::env::temp_dir().join("connect-emulator-no-such-bundle.pem");
    let path = file.as_ref().map_or(missing.as_path(), |f| f.path());
    let mut function = Function::start(&runtime, "https://127.0.0.1:9", Some(path));

    let status = function.exit(WAIT).await.expect("the process exits");
    assert!(!status.success(), "{status}");
    let reported = runtime.init_error().expect("an /init/error report");
    let message = reported["errorMessage"].as_str().unwrap_or_default();
    assert_eq!(reported["errorType"], "Runtime.ConfigInvalid", "{reported}");
    assert!(message.contains("AWS_CA_BUNDLE"), "{message}");
    assert!(message.contains(&path.display().to_string()), "{message}");
    assert!(message.contains(expected), "{message}");
    assert_eq!(runtime.polls(), 0, "no event is asked for");
    let output = function.output_with("AWS_CA_BUNDLE").await;
    let logged = output
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .any(|l| l["level"] == "ERROR" && l.to_string().contains("AWS_CA_BUNDLE"));
    assert!(logged, "an ERROR log line names AWS_CA_BUNDLE:\n{output}");
}

#[tokio::test]
async fn a_missing_ca_bundle_fails_the_init() {
    init_fails_with(None, "cannot be read").await;
}

#[tokio::test]
async fn a_ca_bundle_without_a_certificate_fails_the_init() {
    init_fails_with(Some(b"not a certificate\n"), "holds no PEM certificate").await;
}

#[tokio::test]
async fn a_ca_bundle_with_a_broken_certificate_fails_the_init() {
    let ca = TestCa::new("good CA");
    // A good certificate, then a block whose content is not a certificate at all.
    let contents = format!(
        "{}-----BEGIN CERTIFICATE-----\nAAECAwQFBgcICQ==\n-----END CERTIFICATE-----\n",
        ca.pem()
    );
    init_fails_with(Some(contents.as_bytes()), "certificate 2 cannot be used").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_handler_in_process_runs_the_lifecycle_over_https() {
    let ca = TestCa::new("in-process CA");
    let connect = connect_over(ca.server_tls(&["127.0.0.1"])).await;
    let receiver = receiver_over(ca.server_tls(&["127.0.0.1"])).await;
    let bundle = ca.pem_file();
    let trust = Trust::with_ca_bundle(bundle.path()).expect("the test CA is usable");
    assert_eq!(trust.extra_certificates(), 1);
    let handler = Handler::new(
        Connect::for_endpoint_trusting(&connect.endpoint(), &trust),
        Responder::with_trust(false, &trust),
    );
    let deadline = || Instant::now() + Duration::from_secs(30);

    let answer = handler
        .handle(event(&receiver, "create"), deadline())
        .await
        .expect("delivered");
    assert_eq!(
        answer.physical_resource_id.split('/').nth(1),
        Some(DEMO_INSTANCE_ID)
    );
    let physical = &answer.physical_resource_id;
    let update = event_on(&receiver, "update", physical);
    handler.handle(update, deadline()).await.expect("delivered");
    let delete = event_on(&receiver, "delete", physical);
    handler.handle(delete, deadline()).await.expect("delivered");

    let statuses: Vec<Value> = receiver
        .requests()
        .iter()
        .map(|r| r.json()["Status"].clone())
        .collect();
    assert_eq!(statuses, ["SUCCESS", "SUCCESS", "SUCCESS"]);
    assert!(connect.profiles().is_empty());

    // Without the CA, the same endpoints are refused: the trust above is what let them through.
    let untrusting = Handler::new(
        Connect::for_endpoint(&connect.endpoint()),
        Responder::new(false),
    );
    let refused = untrusting
        .handle(event(&receiver, "create"), deadline())
        .await;
    assert!(refused.is_err(), "{refused:?}");
    assert!(connect.profiles().is_empty(), "{:?}", connect.profiles());
}
