//! Failed Connect calls: the service's own error code and message, or what went wrong on the way
//! there, with the kind of failure the lifecycle branches on.

use aws_sdk_connect::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

use super::ATTEMPT_TIMEOUT;

/// What kind of failure Connect reported, where the caller's decision depends on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// ResourceNotFoundException.
    NotFound,
    /// DuplicateResourceException: the name is taken in the instance.
    Duplicate,
    /// ResourceInUseException: the profile is still assigned to users.
    InUse,
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
    pub(super) fn from_sdk<E, R>(operation: &'static str, err: SdkError<E, R>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug,
    {
        let (kind, detail) = match &err {
            SdkError::ServiceError(service) => {
                let e = service.err();
                let code = e.code().unwrap_or("UnknownError");
                let kind = match code {
                    "ResourceNotFoundException" => ErrorKind::NotFound,
                    "DuplicateResourceException" => ErrorKind::Duplicate,
                    "ResourceInUseException" => ErrorKind::InUse,
                    _ => ErrorKind::Other,
                };
                let message = e.message().unwrap_or("(no message)");
                (kind, format!("{code}: {message}"))
            }
            SdkError::TimeoutError(_) => (
                ErrorKind::Other,
                format!(
                    "no answer from Amazon Connect within {}s",
                    ATTEMPT_TIMEOUT.as_secs()
                ),
            ),
            other => (
                ErrorKind::Other,
                format!(
                    "could not reach Amazon Connect: {}",
                    DisplayErrorContext(other)
                ),
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
