//! The SDK's shapes: the model's types turned into SDK request members, and SDK answers read back.

use std::collections::BTreeMap;

use aws_sdk_connect::types as sdk;

use super::ConnectError;
use crate::model::{Channel, Concurrency, CrossChannelBehavior, Placement, QueueRef};

/// The enabled channels of a described profile.
pub(super) fn concurrency_of(reported: &[sdk::MediaConcurrency]) -> BTreeMap<Channel, Concurrency> {
    reported
        .iter()
        // A channel the profile does not serve may be reported with concurrency 0.
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
                },
            ))
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
                .build()
                .map_err(|e| ConnectError::request(op, e))
        })
        .collect()
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
        ]);
        let expected = BTreeMap::from([
            (
                Channel::Voice,
                Concurrency {
                    max_contacts: 1,
                    cross_channel: CrossChannelBehavior::RouteAnyChannel,
                },
            ),
            (
                Channel::Task,
                Concurrency {
                    max_contacts: 4,
                    cross_channel: CrossChannelBehavior::RouteCurrentChannelOnly,
                },
            ),
        ]);
        assert_eq!(read, expected);
        let sent =
            media_concurrencies("UpdateRoutingProfileConcurrency", &expected).expect("buildable");
        assert_eq!(concurrency_of(&sent), expected, "a round trip");
    }
}
