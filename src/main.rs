//! The Lambda entry point (`bootstrap` on `provided.al2023`): wiring only.

use std::time::{SystemTime, UNIX_EPOCH};

use lambda_runtime::{Error, LambdaEvent, service_fn};
use routing_profile_resource::connect::Connect;
use routing_profile_resource::handler::{Handler, time_left};
use routing_profile_resource::response::Responder;
use serde_json::{Value, json};
use tokio::time::Instant;

// One thread: a custom resource handles one event at a time, and a single-threaded runtime starts
// faster and uses less memory than a pool of workers.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    routing_profile_resource::logging::init();
    // Built once per process, so connections (and their TLS handshakes) are reused across calls
    // and warm invocations. Nothing here touches the network.
    let handler = Handler::new(Connect::from_env().await, Responder::from_env());
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| {
        let handler = handler.clone();
        async move {
            let deadline = instant_of(event.context.deadline);
            // Boxed: the handler's future is deep, and boxing it keeps the compiler's layout
            // computation for `main` (and clippy's) within its default recursion limit.
            let answer = Box::pin(handler.handle(event.payload, deadline)).await?;
            Ok::<Value, Error>(json!({
                "Status": format!("{:?}", answer.status).to_uppercase(),
                "PhysicalResourceId": answer.physical_resource_id,
            }))
        }
    }))
    .await
}

/// Lambda's deadline (milliseconds since the epoch) as a monotonic instant.
fn instant_of(deadline_ms: u64) -> Instant {
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    Instant::now() + time_left(deadline_ms, now_ms)
}
