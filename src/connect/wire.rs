//! The SDK's shapes: the model's types turned into SDK request members, and SDK answers read back.
//!
//! One member is not the SDK's to shape: aws-sdk-connect 1.220 (the newest) models
//! `MediaConcurrency.Concurrency` as required and always sends one, where Connect's current model
//! makes it optional for a channel given by workload types. Such a channel is built with
//! [`NOT_GIVEN`], and [`OmitNotGiven`] takes that member out of the request body before it is
//! signed: the function never sends a number the template did not give.

use std::collections::BTreeMap;

use aws_sdk_connect::config::interceptors::BeforeTransmitInterceptorContextMut;
use aws_sdk_connect::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_connect::types as sdk;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_types::body::SdkBody;
use serde_json::Value;

use super::ConnectError;
use crate::model::{
    Channel, ChannelWorkloadBehavior, Concurrency, CrossChannelBehavior, Placement, QueueRef,
    WorkloadConcurrency,
};

/// The enabled channels of a described profile.
///
/// A channel the profile does not serve is reported with Concurrency 0 (the model allows 0;
/// Amazon Connect Streams' getChannelConcurrency reports disabled channels so). A channel given
/// by workload types alone is enabled whatever its own Concurrency: reported as 0 or not at all
/// (the SDK reads a missing one as 0), it is read as not given.
pub(super) fn concurrency_of(reported: &[sdk::MediaConcurrency]) -> BTreeMap<Channel, Concurrency> {
    reported
        .iter()
        .filter(|mc| mc.concurrency() > 0 || !mc.workload_type_concurrencies().is_empty())
        .filter_map(|mc| {
            let channel = parse_enum(mc.channel().as_str(), &Channel::ALL)?;
            let cross_channel = mc
                .cross_channel_behavior()
                .and_then(|b| parse_enum(b.behavior_type().as_str(), &CrossChannelBehavior::ALL))
                .unwrap_or_default();
            Some((
                channel,
                Concurrency {
                    max_contacts: (mc.concurrency() > 0).then_some(mc.concurrency()),
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
                .concurrency(c.max_contacts.unwrap_or(NOT_GIVEN))
                .cross_channel_behavior(behavior)
                .set_workload_type_concurrencies(workload_type_concurrencies(op, c)?)
                .build()
                .map_err(|e| ConnectError::request(op, e))
        })
        .collect()
}

/// What the SDK is given for a channel's Concurrency that the template leaves out. Never a value
/// the function sends: a given Concurrency is at least 1 (every channel's documented minimum), and
/// [`OmitNotGiven`] removes this one from the body.
const NOT_GIVEN: i32 = 0;

/// Removes the Concurrency the SDK always serializes from each `MediaConcurrencies` entry of a
/// CreateRoutingProfile or UpdateRoutingProfileConcurrency body that was built with [`NOT_GIVEN`]
/// (one with workload types), once, before the retry loop signs and sends it. Every call of the
/// client passes through it; only those two operations' bodies are read.
#[derive(Debug)]
pub(super) struct OmitNotGiven;

/// The operations whose bodies carry `MediaConcurrencies`.
const WITH_MEDIA_CONCURRENCIES: [&str; 2] =
    ["CreateRoutingProfile", "UpdateRoutingProfileConcurrency"];

impl Intercept for OmitNotGiven {
    fn name(&self) -> &'static str {
        "OmitNotGiven"
    }

    fn modify_before_retry_loop(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), aws_sdk_connect::error::BoxError> {
        let operation = cfg.load::<Metadata>().map(Metadata::name);
        if !operation.is_some_and(|name| WITH_MEDIA_CONCURRENCIES.contains(&name)) {
            return Ok(());
        }
        let request = context.request_mut();
        let Some(body) = request.body().bytes() else {
            return Ok(());
        };
        if let Some(body) = without_not_given(body)? {
            request
                .headers_mut()
                .insert("content-length", body.len().to_string());
            *request.body_mut() = SdkBody::from(body);
        }
        Ok(())
    }
}

/// `body` without the [`NOT_GIVEN`] Concurrency of its `MediaConcurrencies` entries that have
/// workload types; `None` when it has none.
fn without_not_given(body: &[u8]) -> Result<Option<Vec<u8>>, serde_json::Error> {
    let mut json: Value = serde_json::from_slice(body)?;
    let mut changed = false;
    let entries = json
        .get_mut("MediaConcurrencies")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object_mut);
    for entry in entries {
        if entry.contains_key("WorkloadTypeConcurrencies")
            && entry.get("Concurrency").and_then(Value::as_i64) == Some(NOT_GIVEN.into())
        {
            entry.remove("Concurrency");
            changed = true;
        }
    }
    if changed {
        serde_json::to_vec(&json).map(Some)
    } else {
        Ok(None)
    }
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
                    max_contacts: Some(1),
                    cross_channel: CrossChannelBehavior::RouteAnyChannel,
                    workload_types: BTreeMap::new(),
                },
            ),
            (
                Channel::Task,
                Concurrency {
                    max_contacts: Some(4),
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
            max_contacts: Some(3),
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
                max_contacts: Some(1),
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

    fn billing(max_contacts: i32) -> sdk::WorkloadTypeConcurrency {
        sdk::WorkloadTypeConcurrency::builder()
            .workload_type("billing")
            .concurrency(max_contacts)
            .build()
            .expect("type and concurrency set")
    }

    #[test]
    fn a_channel_given_by_workload_types_alone_is_enabled_without_its_own_concurrency() {
        let only_workloads = BTreeMap::from([(
            Channel::Chat,
            Concurrency {
                max_contacts: None,
                cross_channel: CrossChannelBehavior::RouteCurrentChannelOnly,
                workload_types: workload_types_of(&[billing(2)]),
            },
        )]);
        // Reported with Concurrency 0, or with none at all (the SDK reads that as 0 too).
        let zero = sdk::MediaConcurrency::builder()
            .channel(sdk::Channel::Chat)
            .concurrency(0)
            .workload_type_concurrencies(billing(2))
            .build()
            .expect("channel set");
        let missing = sdk::MediaConcurrency::builder()
            .channel(sdk::Channel::Chat)
            .workload_type_concurrencies(billing(2))
            .build()
            .expect("channel set");
        assert_eq!(concurrency_of(&[zero]), only_workloads);
        assert_eq!(concurrency_of(&[missing]), only_workloads);
        // Reported with a number of Connect's own: read as given (the plan does not compare it).
        let derived = sdk::MediaConcurrency::builder()
            .channel(sdk::Channel::Chat)
            .concurrency(2)
            .workload_type_concurrencies(billing(2))
            .build()
            .expect("channel set");
        assert_eq!(
            concurrency_of(&[derived])[&Channel::Chat].max_contacts,
            Some(2)
        );

        let sent = media_concurrencies("UpdateRoutingProfileConcurrency", &only_workloads)
            .expect("buildable");
        assert_eq!(sent[0].concurrency(), NOT_GIVEN);
        assert_eq!(concurrency_of(&sent), only_workloads, "a round trip");
    }

    #[test]
    fn the_not_given_concurrency_leaves_the_body_and_nothing_else_does() {
        let body = serde_json::json!({
            "Name": "Support",
            "MediaConcurrencies": [
                { "Channel": "VOICE", "Concurrency": 1 },
                { "Channel": "CHAT", "Concurrency": 0,
                  "WorkloadTypeConcurrencies": [{ "WorkloadType": "billing", "Concurrency": 2 }] },
                { "Channel": "TASK", "Concurrency": 3,
                  "WorkloadTypeConcurrencies": [{ "WorkloadType": "review", "Concurrency": 1 }] }
            ]
        });
        let bytes = serde_json::to_vec(&body).expect("JSON");
        let rewritten = without_not_given(&bytes).expect("JSON").expect("a change");
        let mut expected = body.clone();
        if let Some(chat) = expected
            .pointer_mut("/MediaConcurrencies/1")
            .and_then(Value::as_object_mut)
        {
            chat.remove("Concurrency");
        }
        assert_eq!(
            serde_json::from_slice::<Value>(&rewritten).expect("JSON"),
            expected
        );

        // A 0 without workload types is not the function's: it stays, for Connect to refuse.
        let zero =
            serde_json::json!({ "MediaConcurrencies": [{ "Channel": "CHAT", "Concurrency": 0 }] });
        let bytes = serde_json::to_vec(&zero).expect("JSON");
        assert_eq!(without_not_given(&bytes).expect("JSON"), None);
        assert_eq!(without_not_given(br#"{"Name":"x"}"#).expect("JSON"), None);
        assert!(without_not_given(b"not json").is_err());
    }
}
