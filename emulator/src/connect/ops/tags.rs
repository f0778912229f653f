//! Tags of a routing profile, the only resource the emulator tags, named by its ARN.

use serde_json::{Value, json};

use super::empty;
use crate::connect::error::{ApiResult, invalid_param, not_found};
use crate::connect::shapes::{ListTagsRequest, TagRequest, UntagRequest};
use crate::connect::state::{State, Stored};
use crate::connect::validate;

/// `TagResource`: adds or overwrites, within the tags a resource may hold.
pub(super) fn tag(state: &mut State, req: TagRequest) -> ApiResult<Value> {
    validate::resource_tags(&req.tags)?;
    let stored = tagged(state, &req.resource_arn)?;
    let mut merged = stored.profile.tags.clone();
    merged.extend(req.tags);
    validate::resource_tags(&merged)?;
    stored.profile.tags = merged;
    stored.touch();
    Ok(empty())
}

/// `UntagResource`: keys the resource does not have are no error.
pub(super) fn untag(state: &mut State, req: UntagRequest) -> ApiResult<Value> {
    let stored = tagged(state, &req.resource_arn)?;
    for key in &req.tag_keys {
        stored.profile.tags.remove(key);
    }
    stored.touch();
    Ok(empty())
}

/// `ListTagsForResource`.
pub(super) fn list(state: &mut State, req: ListTagsRequest) -> ApiResult<Value> {
    let stored = tagged(state, &req.resource_arn)?;
    Ok(json!({ "tags": stored.profile.tags }))
}

/// The routing profile a tagging call's ARN names (the label arrives decoded).
fn tagged<'a>(state: &'a mut State, arn: &str) -> ApiResult<&'a mut Stored> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [prefix, _partition, service, _region, _account, resource] = parts.as_slice() else {
        return Err(invalid_param(format!("Invalid resource ARN: {arn}")));
    };
    if *prefix != "arn" || *service != "connect" {
        return Err(invalid_param(format!("Invalid resource ARN: {arn}")));
    }
    let missing = || not_found(format!("Resource not found: {arn}"));
    let segments: Vec<&str> = resource.split('/').collect();
    let ["instance", iid, "routing-profile", pid] = segments.as_slice() else {
        return Err(missing());
    };
    let found = state
        .instances
        .get_mut(*iid)
        .and_then(|i| i.profiles.get_mut(*pid))
        .filter(|s| s.profile.arn == arn);
    found.ok_or_else(missing)
}
