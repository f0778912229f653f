//! Tags of a routing profile, the only resource the emulator tags, named by its ARN.

use serde_json::{Value, json};

use super::Write;
use super::profiles::updated;
use crate::connect::error::{ApiError, ApiResult, invalid_param, not_found};
use crate::connect::shapes::{ListTagsRequest, TagRequest, UntagRequest};
use crate::connect::state::Stored;
use crate::connect::validate;
use crate::connect::view::{ReadView, WriteView};

/// `TagResource`: adds or overwrites, within the tags a resource may hold.
pub(super) fn tag(view: &WriteView, req: TagRequest) -> ApiResult<Write> {
    validate::resource_tags(&req.tags)?;
    let mut stored = tagged(&req.resource_arn, |i, p| view.profile(i, p))?.clone();
    stored.profile.tags.extend(req.tags);
    validate::resource_tags(&stored.profile.tags)?;
    Ok(updated(stored))
}

/// `UntagResource`: keys the resource does not have are no error.
pub(super) fn untag(view: &WriteView, req: UntagRequest) -> ApiResult<Write> {
    let mut stored = tagged(&req.resource_arn, |i, p| view.profile(i, p))?.clone();
    for key in &req.tag_keys {
        stored.profile.tags.remove(key);
    }
    Ok(updated(stored))
}

/// `ListTagsForResource`.
pub(super) fn list(view: &ReadView, req: ListTagsRequest) -> ApiResult<Value> {
    let stored = tagged(&req.resource_arn, |i, p| view.profile(i, p))?;
    Ok(json!({ "tags": stored.profile.tags }))
}

/// The routing profile a tagging call's ARN names (the label arrives decoded), looked up by its
/// instance and profile IDs in the caller's view.
fn tagged<'a>(
    arn: &str,
    lookup: impl FnOnce(&str, &str) -> ApiResult<&'a Stored>,
) -> ApiResult<&'a Stored> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [prefix, _partition, service, _region, _account, resource] = parts.as_slice() else {
        return Err(invalid_param(format!("Invalid resource ARN: {arn}")));
    };
    if *prefix != "arn" || *service != "connect" {
        return Err(invalid_param(format!("Invalid resource ARN: {arn}")));
    }
    let segments: Vec<&str> = resource.split('/').collect();
    let ["instance", iid, "routing-profile", pid] = segments.as_slice() else {
        return Err(missing(arn));
    };
    lookup(iid, pid)
        .ok()
        .filter(|s| s.profile.arn == arn)
        .ok_or_else(|| missing(arn))
}

/// Connect's answer for an ARN that names nothing it can tag.
fn missing(arn: &str) -> ApiError {
    not_found(format!("Resource not found: {arn}"))
}
