//! A local AWS Lambda Runtime API, enough for the `lambda_runtime` crate (1.5).
//!
//! Lets the real bootstrap binary run outside Lambda: point `AWS_LAMBDA_RUNTIME_API` at
//! [`RuntimeApi::address`], [`push`](RuntimeApi::push) events with a deadline of the test's
//! choosing, and read back what the function answered. It also timestamps the first poll and each
//! hand-out, which is what a cold-start benchmark needs.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use hyper::body::Incoming;
use hyper::{Method, Request};
use serde_json::{Value, json};
use tokio::sync::Notify;

use crate::server::{self, Resp};

const PREFIX: &str = "/2018-06-01/runtime";

/// The function ARN handed to the function with each event.
pub const FUNCTION_ARN: &str =
    "arn:aws:lambda:us-east-1:123456789012:function:routing-profile-resource";

/// What the function reported for one invocation.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The body POSTed to `/invocation/{id}/response`: its JSON, or a JSON string holding the
    /// (lossily decoded) bytes when it is not JSON.
    Response(Value),
    /// The body POSTed to `/invocation/{id}/error` (`{"errorType": ..., "errorMessage": ...}`).
    Error(Value),
}

struct Pending {
    request_id: String,
    event: Value,
    deadline: SystemTime,
}

#[derive(Default)]
struct State {
    queue: VecDeque<Pending>,
    outcomes: HashMap<String, Outcome>,
    delivered: HashMap<String, Instant>,
    first_poll: Option<Instant>,
    polls: usize,
    init_error: Option<Value>,
}

#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    /// Wakes long-polling `/next` requests when an event is pushed.
    queued: Notify,
    /// Wakes `wait_outcome` callers when the function reports.
    reported: Notify,
}

/// A local Lambda Runtime API server; see the module docs.
#[derive(Clone)]
pub struct RuntimeApi {
    shared: Arc<Shared>,
    port: u16,
}

impl RuntimeApi {
    /// Starts the server on an ephemeral loopback port; call from inside a Tokio runtime.
    pub async fn start() -> RuntimeApi {
        let shared = Arc::new(Shared::default());
        let handler_shared = shared.clone();
        let addr = server::spawn(move |req| handle(handler_shared.clone(), req)).await;
        RuntimeApi {
            shared,
            port: addr.port(),
        }
    }

    /// `127.0.0.1:PORT`, the form `AWS_LAMBDA_RUNTIME_API` takes.
    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// A command that runs `binary` as Lambda runs a `provided.al2023` function against this
    /// Runtime API: a cleared environment holding only what Lambda sets (the role's credentials
    /// `[access key id, secret key, session token]`, JSON logs), Connect at `connect_endpoint`
    /// through the SDK's standard override, stdin closed and the output piped.
    pub fn function_command(
        &self,
        binary: impl AsRef<std::ffi::OsStr>,
        connect_endpoint: &str,
        [access_key_id, secret_key, session_token]: [&str; 3],
    ) -> std::process::Command {
        let mut command = std::process::Command::new(binary);
        command
            .env_clear()
            .env("AWS_LAMBDA_RUNTIME_API", self.address())
            .env("AWS_ENDPOINT_URL_CONNECT", connect_endpoint)
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ACCESS_KEY_ID", access_key_id)
            .env("AWS_SECRET_ACCESS_KEY", secret_key)
            .env("AWS_SESSION_TOKEN", session_token)
            .env("AWS_LAMBDA_FUNCTION_NAME", "routing-profile-resource")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_LOG_FORMAT", "JSON")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        command
    }

    /// Queues an event; the next `GET /invocation/next` receives it.
    pub fn push(&self, request_id: &str, event: Value, deadline: SystemTime) {
        self.shared.state.lock().unwrap().queue.push_back(Pending {
            request_id: request_id.to_string(),
            event,
            deadline,
        });
        // notify_one stores a permit if no poller is waiting yet, so the event cannot be missed.
        self.shared.queued.notify_one();
    }

    /// Waits up to `timeout` for the function's answer to `request_id`.
    pub async fn wait_outcome(&self, request_id: &str, timeout: Duration) -> Option<Outcome> {
        tokio::time::timeout(timeout, async {
            loop {
                let notified = self.shared.reported.notified();
                tokio::pin!(notified);
                notified.as_mut().enable();
                if let Some(outcome) = self.outcome(request_id) {
                    return outcome;
                }
                notified.await;
            }
        })
        .await
        .ok()
    }

    /// The function's answer to `request_id`, if it has reported one.
    pub fn outcome(&self, request_id: &str) -> Option<Outcome> {
        self.shared
            .state
            .lock()
            .unwrap()
            .outcomes
            .get(request_id)
            .cloned()
    }

    /// When the first `GET /invocation/next` arrived: the end of the function's init phase.
    pub fn first_poll(&self) -> Option<Instant> {
        self.shared.state.lock().unwrap().first_poll
    }

    /// How many `GET /invocation/next` requests have arrived.
    pub fn polls(&self) -> usize {
        self.shared.state.lock().unwrap().polls
    }

    /// When `/invocation/next` handed out the event with this request id.
    pub fn delivered_at(&self, request_id: &str) -> Option<Instant> {
        self.shared
            .state
            .lock()
            .unwrap()
            .delivered
            .get(request_id)
            .copied()
    }

    /// The body of `POST /init/error`, if the function reported a failed init.
    pub fn init_error(&self) -> Option<Value> {
        self.shared.state.lock().unwrap().init_error.clone()
    }
}

fn error(status: u16, error_type: &str, message: &str) -> Resp {
    server::json(
        status,
        &[],
        &json!({"errorType": error_type, "errorMessage": message}),
    )
}

fn accepted() -> Resp {
    server::json(202, &[], &json!({"status": "OK"}))
}

async fn handle(shared: Arc<Shared>, req: Request<Incoming>) -> Resp {
    let (parts, body) = req.into_parts();
    let Some(route) = parts.uri.path().strip_prefix(PREFIX) else {
        return error(404, "UnknownRoute", "unknown Runtime API path");
    };
    let route = route.to_string();
    let body = match server::read_body(body).await {
        Ok(body) => body,
        Err(message) => return error(400, "InvalidRequest", &message),
    };
    let segments: Vec<&str> = route.trim_start_matches('/').split('/').collect();
    match (&parts.method, segments.as_slice()) {
        (&Method::GET, ["invocation", "next"]) => next(&shared).await,
        (&Method::POST, ["invocation", id, kind @ ("response" | "error")]) => {
            let value = serde_json::from_slice(&body)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&body).into_owned()));
            let outcome = if *kind == "response" {
                Outcome::Response(value)
            } else {
                Outcome::Error(value)
            };
            {
                let mut state = shared.state.lock().unwrap();
                if !state.delivered.contains_key(*id) {
                    return error(400, "InvalidRequestID", "no such invocation was handed out");
                }
                if state.outcomes.contains_key(*id) {
                    return error(
                        400,
                        "InvalidStateTransition",
                        "this invocation has already been reported",
                    );
                }
                state.outcomes.insert((*id).to_string(), outcome);
            }
            shared.reported.notify_waiters();
            accepted()
        }
        (&Method::POST, ["init", "error"]) => {
            let value = serde_json::from_slice(&body)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&body).into_owned()));
            shared.state.lock().unwrap().init_error = Some(value);
            shared.reported.notify_waiters();
            accepted()
        }
        _ => error(404, "UnknownRoute", "unknown Runtime API path"),
    }
}

/// The long poll: parks until an event is queued. If the client goes away meanwhile, hyper drops
/// this future before it takes an event, so no event is lost to a dead connection.
async fn next(shared: &Shared) -> Resp {
    {
        let mut state = shared.state.lock().unwrap();
        state.polls += 1;
        state.first_poll.get_or_insert_with(Instant::now);
    }
    let pending = loop {
        let notified = shared.queued.notified();
        {
            let mut state = shared.state.lock().unwrap();
            if let Some(pending) = state.queue.pop_front() {
                state
                    .delivered
                    .insert(pending.request_id.clone(), Instant::now());
                // Another poller may be parked and more events queued.
                if !state.queue.is_empty() {
                    shared.queued.notify_one();
                }
                break pending;
            }
        }
        notified.await;
    };
    let deadline_ms = pending
        .deadline
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis();
    let trace_id = format!(
        "Root=1-{:08x}-{:024x};Parent={:016x};Sampled=0",
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs(),
        deadline_ms,
        deadline_ms
    );
    server::json(
        200,
        &[
            ("lambda-runtime-aws-request-id", pending.request_id),
            ("lambda-runtime-deadline-ms", deadline_ms.to_string()),
            (
                "lambda-runtime-invoked-function-arn",
                FUNCTION_ARN.to_string(),
            ),
            ("lambda-runtime-trace-id", trace_id),
        ],
        &pending.event,
    )
}
