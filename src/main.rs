//! The Lambda entry point (`bootstrap` on `provided.al2023`): wiring only.

use std::time::{SystemTime, UNIX_EPOCH};

use lambda_runtime::{Diagnostic, Error, LambdaEvent, service_fn};
use routing_profile_resource::connect::Connect;
use routing_profile_resource::handler::{Handler, InvocationError, time_left};
use routing_profile_resource::response::Responder;
use routing_profile_resource::tls::Trust;
use serde_json::{Value, json};
use tokio::time::Instant;

// One thread: a custom resource handles one event at a time, and a single-threaded runtime starts
// faster and uses less memory than a pool of workers.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    routing_profile_resource::logging::init();
    // The version this process runs, in the log of every cold start: after an upgrade (or a
    // rollback), the first line of a log stream says which release answered. A constant, so free.
    tracing::info!(version = env!("CARGO_PKG_VERSION"), "init");
    // A CA bundle that cannot be trusted is a configuration error: fail the init, where Lambda and
    // the log show it, rather than run with less trust than the configuration asks for.
    let trust = match Trust::from_env() {
        Ok(trust) => trust,
        Err(e) => {
            tracing::error!(error = %e, "init failed");
            report_init_error(&e.to_string()).await;
            return Err(e.into());
        }
    };
    if trust.extra_certificates() > 0 {
        tracing::info!(
            certificates = trust.extra_certificates(),
            "trusting AWS_CA_BUNDLE's certificates as well as the compiled-in roots"
        );
    }
    // Built once per process, so connections (and their TLS handshakes) are reused across calls
    // and warm invocations. Nothing here touches the network.
    let handler = Handler::new(Connect::from_env(&trust).await, Responder::from_env(&trust));
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| {
        let handler = handler.clone();
        async move {
            let deadline = instant_of(event.context.deadline);
            // Boxed: the handler's future is deep, and boxing it keeps the compiler's layout
            // computation for `main` (and clippy's) within its default recursion limit.
            let answer = Box::pin(handler.handle(event.payload, deadline))
                .await
                .map_err(diagnostic)?;
            Ok::<Value, Diagnostic>(json!({
                "Status": format!("{:?}", answer.status).to_uppercase(),
                "PhysicalResourceId": answer.physical_resource_id,
            }))
        }
    }))
    .await
}

/// The invocation's error as Lambda shows it: a type a person can search for, and the message.
fn diagnostic(error: InvocationError) -> Diagnostic {
    let error_type = match error {
        InvocationError::Unanswerable(_) => "MalformedEvent",
        InvocationError::Undelivered(_) => "AnswerNotDelivered",
    };
    Diagnostic {
        error_type: error_type.to_string(),
        error_message: error.to_string(),
    }
}

/// Tells Lambda why the init failed (`POST /runtime/init/error`), so the error shows as the
/// invocation's result and in the function's log. lambda_runtime reports only its own init errors,
/// so this goes through the client it uses.
async fn report_init_error(message: &str) {
    let body = json!({ "errorType": "Runtime.ConfigInvalid", "errorMessage": message });
    let request = lambda_runtime_api_client::build_request()
        .method(http::Method::POST)
        .uri("/2018-06-01/runtime/init/error")
        .header(
            "lambda-runtime-function-error-type",
            "Runtime.ConfigInvalid",
        )
        .body(lambda_runtime_api_client::body::Body::from(
            body.to_string(),
        ));
    let sent = match (
        request,
        lambda_runtime_api_client::Client::builder().build(),
    ) {
        (Ok(request), Ok(client)) => client.call(request).await.map(drop),
        (Err(e), _) => Err(e.into()),
        (_, Err(e)) => Err(e.into()),
    };
    if let Err(e) = sent {
        tracing::error!(error = %e, "could not report the init error to the Runtime API");
    }
}

/// Lambda's deadline (milliseconds since the epoch) as a monotonic instant.
fn instant_of(deadline_ms: u64) -> Instant {
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    Instant::now() + time_left(deadline_ms, now_ms)
}
