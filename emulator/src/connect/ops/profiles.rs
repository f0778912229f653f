//! Routing profiles themselves: create, describe, delete, the four updates of their settings, and
//! the instance's list of them.

use serde_json::{Value, json};

use super::empty;
use crate::connect::error::{ApiError, ApiResult, err, invalid_request, limit_exceeded};
use crate::connect::handle::{
    MAX_PROFILES_PER_INSTANCE, Profile, REGION, WorkloadTypeConcurrency, routing_profile_arn,
};
use crate::connect::pages::{page, with_token};
use crate::connect::shapes::{
    CreateRequest, ListProfilesRequest, ProfileRequest, UpdateConcurrencyRequest,
    UpdateDefaultOutboundQueueRequest, UpdateNameRequest, UpdateTimerRequest,
};
use crate::connect::state::{State, Stored, now_epoch};
use crate::connect::table::table;
use crate::connect::validate::{self, DEFAULT_TIMER};

pub(super) fn create(state: &mut State, req: CreateRequest) -> ApiResult<Value> {
    let iid = req.instance_id;
    let media = validate::media_concurrencies(req.media_concurrencies)?;
    let configs = validate::queue_configs(req.queue_configs.unwrap_or_default(), "QueueConfigs")?;
    let manual = validate::manual_configs(
        req.manual_assignment_queue_configs.unwrap_or_default(),
        "ManualAssignmentQueueConfigs",
    )?;
    let tags = req.tags.unwrap_or_default();
    validate::resource_tags(&tags)?;

    let instance = state.instance(&iid)?;
    instance.require_queue(&iid, &req.default_outbound_queue_id)?;
    for queue in configs
        .iter()
        .map(|c| &c.queue_id)
        .chain(manual.iter().map(|m| &m.queue_id))
    {
        instance.require_queue(&iid, queue)?;
    }
    if instance
        .profiles
        .values()
        .any(|s| s.profile.name == req.name)
    {
        return Err(duplicate(&req.name));
    }
    if instance.profiles.len() >= MAX_PROFILES_PER_INSTANCE {
        return Err(limit_exceeded(format!(
            "The instance already has {MAX_PROFILES_PER_INSTANCE} routing profiles"
        )));
    }
    // Counted only on success so IDs stay predictable in tests: the Nth profile created is N.
    state.next_id += 1;
    let id = format!("00000000-0000-4000-8000-{:012}", state.next_id);
    let arn = routing_profile_arn(&iid, &id);
    let mut profile = Profile {
        instance_id: iid.clone(),
        id: id.clone(),
        arn: arn.clone(),
        name: req.name,
        description: req.description,
        default_outbound_queue_id: req.default_outbound_queue_id,
        media_concurrencies: media,
        agent_availability_timer: req
            .agent_availability_timer
            .unwrap_or_else(|| DEFAULT_TIMER.to_string()),
        queue_configs: configs,
        manual_assignment_queues: manual,
        tags,
        users: 0,
        is_default: false,
    };
    sort_queues(&mut profile);
    let stored = Stored {
        profile,
        modified: now_epoch(),
    };
    state.instance(&iid)?.profiles.insert(id.clone(), stored);
    Ok(json!({ "RoutingProfileArn": arn, "RoutingProfileId": id }))
}

pub(super) fn describe(state: &mut State, req: ProfileRequest) -> ApiResult<Value> {
    let instance = state.instance(&req.instance_id)?;
    let stored = instance.profile_mut(&req.instance_id, &req.routing_profile_id)?;
    Ok(json!({ "RoutingProfile": describe_json(stored) }))
}

pub(super) fn delete(state: &mut State, req: ProfileRequest) -> ApiResult<Value> {
    let pid = req.routing_profile_id;
    let instance = state.instance(&req.instance_id)?;
    let profile = &instance.profile_mut(&req.instance_id, &pid)?.profile;
    if profile.is_default {
        // Connect does not document this answer; any refusal will do, the function never asks.
        return Err(invalid_request(format!(
            "RoutingProfile {pid} is the instance's default routing profile and cannot be deleted"
        )));
    }
    let users = profile.users;
    if users > 0 {
        return Err(err(
            409,
            "ResourceInUseException",
            format!("RoutingProfile {pid} cannot be deleted: it is assigned to {users} users"),
        ));
    }
    instance.profiles.remove(&pid);
    Ok(empty())
}

pub(super) fn update_name(state: &mut State, req: UpdateNameRequest) -> ApiResult<Value> {
    validate::either(
        req.name.is_some(),
        req.description.is_some(),
        "Either Name or Description is required",
    )?;
    let (iid, pid) = (req.instance_id, req.routing_profile_id);
    let instance = state.instance(&iid)?;
    instance.profile_mut(&iid, &pid)?;
    if let Some(name) = &req.name {
        let taken = instance
            .profiles
            .iter()
            .any(|(id, s)| *id != pid && &s.profile.name == name);
        if taken {
            return Err(duplicate(name));
        }
    }
    let stored = instance.profile_mut(&iid, &pid)?;
    if let Some(name) = req.name {
        stored.profile.name = name;
    }
    if let Some(description) = req.description {
        stored.profile.description = description;
    }
    stored.touch();
    Ok(empty())
}

/// Replaces the whole set: a channel left out is removed from the profile.
pub(super) fn update_concurrency(
    state: &mut State,
    req: UpdateConcurrencyRequest,
) -> ApiResult<Value> {
    let media = validate::media_concurrencies(req.media_concurrencies)?;
    let stored = state
        .instance(&req.instance_id)?
        .profile_mut(&req.instance_id, &req.routing_profile_id)?;
    stored.profile.media_concurrencies = media;
    stored.touch();
    Ok(empty())
}

pub(super) fn update_default_queue(
    state: &mut State,
    req: UpdateDefaultOutboundQueueRequest,
) -> ApiResult<Value> {
    let (iid, pid) = (req.instance_id, req.routing_profile_id);
    let instance = state.instance(&iid)?;
    instance.profile_mut(&iid, &pid)?;
    instance.require_queue(&iid, &req.default_outbound_queue_id)?;
    let stored = instance.profile_mut(&iid, &pid)?;
    stored.profile.default_outbound_queue_id = req.default_outbound_queue_id;
    stored.touch();
    Ok(empty())
}

pub(super) fn update_timer(state: &mut State, req: UpdateTimerRequest) -> ApiResult<Value> {
    let stored = state
        .instance(&req.instance_id)?
        .profile_mut(&req.instance_id, &req.routing_profile_id)?;
    stored.profile.agent_availability_timer = req.agent_availability_timer;
    stored.touch();
    Ok(empty())
}

/// `ListRoutingProfiles`, by name.
pub(super) fn list(state: &mut State, req: ListProfilesRequest) -> ApiResult<Value> {
    let instance = state.instance(&req.instance_id)?;
    let mut all: Vec<&Stored> = instance.profiles.values().collect();
    all.sort_by(|a, b| (&a.profile.name, &a.profile.id).cmp(&(&b.profile.name, &b.profile.id)));
    let (items, next) = page(&all, req.max_results, req.next_token.as_deref())?;
    let list: Vec<Value> = items
        .iter()
        .map(|s| {
            json!({
                "Id": s.profile.id,
                "Arn": s.profile.arn,
                "Name": s.profile.name,
                "LastModifiedTime": s.modified,
                "LastModifiedRegion": REGION,
            })
        })
        .collect();
    Ok(with_token(
        json!({ "RoutingProfileSummaryList": list }),
        next,
    ))
}

fn workload_json(w: &WorkloadTypeConcurrency) -> Value {
    let mut entry = json!({ "WorkloadType": w.workload_type, "Concurrency": w.concurrency });
    if let Some(behavior) = &w.behavior_type {
        entry["CrossChannelWorkloadBehavior"] = json!({ "ChannelWorkloadBehaviorType": behavior });
    }
    entry
}

/// Keeps both queue lists in (queue ID, channel) order, the order the list calls answer in.
pub(super) fn sort_queues(profile: &mut Profile) {
    profile
        .queue_configs
        .sort_by(|a, b| (&a.queue_id, &a.channel).cmp(&(&b.queue_id, &b.channel)));
    profile
        .manual_assignment_queues
        .sort_by(|a, b| (&a.queue_id, &a.channel).cmp(&(&b.queue_id, &b.channel)));
}

fn duplicate(name: &str) -> ApiError {
    err(
        409,
        "DuplicateResourceException",
        format!("A routing profile named '{name}' already exists in this instance"),
    )
}

fn describe_json(stored: &Stored) -> Value {
    let p = &stored.profile;
    let mut media: Vec<Value> = p
        .media_concurrencies
        .iter()
        .map(|m| {
            let mut entry = json!({
                "Channel": m.channel,
                "Concurrency": m.concurrency,
                "CrossChannelBehavior": { "BehaviorType": m.behavior_type },
            });
            if !m.workload_types.is_empty() {
                entry["WorkloadTypeConcurrencies"] =
                    m.workload_types.iter().map(workload_json).collect();
            }
            entry
        })
        .collect();
    // Every channel the profile does not serve, reported as not enabled (Concurrency 0).
    let enabled = |channel: &str| p.media_concurrencies.iter().any(|m| m.channel == channel);
    media.extend(
        table()
            .enum_values("Channel")
            .iter()
            .filter(|channel| !enabled(channel))
            .map(|channel| json!({ "Channel": channel, "Concurrency": 0 })),
    );
    json!({
        "InstanceId": p.instance_id,
        "Name": p.name,
        "RoutingProfileArn": p.arn,
        "RoutingProfileId": p.id,
        "Description": p.description,
        "MediaConcurrencies": media,
        "DefaultOutboundQueueId": p.default_outbound_queue_id,
        "Tags": p.tags,
        "NumberOfAssociatedQueues": p.queue_configs.len(),
        "NumberOfAssociatedManualAssignmentQueues": p.manual_assignment_queues.len(),
        "NumberOfAssociatedUsers": p.users,
        "AgentAvailabilityTimer": p.agent_availability_timer,
        "LastModifiedTime": stored.modified,
        "LastModifiedRegion": REGION,
        "IsDefault": p.is_default,
    })
}
