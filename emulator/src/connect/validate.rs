//! What a request must satisfy before anything is looked up: the model's rules, walked from the
//! constraints table over the request's members, then the documented rules and the emulator's own
//! stricter choices (listed in the module docs of [`connect`](super)).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::error::{ApiError, ApiResult, invalid_param, invalid_request};
use super::shapes::{
    Input, ManualConfigIn, MediaConcurrencyIn, QueueConfigIn, QueueReferenceIn,
    WorkloadTypeConcurrencyIn,
};
use super::table::{CharPattern, Shape, Table, table};
use super::types::{ManualQueue, MediaConcurrency, QueueConfig, WorkloadTypeConcurrency};

/// Describe's `CrossChannelBehavior` when none was given, as the service fills it in.
pub(super) const DEFAULT_BEHAVIOR_TYPE: &str = "ROUTE_CURRENT_CHANNEL_ONLY";
/// Describe's `AgentAvailabilityTimer` when none was given, as the service fills it in.
pub(super) const DEFAULT_TIMER: &str = "TIME_SINCE_LAST_ACTIVITY";
/// The prefix no tag key may start with. The model's pattern refuses it in lower case only; the
/// emulator refuses it in any case, as AWS's tagging rules do.
const RESERVED_TAG_PREFIX: &str = "aws:";

/// Checks the request's members against the model's request shape for `operation`, if the table
/// has one. A value of the wrong JSON type anywhere is `InvalidRequestException` (the request
/// cannot be read); otherwise the first value missing or outside the rules is
/// `InvalidParameterException`.
pub(super) fn request(operation: &str, input: &Input) -> ApiResult<()> {
    let table = table();
    let Some(shape) = table.operations.get(operation) else {
        return Ok(());
    };
    let mut walk = Walk {
        table,
        problems: Vec::new(),
    };
    walk.value(shape, input.members(), "");
    let mut problems = walk.problems;
    let unreadable = problems
        .iter()
        .position(|p| p.code == "InvalidRequestException");
    match unreadable {
        Some(i) => Err(problems.swap_remove(i)),
        None if problems.is_empty() => Ok(()),
        None => Err(problems.swap_remove(0)),
    }
}

/// Collects every problem of one request.
struct Walk {
    table: &'static Table,
    problems: Vec<ApiError>,
}

impl Walk {
    fn value(&mut self, shape: &str, value: &Value, path: &str) {
        match self.table.shape(shape) {
            Shape::String {
                min,
                max,
                pattern,
                one_of,
            } => {
                let Some(text) = value.as_str() else {
                    return self.wrong_type(path, "a string");
                };
                let length = text.chars().count();
                if let Some(bounds) = outside(length, *min, *max) {
                    self.problem(format!("{path} must be {bounds} characters long"));
                }
                if let Some(one_of) = one_of.as_ref().filter(|e| !e.iter().any(|v| v == text)) {
                    self.problem(format!(
                        "{path} '{text}' is not one of {}",
                        one_of.join(", ")
                    ));
                }
                if let Some(pattern) = pattern {
                    self.pattern(pattern, text, path);
                }
            }
            Shape::Integer { min, max } => {
                let Some(n) = value.as_i64() else {
                    return self.wrong_type(path, "an integer");
                };
                if min.is_some_and(|min| n < min) || max.is_some_and(|max| n > max) {
                    let (min, max) = (min.unwrap_or(i64::MIN), max.unwrap_or(i64::MAX));
                    self.problem(format!("{path} must be between {min} and {max}, got {n}"));
                }
            }
            Shape::List { min, max, member } => {
                let Some(items) = value.as_array() else {
                    return self.wrong_type(path, "a list");
                };
                self.count(items.len(), *min, *max, path);
                for (i, item) in items.iter().enumerate() {
                    self.value(member, item, &format!("{path}[{i}]"));
                }
            }
            Shape::Map {
                min,
                max,
                key,
                value: value_shape,
            } => {
                let Some(entries) = value.as_object() else {
                    return self.wrong_type(path, "a map");
                };
                self.count(entries.len(), *min, *max, path);
                for (k, v) in entries {
                    self.value(key, &Value::String(k.clone()), &format!("{path} key"));
                    self.value(value_shape, v, &format!("{path}.{k}"));
                }
            }
            Shape::Structure { members, required } => {
                let Some(fields) = value.as_object() else {
                    return self.wrong_type(path, "an object");
                };
                let join = |member: &str| match path {
                    "" => member.to_string(),
                    _ => format!("{path}.{member}"),
                };
                for member in required {
                    if fields.get(member).is_none_or(Value::is_null) {
                        self.problem(format!("{} is required", join(member)));
                    }
                }
                for (member, shape) in members {
                    if let Some(v) = fields.get(member).filter(|v| !v.is_null()) {
                        self.value(shape, v, &join(member));
                    }
                }
            }
        }
    }

    fn pattern(&mut self, rule: &CharPattern, text: &str, path: &str) {
        let refused = rule
            .refused_prefix
            .as_deref()
            .filter(|prefix| text.starts_with(prefix));
        if let Some(prefix) = refused {
            self.problem(format!(
                "{path} '{text}' uses the reserved prefix '{prefix}'"
            ));
        } else if !rule.admits(text) {
            self.problem(format!("{path} '{text}' does not match {}", rule.text));
        }
    }

    fn count(&mut self, n: usize, min: Option<usize>, max: Option<usize>, path: &str) {
        if let Some(bounds) = outside(n, min, max) {
            self.problem(format!("{path} must contain {bounds} items, got {n}"));
        }
    }

    fn wrong_type(&mut self, path: &str, expected: &str) {
        self.problems.push(invalid_request(format!(
            "Malformed request: {path} must be {expected}"
        )));
    }

    fn problem(&mut self, message: String) {
        self.problems.push(invalid_param(message));
    }
}

/// The bounds `n` is outside of, in words, or None if it is within them.
fn outside(n: usize, min: Option<usize>, max: Option<usize>) -> Option<String> {
    let min = min.unwrap_or(0);
    if n >= min && max.is_none_or(|max| n <= max) {
        return None;
    }
    Some(match max {
        Some(max) if min > 0 => format!("between {min} and {max}"),
        Some(max) => format!("at most {max}"),
        None => format!("at least {min}"),
    })
}

/// One of two optional members must be given (a stricter choice: Connect's model makes both
/// optional).
pub(super) fn either(a: bool, b: bool, message: &str) -> ApiResult<()> {
    if a || b {
        Ok(())
    } else {
        Err(invalid_param(message))
    }
}

/// `MediaConcurrencies` as stored: at least one entry, at most one per channel, each with a
/// concurrency within its channel's documented range, its workload types, or both (the two are
/// not compared: the documentation relates them in no way).
pub(super) fn media_concurrencies(
    list: Vec<MediaConcurrencyIn>,
) -> ApiResult<Vec<MediaConcurrency>> {
    if list.is_empty() {
        return Err(invalid_param(
            "MediaConcurrencies must have at least one entry",
        ));
    }
    let per_channel = &table().documented.concurrency_per_channel.rule;
    let media = list
        .into_iter()
        .enumerate()
        .map(|(i, m)| {
            let channel = m.channel;
            // The model lets a channel leave out its Concurrency; one that gives no workload
            // types either would take no contacts, below its documented minimum.
            let concurrency = match (m.concurrency, &m.workload_type_concurrencies) {
                (Some(n), _) => Some(n),
                (None, Some(_)) => None,
                (None, None) => {
                    return Err(invalid_param(format!(
                        "MediaConcurrencies[{i}].Concurrency is required when the channel has no WorkloadTypeConcurrencies"
                    )));
                }
            };
            // Every channel of the model's enum has a documented range (the table's test says so).
            let range = per_channel.get(&channel).copied();
            let concurrency = match concurrency.map(|n| (n, i32::try_from(n))) {
                None => None,
                Some((n, Ok(stored))) if range.is_some_and(|r| (r.min..=r.max).contains(&n)) => {
                    Some(stored)
                }
                Some((n, _)) => {
                    let (min, max) = range.map_or((0, 0), |r| (r.min, r.max));
                    return Err(invalid_param(format!(
                        "Concurrency for {channel} must be between {min} and {max}, got {n}"
                    )));
                }
            };
            let behavior_type = m
                .cross_channel_behavior
                .map_or_else(|| DEFAULT_BEHAVIOR_TYPE.to_string(), |b| b.behavior_type);
            let workload_types =
                workload_types(&channel, m.workload_type_concurrencies.unwrap_or_default())?;
            Ok(MediaConcurrency {
                channel,
                concurrency,
                behavior_type,
                workload_types,
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    let mut channels: Vec<&str> = media.iter().map(|m| m.channel.as_str()).collect();
    channels.sort_unstable();
    if channels.windows(2).any(|w| w[0] == w[1]) {
        return Err(invalid_param(
            "MediaConcurrencies must have at most one entry per channel",
        ));
    }
    Ok(media)
}

/// One channel's `WorkloadTypeConcurrencies` as stored (the model already bounded the list and
/// each value): each within the channel's documented range, each workload type at most once (a
/// stricter choice: the documentation is silent).
fn workload_types(
    channel: &str,
    list: Vec<WorkloadTypeConcurrencyIn>,
) -> ApiResult<Vec<WorkloadTypeConcurrency>> {
    let range = table()
        .documented
        .workload_type_concurrency_per_channel
        .rule
        .get(channel)
        .copied();
    let mut seen = BTreeSet::new();
    list.into_iter()
        .map(|w| {
            let concurrency = match (range, i32::try_from(w.concurrency)) {
                (Some(r), Ok(n)) if (r.min..=r.max).contains(&w.concurrency) => n,
                _ => {
                    let (min, max) = range.map_or((0, 0), |r| (r.min, r.max));
                    return Err(invalid_param(format!(
                        "Concurrency of workload type {} on {channel} must be between {min} and {max}, got {}",
                        w.workload_type, w.concurrency
                    )));
                }
            };
            if !seen.insert(w.workload_type.clone()) {
                return Err(invalid_param(format!(
                    "WorkloadType {} is listed more than once for {channel}",
                    w.workload_type
                )));
            }
            Ok(WorkloadTypeConcurrency {
                workload_type: w.workload_type,
                concurrency,
                behavior_type: w
                    .cross_channel_workload_behavior
                    .and_then(|b| b.channel_workload_behavior_type),
            })
        })
        .collect()
}

/// Queue configs as stored, each (queue, channel) at most once in the list.
pub(super) fn queue_configs(list: Vec<QueueConfigIn>, field: &str) -> ApiResult<Vec<QueueConfig>> {
    let configs = list
        .into_iter()
        .map(|c| {
            let (queue_id, channel) = pair(c.queue_reference);
            // Both were range-checked against the model, which keeps them well inside i32.
            let number = |n: i64| {
                i32::try_from(n).map_err(|_| invalid_param(format!("{field}: {n} is out of range")))
            };
            Ok(QueueConfig {
                queue_id,
                channel,
                priority: number(c.priority)?,
                delay: number(c.delay)?,
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    no_duplicate_pairs(
        configs
            .iter()
            .map(|c| (c.queue_id.as_str(), c.channel.as_str())),
        field,
    )?;
    Ok(configs)
}

/// Manual-assignment queues as stored: a documented channel each, each pair at most once.
pub(super) fn manual_configs(
    list: Vec<ManualConfigIn>,
    field: &str,
) -> ApiResult<Vec<ManualQueue>> {
    let allowed = &table().documented.manual_assignment_channels.rule;
    let queues = list
        .into_iter()
        .map(|c| {
            let (queue_id, channel) = pair(c.queue_reference);
            if !allowed.contains(&channel) {
                return Err(invalid_param(format!(
                    "Manual assignment is not supported for the {channel} channel"
                )));
            }
            Ok(ManualQueue { queue_id, channel })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    no_duplicate_pairs(
        queues
            .iter()
            .map(|q| (q.queue_id.as_str(), q.channel.as_str())),
        field,
    )?;
    Ok(queues)
}

/// The references of one DisassociateRoutingProfileQueues list, each pair at most once.
pub(super) fn queue_references(
    list: Vec<QueueReferenceIn>,
    field: &str,
) -> ApiResult<Vec<(String, String)>> {
    let pairs: Vec<(String, String)> = list.into_iter().map(pair).collect();
    no_duplicate_pairs(pairs.iter().map(|(q, c)| (q.as_str(), c.as_str())), field)?;
    Ok(pairs)
}

/// The documented limit on references per DisassociateRoutingProfileQueues call, both lists
/// together, and at least one of them (a stricter choice).
pub(super) fn disassociate_count(routed: usize, manual: usize) -> ApiResult<()> {
    let max = table().documented.disassociate_references_per_call.rule.max;
    if routed + manual == 0 {
        return Err(invalid_param(
            "Either QueueReferences or ManualAssignmentQueueReferences must list a queue",
        ));
    }
    if routed + manual > max {
        return Err(invalid_param(format!(
            "DisassociateRoutingProfileQueues takes at most {max} queue references per call \
             (QueueReferences and ManualAssignmentQueueReferences together), got {}",
            routed + manual
        )));
    }
    Ok(())
}

/// The account quota of (queue, channel) pairs per profile, for each of the two lists.
pub(super) fn queue_quota() -> usize {
    table().documented.queues_per_routing_profile.rule.default
}

/// The tags a resource would hold: no key with the reserved prefix in any case, and at most the
/// model's `TagMap` size on the resource (the model limits it per call).
pub(super) fn resource_tags(tags: &BTreeMap<String, String>) -> ApiResult<()> {
    for key in tags.keys() {
        if key.to_ascii_lowercase().starts_with(RESERVED_TAG_PREFIX) {
            return Err(invalid_param(format!(
                "Tag key '{key}' uses the reserved prefix '{RESERVED_TAG_PREFIX}'"
            )));
        }
    }
    let max = table().max_items("TagMap");
    if tags.len() > max {
        return Err(invalid_param(format!(
            "A resource can have at most {max} tags"
        )));
    }
    Ok(())
}

fn pair(reference: QueueReferenceIn) -> (String, String) {
    (reference.queue_id, reference.channel)
}

fn no_duplicate_pairs<'a>(
    pairs: impl Iterator<Item = (&'a str, &'a str)>,
    field: &str,
) -> ApiResult<()> {
    let mut seen = BTreeSet::new();
    for (queue, channel) in pairs {
        if !seen.insert((queue, channel)) {
            return Err(invalid_param(format!(
                "{field} lists queue {queue} for channel {channel} more than once"
            )));
        }
    }
    Ok(())
}
