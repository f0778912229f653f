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
    let filter = filter(
        std::env::var("AWS_LAMBDA_LOG_LEVEL").ok().as_deref(),
        std::env::var("RUST_LOG").ok().as_deref(),
    );
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

/// The level filter: INFO unless told otherwise; `RUST_LOG` directives (per target, or a global
/// level); Lambda's `AWS_LAMBDA_LOG_LEVEL` (the function's ApplicationLogLevel) sets the global
/// level over them, so raising it in the console works while `RUST_LOG` still quiets the SDK.
fn filter(lambda_level: Option<&str>, rust_log: Option<&str>) -> EnvFilter {
    // Later directives for the same target replace earlier ones, so RUST_LOG's own global level
    // (if any) replaces the INFO default.
    let directives = format!("info,{}", rust_log.unwrap_or_default());
    let filter = EnvFilter::builder().parse_lossy(directives);
    match lambda_level.and_then(|l| l.trim().parse::<LevelFilter>().ok()) {
        Some(level) => filter.add_directive(level.into()),
        None => filter,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn directives(lambda_level: Option<&str>, rust_log: Option<&str>) -> String {
        filter(lambda_level, rust_log).to_string()
    }

    #[test]
    fn lambda_level_sets_the_global_level_and_rust_log_refines_targets() {
        assert_eq!(directives(None, None), "info");
        assert_eq!(directives(None, Some("warn")), "warn");
        assert_eq!(directives(Some("DEBUG"), None), "debug");
        // The template's RUST_LOG carries a global `info` and per-crate levels; the console's
        // ApplicationLogLevel must still raise the level.
        let template = "info,aws_smithy_runtime=warn";
        assert_eq!(
            directives(Some("DEBUG"), Some(template)),
            "aws_smithy_runtime=warn,debug"
        );
        assert_eq!(
            directives(None, Some(template)),
            "aws_smithy_runtime=warn,info"
        );
        // Nonsense is ignored, not fatal.
        assert_eq!(directives(Some("loud"), Some("=,=")), "info");
    }
}
