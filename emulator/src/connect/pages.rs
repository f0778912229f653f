//! Pagination of the list calls: `maxResults` (its range checked against the model) and opaque
//! `nextToken`s.

use serde_json::Value;

use super::error::{ApiResult, invalid_param};

/// The page size of list calls that do not pass `maxResults`.
pub const DEFAULT_PAGE_SIZE: usize = 10;

/// Cuts one page out of `items`; returns it and the token of the next page, if any.
pub(super) fn page<'a, T>(
    items: &'a [T],
    max_results: Option<usize>,
    next_token: Option<&str>,
) -> ApiResult<(&'a [T], Option<String>)> {
    let size = max_results.unwrap_or(DEFAULT_PAGE_SIZE);
    let start = match next_token {
        Some(token) => decode_token(token)
            .filter(|&offset| offset <= items.len())
            .ok_or_else(|| invalid_param("Invalid nextToken"))?,
        None => 0,
    };
    let end = start.saturating_add(size).min(items.len());
    let next = (end < items.len()).then(|| encode_token(end));
    Ok((&items[start..end], next))
}

/// Adds `NextToken` to a list answer when there is a next page.
pub(super) fn with_token(mut value: Value, next: Option<String>) -> Value {
    if let (Some(token), Value::Object(map)) = (next, &mut value) {
        map.insert("NextToken".to_string(), Value::String(token));
    }
    value
}

/// Tokens are opaque to clients (an offset behind a versioned prefix); anything else a client
/// invents is rejected like the service rejects a forged token.
fn encode_token(offset: usize) -> String {
    format!("rpq1.{offset:x}")
}

fn decode_token(token: &str) -> Option<usize> {
    usize::from_str_radix(token.strip_prefix("rpq1.")?, 16).ok()
}
