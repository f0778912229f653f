//! What the SDK's attempts did, as far as this function's answers need it: the endpoint the calls
//! went to, and why the last attempt failed. The SDK resolves the endpoint per request (an
//! override, the Region's, FIPS or dual-stack) without saying which, and retries failed attempts
//! out of sight; when the deadline ends the retries, the last attempt's failure is what the
//! Reason can still say. The wording of a call that got no answer is here too, so that a failed
//! call and a deadline's "last attempt" say it alike. And whether an earlier attempt of a call went
//! unanswered: the refusal its retry meets ("already associated") may be of that attempt's work.

use std::sync::{Arc, Mutex};

use aws_sdk_connect::config::interceptors::{
    BeforeDeserializationInterceptorContextMut, BeforeTransmitInterceptorContextRef,
    FinalizerInterceptorContextRef,
};
use aws_sdk_connect::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_types::config_bag::{Storable, StoreReplace};

use std::time::Duration;

/// Records every attempt of one client's calls; cheap to clone (the clones share the record).
#[derive(Clone, Debug, Default)]
pub(super) struct Trail(Arc<Mutex<Record>>);

#[derive(Debug, Default)]
struct Record {
    /// How long the client lets an attempt take, if it limits it.
    attempt_timeout: Option<Duration>,
    endpoint: Option<String>,
    last_failure: Option<String>,
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The header [`Trail`] puts on an answer when an earlier attempt of the same call got no answer,
/// or a server error: Connect may have carried that attempt out ([`earlier_attempt_unanswered`]).
const EARLIER_ATTEMPT_UNANSWERED: &str = "x-routing-profile-resource-earlier-attempt-unanswered";

/// Whether an earlier attempt of the call that got `response` went unanswered or answered a server
/// error: the SDK retried it, and the answer may be to a call carried out once already.
pub(super) fn earlier_attempt_unanswered(response: &HttpResponse) -> bool {
    response.headers().contains_key(EARLIER_ATTEMPT_UNANSWERED)
}

/// Kept in a call's own config bag (one per call, shared by its attempts) once an attempt got a
/// server error or failed without a response (sent or not: see `read_after_attempt`).
#[derive(Clone, Copy, Debug)]
struct Unanswered;

impl Storable for Unanswered {
    type Storer = StoreReplace<Self>;
}

impl Trail {
    /// A trail for a client whose attempts may take `attempt_timeout`.
    pub(super) fn new(attempt_timeout: Option<Duration>) -> Self {
        Trail(Arc::new(Mutex::new(Record {
            attempt_timeout,
            ..Record::default()
        })))
    }

    /// That an attempt timed out at `endpoint`, saying after how long.
    pub(super) fn no_answer(&self, endpoint: &str) -> String {
        let timeout = self.0.lock().ok().and_then(|r| r.attempt_timeout);
        match timeout {
            Some(t) if t.subsec_millis() == 0 => {
                format!("no answer from {endpoint} within {}s", t.as_secs())
            }
            Some(t) => format!("no answer from {endpoint} within {} ms", t.as_millis()),
            None => format!("no answer from {endpoint} in time"),
        }
    }

    /// `scheme://host[:port]` of the last request sent.
    pub(super) fn endpoint(&self) -> String {
        self.0
            .lock()
            .ok()
            .and_then(|r| r.endpoint.clone())
            .unwrap_or_else(|| "Amazon Connect's endpoint".to_string())
    }

    /// Why the last attempt failed, if it did.
    pub(super) fn last_failure(&self) -> Option<String> {
        self.0.lock().ok().and_then(|r| r.last_failure.clone())
    }

    /// Forgets the last failure (a new request starts).
    pub(super) fn forget(&self) {
        if let Ok(mut record) = self.0.lock() {
            record.last_failure = None;
        }
    }
}

impl Intercept for Trail {
    fn name(&self) -> &'static str {
        "Trail"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let origin = origin(context.request().uri());
        if let Ok(mut record) = self.0.lock() {
            record.endpoint = Some(origin);
        }
        Ok(())
    }

    fn modify_before_deserialization(
        &self,
        context: &mut BeforeDeserializationInterceptorContextMut<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if cfg.load::<Unanswered>().is_some() {
            context
                .response_mut()
                .headers_mut()
                .insert(EARLIER_ATTEMPT_UNANSWERED, "true");
        }
        Ok(())
    }

    fn read_after_attempt(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        // An attempt that failed without a response counts as unanswered whatever stopped it: a
        // timeout or a connection lost after the request was sent, but also a failure before
        // anything was sent (a refused connection), which this hook cannot tell apart from the
        // rest (both are connector I/O errors). Counting those too is the cautious side: a refusal
        // the retry meets is then read back, at worst for nothing, where not counting a sent
        // attempt would take its work for not done. One answer leans the other way: a Delete's
        // ResourceNotFoundException after such an attempt is taken as the profile gone.
        let unanswered = match (context.response(), context.output_or_error()) {
            (Some(response), _) => response.status().is_server_error(),
            (None, Some(Err(_))) => true,
            (None, _) => false,
        };
        if unanswered {
            cfg.interceptor_state().store_put(Unanswered);
        }
        let endpoint = self.endpoint();
        let failure = match (context.response(), context.output_or_error()) {
            (_, Some(Ok(_))) | (None, None) => None,
            (Some(response), _) => {
                let status = response.status().as_u16();
                let code = response
                    .headers()
                    .get("x-amzn-errortype")
                    .and_then(|v| v.split(':').next())
                    .map(|code| format!(" {code}"))
                    .unwrap_or_default();
                (status >= 300).then(|| format!("{endpoint} answered HTTP {status}{code}"))
            }
            (None, Some(Err(e))) if e.is_timeout_error() => Some(self.no_answer(&endpoint)),
            (None, Some(Err(e))) => Some(could_not_reach(&endpoint, e)),
        };
        if let Ok(mut record) = self.0.lock() {
            record.last_failure = failure;
        }
        Ok(())
    }
}

/// That no connection to `endpoint` could be made, with the innermost cause: DNS, a refused
/// connection, TLS.
pub(super) fn could_not_reach(endpoint: &str, error: &(dyn std::error::Error + 'static)) -> String {
    format!("could not reach {endpoint}: {}", innermost(error))
}

/// The last error of `error`'s source chain: the one that says why ("Connection refused"), where
/// the outer ones only say where ("dispatch failure", "io error").
pub(super) fn innermost(error: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = error;
    while let Some(source) = cause.source() {
        cause = source;
    }
    cause.to_string()
}

/// `scheme://host[:port]` of a URI: where a call went, without the path that names resources.
fn origin(uri: &str) -> String {
    let host_starts = uri.find("://").map_or(0, |i| i + 3);
    let path_starts = uri[host_starts..]
        .find(['/', '?'])
        .map_or(uri.len(), |i| host_starts + i);
    uri[..path_starts].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_timeout_says_how_long_the_client_waited() {
        let at = "http://127.0.0.1:9100";
        let trail = |t| Trail::new(t).no_answer(at);
        assert_eq!(
            trail(Some(Duration::from_secs(10))),
            "no answer from http://127.0.0.1:9100 within 10s"
        );
        assert_eq!(
            trail(Some(Duration::from_millis(300))),
            "no answer from http://127.0.0.1:9100 within 300 ms"
        );
        assert_eq!(trail(None), "no answer from http://127.0.0.1:9100 in time");
    }

    #[derive(Debug, thiserror::Error)]
    #[error("{0}")]
    struct Layer(&'static str, #[source] Option<Box<Layer>>);

    #[test]
    fn the_innermost_cause_is_the_one_that_says_why() {
        let chain = Layer(
            "dispatch failure",
            Some(Box::new(Layer(
                "io error",
                Some(Box::new(Layer("Connection refused (os error 111)", None))),
            ))),
        );
        assert_eq!(innermost(&chain), "Connection refused (os error 111)");
        assert_eq!(innermost(&Layer("alone", None)), "alone");
        assert_eq!(
            could_not_reach("http://127.0.0.1:9", &chain),
            "could not reach http://127.0.0.1:9: Connection refused (os error 111)"
        );
    }

    #[test]
    fn the_origin_leaves_the_path_out() {
        assert_eq!(
            origin("https://connect.us-east-1.amazonaws.com/routing-profiles/i-1"),
            "https://connect.us-east-1.amazonaws.com"
        );
        assert_eq!(
            origin("http://127.0.0.1:9100/tags/arn?x=1"),
            "http://127.0.0.1:9100"
        );
        assert_eq!(origin("http://127.0.0.1:9100"), "http://127.0.0.1:9100");
    }
}
