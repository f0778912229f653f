//! Failed Connect calls: the service's own error code and message, or what went wrong on the way
//! there, with the kind of failure the lifecycle branches on.

use aws_sdk_connect::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;

use super::trail::{Trail, could_not_reach, earlier_attempt_unanswered, innermost};

/// What kind of failure Connect reported, where the caller's decision depends on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// ResourceNotFoundException.
    NotFound,
    /// DuplicateResourceException: the name is taken in the instance.
    Duplicate,
    /// ResourceInUseException: the profile is still assigned to users.
    InUse,
    /// LimitExceededException: an account quota (queues per profile, profiles per instance).
    LimitExceeded,
    /// AccessDeniedException: the function's role does not allow the call (on this resource).
    AccessDenied,
    /// InvalidRequestException: Connect found the request not valid; also what it may answer for a
    /// resource it does not show yet (its "Eventual consistency" page).
    InvalidRequest,
    /// No answer came: the endpoint could not be reached, or did not answer in time.
    Unreachable,
    /// Anything else.
    Other,
}

/// A failed Connect call, described in Connect's own words.
#[derive(Clone, Debug, thiserror::Error)]
#[error("{operation} failed: {detail}")]
pub struct ConnectError {
    /// The Connect API operation, e.g. `CreateRoutingProfile`.
    pub operation: &'static str,
    /// What the caller may branch on.
    pub kind: ErrorKind,
    /// `Code: message` from Connect, or what went wrong on the way there.
    pub detail: String,
    /// Whether the call may have been carried out all the same: no answer came, Connect answered
    /// a server error, or an earlier attempt of the SDK's did either (the refusal its retry met,
    /// "already associated" say, may be of that attempt's work). A refusal without any of these
    /// says that nothing was done.
    pub maybe_carried_out: bool,
}

impl ConnectError {
    /// The SDK's error in one line: Connect's code and message, or, when no answer came, the
    /// endpoint and the innermost cause (the SDK's own text is a nested debug dump).
    pub(super) fn from_sdk<E>(
        operation: &'static str,
        trail: &Trail,
        err: SdkError<E, HttpResponse>,
    ) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let endpoint = trail.endpoint();
        let (kind, detail, maybe_carried_out) = match &err {
            SdkError::ServiceError(service) => {
                let e = service.err();
                let code = e.code().unwrap_or("UnknownError");
                let kind = match code {
                    "ResourceNotFoundException" => ErrorKind::NotFound,
                    "DuplicateResourceException" => ErrorKind::Duplicate,
                    "ResourceInUseException" => ErrorKind::InUse,
                    "LimitExceededException" => ErrorKind::LimitExceeded,
                    "AccessDeniedException" => ErrorKind::AccessDenied,
                    "InvalidRequestException" => ErrorKind::InvalidRequest,
                    _ => ErrorKind::Other,
                };
                let message = e.message().unwrap_or("(no message)");
                let raw = service.raw();
                let maybe = raw.status().is_server_error() || earlier_attempt_unanswered(raw);
                (kind, format!("{code}: {message}"), maybe)
            }
            SdkError::TimeoutError(_) => (ErrorKind::Unreachable, trail.no_answer(&endpoint), true),
            SdkError::DispatchFailure(_) => (
                ErrorKind::Unreachable,
                could_not_reach(&endpoint, &err),
                true,
            ),
            SdkError::ResponseError(_) => (
                ErrorKind::Other,
                format!("unreadable answer from {endpoint}: {}", innermost(&err)),
                true,
            ),
            _ => (
                ErrorKind::Other,
                format!("could not send the request: {}", innermost(&err)),
                false,
            ),
        };
        ConnectError {
            operation,
            kind,
            detail,
            maybe_carried_out,
        }
    }

    pub(super) fn request(operation: &'static str, err: impl std::fmt::Display) -> Self {
        ConnectError {
            operation,
            kind: ErrorKind::Other,
            detail: format!("could not build the request: {err}"),
            maybe_carried_out: false,
        }
    }
}

impl ConnectError {
    /// Whether Connect's message names `id` as a whole word (so that `q-1` is not found in `q-10`):
    /// which of the call's resources a ResourceNotFoundException is about, when the message says.
    pub fn names(&self, id: &str) -> bool {
        let part_of_id = |c: char| c.is_alphanumeric() || c == '-' || c == '_';
        let text = &self.detail;
        !id.is_empty()
            && text.match_indices(id).any(|(at, _)| {
                let before = text[..at].chars().next_back();
                let after = text[at + id.len()..].chars().next();
                !before.is_some_and(part_of_id) && !after.is_some_and(part_of_id)
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn not_found(message: &str) -> ConnectError {
        ConnectError {
            operation: "AssociateRoutingProfileQueues",
            kind: ErrorKind::NotFound,
            detail: format!("ResourceNotFoundException: {message}"),
            maybe_carried_out: false,
        }
    }

    #[test]
    fn ids_are_named_as_whole_words() {
        let error = not_found("Queue not found: q-1 in instance i-1");
        assert!(error.names("q-1"));
        assert!(error.names("i-1"));
        assert!(!not_found("Queue not found: q-10").names("q-1"));
        assert!(!not_found("Queue not found: aq-1").names("q-1"));
        assert!(!error.names(""));
    }
}
