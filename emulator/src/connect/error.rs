//! Connect's errors as they travel: an HTTP status, an `x-amzn-ErrorType` and a message.

/// One error answer.
#[derive(Debug)]
pub(super) struct ApiError {
    pub(super) status: u16,
    pub(super) code: &'static str,
    pub(super) message: String,
}

pub(super) type ApiResult<T> = Result<T, ApiError>;

/// An error with any status and code.
pub(super) fn err(status: u16, code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError {
        status,
        code,
        message: message.into(),
    }
}

/// A value missing or outside the rules (400).
pub(super) fn invalid_param(message: impl Into<String>) -> ApiError {
    err(400, "InvalidParameterException", message)
}

/// A request that cannot be read: not JSON, or a value of the wrong JSON type (400).
pub(super) fn invalid_request(message: impl Into<String>) -> ApiError {
    err(400, "InvalidRequestException", message)
}

/// An instance, profile, queue or ARN that does not exist (404).
pub(super) fn not_found(message: impl Into<String>) -> ApiError {
    err(404, "ResourceNotFoundException", message)
}

/// An account quota reached (429).
pub(super) fn limit_exceeded(message: impl Into<String>) -> ApiError {
    err(429, "LimitExceededException", message)
}
