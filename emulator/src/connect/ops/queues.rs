//! The queues of a routing profile: routed queue configs and manual-assignment queues, changed
//! in place, associated, disassociated and listed.

use serde_json::{Value, json};

use super::Write;
use super::profiles::{sort_queues, updated};
use crate::connect::error::{ApiResult, invalid_param, limit_exceeded};
use crate::connect::pages::{page, with_token};
use crate::connect::shapes::{DisassociateRequest, ListQueuesRequest, QueuesRequest};
use crate::connect::types::{REGION, queue_arn};
use crate::connect::validate;
use crate::connect::view::{ReadView, WriteView};

/// `UpdateRoutingProfileQueues`: priority and delay of pairs already associated.
pub(super) fn update(view: &WriteView, req: QueuesRequest) -> ApiResult<Write> {
    // Required by the model, so present once the request has been checked.
    let configs = validate::queue_configs(req.queue_configs.unwrap_or_default(), "QueueConfigs")?;
    let (iid, pid) = (req.instance_id, req.routing_profile_id);
    let mut stored = view.profile(&iid, &pid)?.clone();
    let instance = view.instance(&iid)?;
    for c in &configs {
        instance.require_queue(&iid, &c.queue_id)?;
    }
    for c in configs {
        let Some(q) = stored
            .profile
            .queue_configs
            .iter_mut()
            .find(|q| q.queue_id == c.queue_id && q.channel == c.channel)
        else {
            return Err(invalid_param(format!(
                "Queue {} is not associated with the routing profile for channel {}",
                c.queue_id, c.channel
            )));
        };
        *q = c;
    }
    Ok(updated(stored))
}

/// `AssociateRoutingProfileQueues`: new pairs only, within the account's quota.
pub(super) fn associate(view: &WriteView, req: QueuesRequest) -> ApiResult<Write> {
    validate::either(
        req.queue_configs.is_some(),
        req.manual_assignment_queue_configs.is_some(),
        "Either QueueConfigs or ManualAssignmentQueueConfigs is required",
    )?;
    let configs = validate::queue_configs(req.queue_configs.unwrap_or_default(), "QueueConfigs")?;
    let manual = validate::manual_configs(
        req.manual_assignment_queue_configs.unwrap_or_default(),
        "ManualAssignmentQueueConfigs",
    )?;
    let (iid, pid) = (req.instance_id, req.routing_profile_id);
    let mut stored = view.profile(&iid, &pid)?.clone();
    let instance = view.instance(&iid)?;
    for queue in configs
        .iter()
        .map(|c| &c.queue_id)
        .chain(manual.iter().map(|m| &m.queue_id))
    {
        instance.require_queue(&iid, queue)?;
    }
    let profile = &mut stored.profile;
    for c in &configs {
        if profile
            .queue_configs
            .iter()
            .any(|q| q.queue_id == c.queue_id && q.channel == c.channel)
        {
            return Err(invalid_param(format!(
                "Queue {} is already associated with the routing profile for channel {}",
                c.queue_id, c.channel
            )));
        }
    }
    for m in &manual {
        if profile.manual_assignment_queues.contains(m) {
            return Err(invalid_param(format!(
                "Queue {} is already associated with the routing profile for manual assignment on channel {}",
                m.queue_id, m.channel
            )));
        }
    }
    let quota = view
        .account()
        .queue_quota
        .unwrap_or_else(validate::queue_quota);
    if profile.queue_configs.len() + configs.len() > quota
        || profile.manual_assignment_queues.len() + manual.len() > quota
    {
        return Err(limit_exceeded(format!(
            "The routing profile would exceed the quota of {quota} queues"
        )));
    }
    profile.queue_configs.extend(configs);
    profile.manual_assignment_queues.extend(manual);
    sort_queues(profile);
    Ok(updated(stored))
}

/// `DisassociateRoutingProfileQueues`: pairs that are associated, at most the documented number
/// per call.
pub(super) fn disassociate(view: &WriteView, req: DisassociateRequest) -> ApiResult<Write> {
    let refs =
        validate::queue_references(req.queue_references.unwrap_or_default(), "QueueReferences")?;
    let manual = validate::queue_references(
        req.manual_assignment_queue_references.unwrap_or_default(),
        "ManualAssignmentQueueReferences",
    )?;
    validate::disassociate_count(refs.len(), manual.len())?;
    let (iid, pid) = (req.instance_id, req.routing_profile_id);
    let mut stored = view.profile(&iid, &pid)?.clone();
    let instance = view.instance(&iid)?;
    for (queue, _) in refs.iter().chain(manual.iter()) {
        instance.require_queue(&iid, queue)?;
    }
    let profile = &mut stored.profile;
    for (queue, channel) in &refs {
        let before = profile.queue_configs.len();
        profile
            .queue_configs
            .retain(|q| !(&q.queue_id == queue && &q.channel == channel));
        if profile.queue_configs.len() == before {
            return Err(invalid_param(format!(
                "Queue {queue} is not associated with the routing profile for channel {channel}"
            )));
        }
    }
    for (queue, channel) in &manual {
        let before = profile.manual_assignment_queues.len();
        profile
            .manual_assignment_queues
            .retain(|q| !(&q.queue_id == queue && &q.channel == channel));
        if profile.manual_assignment_queues.len() == before {
            return Err(invalid_param(format!(
                "Queue {queue} is not associated with the routing profile for manual assignment on channel {channel}"
            )));
        }
    }
    Ok(updated(stored))
}

/// `ListRoutingProfileQueues`.
pub(super) fn list(view: &ReadView, req: ListQueuesRequest) -> ApiResult<Value> {
    let iid = &req.instance_id;
    let stored = view.profile(iid, &req.routing_profile_id)?;
    let configs = &stored.profile.queue_configs;
    let (items, next) = page(configs, req.max_results, req.next_token.as_deref())?;
    let list: Vec<Value> = items
        .iter()
        .map(|c| {
            json!({
                "QueueId": c.queue_id,
                "QueueArn": queue_arn(iid, &c.queue_id),
                "QueueName": view.queue_name(iid, &c.queue_id).unwrap_or_default(),
                "Priority": c.priority,
                "Delay": c.delay,
                "Channel": c.channel,
            })
        })
        .collect();
    Ok(with_token(
        json!({
            "RoutingProfileQueueConfigSummaryList": list,
            "LastModifiedTime": stored.modified,
            "LastModifiedRegion": REGION,
        }),
        next,
    ))
}

/// `ListRoutingProfileManualAssignmentQueues`.
pub(super) fn list_manual(view: &ReadView, req: ListQueuesRequest) -> ApiResult<Value> {
    let iid = &req.instance_id;
    let stored = view.profile(iid, &req.routing_profile_id)?;
    let queues = &stored.profile.manual_assignment_queues;
    let (items, next) = page(queues, req.max_results, req.next_token.as_deref())?;
    let list: Vec<Value> = items
        .iter()
        .map(|q| {
            json!({
                "QueueId": q.queue_id,
                "QueueArn": queue_arn(iid, &q.queue_id),
                "QueueName": view.queue_name(iid, &q.queue_id).unwrap_or_default(),
                "Channel": q.channel,
            })
        })
        .collect();
    Ok(with_token(
        json!({
            "RoutingProfileManualAssignmentQueueConfigSummaryList": list,
            "LastModifiedTime": stored.modified,
            "LastModifiedRegion": REGION,
        }),
        next,
    ))
}
