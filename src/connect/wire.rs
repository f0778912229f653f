//! The SDK's shapes: the model's types turned into SDK request members, and SDK answers read back.

use std::collections::BTreeMap;

use aws_sdk_connect::types as sdk;

use super::ConnectError;
use crate::model::{
    Channel, ChannelWorkloadBehavior, Concurrency, CrossChannelBehavior, Placement, QueueRef,
    WorkloadConcurrency,
};

/// The enabled channels of a described profile.
pub(super) fn concurrency_of(reported: &[sdk::MediaConcurrency]) -> BTreeMap<Channel, Concurrency> {
    reported
        .iter()
        // A channel the profile does not serve is reported with Concurrency 0 (the model allows
        // 0; Amazon Connect Streams' getChannelConcurrency reports disabled channels so).
        .filter(|mc| mc.concurrency() > 0)
        .filter_map(|mc| {
            let channel = parse_enum(mc.channel().as_str(), &Channel::ALL)?;
            let cross_channel = mc
                .cross_channel_behavior()
                .and_then(|b| parse_enum(b.behavior_type().as_str(), &CrossChannelBehavior::ALL))
                .unwrap_or_default();
            Some((
                channel,
                Concurrency {
                    max_contacts: mc.concurrency(),
                    cross_channel,
                    workload_types: workload_types_of(mc.workload_type_concurrencies()),
                },
            ))
        })
        .collect()
}

/// A channel's workload types as described; a behavior not reported is the default the function
/// always sends, so that a profile it wrote reads back equal.
fn workload_types_of(
    reported: &[sdk::WorkloadTypeConcurrency],
) -> BTreeMap<String, WorkloadConcurrency> {
    reported
        .iter()
        .map(|w| {
            let cross_channel = w
                .cross_channel_workload_behavior()
                .and_then(|b| b.channel_workload_behavior_type())
                .and_then(|t| parse_enum(t.as_str(), &ChannelWorkloadBehavior::ALL))
                .unwrap_or_default();
            (
                w.workload_type().to_string(),
                WorkloadConcurrency {
                    max_contacts: w.concurrency(),
                    cross_channel,
                },
            )
        })
        .collect()
}

/// The model value with this Connect spelling, if there is one.
pub(super) fn parse_enum<T: Copy>(text: &str, choices: &[(&str, T)]) -> Option<T> {
    choices
        .iter()
        .find(|(name, _)| *name == text)
        .map(|(_, v)| *v)
}

fn queue_reference(
    op: &'static str,
    queue: &QueueRef,
) -> Result<sdk::RoutingProfileQueueReference, ConnectError> {
    sdk::RoutingProfileQueueReference::builder()
        .queue_id(&queue.queue_id)
        .channel(sdk::Channel::from(queue.channel.as_str()))
        .build()
        .map_err(|e| ConnectError::request(op, e))
}

pub(super) fn queue_references(
    op: &'static str,
    queues: &[QueueRef],
) -> Result<Vec<sdk::RoutingProfileQueueReference>, ConnectError> {
    queues.iter().map(|q| queue_reference(op, q)).collect()
}

pub(super) fn queue_configs(
    op: &'static str,
    queues: &[(QueueRef, Placement)],
) -> Result<Vec<sdk::RoutingProfileQueueConfig>, ConnectError> {
    queues
        .iter()
        .map(|(queue, placement)| {
            sdk::RoutingProfileQueueConfig::builder()
                .queue_reference(queue_reference(op, queue)?)
                .priority(placement.priority)
                .delay(placement.delay)
                .build()
                .map_err(|e| ConnectError::request(op, e))
        })
        .collect()
}

pub(super) fn manual_configs(
    op: &'static str,
    queues: &[QueueRef],
) -> Result<Vec<sdk::RoutingProfileManualAssignmentQueueConfig>, ConnectError> {
    queues
        .iter()
        .map(|queue| {
            Ok(sdk::RoutingProfileManualAssignmentQueueConfig::builder()
                .queue_reference(queue_reference(op, queue)?)
                .build())
        })
        .collect()
}

pub(super) fn media_concurrencies(
    op: &'static str,
    concurrency: &BTreeMap<Channel, Concurrency>,
) -> Result<Vec<sdk::MediaConcurrency>, ConnectError> {
    concurrency
        .iter()
        .map(|(channel, c)| {
            let behavior = sdk::CrossChannelBehavior::builder()
                .behavior_type(sdk::BehaviorType::from(c.cross_channel.as_str()))
                .build()
                .map_err(|e| ConnectError::request(op, e))?;
            sdk::MediaConcurrency::builder()
                .channel(sdk::Channel::from(channel.as_str()))
                .concurrency(c.max_contacts)
                .cross_channel_behavior(behavior)
                .set_workload_type_concurrencies(workload_type_concurrencies(op, c)?)
                .build()
                .map_err(|e| ConnectError::request(op, e))
        })
        .collect()
}

/// A channel's workload types for the wire; `None` when it has none (the model's list takes 1-5).
fn workload_type_concurrencies(
    op: &'static str,
    concurrency: &Concurrency,
) -> Result<Option<Vec<sdk::WorkloadTypeConcurrency>>, ConnectError> {
    if concurrency.workload_types.is_empty() {
        return Ok(None);
    }
    concurrency
        .workload_types
        .iter()
        .map(|(workload_type, w)| {
            let behavior = sdk::CrossChannelWorkloadBehavior::builder()
                .channel_workload_behavior_type(sdk::ChannelWorkloadBehaviorType::from(
                    w.cross_channel.as_str(),
                ))
                .build();
            sdk::WorkloadTypeConcurrency::builder()
                .workload_type(workload_type)
                .concurrency(w.max_contacts)
                .cross_channel_workload_behavior(behavior)
                .build()
                .map_err(|e| ConnectError::request(op, e))
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reported(channel: &str, concurrency: i32, behavior: Option<&str>) -> sdk::MediaConcurrency {
        let mut builder = sdk::MediaConcurrency::builder()
            .channel(sdk::Channel::from(channel))
            .concurrency(concurrency);
        if let Some(behavior) = behavior {
            builder = builder.cross_channel_behavior(
                sdk::CrossChannelBehavior::builder()
                    .behavior_type(sdk::BehaviorType::from(behavior))
                    .build()
                    .expect("behavior type set"),
            );
        }
        builder.build().expect("channel and concurrency set")
    }

    #[test]
    fn channels_reported_with_no_concurrency_are_not_enabled() {
        let read = concurrency_of(&[
            reported("VOICE", 1, Some("ROUTE_ANY_CHANNEL")),
            reported("CHAT", 0, None),
            reported("FAX", 2, None),
            reported("TASK", 4, None),
            reported("EMAIL", 0, None),
        ]);
        let expected = BTreeMap::from([
            (
                Channel::Voice,
                Concurrency {
                    max_contacts: 1,
                    cross_channel: CrossChannelBehavior::RouteAnyChannel,
                    workload_types: BTreeMap::new(),
                },
            ),
            (
                Channel::Task,
                Concurrency {
                    max_contacts: 4,
                    cross_channel: CrossChannelBehavior::RouteCurrentChannelOnly,
                    workload_types: BTreeMap::new(),
                },
            ),
        ]);
        assert_eq!(read, expected);
        let sent =
            media_concurrencies("UpdateRoutingProfileConcurrency", &expected).expect("buildable");
        assert_eq!(concurrency_of(&sent), expected, "a round trip");
    }

    #[test]
    fn workload_types_travel_and_read_back() {
        let workload = |max_contacts, cross_channel| WorkloadConcurrency {
            max_contacts,
            cross_channel,
        };
        let chat = Concurrency {
            max_contacts: 3,
            cross_channel: CrossChannelBehavior::RouteCurrentChannelOnly,
            workload_types: BTreeMap::from([
                (
                    "billing".to_string(),
                    workload(2, ChannelWorkloadBehavior::RouteAnyChannelAnyWorkloadType),
                ),
                (
                    "sales".to_string(),
                    workload(1, ChannelWorkloadBehavior::default()),
                ),
            ]),
        };
        let desired = BTreeMap::from([(Channel::Chat, chat)]);
        let sent = media_concurrencies("CreateRoutingProfile", &desired).expect("buildable");
        let on_wire = sent[0].workload_type_concurrencies();
        assert_eq!(on_wire.len(), 2);
        assert!(
            on_wire
                .iter()
                .all(|w| w.cross_channel_workload_behavior().is_some()),
            "the default behavior is sent, not left to Connect"
        );
        assert_eq!(concurrency_of(&sent), desired, "a round trip");

        let none = BTreeMap::from([(
            Channel::Voice,
            Concurrency {
                max_contacts: 1,
                cross_channel: CrossChannelBehavior::RouteCurrentChannelOnly,
                workload_types: BTreeMap::new(),
            },
        )]);
        let sent = media_concurrencies("CreateRoutingProfile", &none).expect("buildable");
        assert!(
            sent[0].workload_type_concurrencies.is_none(),
            "an empty list is never sent"
        );

        let bare = sdk::WorkloadTypeConcurrency::builder()
            .workload_type("callback")
            .concurrency(1)
            .build()
            .expect("type and concurrency set");
        assert_eq!(
            workload_types_of(&[bare])["callback"],
            workload(1, ChannelWorkloadBehavior::default()),
            "a behavior not reported reads as the default the function sends"
        );
    }
}
