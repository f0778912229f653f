//! One invocation: read the event, do the work within the deadline, and deliver exactly one answer.
//!
//! The work runs in its own task, so a panic inside it is caught and answered, and it is given a
//! deadline of its own that leaves room for the answer's PUT before Lambda's deadline. Whichever
//! comes first, the work's answer, a panic or the deadline, makes the one answer that is sent.

use std::time::Duration;

use serde_json::Value;
use tokio::time::Instant;
use tracing::Instrument;

use crate::connect::Connect;
use crate::event::{self, MalformedEvent, Request};
use crate::failure::Failure;
use crate::lifecycle::{self, Progress};
use crate::response::{Answer, DeliveryError, Responder, Status};

/// The most time held back from the work for delivering the answer.
const ANSWER_RESERVE: Duration = Duration::from_secs(6);
/// Time left unused at the very end, so the invocation returns before Lambda ends it.
const EXIT_MARGIN: Duration = Duration::from_millis(150);
/// The most time between the lifecycle's own deadline and the guard's: the lifecycle ends its work
/// (and a replacement's cleanup) by its deadline, so the guard, which cancels without cleaning up,
/// is only for work that does not.
const GUARD_GRACE: Duration = Duration::from_millis(250);

/// Why an invocation returns an error to Lambda (so that Lambda's own retry gets a chance).
#[derive(Debug, thiserror::Error)]
pub enum InvocationError {
    /// The event is not a custom-resource request and says nowhere to answer.
    #[error(transparent)]
    Unanswerable(#[from] MalformedEvent),
    /// The answer could not be delivered.
    #[error(transparent)]
    Undelivered(#[from] DeliveryError),
}

/// Handles custom-resource events; cheap to clone, built once per process.
#[derive(Clone, Debug)]
pub struct Handler {
    connect: Connect,
    responder: Responder,
}

impl Handler {
    /// A handler that calls Connect through `connect` and answers through `responder`.
    pub fn new(connect: Connect, responder: Responder) -> Self {
        Handler { connect, responder }
    }

    /// Handles one event that must be answered before `deadline`; returns the delivered answer.
    pub async fn handle(&self, event: Value, deadline: Instant) -> Result<Answer, InvocationError> {
        let answer_deadline = deadline.checked_sub(EXIT_MARGIN).unwrap_or(deadline);
        let request = match event::parse(&event) {
            Ok(request) => request,
            Err(malformed) => return self.answer_malformed(malformed, answer_deadline).await,
        };
        let span = request_span(&request);
        async {
            tracing::info!(
                properties = %request.properties,
                time_left_ms = deadline.saturating_duration_since(Instant::now()).as_millis(),
                "request received"
            );
            self.responder
                .accepts(&request.reply_to.response_url)
                .inspect_err(|e| tracing::error!(error = %e, "no answer possible; nothing done"))?;
            let answer = self.work(&request, deadline).await;
            match answer.status {
                Status::Success => tracing::info!(
                    answer_physical_resource_id = %answer.physical_resource_id,
                    "answering SUCCESS"
                ),
                Status::Failed => tracing::warn!(
                    answer_physical_resource_id = %answer.physical_resource_id,
                    reason = answer.reason.as_deref().unwrap_or(""),
                    "answering FAILED"
                ),
            }
            self.responder
                .deliver(&request.reply_to, &answer, answer_deadline)
                .await
                .inspect_err(|e| tracing::error!(error = %e, "answer not delivered"))?;
            Ok(answer)
        }
        .instrument(span)
        .await
    }

    /// Answers an event that is not a well-formed request, when it says where to.
    async fn answer_malformed(
        &self,
        malformed: MalformedEvent,
        deadline: Instant,
    ) -> Result<Answer, InvocationError> {
        tracing::error!(problem = %malformed.problem, "malformed event");
        let Some(reply_to) = malformed.reply_to.as_deref().cloned() else {
            return Err(malformed.into());
        };
        let physical = malformed
            .physical_resource_id
            .clone()
            .unwrap_or_else(|| lifecycle::not_created_id(&reply_to.request_id));
        let answer = Answer::failed(physical, &Failure::Malformed(malformed));
        self.responder.deliver(&reply_to, &answer, deadline).await?;
        Ok(answer)
    }

    /// The answer: the work's own, or FAILED on a panic or when time runs out.
    async fn work(&self, request: &Request, deadline: Instant) -> Answer {
        let remaining = deadline.saturating_duration_since(Instant::now());
        let guard_deadline = deadline - ANSWER_RESERVE.min(remaining / 4);
        let work_deadline = guard_deadline - GUARD_GRACE.min(remaining / 20);
        let progress = Progress::default();
        self.connect.forget_failures();
        let work = {
            let (connect, request, progress) =
                (self.connect.clone(), request.clone(), progress.clone());
            async move { lifecycle::run(&connect, &request, &progress, work_deadline).await }
        };
        let outcome = match guarded(work, guard_deadline, &progress).await {
            // The work's own cause first: a replacement's cleanup after the deadline may have
            // succeeded and left the client's record empty.
            Err(Failure::OutOfTime { step, last_failure }) => Err(Failure::OutOfTime {
                step,
                last_failure: last_failure.or_else(|| self.connect.last_failure()),
            }),
            other => other,
        };
        lifecycle::answer(request, &progress, &outcome)
    }
}

/// The span every line of a request is logged in: the request's own fields, as the event gave
/// them (escaped when written: `crate::logging`).
fn request_span(request: &Request) -> tracing::Span {
    tracing::info_span!(
        "request",
        request_type = request.request_type.as_str(),
        stack_id = %request.reply_to.stack_id,
        logical_resource_id = %request.reply_to.logical_resource_id,
        request_id = %request.reply_to.request_id,
        physical_resource_id = request.physical_resource_id.as_deref().unwrap_or(""),
    )
}

/// Time left until Lambda's deadline (`Lambda-Runtime-Deadline-Ms`, milliseconds since the epoch)
/// at `now_ms`. `cargo lambda watch` sends the timeout itself there (`600000`): a value too small
/// to be a date after 2001 is read as that duration, so the local loop does not time out at once.
pub fn time_left(deadline_ms: u64, now_ms: u64) -> Duration {
    const YEAR_2001_MS: u64 = 978_307_200_000;
    if deadline_ms < YEAR_2001_MS {
        Duration::from_millis(deadline_ms)
    } else {
        Duration::from_millis(deadline_ms.saturating_sub(now_ms))
    }
}

/// Runs `work` in its own task until `deadline`: its outcome, or a failure when it panics or runs
/// out of time (the task is then cancelled). Exactly one of the three is returned.
pub async fn guarded<W, T>(work: W, deadline: Instant, progress: &Progress) -> Result<T, Failure>
where
    W: Future<Output = Result<T, Failure>> + Send + 'static,
    T: Send + 'static,
{
    let task = tokio::spawn(work.in_current_span());
    let abort = task.abort_handle();
    match tokio::time::timeout_at(deadline, task).await {
        Ok(Ok(outcome)) => outcome,
        Ok(Err(join_error)) => {
            let message = match join_error.try_into_panic() {
                Ok(payload) => panic_text(payload.as_ref()),
                Err(e) => e.to_string(),
            };
            tracing::error!(panic = %message, step = %progress.current(), "the work panicked");
            Err(Failure::Internal {
                step: progress.current(),
                message,
            })
        }
        Err(_elapsed) => {
            abort.abort();
            tracing::error!(step = %progress.current(), "out of time");
            Err(Failure::OutOfTime {
                step: progress.current(),
                last_failure: None,
            })
        }
    }
}

fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logging::capture::Captured;
    use serde_json::json;
    use tracing_subscriber::layer::SubscriberExt;

    fn progress_at(step: &str) -> Progress {
        let progress = Progress::default();
        progress.step(step);
        progress
    }

    #[test]
    fn time_left_reads_lambdas_epoch_deadline_and_cargo_lambdas_duration() {
        let now = 1_795_527_346_226;
        assert_eq!(time_left(now + 300_000, now), Duration::from_secs(300));
        assert_eq!(time_left(now - 5, now), Duration::ZERO);
        assert_eq!(time_left(600_000, now), Duration::from_secs(600));
    }

    #[tokio::test]
    async fn a_panic_is_answered_failed_with_the_step_and_message() {
        let progress = progress_at("UpdateRoutingProfileQueues (change 2 of 3)");
        let work = async { panic!("index out of bounds") };
        let deadline = Instant::now() + Duration::from_secs(5);
        let outcome: Result<(), Failure> = guarded(work, deadline, &progress).await;
        let failure = outcome.expect_err("a panic fails");
        assert!(
            matches!(&failure, Failure::Internal { step, message }
                if step == "UpdateRoutingProfileQueues (change 2 of 3)" && message == "index out of bounds"),
            "{failure:?}"
        );
        let reason = failure.to_string();
        assert!(
            reason.starts_with("Internal error while UpdateRoutingProfileQueues (change 2 of 3): index out of bounds."),
            "{reason}"
        );
    }

    #[tokio::test]
    async fn work_that_outlives_the_deadline_is_cancelled_and_answered_failed() {
        let progress = progress_at("CreateRoutingProfile");
        let (dropped_tx, dropped_rx) = tokio::sync::oneshot::channel::<()>();
        let work = async move {
            let _guard = dropped_tx;
            std::future::pending::<Result<(), Failure>>().await
        };
        let deadline = Instant::now() + Duration::from_millis(100);
        let failure = guarded(work, deadline, &progress)
            .await
            .expect_err("out of time");
        assert!(Instant::now() >= deadline, "not before the deadline");
        assert!(
            matches!(&failure, Failure::OutOfTime { step, .. } if step == "CreateRoutingProfile"),
            "{failure:?}"
        );
        assert!(
            failure
                .to_string()
                .starts_with("Ran out of time while CreateRoutingProfile")
        );
        assert!(dropped_rx.await.is_err(), "the work was cancelled");
    }

    #[tokio::test]
    async fn work_finishing_at_the_deadline_gets_exactly_one_answer() {
        let progress = progress_at("DeleteRoutingProfile");
        let deadline = Instant::now() + Duration::from_millis(50);
        let work = async move {
            tokio::time::sleep_until(deadline).await;
            Ok("arn:rp")
        };
        // Either outcome is acceptable; what matters is that one, and only one, comes back.
        let outcome = guarded(work, deadline, &progress).await;
        assert!(
            matches!(outcome, Ok("arn:rp") | Err(Failure::OutOfTime { .. })),
            "{outcome:?}"
        );
    }

    #[test]
    fn forged_event_values_cannot_add_a_line_to_the_text_log() {
        let forge = "\nINFO request{stack_id=x}: answering SUCCESS\r\u{1b}[1A";
        let event = json!({
            "RequestType": "Delete",
            "ResponseURL": "https://example.com/answer",
            "StackId": format!("arn:aws:cloudformation:us-east-1:123456789012:stack/s/1{forge}"),
            "RequestId": format!("r{forge}"),
            "LogicalResourceId": format!("Profile{forge}"),
            "PhysicalResourceId": format!("arn:aws:connect:us-east-1:123456789012:instance/i/routing-profile/p{forge}"),
            "ResourceType": format!("Custom::RoutingProfile{forge}"),
            "ResourceProperties": { "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:f" },
        });
        let request = event::parse(&event).expect("a well-formed request");
        let out = Captured::default();
        let subscriber =
            tracing_subscriber::registry().with(crate::logging::text_layer(out.make_writer()));
        tracing::subscriber::with_default(subscriber, || {
            let _entered = request_span(&request).entered();
            tracing::warn!(
                answer_physical_resource_id = %request.physical_resource_id.as_deref().unwrap_or(""),
                "answering FAILED"
            );
        });
        let text = out.text();
        assert_eq!(text.lines().count(), 1, "{text}");
        assert!(
            !text
                .trim_end_matches('\n')
                .chars()
                .any(crate::logging::must_escape),
            "{text:?}"
        );
        // Each of the four forged ids, and the answer's, is there in full, escaped.
        let escaped = "\\nINFO request{stack_id=x}: answering SUCCESS\\r\\u{1b}[1A";
        assert_eq!(text.matches(escaped).count(), 5, "{text}");
    }
}
