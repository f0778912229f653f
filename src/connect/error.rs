//! Failed Connect calls: the service's own error code and message, or what went wrong on the way
//! there, with the kind of failure the lifecycle branches on.

use aws_sdk_connect::error::{ProvideErrorMetadata, SdkError};

use super::trail::Trail;

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
}

impl ConnectError {
    /// The SDK's error in one line: Connect's code and message, or, when no answer came, the
    /// endpoint and the innermost cause (the SDK's own text is a nested debug dump).
    pub(super) fn from_sdk<E, R>(
        operation: &'static str,
        trail: &Trail,
        err: SdkError<E, R>,
    ) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug + 'static,
    {
        let endpoint = trail.endpoint();
        let (kind, detail) = match &err {
            SdkError::ServiceError(service) => {
                let e = service.err();
                let code = e.code().unwrap_or("UnknownError");
                let kind = match code {
                    "ResourceNotFoundException" => ErrorKind::NotFound,
                    "DuplicateResourceException" => ErrorKind::Duplicate,
                    "ResourceInUseException" => ErrorKind::InUse,
                    "LimitExceededException" => ErrorKind::LimitExceeded,
                    _ => ErrorKind::Other,
                };
                let message = e.message().unwrap_or("(no message)");
                (kind, format!("{code}: {message}"))
            }
            SdkError::TimeoutError(_) => (ErrorKind::Unreachable, trail.no_answer(&endpoint)),
            SdkError::DispatchFailure(_) => (
                ErrorKind::Unreachable,
                format!("could not reach {endpoint}: {}", innermost(&err)),
            ),
            SdkError::ResponseError(_) => (
                ErrorKind::Other,
                format!("unreadable answer from {endpoint}: {}", innermost(&err)),
            ),
            _ => (
                ErrorKind::Other,
                format!("could not send the request: {}", innermost(&err)),
            ),
        };
        ConnectError {
            operation,
            kind,
            detail,
        }
    }

    pub(super) fn request(operation: &'static str, err: impl std::fmt::Display) -> Self {
        ConnectError {
            operation,
            kind: ErrorKind::Other,
            detail: format!("could not build the request: {err}"),
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

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
    }
}
