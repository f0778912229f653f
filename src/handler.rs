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
use crate::lifecycle::{self, Progress};
use crate::response::{Answer, DeliveryError, Responder, Status};

/// The most time held back from the work for delivering the answer.
const ANSWER_RESERVE: Duration = Duration::from_secs(6);
/// Time left unused at the very end, so the invocation returns before Lambda ends it.
const EXIT_MARGIN: Duration = Duration::from_millis(150);

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
        let span = tracing::info_span!(
            "request",
            request_type = request.request_type.as_str(),
            stack_id = %request.reply_to.stack_id,
            logical_resource_id = %request.reply_to.logical_resource_id,
            request_id = %request.reply_to.request_id,
            physical_resource_id = request.physical_resource_id.as_deref().unwrap_or(""),
        );
        async {
            tracing::info!(properties = %request.properties, "request received");
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
        let Some(reply_to) = malformed.reply_to.clone() else {
            return Err(malformed.into());
        };
        let physical = malformed
            .physical_resource_id
            .clone()
            .unwrap_or_else(|| lifecycle::failed_create_id(&reply_to.request_id));
        let answer = Answer::failed(physical, malformed.to_string());
        self.responder.deliver(&reply_to, &answer, deadline).await?;
        Ok(answer)
    }

    /// The answer: the work's own, or FAILED on a panic or when time runs out.
    async fn work(&self, request: &Request, deadline: Instant) -> Answer {
        let remaining = deadline.saturating_duration_since(Instant::now());
        let work_deadline = deadline - ANSWER_RESERVE.min(remaining / 4);
        let progress = Progress::default();
        let task = tokio::spawn({
            let (connect, request, progress) =
                (self.connect.clone(), request.clone(), progress.clone());
            async move { lifecycle::run(&connect, &request, &progress).await }.in_current_span()
        });
        let abort = task.abort_handle();
        let physical = || lifecycle::fallback_id(request, &progress);
        match tokio::time::timeout_at(work_deadline, task).await {
            Ok(Ok(answer)) => answer,
            Ok(Err(join_error)) => {
                let what = match join_error.try_into_panic() {
                    Ok(payload) => panic_text(payload.as_ref()),
                    Err(e) => e.to_string(),
                };
                tracing::error!(panic = %what, step = %progress.current(), "the work panicked");
                Answer::failed(
                    physical(),
                    format!(
                        "Internal error while {}: {what}. This is a bug in the routing-profile-resource function; retrying the stack operation may get past it.",
                        progress.current()
                    ),
                )
            }
            Err(_elapsed) => {
                abort.abort();
                tracing::error!(step = %progress.current(), "out of time");
                Answer::failed(
                    physical(),
                    format!(
                        "Ran out of time while {} (Amazon Connect too slow or throttling for longer than the function's timeout allows). Retry the stack operation, or raise the function's Timeout.",
                        progress.current()
                    ),
                )
            }
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
