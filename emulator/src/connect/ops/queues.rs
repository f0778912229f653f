//! The queues of a routing profile: routed queue configs and manual-assignment queues, changed
//! in place, associated, disassociated and listed.

use serde_json::{Value, json};

use super::empty;
use super::profiles::sort_queues;
use crate::connect::error::{ApiResult, invalid_param, limit_exceeded};
use crate::connect::handle::{REGION, queue_arn};
use crate::connect::pages::{page, with_token};
use crate::connect::shapes::{DisassociateRequest, ListQueuesRequest, QueuesRequest};
use crate::connect::state::State;
use crate::connect::validate;

/// `UpdateRoutingProfileQueues`: priority and delay of pairs already associated.
pub(super) fn update(state: &mut State, req: QueuesRequest) -> ApiResult<Value> {
    // Required by the model, so present once the request has been checked.
    let configs = validate::queue_configs(req.queue_configs.unwrap_or_default(), "QueueConfigs")?;
    let (iid, pid) = (req.instance_id, req.routing_profile_id);
    let instance = state.instance(&iid)?;
    instance.profile_mut(&iid, &pid)?;
    for c in &configs {
        instance.require_queue(&iid, &c.queue_id)?;
    }
    let stored = instance.profile_mut(&iid, &pid)?;
    for c in &configs {
        if !stored
            .profile
            .queue_configs
            .iter()
            .any(|q| q.queue_id == c.queue_id && q.channel == c.channel)
        {
            return Err(invalid_param(format!(
                "Queue {} is not associated with the routing profile for channel {}",
                c.queue_id, c.channel
            )));
        }
    }
    for c in configs {
        if let Some(q) = stored
            .profile
            .queue_configs
            .iter_mut()
            .find(|q| q.queue_id == c.queue_id && q.channel == c.channel)
        {
            *q = c;
        }
    }
    stored.touch();
    Ok(empty())
}

/// `AssociateRoutingProfileQueues`: new pairs only, within the account's quota.
pub(super) fn associate(state: &mut State, req: QueuesRequest) -> ApiResult<Value> {
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
    let quota = state.queue_quota;
    let instance = state.instance(&iid)?;
    instance.profile_mut(&iid, &pid)?;
    for queue in configs
        .iter()
        .map(|c| &c.queue_id)
        .chain(manual.iter().map(|m| &m.queue_id))
    {
        instance.require_queue(&iid, queue)?;
    }
    let stored = instance.profile_mut(&iid, &pid)?;
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
    let quota = quota.unwrap_or_else(validate::queue_quota);
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
    stored.touch();
    Ok(empty())
}

/// `DisassociateRoutingProfileQueues`: pairs that are associated, at most the documented number
/// per call.
pub(super) fn disassociate(state: &mut State, req: DisassociateRequest) -> ApiResult<Value> {
    let refs =
        validate::queue_references(req.queue_references.unwrap_or_default(), "QueueReferences")?;
    let manual = validate::queue_references(
        req.manual_assignment_queue_references.unwrap_or_default(),
        "ManualAssignmentQueueReferences",
    )?;
    validate::disassociate_count(refs.len(), manual.len())?;
    let (iid, pid) = (req.instance_id, req.routing_profile_id);
    let instance = state.instance(&iid)?;
    instance.profile_mut(&iid, &pid)?;
    for (queue, _) in refs.iter().chain(manual.iter()) {
        instance.require_queue(&iid, queue)?;
    }
    let stored = instance.profile_mut(&iid, &pid)?;
    let profile = &mut stored.profile;
    for (queue, channel) in &refs {
        if !profile
            .queue_configs
            .iter()
            .any(|q| &q.queue_id == queue && &q.channel == channel)
        {
            return Err(invalid_param(format!(
                "Queue {queue} is not associated with the routing profile for channel {channel}"
            )));
        }
    }
    for (queue, channel) in &manual {
        if !profile
            .manual_assignment_queues
            .iter()
            .any(|q| &q.queue_id == queue && &q.channel == channel)
        {
            return Err(invalid_param(format!(
                "Queue {queue} is not associated with the routing profile for manual assignment on channel {channel}"
            )));
        }
    }
    profile.queue_configs.retain(|q| {
        !refs
            .iter()
            .any(|(qid, ch)| qid == &q.queue_id && ch == &q.channel)
    });
    profile.manual_assignment_queues.retain(|q| {
        !manual
            .iter()
            .any(|(qid, ch)| qid == &q.queue_id && ch == &q.channel)
    });
    stored.touch();
    Ok(empty())
}

/// `ListRoutingProfileQueues`.
pub(super) fn list(state: &mut State, req: ListQueuesRequest) -> ApiResult<Value> {
    let iid = &req.instance_id;
    let instance = state.instance(iid)?;
    let stored = instance.profile_mut(iid, &req.routing_profile_id)?;
    let (configs, modified) = (stored.profile.queue_configs.clone(), stored.modified);
    let (items, next) = page(&configs, req.max_results, req.next_token.as_deref())?;
    let list: Vec<Value> = items
        .iter()
        .map(|c| {
            json!({
                "QueueId": c.queue_id,
                "QueueArn": queue_arn(iid, &c.queue_id),
                "QueueName": instance.queues.get(&c.queue_id).cloned().unwrap_or_default(),
                "Priority": c.priority,
                "Delay": c.delay,
                "Channel": c.channel,
            })
        })
        .collect();
    Ok(with_token(
        json!({
            "RoutingProfileQueueConfigSummaryList": list,
            "LastModifiedTime": modified,
            "LastModifiedRegion": REGION,
        }),
        next,
    ))
}

/// `ListRoutingProfileManualAssignmentQueues`.
pub(super) fn list_manual(state: &mut State, req: ListQueuesRequest) -> ApiResult<Value> {
    let iid = &req.instance_id;
    let instance = state.instance(iid)?;
    let stored = instance.profile_mut(iid, &req.routing_profile_id)?;
    let (queues, modified) = (
        stored.profile.manual_assignment_queues.clone(),
        stored.modified,
    );
    let (items, next) = page(&queues, req.max_results, req.next_token.as_deref())?;
    let list: Vec<Value> = items
        .iter()
        .map(|q| {
            json!({
                "QueueId": q.queue_id,
                "QueueArn": queue_arn(iid, &q.queue_id),
                "QueueName": instance.queues.get(&q.queue_id).cloned().unwrap_or_default(),
                "Channel": q.channel,
            })
        })
        .collect();
    Ok(with_token(
        json!({
            "RoutingProfileManualAssignmentQueueConfigSummaryList": list,
            "LastModifiedTime": modified,
            "LastModifiedRegion": REGION,
        }),
        next,
    ))
}
