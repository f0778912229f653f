//! Logging with Lambda's conventions: `AWS_LAMBDA_LOG_FORMAT` (JSON or Text), `AWS_LAMBDA_LOG_LEVEL`
//! or else `RUST_LOG`, human-readable text when run locally. Each line of an invocation carries the
//! request's fields (RequestType, StackId, LogicalResourceId, RequestId, PhysicalResourceId) and the
//! Lambda request id, from the spans it is logged in.
//!
//! This replaces `lambda_runtime::tracing::init_default_subscriber` for one reason: no credential
//! may reach a log line at any level. At TRACE, `lambda_runtime` logs each raw event, and with it
//! the ResponseURL whose query string can answer for the resource; the SDK logs whole HTTP
//! requests and signing input. Those targets are held at DEBUG at most, whatever level is asked for.

use tracing::Level;
use tracing::level_filters::LevelFilter;
use tracing_subscriber::filter::{EnvFilter, filter_fn};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Log targets whose TRACE events print raw events, HTTP requests or signing input.
const TRACE_LEAKS: [&str; 4] = [
    "lambda_runtime",
    "aws_smithy_runtime",
    "aws_sigv4",
    "aws_smithy_http_client",
];

/// Installs the global subscriber; call once, first thing in `main`.
pub fn init() {
    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .or_else(|_| std::env::var("RUST_LOG"))
        .ok()
        .and_then(|l| l.parse::<LevelFilter>().ok())
        .unwrap_or(LevelFilter::INFO);
    let filter = EnvFilter::builder()
        .with_default_directive(level.into())
        .from_env_lossy();
    let no_credentials = filter_fn(|meta| {
        *meta.level() < Level::TRACE || !TRACE_LEAKS.iter().any(|t| meta.target().starts_with(t))
    });
    let json = std::env::var("AWS_LAMBDA_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json"));
    let registry = tracing_subscriber::registry()
        .with(filter)
        .with(no_credentials);
    // Lambda timestamps every line itself; local runs keep the time.
    let result = if json {
        registry
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .with_current_span(false)
                    .with_span_list(true)
                    .flatten_event(true)
                    .without_time()
                    .with_target(false),
            )
            .try_init()
    } else {
        registry
            .with(tracing_subscriber::fmt::layer().with_target(false))
            .try_init()
    };
    if let Err(e) = result {
        eprintln!("logging not initialised: {e}");
    }
}
