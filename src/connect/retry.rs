//! How the SDK retries Connect's calls, and how long it waits for one: the retry policy every
//! client of this function uses.
//!
//! Throttling is the normal case. Connect gives every API operation its own token bucket of 2
//! requests a second with a burst of 5, per account and Region, and a stack of N profiles sends N
//! Creates at once (its rollback or deletion N Deletes), each from a Lambda process of its own that
//! knows nothing of the others: a phase cannot take less than N / 2 seconds. What was measured
//! (the release binary, one process per invocation, 200 at once against the emulator with those
//! quotas: `cargo run --release -p runner --bin bench -- --stack 200`; the rate bound is 100 s):
//!
//! - **The deadline ends the retries, not a number of attempts.** With 25 attempts (the earlier
//!   limit; about 90 s of backoff) 25 of the 200 Creates, and then 7 of the Deletes, answered
//!   FAILED with ThrottlingException while each invocation still had over 200 of its 300 s, and 7
//!   profiles were left. The attempts a call needs grow with the stack, so any count is wrong for
//!   some stack. Attempts are now as good as unbounded (1,000, whose waits add up to over an
//!   hour); the handler's deadline (Lambda's, less the time kept for the answer) stops the work,
//!   and the answer says `Ran out of time while <step> (the last attempt: ... answered HTTP 429
//!   ThrottlingException)`. Measured: creates 102.2 s, deletes 102.6 s, none FAILED, nothing left.
//!   A retry policy that knew the deadline would stop at the same moment with the same news; the
//!   deadline is already the handler's, so the policy does not need it.
//! - **Full jitter, capped at 8 s** (the SDK's standard retry: each wait drawn between zero and
//!   250 ms doubled per attempt, at most 8 s): invocations that start together do not stay in step,
//!   and each retry is an equal draw for the next token, so none waits much longer than the phase
//!   (the slowest of the 200 answered when the phase ended). The cap decides the tail, when the
//!   last few invocations retry every cap / 2 on average while the bucket refills, and the calls
//!   Connect must refuse. Measured with 200 at once at ten times Connect's rate (`scale` test,
//!   times scaled back): caps of 4, 8, 16 and 32 s took 1.02, 1.05, 1.06-1.10 and 1.09-1.23 times
//!   the bound, with 24, 14, 10 and 8 throttled calls per profile. 8 s keeps within about 5 % of
//!   the bound at little more than half the calls of 4 s.
//! - **Not the SDK's adaptive mode.** Its client-side rate limiter learns from the throttling one
//!   process sees, and each invocation is a process making one call at a time: the limiter only
//!   slows that call further. Measured: creates took 294 s (2.9 times the bound), 15 ran out of
//!   time, and deletes took 280 s; 50 at once took 72 s instead of about 25 s.
//! - **No retry quota.** The SDK's default quota (500 tokens per process, 5 per throttled retry,
//!   not given back while retries keep failing) would make a warm process that weathered a
//!   throttled stack answer ThrottlingException at once for every later request; each client has
//!   an unlimited one instead.
//!
//! LimitExceededException (a quota, not a rate) and certificate errors are never retried; each
//! attempt has its own timeout, so a hung connection costs one attempt, not the request.

use std::time::Duration;

use aws_sdk_connect::config::interceptors::InterceptorContext;
use aws_sdk_connect::config::retry::{
    ClassifyRetry, RetryAction, RetryConfig, RetryPartition, TokenBucket,
};
use aws_sdk_connect::config::timeout::TimeoutConfig;

/// How long an attempt may take before the SDK gives up on it and retries.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long opening a connection may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// Attempts per call: so many that the request's deadline always comes first. Their waits average
/// over an hour (half the capped backoff each), four times Lambda's longest timeout; 1,000 of
/// waits drawn between zero and the cap cannot add up to 15 minutes in any real draw. Not
/// `u32::MAX`: the SDK's identity cache sums the backoff of every attempt to size a timeout of
/// its own, which takes seconds (minutes, in a debug build) for billions of attempts.
const MAX_ATTEMPTS: u32 = 1000;
/// The first retry's backoff, before jitter.
const INITIAL_BACKOFF: Duration = Duration::from_millis(250);
/// The longest backoff, before jitter: see the module docs for why 8 s.
const MAX_BACKOFF: Duration = Duration::from_secs(8);

/// How the SDK retries and how long it waits for Connect. [`Tuning::default`] is what the function
/// runs with; tests that drive many requests through faults shorten it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tuning {
    /// How long one attempt may take before the SDK gives up on it and retries.
    pub attempt_timeout: Duration,
    /// How long opening a connection may take.
    pub connect_timeout: Duration,
    /// Attempts per call, the first included; the default is more than any deadline allows (the
    /// deadline ends them).
    pub max_attempts: u32,
    /// The first retry's backoff, before jitter; it doubles up to `max_backoff`.
    pub initial_backoff: Duration,
    /// The longest backoff between attempts.
    pub max_backoff: Duration,
}

impl Default for Tuning {
    fn default() -> Self {
        Tuning {
            attempt_timeout: ATTEMPT_TIMEOUT,
            connect_timeout: CONNECT_TIMEOUT,
            max_attempts: MAX_ATTEMPTS,
            initial_backoff: INITIAL_BACKOFF,
            max_backoff: MAX_BACKOFF,
        }
    }
}

impl Tuning {
    /// The same policy `factor` times faster: timeouts and backoffs divided by it, for tests that
    /// run Connect's quotas at a faster rate and keep the proportions.
    pub fn faster(self, factor: u32) -> Tuning {
        let factor = factor.max(1);
        Tuning {
            attempt_timeout: self.attempt_timeout / factor,
            connect_timeout: self.connect_timeout / factor,
            max_attempts: self.max_attempts,
            initial_backoff: self.initial_backoff / factor,
            max_backoff: self.max_backoff / factor,
        }
    }
}

/// `builder` with the retry policy and timeouts of `tuning` (see the module docs).
pub(super) fn configure(
    builder: aws_sdk_connect::config::Builder,
    tuning: Tuning,
) -> aws_sdk_connect::config::Builder {
    builder
        .retry_classifier(QuotaIsNotThrottling)
        .retry_classifier(CertificateIsFinal)
        .retry_partition(
            RetryPartition::custom("routing-profile-resource")
                .token_bucket(TokenBucket::unlimited())
                .build(),
        )
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(tuning.max_attempts)
                .with_initial_backoff(tuning.initial_backoff)
                .with_max_backoff(tuning.max_backoff),
        )
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(tuning.connect_timeout)
                .operation_attempt_timeout(tuning.attempt_timeout)
                .build(),
        )
}

/// The SDK counts LimitExceededException among throttling errors, but Connect uses it for quotas
/// (queues per profile, profiles per instance): retrying cannot help and only delays the answer.
#[derive(Debug)]
struct QuotaIsNotThrottling;

impl ClassifyRetry for QuotaIsNotThrottling {
    fn classify_retry(&self, ctx: &InterceptorContext) -> RetryAction {
        let error_type = ctx
            .response()
            .and_then(|r| r.headers().get("x-amzn-errortype"));
        quota_decision(error_type)
    }

    fn name(&self) -> &'static str {
        "QuotaIsNotThrottling"
    }
}

/// The decision for an answer whose `x-amzn-ErrorType` is `error_type` (`Code` or
/// `Code:details`): forbidden for a quota, otherwise left to the SDK's own classifiers.
fn quota_decision(error_type: Option<&str>) -> RetryAction {
    match error_type.and_then(|v| v.split(':').next()) {
        Some("LimitExceededException") => RetryAction::RetryForbidden,
        _ => RetryAction::NoActionIndicated,
    }
}

/// A certificate Connect's endpoint presents that the client does not trust (another CA, another
/// host's name) is the same on every attempt: the SDK would retry it as a transient I/O error until
/// the deadline; answer at once instead, with the TLS error in the Reason.
#[derive(Debug)]
struct CertificateIsFinal;

impl ClassifyRetry for CertificateIsFinal {
    fn classify_retry(&self, ctx: &InterceptorContext) -> RetryAction {
        let refused = ctx
            .output_or_error()
            .and_then(|result| result.err())
            .and_then(|error| error.as_connector_error())
            .is_some_and(|error| crate::tls::is_certificate_error(error));
        if refused {
            RetryAction::RetryForbidden
        } else {
            RetryAction::NoActionIndicated
        }
    }

    fn name(&self) -> &'static str {
        "CertificateIsFinal"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_connect::config::interceptors::InterceptorContext;
    use aws_smithy_runtime_api::client::interceptors::context::Input;
    use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
    use aws_smithy_runtime_api::http::StatusCode;
    use aws_smithy_types::body::SdkBody;

    /// A context holding an answer of `status` with that `x-amzn-ErrorType`.
    fn answered(status: u16, error_type: &str) -> InterceptorContext {
        let mut response = HttpResponse::new(
            StatusCode::try_from(status).expect("status"),
            SdkBody::empty(),
        );
        response
            .headers_mut()
            .insert("x-amzn-ErrorType", error_type.to_string());
        let mut ctx = InterceptorContext::new(Input::doesnt_matter());
        ctx.set_response(response);
        ctx
    }

    #[test]
    fn a_quota_is_never_retried_and_throttling_is_left_to_the_sdk() {
        let quota = answered(429, "LimitExceededException");
        assert_eq!(
            QuotaIsNotThrottling.classify_retry(&quota),
            RetryAction::RetryForbidden
        );
        for (status, error_type) in [
            (429, "ThrottlingException"),
            (500, "InternalServiceException"),
            (404, "ResourceNotFoundException"),
        ] {
            assert_eq!(
                QuotaIsNotThrottling.classify_retry(&answered(status, error_type)),
                RetryAction::NoActionIndicated,
                "{error_type}"
            );
        }
        assert_eq!(
            quota_decision(Some(
                "LimitExceededException:http://internal.amazon.com/coral/"
            )),
            RetryAction::RetryForbidden,
            "the code before the colon is what counts"
        );
        assert_eq!(quota_decision(None), RetryAction::NoActionIndicated);
    }

    #[test]
    fn an_answer_is_not_a_certificate_error() {
        assert_eq!(
            CertificateIsFinal.classify_retry(&answered(429, "ThrottlingException")),
            RetryAction::NoActionIndicated
        );
    }

    #[test]
    fn the_function_retries_until_its_deadline_with_jitter_capped_at_8_s() {
        let config = configure(aws_sdk_connect::Config::builder(), Tuning::default()).build();
        let retry = config.retry_config().expect("a retry config");
        assert_eq!(retry.initial_backoff(), Duration::from_millis(250));
        assert_eq!(retry.max_backoff(), Duration::from_secs(8));
        // Each wait is drawn between zero and the capped backoff: half of it on average.
        let mean_waits: Duration = (0..retry.max_attempts() - 1)
            .map(|i| {
                (retry.initial_backoff() * 2u32.saturating_pow(i)).min(retry.max_backoff()) / 2
            })
            .sum();
        assert!(
            mean_waits > 4 * Duration::from_secs(15 * 60),
            "no count ends the retries before Lambda's longest deadline: {mean_waits:?}"
        );
        assert!(!retry.use_static_exponential_base(), "full jitter");
        let timeouts = config.timeout_config().expect("timeouts");
        assert_eq!(
            timeouts.operation_attempt_timeout(),
            Some(Duration::from_secs(10)),
            "each attempt has its own timeout"
        );
        assert_eq!(
            timeouts.operation_timeout(),
            None,
            "no timeout of the whole call: the deadline ends it"
        );
    }

    #[test]
    fn a_faster_policy_keeps_the_proportions() {
        let fast = Tuning::default().faster(10);
        assert_eq!(fast.initial_backoff, Duration::from_millis(25));
        assert_eq!(fast.max_backoff, Duration::from_millis(800));
        assert_eq!(fast.attempt_timeout, Duration::from_secs(1));
        assert_eq!(fast.max_attempts, MAX_ATTEMPTS);
        assert_eq!(Tuning::default().faster(0), Tuning::default());
    }
}
