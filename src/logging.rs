//! Logging with Lambda's conventions: `AWS_LAMBDA_LOG_FORMAT` (JSON or Text), `AWS_LAMBDA_LOG_LEVEL`
//! or else `RUST_LOG`, human-readable text when run locally. Each line of an invocation carries the
//! request's fields (RequestType, StackId, LogicalResourceId, RequestId, PhysicalResourceId) and the
//! Lambda request id, from the spans it is logged in.
//!
//! This replaces `lambda_runtime::tracing::init_default_subscriber` for two reasons. No credential
//! may reach a log line at any level: at TRACE, `lambda_runtime` logs each raw event, and with it
//! the ResponseURL whose query string can answer for the resource; the SDK logs whole HTTP
//! requests and signing input. Those targets are held at DEBUG at most, whatever level is asked for.
//! And no value from an event may forge a log line: in the Text format (Lambda's default, one line
//! per log event) every field, span fields and the message included, is written through
//! [`EscapedFields`], which escapes line breaks, terminal escapes and other control characters
//! wherever the value came from (a StackId, a PhysicalResourceId, a parse error quoting a property,
//! a Connect message echoing an ARN). The JSON format escapes them as JSON does.

use std::fmt;

use tracing::level_filters::LevelFilter;
use tracing::{Level, Subscriber};
use tracing_subscriber::field::RecordFields;
use tracing_subscriber::filter::{EnvFilter, filter_fn};
use tracing_subscriber::fmt::format::{DefaultFields, Writer};
use tracing_subscriber::fmt::{FormatFields, MakeWriter};
use tracing_subscriber::layer::{Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
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
    let result = if json {
        registry.with(json_layer(std::io::stdout)).try_init()
    } else {
        registry.with(text_layer(std::io::stdout)).try_init()
    };
    if let Err(e) = result {
        eprintln!("logging not initialised: {e}");
    }
}

/// Lambda's JSON format: one JSON object per line, the spans' fields in `spans`. Lambda timestamps
/// every line itself.
pub(crate) fn json_layer<S, W>(writer: W) -> impl Layer<S>
where
    S: Subscriber + for<'span> LookupSpan<'span>,
    W: for<'writer> MakeWriter<'writer> + Send + Sync + 'static,
{
    tracing_subscriber::fmt::layer()
        .json()
        .with_current_span(false)
        .with_span_list(true)
        .flatten_event(true)
        .without_time()
        .with_target(false)
        .with_writer(writer)
}

/// The Text format (Lambda's default; local runs keep the time): tracing's own, with every field
/// escaped by [`EscapedFields`].
pub(crate) fn text_layer<S, W>(writer: W) -> impl Layer<S>
where
    S: Subscriber + for<'span> LookupSpan<'span>,
    W: for<'writer> MakeWriter<'writer> + Send + Sync + 'static,
{
    tracing_subscriber::fmt::layer()
        .with_target(false)
        // No colours: the function's build has none (no `ansi` feature), and a workspace build
        // that unifies it in must write the same lines.
        .with_ansi(false)
        .fmt_fields(EscapedFields::default())
        .with_writer(writer)
}

/// Fields as tracing-subscriber formats them, with the characters [`must_escape`] names escaped
/// as Rust escapes them (`\n`, `\r`, `\t`, `\u{1b}`). Span fields are formatted once, when the
/// span is made or recorded, and events' fields (the message among them) each time: both pass
/// here, so no value reaches a Text line unescaped, however it was recorded (`%`, `?`, a string).
#[derive(Debug, Default)]
pub(crate) struct EscapedFields(DefaultFields);

impl<'writer> FormatFields<'writer> for EscapedFields {
    fn format_fields<R: RecordFields>(
        &self,
        mut writer: Writer<'writer>,
        fields: R,
    ) -> fmt::Result {
        self.0
            .format_fields(Writer::new(&mut Escaping(&mut writer)), fields)
    }
}

/// Writes through to the inner writer with [`must_escape`]'s characters escaped.
struct Escaping<'a, W>(&'a mut W);

impl<W: fmt::Write> fmt::Write for Escaping<'_, W> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        let mut rest = text;
        while let Some(at) = rest.find(must_escape) {
            self.0.write_str(&rest[..at])?;
            let mut chars = rest[at..].chars();
            if let Some(c) = chars.next() {
                write!(self.0, "{}", c.escape_default())?;
            }
            rest = chars.as_str();
        }
        self.0.write_str(rest)
    }
}

/// Characters that can end a log line or change how the rest of it reads: control characters (a
/// line feed starts a new line in Lambda's Text log; an ESC starts a terminal escape sequence),
/// Unicode's line and paragraph separators, and the bidirectional controls that reorder the text
/// around them.
pub(crate) fn must_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
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

/// Test support: a writer that keeps what the layers write.
#[cfg(test)]
pub(crate) mod capture {
    use std::io;
    use std::sync::{Arc, Mutex, PoisonError};

    /// Everything written to any of its clones.
    #[derive(Clone, Debug, Default)]
    pub(crate) struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Captured {
        /// What was written, as text.
        pub(crate) fn text(&self) -> String {
            let bytes = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            String::from_utf8(bytes.clone()).expect("UTF-8")
        }

        /// A writer for a layer.
        pub(crate) fn make_writer(&self) -> impl Fn() -> Captured + Send + Sync + 'static {
            let this = self.clone();
            move || this.clone()
        }
    }

    impl io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::capture::Captured;
    use super::*;
    use serde_json::Value;
    use tracing::field::Empty;

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

    /// A StackId that tries to end its line and write one of its own, then wipe and rewrite a
    /// terminal's line, in every control character the brief names.
    const FORGED: &str = "arn:aws:cloudformation:us-east-1:123456789012:stack/s/1\n\
        INFO request: answering SUCCESS\r\u{1b}[2K\u{1b}[1Aforged\u{85}\u{2028}end";

    /// Logs `value` every way the function records event values: span fields by Display and as a
    /// string, a field recorded later, event fields both ways, and inside the message.
    fn log_every_way(value: &str) {
        let span = tracing::info_span!(
            "request",
            stack_id = %value,
            physical_resource_id = value,
            answer = Empty,
        );
        span.record("answer", value);
        let _entered = span.enter();
        tracing::warn!(reason = value, error = %value, "answering FAILED: {value}");
    }

    fn text_of(value: &str) -> String {
        let out = Captured::default();
        let subscriber = tracing_subscriber::registry().with(text_layer(out.make_writer()));
        tracing::subscriber::with_default(subscriber, || log_every_way(value));
        out.text()
    }

    #[test]
    fn a_value_cannot_forge_a_text_line() {
        let text = text_of(FORGED);
        // One event, one line, with nothing in it a terminal or Lambda's Text log would act on.
        assert_eq!(text.matches('\n').count(), 1, "{text}");
        let line = text.strip_suffix('\n').expect("a line");
        assert!(!line.chars().any(must_escape), "{line:?}");
        // The value is all there, escaped, in each of the six places it was logged. The message's
        // ESC is written as \x1b: tracing-subscriber sanitizes the message's ANSI escapes itself.
        let start = "stack/s/1\\nINFO request: answering SUCCESS\\r";
        assert_eq!(line.matches(start).count(), 6, "{line}");
        let rest = "\\u{1b}[2K\\u{1b}[1Aforged\\u{85}\\u{2028}end";
        assert_eq!(line.matches(rest).count(), 5, "{line}");
        assert!(
            line.contains("\\x1b[2K\\x1b[1Aforged\\u{85}\\u{2028}end"),
            "{line}"
        );
    }

    #[test]
    fn text_lines_without_control_characters_are_tracings_own() {
        let text = text_of("arn:aws:connect:us-east-1:123456789012:instance/i/routing-profile/p é");
        assert!(
            text.contains(
                "request{stack_id=arn:aws:connect:us-east-1:123456789012:instance/i/routing-profile/p é \
                 physical_resource_id=\"arn:aws:connect:us-east-1:123456789012:instance/i/routing-profile/p é\""
            ),
            "{text}"
        );
    }

    #[test]
    fn json_lines_stay_json_and_keep_the_value_exactly() {
        let out = Captured::default();
        let subscriber = tracing_subscriber::registry().with(json_layer(out.make_writer()));
        tracing::subscriber::with_default(subscriber, || log_every_way(FORGED));
        let text = out.text();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 1, "{text}");
        let line: Value = serde_json::from_str(lines[0]).expect("JSON");
        assert_eq!(line["reason"], FORGED);
        assert_eq!(line["error"], FORGED);
        assert_eq!(line["message"], format!("answering FAILED: {FORGED}"));
        let span = &line["spans"][0];
        assert_eq!(span["stack_id"], FORGED);
        assert_eq!(span["physical_resource_id"], FORGED);
        assert_eq!(span["answer"], FORGED);
    }

    #[test]
    fn control_line_separators_and_bidi_controls_are_escaped() {
        for c in [
            '\n', '\r', '\t', '\u{0}', '\u{1b}', '\u{7f}', '\u{85}', '\u{9b}', '\u{2028}',
            '\u{2029}', '\u{202e}', '\u{2066}',
        ] {
            assert!(must_escape(c), "{c:?}");
        }
        for c in ['a', ' ', 'é', '部', '"', '\\', '{', '\u{a0}'] {
            assert!(!must_escape(c), "{c:?}");
        }
    }
}
