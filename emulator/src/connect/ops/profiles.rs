//! Routing profiles themselves: create, describe, delete, the four updates of their settings, and
//! the instance's list of them.

use serde_json::{Value, json};

use super::Write;
use crate::connect::error::{ApiError, ApiResult, err, invalid_request, limit_exceeded};
use crate::connect::pages::{page, with_token};
use crate::connect::shapes::{
    CreateRequest, ListProfilesRequest, ProfileRequest, UpdateConcurrencyRequest,
    UpdateDefaultOutboundQueueRequest, UpdateNameRequest, UpdateTimerRequest,
};
use crate::connect::state::{Change, Stored, now_epoch};
use crate::connect::table::table;
use crate::connect::types::{
    MAX_PROFILES_PER_INSTANCE, Profile, REGION, WorkloadTypeConcurrency, routing_profile_arn,
};
use crate::connect::validate::{self, DEFAULT_TIMER};
use crate::connect::view::{ReadView, WriteView};

pub(super) fn create(view: &WriteView, req: CreateRequest) -> ApiResult<Write> {
    let iid = req.instance_id;
    let media = validate::media_concurrencies(req.media_concurrencies)?;
    let configs = validate::queue_configs(req.queue_configs.unwrap_or_default(), "QueueConfigs")?;
    let manual = validate::manual_configs(
        req.manual_assignment_queue_configs.unwrap_or_default(),
        "ManualAssignmentQueueConfigs",
    )?;
    let tags = req.tags.unwrap_or_default();
    validate::resource_tags(&tags)?;

    let instance = view.instance(&iid)?;
    instance.require_queue(&iid, &req.default_outbound_queue_id)?;
    for queue in configs
        .iter()
        .map(|c| &c.queue_id)
        .chain(manual.iter().map(|m| &m.queue_id))
    {
        instance.require_queue(&iid, queue)?;
    }
    // Names are checked against the profiles as they are, read lag or not: a name is taken as soon
    // as its Create succeeds.
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
    // Taken only on success so IDs stay predictable in tests: the Nth profile created is N.
    let id = view.account().next_profile_id();
    let arn = routing_profile_arn(&iid, &id);
    let mut profile = Profile {
        instance_id: iid,
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
    Ok(Write {
        answer: json!({ "RoutingProfileArn": arn, "RoutingProfileId": id }),
        change: Change::Create(stored),
    })
}

pub(super) fn describe(view: &ReadView, req: ProfileRequest) -> ApiResult<Value> {
    let stored = view.profile(&req.instance_id, &req.routing_profile_id)?;
    Ok(json!({ "RoutingProfile": describe_json(stored) }))
}

pub(super) fn delete(view: &WriteView, req: ProfileRequest) -> ApiResult<Write> {
    let (iid, pid) = (req.instance_id, req.routing_profile_id);
    let profile = &view.profile(&iid, &pid)?.profile;
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
    Ok(Write::quiet(Change::Delete {
        instance_id: iid,
        profile_id: pid,
    }))
}

pub(super) fn update_name(view: &WriteView, req: UpdateNameRequest) -> ApiResult<Write> {
    validate::either(
        req.name.is_some(),
        req.description.is_some(),
        "Either Name or Description is required",
    )?;
    let (iid, pid) = (req.instance_id, req.routing_profile_id);
    let mut stored = view.profile(&iid, &pid)?.clone();
    if let Some(name) = &req.name {
        let taken = view
            .instance(&iid)?
            .profiles
            .iter()
            .any(|(id, s)| *id != pid && &s.profile.name == name);
        if taken {
            return Err(duplicate(name));
        }
    }
    if let Some(name) = req.name {
        stored.profile.name = name;
    }
    if let Some(description) = req.description {
        stored.profile.description = description;
    }
    Ok(updated(stored))
}

/// Replaces the whole set: a channel left out is removed from the profile.
pub(super) fn update_concurrency(
    view: &WriteView,
    req: UpdateConcurrencyRequest,
) -> ApiResult<Write> {
    let media = validate::media_concurrencies(req.media_concurrencies)?;
    let mut stored = view
        .profile(&req.instance_id, &req.routing_profile_id)?
        .clone();
    stored.profile.media_concurrencies = media;
    Ok(updated(stored))
}

pub(super) fn update_default_queue(
    view: &WriteView,
    req: UpdateDefaultOutboundQueueRequest,
) -> ApiResult<Write> {
    let (iid, pid) = (req.instance_id, req.routing_profile_id);
    let mut stored = view.profile(&iid, &pid)?.clone();
    view.instance(&iid)?
        .require_queue(&iid, &req.default_outbound_queue_id)?;
    stored.profile.default_outbound_queue_id = req.default_outbound_queue_id;
    Ok(updated(stored))
}

pub(super) fn update_timer(view: &WriteView, req: UpdateTimerRequest) -> ApiResult<Write> {
    let mut stored = view
        .profile(&req.instance_id, &req.routing_profile_id)?
        .clone();
    stored.profile.agent_availability_timer = req.agent_availability_timer;
    Ok(updated(stored))
}

/// `ListRoutingProfiles`, by name.
pub(super) fn list(view: &ReadView, req: ListProfilesRequest) -> ApiResult<Value> {
    let mut all = view.profiles(&req.instance_id)?;
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

/// A write that leaves the profile as `stored`, changed now.
pub(super) fn updated(mut stored: Stored) -> Write {
    stored.touch();
    Write::quiet(Change::Update(stored))
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
                "CrossChannelBehavior": { "BehaviorType": m.behavior_type },
            });
            // A channel given by its workload types alone is described as it was given.
            if let Some(concurrency) = m.concurrency {
                entry["Concurrency"] = json!(concurrency);
            }
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
