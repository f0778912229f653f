//! `QueueConfigs` and `ManualAssignmentQueueConfigs`: queue references on a channel, each
//! (queue, channel) pair at most once in each list, routed queues with their priority and delay,
//! and manual assignment only on the channels Connect allows it for.

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::ids;
use super::reader::{Reader, either, optional};
use crate::constraints;
use crate::model::{Channel, Placement, QueueRef};

/// The fields of one `QueueConfigs` entry.
const QUEUE_CONFIG_FIELDS: &[&str] = &["QueueReference", "Priority", "Delay"];
/// The fields of one `ManualAssignmentQueueConfigs` entry.
const MANUAL_QUEUE_CONFIG_FIELDS: &[&str] = &["QueueReference"];
/// The fields of a `QueueReference`.
const QUEUE_REFERENCE_FIELDS: &[&str] = &["QueueId", "Channel"];

/// `QueueConfigs`: routed queues with their placement.
pub(super) fn queue_configs(
    r: &mut Reader,
    value: &Value,
    instance_id: Option<&str>,
) -> Option<BTreeMap<QueueRef, Placement>> {
    let items = r.list("QueueConfigs", value)?;
    let mut queues = BTreeMap::new();
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        let path = format!("QueueConfigs[{i}]");
        let Some(fields) = r.object(&path, item) else {
            ok = false;
            continue;
        };
        r.known_fields(&path, fields, QUEUE_CONFIG_FIELDS);
        let queue = r
            .required_at(&path, "QueueReference", fields)
            .and_then(|v| queue_reference(r, &format!("{path}.QueueReference"), v, instance_id));
        let priority = r
            .required_at(&path, "Priority", fields)
            .and_then(|v| r.integer(&format!("{path}.Priority"), v, constraints::PRIORITY));
        // Delay defaults to 0 (route at once), as in the Connect console.
        let delay = match optional(fields, "Delay") {
            Some(v) => r.integer(&format!("{path}.Delay"), v, constraints::DELAY),
            None => Some(0),
        };
        match (queue, priority, delay) {
            (Some(queue), Some(priority), Some(delay)) => match queues.entry(queue) {
                Entry::Occupied(taken) => {
                    duplicate_pair(r, &path, taken.key());
                    ok = false;
                }
                Entry::Vacant(slot) => {
                    slot.insert(Placement { priority, delay });
                }
            },
            _ => ok = false,
        }
    }
    ok.then_some(queues)
}

/// `ManualAssignmentQueueConfigs`: queues agents pick contacts from by hand.
pub(super) fn manual_queues(
    r: &mut Reader,
    value: &Value,
    instance_id: Option<&str>,
) -> Option<BTreeSet<QueueRef>> {
    let items = r.list("ManualAssignmentQueueConfigs", value)?;
    let mut queues = BTreeSet::new();
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        let path = format!("ManualAssignmentQueueConfigs[{i}]");
        let Some(fields) = r.object(&path, item) else {
            ok = false;
            continue;
        };
        r.known_fields(&path, fields, MANUAL_QUEUE_CONFIG_FIELDS);
        let reference_path = format!("{path}.QueueReference");
        let queue = r
            .required_at(&path, "QueueReference", fields)
            .and_then(|v| queue_reference(r, &reference_path, v, instance_id));
        match queue {
            Some(queue) if !manual_channel(queue.channel) => {
                r.error(
                    &format!("{reference_path}.Channel"),
                    format!(
                        "{:?} cannot be assigned manually; use {}",
                        queue.channel.as_str(),
                        either(&constraints::MANUAL_ASSIGNMENT_CHANNELS)
                    ),
                );
                ok = false;
            }
            Some(queue) => {
                if queues.contains(&queue) {
                    duplicate_pair(r, &path, &queue);
                    ok = false;
                } else {
                    queues.insert(queue);
                }
            }
            None => ok = false,
        }
    }
    ok.then_some(queues)
}

/// Whether queues on `channel` may be assigned by hand.
fn manual_channel(channel: Channel) -> bool {
    constraints::MANUAL_ASSIGNMENT_CHANNELS.contains(&channel.as_str())
}

fn duplicate_pair(r: &mut Reader, path: &str, queue: &QueueRef) {
    r.error(
        path,
        format!(
            "queue {:?} on channel {} is listed more than once",
            queue.queue_id,
            queue.channel.as_str()
        ),
    );
}

/// A `QueueReference`: a queue (ID or ARN of the profile's instance) on a channel.
fn queue_reference(
    r: &mut Reader,
    path: &str,
    value: &Value,
    instance_id: Option<&str>,
) -> Option<QueueRef> {
    let fields = r.object(path, value)?;
    r.known_fields(path, fields, QUEUE_REFERENCE_FIELDS);
    let queue_id = r
        .required_at(path, "QueueId", fields)
        .and_then(|v| ids::queue_id(r, &format!("{path}.QueueId"), v, instance_id));
    let channel = r
        .required_at(path, "Channel", fields)
        .and_then(|v| r.one_of(&format!("{path}.Channel"), v, &Channel::ALL));
    Some(QueueRef {
        queue_id: queue_id?,
        channel: channel?,
    })
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{errors_of, valid, with};
    use crate::properties::parse;
    use serde_json::json;

    #[test]
    fn names_the_path_and_value_of_a_bad_enum() {
        let props = with(
            valid(),
            "/QueueConfigs/1/QueueReference/Channel",
            json!("FAX"),
        );
        assert_eq!(
            errors_of(props),
            [
                "QueueConfigs[1].QueueReference.Channel: \"FAX\" is not one of VOICE, CHAT, TASK, EMAIL"
            ]
        );
    }

    #[test]
    fn enforces_numeric_ranges() {
        let cases = [
            (
                "/QueueConfigs/0/Priority",
                json!("0"),
                "QueueConfigs[0].Priority: \"0\" must be between 1 and 99",
            ),
            (
                "/QueueConfigs/0/Priority",
                json!(100),
                "QueueConfigs[0].Priority: 100 must be between 1 and 99",
            ),
            (
                "/QueueConfigs/0/Priority",
                json!("1.5"),
                "QueueConfigs[0].Priority: \"1.5\" is not a whole number",
            ),
            (
                "/QueueConfigs/0/Priority",
                json!("one"),
                "QueueConfigs[0].Priority: \"one\" is not a whole number",
            ),
            (
                "/QueueConfigs/0/Delay",
                json!("-1"),
                "QueueConfigs[0].Delay: \"-1\" must be between 0 and 9999",
            ),
            (
                "/QueueConfigs/0/Delay",
                json!(10000),
                "QueueConfigs[0].Delay: 10000 must be between 0 and 9999",
            ),
        ];
        for (pointer, value, expected) in cases {
            assert_eq!(
                errors_of(with(valid(), pointer, value)),
                [expected],
                "{pointer}"
            );
        }
        for ok in [json!("99"), json!(1), json!(50)] {
            assert!(parse(&with(valid(), "/QueueConfigs/0/Priority", ok)).is_ok());
        }
    }

    #[test]
    fn rejects_duplicates_and_manual_voice() {
        let dup_queue = with(
            valid(),
            "/QueueConfigs/1",
            json!({ "QueueReference": { "QueueId": "q-voice", "Channel": "VOICE" }, "Priority": 3, "Delay": 0 }),
        );
        assert_eq!(
            errors_of(dup_queue),
            ["QueueConfigs[1]: queue \"q-voice\" on channel VOICE is listed more than once"]
        );
        let same_queue_other_channel = with(
            valid(),
            "/QueueConfigs/1/QueueReference/QueueId",
            json!("q-voice"),
        );
        assert!(parse(&same_queue_other_channel).is_ok());
        let manual_voice = with(
            valid(),
            "/ManualAssignmentQueueConfigs/0/QueueReference/Channel",
            json!("VOICE"),
        );
        assert_eq!(
            errors_of(manual_voice),
            [
                "ManualAssignmentQueueConfigs[0].QueueReference.Channel: \"VOICE\" cannot be assigned manually; use CHAT, TASK or EMAIL"
            ]
        );
        let manual_dup = with(
            valid(),
            "/ManualAssignmentQueueConfigs",
            json!([
                { "QueueReference": { "QueueId": "q-task", "Channel": "TASK" } },
                { "QueueReference": { "QueueId": "q-task", "Channel": "TASK" } }
            ]),
        );
        assert_eq!(
            errors_of(manual_dup),
            [
                "ManualAssignmentQueueConfigs[1]: queue \"q-task\" on channel TASK is listed more than once"
            ]
        );
    }

    #[test]
    fn manual_assignment_takes_every_channel_but_voice() {
        for channel in ["CHAT", "TASK", "EMAIL"] {
            let props = with(
                valid(),
                "/ManualAssignmentQueueConfigs/0/QueueReference/Channel",
                json!(channel),
            );
            assert!(parse(&props).is_ok(), "{channel}");
        }
    }
}
