//! The answer to CloudFormation: the response body (all fields, at most 4096 bytes) and its PUT to
//! the presigned ResponseURL, exactly as given, with no Content-Type, a Content-Length, and the
//! status checked, retried within the deadline.
//!
//! The PUT goes through the same HTTP client as Connect's calls (`https`), which sends the
//! request-target exactly as given.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::time::Duration;

use aws_lambda_events::event::cloudformation::{
    CloudFormationCustomResourceResponse, CloudFormationCustomResourceResponseStatus,
};
use aws_smithy_types::body::SdkBody;
use bytes::Bytes;
use http::Uri;
use http_body_util::BodyExt;
use tokio::time::Instant;

use crate::event::ReplyTo;
use crate::failure::Failure;
use crate::tls::{self, Trust};

/// CloudFormation refuses a larger response ("Response object is too long").
pub const MAX_BODY: usize = 4096;
/// Environment variable that allows plain-http ResponseURLs anywhere (for `sam local invoke`).
pub const ALLOW_HTTP_ENV: &str = "ALLOW_HTTP_RESPONSE_URL";

/// SUCCESS or FAILED.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// The resource is as the template says.
    Success,
    /// It is not; `reason` says why.
    Failed,
}

/// What the function tells CloudFormation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// SUCCESS or FAILED.
    pub status: Status,
    /// The resource's identity; a change means replacement.
    pub physical_resource_id: String,
    /// Why it failed (or a note on success).
    pub reason: Option<String>,
    /// Values for Fn::GetAtt.
    pub data: BTreeMap<String, String>,
}

impl Answer {
    /// SUCCESS with attributes.
    pub fn success(
        physical_resource_id: impl Into<String>,
        data: BTreeMap<String, String>,
    ) -> Self {
        Answer {
            status: Status::Success,
            physical_resource_id: physical_resource_id.into(),
            reason: None,
            data,
        }
    }

    /// FAILED, with the failure's words as the Reason.
    pub fn failed(physical_resource_id: impl Into<String>, failure: &Failure) -> Self {
        Answer {
            status: Status::Failed,
            physical_resource_id: physical_resource_id.into(),
            reason: Some(failure.to_string()),
            data: BTreeMap::new(),
        }
    }
}

/// The response document for `answer`, at most [`MAX_BODY`] bytes whatever the envelope held.
///
/// A long Reason is cut first, on a character boundary and marked with an ellipsis. Only when the
/// fields echoed from the request (StackId, RequestId, LogicalResourceId, PhysicalResourceId) are
/// too long for even an empty Reason, which no request from CloudFormation is (it rejects a
/// PhysicalResourceId over 1 KB), are they cut the same way: an answer that arrives is worth more
/// than one that repeats a hostile event in full.
pub fn body(reply_to: &ReplyTo, answer: &Answer) -> Vec<u8> {
    let reason = answer.reason.as_deref();
    let whole = document(reply_to, answer, None, reason.map(str::to_string));
    if whole.len() <= MAX_BODY {
        return whole;
    }
    let fits = |cap: Option<usize>, reason: Option<String>| {
        document(reply_to, answer, cap, reason).len() <= MAX_BODY
    };
    let shortest_reason = reason.map(|r| cut(r, 0));
    let cap = if fits(None, shortest_reason.clone()) {
        None
    } else {
        let longest = [
            &reply_to.stack_id,
            &reply_to.request_id,
            &reply_to.logical_resource_id,
            &answer.physical_resource_id,
        ]
        .into_iter()
        .chain(answer.data.values())
        .map(|field| field.chars().count())
        .max()
        .unwrap_or(0);
        Some(longest_fitting(longest, |n| {
            fits(Some(n), shortest_reason.clone())
        }))
    };
    let reason = reason.map(|r| {
        let chars = longest_fitting(r.chars().count(), |n| fits(cap, Some(cut(r, n))));
        cut(r, chars)
    });
    document(reply_to, answer, cap, reason)
}

/// The response document with every echoed field cut to `cap` characters (when given).
fn document(
    reply_to: &ReplyTo,
    answer: &Answer,
    cap: Option<usize>,
    reason: Option<String>,
) -> Vec<u8> {
    let field = |text: &str| match cap {
        Some(chars) => cut(text, chars),
        None => text.to_string(),
    };
    let mut response = CloudFormationCustomResourceResponse::default();
    response.status = match answer.status {
        Status::Success => CloudFormationCustomResourceResponseStatus::Success,
        Status::Failed => CloudFormationCustomResourceResponseStatus::Failed,
    };
    response.reason = reason;
    response.physical_resource_id = field(&answer.physical_resource_id);
    response.stack_id = field(&reply_to.stack_id);
    response.request_id = field(&reply_to.request_id);
    response.logical_resource_id = field(&reply_to.logical_resource_id);
    response.data = answer
        .data
        .iter()
        .map(|(k, v)| (k.clone(), field(v)))
        .collect::<HashMap<_, _>>();
    // The crate's type writes an absent Reason as null; leave it out, as CloudFormation's own
    // helpers do. Serialising strings and a map of strings cannot fail.
    let mut json = serde_json::to_value(&response).unwrap_or_default();
    if let Some(fields) = json.as_object_mut() {
        fields.retain(|_, v| !v.is_null());
    }
    serde_json::to_vec(&json).unwrap_or_default()
}

/// `text` cut to its first `chars` characters and an ellipsis, or whole when it is not longer.
fn cut(text: &str, chars: usize) -> String {
    match text.char_indices().nth(chars) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

/// The largest `n` in `0..=max` for which `fits(n)` holds, `fits` being monotonic (0 when none
/// does). JSON escaping makes a character cost 1 to 6 bytes, so the length is searched, not
/// computed.
fn longest_fitting(max: usize, fits: impl Fn(usize) -> bool) -> usize {
    if fits(max) {
        return max;
    }
    let (mut good, mut bad) = (0, max);
    while bad - good > 1 {
        let middle = good + (bad - good) / 2;
        if fits(middle) {
            good = middle;
        } else {
            bad = middle;
        }
    }
    good
}

/// The URL with its query string (a credential) removed, for logs.
pub fn redact(url: &str) -> String {
    match url.split_once('?') {
        Some((base, _)) => format!("{base}?<redacted>"),
        None => url.to_string(),
    }
}

/// Why an answer could not be delivered.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    /// The ResponseURL is unusable; it is named without its query string.
    #[error("ResponseURL {url} is not acceptable: {problem}")]
    BadUrl {
        /// The redacted URL.
        url: String,
        /// What is wrong.
        problem: String,
    },
    /// Every attempt failed before the deadline.
    #[error("the answer was not delivered after {attempts} attempt(s): {last}")]
    Undelivered {
        /// How many PUTs were tried.
        attempts: u32,
        /// The last failure.
        last: String,
    },
}

/// Checks that the ResponseURL is https, or plain http to a loopback address, or plain http
/// anywhere when [`ALLOW_HTTP_ENV`] opts in.
pub fn check_url(url: &str, allow_http: bool) -> Result<Uri, DeliveryError> {
    let bad = |problem: &str| DeliveryError::BadUrl {
        url: redact(url),
        problem: problem.to_string(),
    };
    let parsed: Uri = url
        .parse()
        .map_err(|e: http::uri::InvalidUri| bad(&e.to_string()))?;
    if parsed.host().is_none_or(str::is_empty) {
        return Err(bad("no host"));
    }
    match parsed.scheme_str() {
        Some("https") => Ok(parsed),
        Some("http") if allow_http => Ok(parsed),
        Some("http") => {
            let host = parsed.host().unwrap_or_default();
            let host = host.trim_start_matches('[').trim_end_matches(']');
            let loopback =
                host == "localhost" || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
            if loopback {
                Ok(parsed)
            } else {
                Err(bad(&format!(
                    "plain http is only used for loopback addresses; set {ALLOW_HTTP_ENV}=true to allow it (for sam local invoke)"
                )))
            }
        }
        _ => Err(bad("only https (or http to loopback) is supported")),
    }
}

/// PUTs answers to ResponseURLs.
#[derive(Clone, Debug)]
pub struct Responder {
    http: crate::https::Client,
    allow_http: bool,
}

/// How long one PUT attempt may take, TLS handshake and response included.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(4);
/// How long opening the connection (TCP and TLS handshake) may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// Attempts at most; presigned S3 PUTs fail rarely, and then briefly.
const MAX_ATTEMPTS: u32 = 5;
/// How much of a refusal's body is kept for the log and the error.
const DETAIL_CHARS: usize = 300;
/// How much of an answer's body is read: [`DETAIL_CHARS`] characters of UTF-8 at most. The server
/// is whatever the event's ResponseURL names, so a body it never ends must not be read to its end.
const DETAIL_BYTES: usize = DETAIL_CHARS * 4;

impl Responder {
    /// A responder trusting the compiled-in roots only; `allow_http` opts in to plain-http URLs
    /// anywhere.
    pub fn new(allow_http: bool) -> Self {
        Self::with_trust(allow_http, &Trust::default())
    }

    /// A responder whose HTTPS connections trust `trust`'s certificates.
    pub fn with_trust(allow_http: bool, trust: &Trust) -> Self {
        Responder {
            http: crate::https::client(trust, CONNECT_TIMEOUT),
            allow_http,
        }
    }

    /// A responder configured from the environment ([`ALLOW_HTTP_ENV`]) trusting `trust`.
    pub fn from_env(trust: &Trust) -> Self {
        let allow =
            std::env::var(ALLOW_HTTP_ENV).is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1");
        Self::with_trust(allow, trust)
    }

    /// Checks a ResponseURL before any work is done for it: an answer that could never be
    /// delivered must not leave a profile behind.
    pub fn accepts(&self, url: &str) -> Result<(), DeliveryError> {
        check_url(url, self.allow_http).map(drop)
    }

    /// Delivers one answer, retrying network errors and 5xx with jittered backoff until `deadline`.
    pub async fn deliver(
        &self,
        reply_to: &ReplyTo,
        answer: &Answer,
        deadline: Instant,
    ) -> Result<(), DeliveryError> {
        let url = check_url(&reply_to.response_url, self.allow_http)?;
        let body = Bytes::from(body(reply_to, answer));
        let mut attempt = 0;
        loop {
            attempt += 1;
            let remaining = deadline.saturating_duration_since(Instant::now());
            let timeout = ATTEMPT_TIMEOUT.min(remaining);
            // The Content-Length comes from the body's exact size; no Content-Type, as the
            // presigned URL was signed without one.
            let request = http::Request::put(url.clone())
                .body(SdkBody::from(body.clone()))
                .map_err(|e| DeliveryError::BadUrl {
                    url: redact(&reply_to.response_url),
                    problem: e.to_string(),
                })?;
            let result = tokio::time::timeout(timeout, async {
                let response = self.http.request(request).await?;
                let status = response.status();
                let detail = body_start(response.into_body(), DETAIL_BYTES).await;
                Ok::<_, hyper_util::client::legacy::Error>((
                    status,
                    String::from_utf8_lossy(&detail).into_owned(),
                ))
            })
            .await;
            let (retry, last) = match result {
                Ok(Ok((status, _))) if status.is_success() => {
                    tracing::info!(status = status.as_u16(), attempt, "answer delivered");
                    return Ok(());
                }
                Ok(Ok((status, detail))) => {
                    let detail: String = detail.chars().take(DETAIL_CHARS).collect();
                    if status.is_client_error() {
                        // 403 is an expired or re-encoded presigned URL, or a signed Content-Type
                        // mismatch; retrying cannot fix any of them.
                        tracing::error!(status = status.as_u16(), response = %detail, "ResponseURL refused the answer");
                    } else {
                        tracing::warn!(
                            status = status.as_u16(),
                            attempt,
                            "ResponseURL failed, will retry"
                        );
                    }
                    (status.is_server_error(), format!("HTTP {status}: {detail}"))
                }
                Ok(Err(e)) if tls::is_certificate_error(&e) => {
                    // The same server will present the same certificate: no retry.
                    let e = error_chain(&e);
                    tracing::error!(error = %e, "ResponseURL's TLS certificate is not trusted");
                    (false, e)
                }
                Ok(Err(e)) => {
                    // hyper's errors name neither the URL nor its query, so nothing to redact.
                    let e = error_chain(&e);
                    tracing::warn!(error = %e, attempt, "ResponseURL unreachable, will retry");
                    (true, e)
                }
                Err(_elapsed) => {
                    let e = format!("no answer within {} ms", timeout.as_millis());
                    tracing::warn!(error = %e, attempt, "ResponseURL unreachable, will retry");
                    (true, e)
                }
            };
            let backoff = backoff(attempt);
            if !retry || attempt >= MAX_ATTEMPTS || Instant::now() + backoff >= deadline {
                return Err(DeliveryError::Undelivered {
                    attempts: attempt,
                    last,
                });
            }
            tokio::time::sleep(backoff).await;
        }
    }
}

/// The first `limit` bytes of a response body (fewer when it is shorter or breaks off). A body
/// that ends within them is read to its end, so that its connection goes back to the pool for the
/// next answer; a longer one is read no further, and dropping it closes its connection.
async fn body_start<B>(mut body: B, limit: usize) -> Vec<u8>
where
    B: hyper::body::Body<Data = Bytes> + Unpin,
{
    let mut kept = Vec::new();
    while kept.len() < limit {
        match body.frame().await {
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    let take = data.len().min(limit - kept.len());
                    kept.extend_from_slice(&data[..take]);
                }
            }
            Some(Err(_)) | None => break,
        }
    }
    kept
}

/// An error and all its causes on one line: hyper's own text ("client error (Connect)") says
/// nothing about why.
fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// 200 ms doubling per attempt, capped at 2 s, with full jitter.
fn backoff(attempt: u32) -> Duration {
    let cap = 200u64.saturating_mul(1 << attempt.min(4)).min(2_000);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    Duration::from_millis(u64::from(nanos) % cap.max(1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn reply_to() -> ReplyTo {
        ReplyTo {
            response_url: "https://bucket.s3.amazonaws.com/key?X-Amz-Signature=secret".into(),
            stack_id: "arn:aws:cloudformation:us-east-1:123456789012:stack/s/1".into(),
            request_id: "r-1".into(),
            logical_resource_id: "Profile".into(),
        }
    }

    /// A FAILED answer with any Reason, as long as no `Failure` writes.
    fn failed_with(reason: String) -> Answer {
        Answer {
            status: Status::Failed,
            physical_resource_id: "id".into(),
            reason: Some(reason),
            data: BTreeMap::new(),
        }
    }

    #[test]
    fn success_carries_every_field() {
        let data = [("RoutingProfileId".to_string(), "rp-1".to_string())].into();
        let body: Value =
            serde_json::from_slice(&body(&reply_to(), &Answer::success("arn:rp", data)))
                .expect("json");
        assert_eq!(body["Status"], "SUCCESS");
        assert_eq!(body["PhysicalResourceId"], "arn:rp");
        assert_eq!(body["StackId"], reply_to().stack_id);
        assert_eq!(body["RequestId"], "r-1");
        assert_eq!(body["LogicalResourceId"], "Profile");
        assert_eq!(body["Data"]["RoutingProfileId"], "rp-1");
        assert_eq!(body["NoEcho"], false);
        assert!(body.get("Reason").is_none(), "no null Reason on SUCCESS");
    }

    #[test]
    fn a_long_reason_is_cut_on_a_character_boundary() {
        for filler in ["x", "é", "\"", "\u{1F600}", "\n"] {
            let reason = filler.repeat(5000);
            let bytes = body(&reply_to(), &failed_with(reason));
            assert!(bytes.len() <= MAX_BODY, "{filler}: {}", bytes.len());
            assert!(
                bytes.len() > MAX_BODY - 64,
                "{filler}: cut too much: {}",
                bytes.len()
            );
            let body: Value = serde_json::from_slice(&bytes).expect("valid JSON after the cut");
            let reason = body["Reason"].as_str().expect("reason");
            assert!(reason.ends_with('…'), "{filler}");
            assert!(reason.starts_with(filler));
        }
        let short = body(&reply_to(), &failed_with("short".into()));
        assert!(String::from_utf8_lossy(&short).contains("\"Reason\":\"short\""));
    }

    #[test]
    fn a_hostile_envelope_is_cut_to_fit_reason_first() {
        let mut hostile = reply_to();
        hostile.stack_id = "s".repeat(1500);
        let mut answer = failed_with("r".repeat(3000));
        answer.physical_resource_id = "p".repeat(5000);
        let bytes = body(&hostile, &answer);
        assert!(bytes.len() <= MAX_BODY, "{}", bytes.len());
        let doc: Value = serde_json::from_slice(&bytes).expect("JSON");
        assert_eq!(doc["Reason"], "…", "the Reason goes first");
        let physical = doc["PhysicalResourceId"].as_str().expect("id");
        assert!(physical.starts_with("ppp") && physical.ends_with('…'));
        assert_eq!(
            doc["LogicalResourceId"], "Profile",
            "short fields stay whole"
        );

        // Echoed fields that fit are never cut for the Reason's sake.
        let mut answer = failed_with("r".repeat(5000));
        answer.physical_resource_id = "p".repeat(1000);
        let doc: Value = serde_json::from_slice(&body(&reply_to(), &answer)).expect("JSON");
        assert_eq!(doc["PhysicalResourceId"], "p".repeat(1000));
        assert_eq!(doc["StackId"], reply_to().stack_id);
    }

    #[test]
    fn urls_are_checked_and_redacted() {
        assert!(check_url("https://b.s3.amazonaws.com/k?sig=1", false).is_ok());
        assert!(check_url("http://127.0.0.1:9/k", false).is_ok());
        assert!(check_url("http://[::1]:9/k", false).is_ok());
        assert!(check_url("http://localhost:9/k", false).is_ok());
        let err = check_url("http://example.com/k?X-Amz-Signature=secret", false)
            .expect_err("plain http");
        let text = err.to_string();
        assert!(
            text.contains("http://example.com/k?<redacted>") && !text.contains("secret"),
            "{text}"
        );
        assert!(check_url("http://example.com/k", true).is_ok());
        assert!(check_url("ftp://example.com/k", true).is_err());
        assert!(check_url("not a url", true).is_err());
        assert_eq!(redact("https://h/p?a=b"), "https://h/p?<redacted>");
    }

    /// Serves one request: reads it whole, then answers 403 with a body declared `declared` bytes
    /// long and sends it until done or until the client goes away; returns how much was sent.
    async fn refuse_with_a_long_body(listener: tokio::net::TcpListener, declared: usize) -> usize {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let (mut socket, _) = listener.accept().await.expect("a connection");
        let mut request = Vec::new();
        let mut buf = [0u8; 4096];
        let complete = |request: &[u8]| {
            let text = String::from_utf8_lossy(request);
            let Some((head, body)) = text.split_once("\r\n\r\n") else {
                return false;
            };
            let length = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().to_string())
                })
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(0);
            body.len() >= length
        };
        while !complete(&request) {
            let n = socket.read(&mut buf).await.expect("the request");
            assert!(n > 0, "the client closed before sending its request");
            request.extend_from_slice(&buf[..n]);
        }
        let head = format!("HTTP/1.1 403 Forbidden\r\nContent-Length: {declared}\r\n\r\n");
        socket.write_all(head.as_bytes()).await.expect("the head");
        // Starts with a two-byte character, so that a cut through one would show.
        let mut chunk = "é".repeat(8).into_bytes();
        chunk.resize(64 * 1024, b'x');
        let mut sent = 0;
        while sent < declared {
            let part = &chunk[..chunk.len().min(declared - sent)];
            if socket.write_all(part).await.is_err() {
                break;
            }
            sent += part.len();
        }
        sent
    }

    #[tokio::test]
    async fn a_refusals_body_is_read_only_as_far_as_the_log_keeps_it() {
        // 64 MiB declared: more than the loopback socket buffers on both sides hold, so a client
        // that stops reading stops the server's writes short of it.
        const DECLARED: usize = 64 << 20;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a port");
        let address = listener.local_addr().expect("an address");
        let server = tokio::spawn(refuse_with_a_long_body(listener, DECLARED));
        let mut to = reply_to();
        to.response_url = format!("http://{address}/answer?X-Amz-Signature=secret");
        let deadline = Instant::now() + Duration::from_secs(30);
        let error = Responder::new(false)
            .deliver(&to, &failed_with("r".into()), deadline)
            .await
            .expect_err("a 403 is not delivered");
        let expected_detail: String = format!("{}{}", "é".repeat(8), "x".repeat(DETAIL_CHARS - 8));
        match &error {
            DeliveryError::Undelivered { attempts, last } => {
                assert_eq!(*attempts, 1, "a 403 is not retried");
                assert_eq!(*last, format!("HTTP 403 Forbidden: {expected_detail}"));
            }
            other => panic!("{other:?}"),
        }
        let sent = server.await.expect("the server");
        assert!(
            sent < DECLARED / 2,
            "the server sent {sent} of {DECLARED} bytes: the client read on past what it keeps"
        );
    }

    #[tokio::test]
    async fn a_short_body_is_read_to_its_end() {
        let (_, body) = http::Response::new(http_body_util::Full::new(Bytes::from_static(
            b"AccessDenied",
        )))
        .into_parts();
        assert_eq!(body_start(body, DETAIL_BYTES).await, b"AccessDenied");
        let (_, body) =
            http::Response::new(http_body_util::Full::new(Bytes::from(vec![b'x'; 5000])))
                .into_parts();
        assert_eq!(body_start(body, DETAIL_BYTES).await.len(), DETAIL_BYTES);
    }

    #[test]
    fn backoff_is_bounded() {
        for attempt in 1..10 {
            assert!(backoff(attempt) < Duration::from_millis(2_000));
        }
    }
}

#[cfg(test)]
mod hostile {
    use super::*;
    use proptest::prelude::*;
    use serde_json::Value;

    /// Text that is long, or expensive in JSON (quotes, control characters, astral characters).
    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-z0-9:/-]{0,80}",
            "\\PC{0,3000}",
            "[\"\\\\\u{0}-\u{1f}\u{1F600}é]{0,3000}",
            (1usize..6000).prop_map(|n| "x".repeat(n)),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn every_body_fits_and_is_json(
            stack_id in text(),
            request_id in text(),
            logical_resource_id in text(),
            physical_resource_id in text(),
            reason in proptest::option::of(text()),
            failed in any::<bool>(),
        ) {
            let reply_to = ReplyTo {
                response_url: "https://example.com/r".into(),
                stack_id: stack_id.clone(),
                request_id,
                logical_resource_id,
            };
            let answer = Answer {
                status: if failed { Status::Failed } else { Status::Success },
                physical_resource_id,
                reason: reason.clone(),
                data: [("RoutingProfileId".to_string(), "rp-1".to_string())].into(),
            };
            let bytes = body(&reply_to, &answer);
            prop_assert!(bytes.len() <= MAX_BODY, "{} bytes", bytes.len());
            let doc: Value = serde_json::from_slice(&bytes).expect("valid JSON");
            let whole = document(&reply_to, &answer, None, reason.clone());
            if whole.len() <= MAX_BODY {
                prop_assert_eq!(bytes, whole, "nothing cut when it fits");
            } else if document(&reply_to, &answer, None, reason.map(|r| cut(&r, 0))).len() <= MAX_BODY {
                prop_assert_eq!(doc["StackId"].as_str(), Some(stack_id.as_str()), "only the Reason is cut");
            }
        }
    }
}
