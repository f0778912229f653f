//! What to change: a pure function from the desired profile and the live one to the Connect write
//! calls that make the live one desired, in an order that fits Connect's limits at every step.
//!
//! The same function finishes a Create: the profile is created with what fits in one
//! CreateRoutingProfile call ([`create_request`]) and [`update`] plans the rest from there.
//!
//! Two limits apply to the profile as a whole, not to one call: the tags on it (50) and the
//! account's quota of queues per profile. Adding before removing keeps every queue that stays
//! answered and a replaced one answered by its successor first, but it briefly holds the old and
//! the new together, which can pass either limit although the end state fits. Tags are counted
//! here (the plan removes first when adding first would pass 50); the queue quota is the
//! account's and unknown here, so the caller re-plans with [`Order::RemoveFirst`] when Connect
//! answers an association with LimitExceededException.

use std::collections::BTreeMap;

use crate::constraints::{
    DISASSOCIATE_REFERENCES_PER_CALL, QUEUE_CONFIGS_PER_CALL, TAG_KEY_LIST, TAG_MAP,
};
use crate::lifecycle::ownership::RESERVED_TAG_PREFIX;
use crate::model::{
    AgentAvailabilityTimer, Channel, Concurrency, Placement, ProfileState, QueueRef,
};

/// Connect accepts at most this many queue configs of each list in one call.
pub const BATCH: usize = QUEUE_CONFIGS_PER_CALL.max;

/// Whether queues are added before or after the ones that go are removed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    /// Associate, update in place, then disassociate: no queue that stays, and no contact of a
    /// replaced queue, goes unanswered for a moment. The default.
    AddFirst,
    /// Disassociate, then associate and update: never holds more queues than the start or the end
    /// state, at the cost of a window in which removed queues are gone and added ones not yet there.
    RemoveFirst,
}

/// One Connect write call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Operation {
    /// UpdateRoutingProfileName (name and description together).
    UpdateName {
        /// The new name.
        name: String,
        /// The new description.
        description: String,
    },
    /// UpdateRoutingProfileDefaultOutboundQueue.
    UpdateDefaultOutboundQueue {
        /// Plain queue ID.
        queue_id: String,
    },
    /// UpdateRoutingProfileConcurrency: always the full set.
    UpdateConcurrency {
        /// Every enabled channel.
        concurrency: BTreeMap<Channel, Concurrency>,
    },
    /// UpdateRoutingProfileAgentAvailabilityTimer.
    UpdateAgentAvailabilityTimer {
        /// The new timer.
        timer: AgentAvailabilityTimer,
    },
    /// AssociateRoutingProfileQueues: at most [`BATCH`] of each kind.
    Associate {
        /// Routed queues to add.
        queues: Vec<(QueueRef, Placement)>,
        /// Manual-assignment queues to add.
        manual: Vec<QueueRef>,
    },
    /// UpdateRoutingProfileQueues: priority and delay in place, at most [`BATCH`].
    UpdateQueues {
        /// Already associated queues with their new placement.
        queues: Vec<(QueueRef, Placement)>,
    },
    /// DisassociateRoutingProfileQueues: at most
    /// [`DISASSOCIATE_REFERENCES_PER_CALL`] references, both kinds together.
    Disassociate {
        /// Routed queues to remove.
        queues: Vec<QueueRef>,
        /// Manual-assignment queues to remove.
        manual: Vec<QueueRef>,
    },
    /// TagResource: added and changed tags.
    Tag {
        /// Keys and their new values.
        tags: BTreeMap<String, String>,
    },
    /// UntagResource: removed tag keys.
    Untag {
        /// Keys to remove.
        keys: Vec<String>,
    },
}

impl Operation {
    /// The Connect API operation this becomes.
    pub fn api_name(&self) -> &'static str {
        match self {
            Operation::UpdateName { .. } => "UpdateRoutingProfileName",
            Operation::UpdateDefaultOutboundQueue { .. } => {
                "UpdateRoutingProfileDefaultOutboundQueue"
            }
            Operation::UpdateConcurrency { .. } => "UpdateRoutingProfileConcurrency",
            Operation::UpdateAgentAvailabilityTimer { .. } => {
                "UpdateRoutingProfileAgentAvailabilityTimer"
            }
            Operation::Associate { .. } => "AssociateRoutingProfileQueues",
            Operation::UpdateQueues { .. } => "UpdateRoutingProfileQueues",
            Operation::Disassociate { .. } => "DisassociateRoutingProfileQueues",
            Operation::Tag { .. } => "TagResource",
            Operation::Untag { .. } => "UntagResource",
        }
    }
}

/// The part of `desired` that one CreateRoutingProfile call carries: everything, but at most
/// [`BATCH`] routed and [`BATCH`] manual queues.
pub fn create_request(desired: &ProfileState) -> ProfileState {
    ProfileState {
        queues: desired
            .queues
            .iter()
            .take(BATCH)
            .map(|(q, p)| (q.clone(), *p))
            .collect(),
        manual_queues: desired.manual_queues.iter().take(BATCH).cloned().collect(),
        ..desired.clone()
    }
}

/// The write calls that turn `current` into `desired`, queues in `order`; empty when they already
/// agree.
///
/// The name comes first: a taken name then fails the update before anything has changed. Tags
/// whose key starts with `aws:` belong to AWS, and the ownership marker's
/// (`cfn-custom-resource:`) to this function: neither is compared, written or removed.
pub fn update(desired: &ProfileState, current: &ProfileState, order: Order) -> Vec<Operation> {
    let mut ops = Vec::new();

    if desired.name != current.name || desired.description != current.description {
        ops.push(Operation::UpdateName {
            name: desired.name.clone(),
            description: desired.description.clone(),
        });
    }
    if desired.default_outbound_queue_id != current.default_outbound_queue_id {
        ops.push(Operation::UpdateDefaultOutboundQueue {
            queue_id: desired.default_outbound_queue_id.clone(),
        });
    }
    if !concurrency_met(&desired.concurrency, &current.concurrency) {
        ops.push(Operation::UpdateConcurrency {
            concurrency: desired.concurrency.clone(),
        });
    }
    if desired.agent_availability_timer != current.agent_availability_timer {
        ops.push(Operation::UpdateAgentAvailabilityTimer {
            timer: desired.agent_availability_timer,
        });
    }

    let (associate, update_in_place, disassociate) = queue_changes(desired, current);
    match order {
        Order::AddFirst => {
            ops.extend(associate);
            ops.extend(update_in_place);
            ops.extend(disassociate);
        }
        Order::RemoveFirst => {
            ops.extend(disassociate);
            ops.extend(associate);
            ops.extend(update_in_place);
        }
    }
    ops.extend(tag_changes(desired, current));
    ops
}

/// The queue calls: associations, placement updates and disassociations, each batched.
fn queue_changes(
    desired: &ProfileState,
    current: &ProfileState,
) -> (Vec<Operation>, Vec<Operation>, Vec<Operation>) {
    let added: Vec<(QueueRef, Placement)> = desired
        .queues
        .iter()
        .filter(|(q, _)| !current.queues.contains_key(*q))
        .map(|(q, p)| (q.clone(), *p))
        .collect();
    let added_manual: Vec<QueueRef> = desired
        .manual_queues
        .difference(&current.manual_queues)
        .cloned()
        .collect();
    let associate = paired_batches(added, added_manual)
        .map(|(queues, manual)| Operation::Associate { queues, manual })
        .collect();

    let changed: Vec<(QueueRef, Placement)> = desired
        .queues
        .iter()
        .filter(|(q, p)| current.queues.get(*q).is_some_and(|now| now != *p))
        .map(|(q, p)| (q.clone(), *p))
        .collect();
    let update_in_place = changed
        .chunks(BATCH)
        .map(|queues| Operation::UpdateQueues {
            queues: queues.to_vec(),
        })
        .collect();

    // Connect's documentation allows 10 references per call in all, not 10 of each list.
    let removed = current
        .queues
        .keys()
        .filter(|q| !desired.queues.contains_key(*q))
        .map(|q| (q.clone(), false));
    let removed_manual = current
        .manual_queues
        .difference(&desired.manual_queues)
        .map(|q| (q.clone(), true));
    let removed: Vec<(QueueRef, bool)> = removed.chain(removed_manual).collect();
    let disassociate = removed
        .chunks(DISASSOCIATE_REFERENCES_PER_CALL)
        .map(|refs| {
            let (manual, queues): (Vec<_>, Vec<_>) = refs.iter().partition(|(_, m)| *m);
            Operation::Disassociate {
                queues: queues.into_iter().map(|(q, _)| q.clone()).collect(),
                manual: manual.into_iter().map(|(q, _)| q.clone()).collect(),
            }
        })
        .collect();
    (associate, update_in_place, disassociate)
}

/// TagResource and UntagResource; untagging first when tagging first would pass the 50 tags a
/// resource may carry.
fn tag_changes(desired: &ProfileState, current: &ProfileState) -> Vec<Operation> {
    let managed = |key: &String| !key.starts_with("aws:") && !key.starts_with(RESERVED_TAG_PREFIX);
    let set: Vec<(String, String)> = desired
        .tags
        .iter()
        .filter(|(k, v)| managed(k) && current.tags.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let unset: Vec<String> = current
        .tags
        .keys()
        .filter(|k| managed(k) && !desired.tags.contains_key(*k))
        .cloned()
        .collect();
    let new_keys = set
        .iter()
        .filter(|(k, _)| !current.tags.contains_key(k))
        .count();
    let tag = set.chunks(TAG_MAP.max).map(|tags| Operation::Tag {
        tags: tags.iter().cloned().collect(),
    });
    let untag = unset.chunks(TAG_KEY_LIST.max).map(|keys| Operation::Untag {
        keys: keys.to_vec(),
    });
    if current.tags.len() + new_keys > TAG_MAP.max {
        untag.chain(tag).collect()
    } else {
        tag.chain(untag).collect()
    }
}

/// Whether the live channels already are the desired ones: the same channels, each
/// [`Concurrency::is_met_by`] its live one.
pub fn concurrency_met(
    desired: &BTreeMap<Channel, Concurrency>,
    live: &BTreeMap<Channel, Concurrency>,
) -> bool {
    desired.len() == live.len()
        && desired
            .iter()
            .zip(live)
            .all(|((wanted, d), (reported, l))| wanted == reported && d.is_met_by(l))
}

/// Splits two lists into calls of at most [`BATCH`] of each, both kinds sharing a call.
fn paired_batches<A: Clone, B: Clone>(
    a: Vec<A>,
    b: Vec<B>,
) -> impl Iterator<Item = (Vec<A>, Vec<B>)> {
    let calls = a.len().div_ceil(BATCH).max(b.len().div_ceil(BATCH));
    (0..calls).map(move |i| {
        let window = |len: usize| (i * BATCH).min(len)..((i + 1) * BATCH).min(len);
        (a[window(a.len())].to_vec(), b[window(b.len())].to_vec())
    })
}

/// `current` after `ops` have been applied: what Connect holds once the plan has run.
pub fn apply(current: &ProfileState, ops: &[Operation]) -> ProfileState {
    let mut state = current.clone();
    for op in ops {
        match op {
            Operation::UpdateName { name, description } => {
                state.name = name.clone();
                state.description = description.clone();
            }
            Operation::UpdateDefaultOutboundQueue { queue_id } => {
                state.default_outbound_queue_id = queue_id.clone();
            }
            Operation::UpdateConcurrency { concurrency } => state.concurrency = concurrency.clone(),
            Operation::UpdateAgentAvailabilityTimer { timer } => {
                state.agent_availability_timer = *timer;
            }
            Operation::Associate { queues, manual } => {
                state.queues.extend(queues.iter().cloned());
                state.manual_queues.extend(manual.iter().cloned());
            }
            Operation::UpdateQueues { queues } => state.queues.extend(queues.iter().cloned()),
            Operation::Disassociate { queues, manual } => {
                for q in queues {
                    state.queues.remove(q);
                }
                for q in manual {
                    state.manual_queues.remove(q);
                }
            }
            Operation::Tag { tags } => state.tags.extend(tags.clone()),
            Operation::Untag { keys } => {
                for key in keys {
                    state.tags.remove(key);
                }
            }
        }
    }
    state
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::CrossChannelBehavior;

    fn queue(n: usize, channel: Channel) -> QueueRef {
        QueueRef {
            queue_id: format!("q-{n:02}"),
            channel,
        }
    }

    fn placed(priority: i32) -> Placement {
        Placement { priority, delay: 0 }
    }

    fn profile() -> ProfileState {
        ProfileState {
            name: "Support".into(),
            description: "Tier 1".into(),
            default_outbound_queue_id: "q-out".into(),
            queues: [
                (queue(1, Channel::Voice), placed(1)),
                (queue(2, Channel::Chat), placed(2)),
            ]
            .into(),
            manual_queues: [queue(3, Channel::Task)].into(),
            concurrency: [(
                Channel::Voice,
                Concurrency {
                    max_contacts: Some(1),
                    cross_channel: CrossChannelBehavior::RouteCurrentChannelOnly,
                    workload_types: BTreeMap::new(),
                },
            )]
            .into(),
            agent_availability_timer: AgentAvailabilityTimer::TimeSinceLastActivity,
            tags: [("team".to_string(), "support".to_string())].into(),
        }
    }

    #[test]
    fn nothing_to_do_when_equal() {
        assert_eq!(update(&profile(), &profile(), Order::AddFirst), []);
    }

    #[test]
    fn changes_only_what_differs() {
        let mut desired = profile();
        desired.description = "Tier 2".into();
        assert_eq!(
            update(&desired, &profile(), Order::AddFirst),
            [Operation::UpdateName {
                name: "Support".into(),
                description: "Tier 2".into()
            }]
        );

        let mut desired = profile();
        desired.queues.insert(queue(1, Channel::Voice), placed(5));
        assert_eq!(
            update(&desired, &profile(), Order::AddFirst),
            [Operation::UpdateQueues {
                queues: vec![(queue(1, Channel::Voice), placed(5))]
            }],
            "a priority change is made in place, never by disassociate and associate"
        );

        let mut desired = profile();
        desired.agent_availability_timer = AgentAvailabilityTimer::TimeSinceLastInbound;
        desired.default_outbound_queue_id = "q-out-2".into();
        assert_eq!(
            update(&desired, &profile(), Order::AddFirst),
            [
                Operation::UpdateDefaultOutboundQueue {
                    queue_id: "q-out-2".into()
                },
                Operation::UpdateAgentAvailabilityTimer {
                    timer: AgentAvailabilityTimer::TimeSinceLastInbound
                }
            ]
        );
    }

    #[test]
    fn concurrency_is_sent_whole() {
        let mut desired = profile();
        let chat = Concurrency {
            max_contacts: Some(3),
            cross_channel: CrossChannelBehavior::RouteAnyChannel,
            workload_types: BTreeMap::new(),
        };
        desired.concurrency.insert(Channel::Chat, chat);
        assert_eq!(
            update(&desired, &profile(), Order::AddFirst),
            [Operation::UpdateConcurrency {
                concurrency: desired.concurrency.clone()
            }]
        );
    }

    #[test]
    fn workload_types_are_compared_and_the_set_is_sent_whole() {
        use crate::model::{ChannelWorkloadBehavior, WorkloadConcurrency};
        let with_chat = |workloads: &[(&str, i32)]| {
            let mut state = profile();
            state.concurrency.insert(
                Channel::Chat,
                Concurrency {
                    max_contacts: Some(3),
                    cross_channel: CrossChannelBehavior::RouteCurrentChannelOnly,
                    workload_types: workloads
                        .iter()
                        .map(|(name, max_contacts)| {
                            let w = WorkloadConcurrency {
                                max_contacts: *max_contacts,
                                cross_channel: ChannelWorkloadBehavior::default(),
                            };
                            (name.to_string(), w)
                        })
                        .collect(),
                },
            );
            state
        };
        let write = |desired: &ProfileState| {
            vec![Operation::UpdateConcurrency {
                concurrency: desired.concurrency.clone(),
            }]
        };
        let live = with_chat(&[("billing", 2), ("sales", 1)]);
        assert_eq!(
            update(&live, &live, Order::AddFirst),
            [],
            "equal workload types: nothing"
        );

        let cases = [
            ("added", with_chat(&[]), with_chat(&[("billing", 2)])),
            (
                "changed",
                live.clone(),
                with_chat(&[("billing", 3), ("sales", 1)]),
            ),
            (
                "renamed",
                live.clone(),
                with_chat(&[("billing", 2), ("returns", 1)]),
            ),
            ("removed", live.clone(), with_chat(&[])),
            ("channel dropped", live.clone(), profile()),
        ];
        for (what, current, desired) in cases {
            let ops = update(&desired, &current, Order::AddFirst);
            assert_eq!(ops, write(&desired), "{what}");
            let after = apply(&current, &ops);
            assert_eq!(after, desired, "{what}");
            assert_eq!(
                update(&desired, &after, Order::AddFirst),
                [],
                "{what}: a second plan is empty"
            );
        }

        let mut behavior = live.clone();
        if let Some(chat) = behavior.concurrency.get_mut(&Channel::Chat)
            && let Some(billing) = chat.workload_types.get_mut("billing")
        {
            billing.cross_channel = ChannelWorkloadBehavior::RouteAnyChannelAnyWorkloadType;
        }
        assert_eq!(
            update(&behavior, &live, Order::AddFirst),
            write(&behavior),
            "behavior changed"
        );
    }

    #[test]
    fn a_channel_given_by_workload_types_alone_agrees_with_any_reported_concurrency() {
        use crate::model::{ChannelWorkloadBehavior, WorkloadConcurrency};
        let chat = |max_contacts: Option<i32>, billing: i32| {
            let mut state = profile();
            let workload = WorkloadConcurrency {
                max_contacts: billing,
                cross_channel: ChannelWorkloadBehavior::default(),
            };
            state.concurrency.insert(
                Channel::Chat,
                Concurrency {
                    max_contacts,
                    cross_channel: CrossChannelBehavior::RouteCurrentChannelOnly,
                    workload_types: [("billing".to_string(), workload)].into(),
                },
            );
            state
        };
        let desired = chat(None, 2);
        // Connect's documentation does not say what Describe reports for such a channel: nothing
        // (the SDK reads it as 0, so the channel is read as `None`), or some number of its own.
        for reported in [None, Some(1), Some(2), Some(10)] {
            assert_eq!(
                update(&desired, &chat(reported, 2), Order::AddFirst),
                [],
                "reported {reported:?}"
            );
        }
        let write = vec![Operation::UpdateConcurrency {
            concurrency: desired.concurrency.clone(),
        }];
        assert_eq!(
            update(&desired, &chat(None, 3), Order::AddFirst),
            write,
            "its workload types are still compared"
        );
        assert_eq!(
            update(&desired, &profile(), Order::AddFirst),
            write,
            "and the channel itself"
        );
        // A channel that gives its Concurrency gets it, whatever else it has.
        assert_eq!(
            update(&chat(Some(4), 2), &desired, Order::AddFirst),
            vec![Operation::UpdateConcurrency {
                concurrency: chat(Some(4), 2).concurrency
            }]
        );
        assert!(!concurrency_met(
            &chat(Some(4), 2).concurrency,
            &chat(Some(3), 2).concurrency
        ));
    }

    #[test]
    fn associates_before_updating_before_disassociating() {
        let mut desired = profile();
        desired.queues.remove(&queue(2, Channel::Chat));
        desired.queues.insert(queue(4, Channel::Chat), placed(2));
        desired.queues.insert(queue(1, Channel::Voice), placed(3));
        desired.manual_queues = [queue(5, Channel::Email)].into();
        assert_eq!(
            update(&desired, &profile(), Order::AddFirst),
            [
                Operation::Associate {
                    queues: vec![(queue(4, Channel::Chat), placed(2))],
                    manual: vec![queue(5, Channel::Email)]
                },
                Operation::UpdateQueues {
                    queues: vec![(queue(1, Channel::Voice), placed(3))]
                },
                Operation::Disassociate {
                    queues: vec![queue(2, Channel::Chat)],
                    manual: vec![queue(3, Channel::Task)]
                },
            ]
        );
    }

    #[test]
    fn batches_at_most_ten_per_call() {
        let mut desired = profile();
        desired.queues = (1..=25)
            .map(|n| (queue(n, Channel::Chat), placed(1)))
            .collect();
        desired.manual_queues = (1..=12).map(|n| queue(n, Channel::Task)).collect();
        let created = create_request(&desired);
        assert_eq!(
            (created.queues.len(), created.manual_queues.len()),
            (10, 10)
        );
        let rest = update(&desired, &created, Order::AddFirst);
        let sizes: Vec<(usize, usize)> = rest
            .iter()
            .map(|op| match op {
                Operation::Associate { queues, manual } => (queues.len(), manual.len()),
                other => panic!("only associations expected, got {other:?}"),
            })
            .collect();
        assert_eq!(sizes, [(10, 2), (5, 0)]);
        assert_eq!(apply(&created, &rest), desired);

        let mut changed = desired.clone();
        for placement in changed.queues.values_mut() {
            placement.priority = 9;
        }
        let ops = update(&changed, &desired, Order::AddFirst);
        assert_eq!(ops.len(), 3);
        assert!(
            ops.iter().all(
                |op| matches!(op, Operation::UpdateQueues { queues } if queues.len() <= BATCH)
            )
        );

        let emptied = ProfileState {
            queues: BTreeMap::new(),
            manual_queues: std::collections::BTreeSet::new(),
            ..desired.clone()
        };
        let ops = update(&emptied, &desired, Order::AddFirst);
        let references: Vec<usize> = ops
            .iter()
            .map(|op| match op {
                Operation::Disassociate { queues, manual } => queues.len() + manual.len(),
                other => panic!("only disassociations expected, got {other:?}"),
            })
            .collect();
        assert_eq!(
            references,
            [10, 10, 10, 7],
            "37 references, at most 10 per call in all"
        );
        assert_eq!(apply(&desired, &ops), emptied);
    }

    #[test]
    fn remove_first_disassociates_before_associating() {
        let mut desired = profile();
        desired.queues.remove(&queue(2, Channel::Chat));
        desired.queues.insert(queue(4, Channel::Chat), placed(2));
        desired.queues.insert(queue(1, Channel::Voice), placed(3));
        desired.description = "Tier 2".into();
        assert_eq!(
            update(&desired, &profile(), Order::RemoveFirst),
            [
                Operation::UpdateName {
                    name: "Support".into(),
                    description: "Tier 2".into()
                },
                Operation::Disassociate {
                    queues: vec![queue(2, Channel::Chat)],
                    manual: vec![]
                },
                Operation::Associate {
                    queues: vec![(queue(4, Channel::Chat), placed(2))],
                    manual: vec![]
                },
                Operation::UpdateQueues {
                    queues: vec![(queue(1, Channel::Voice), placed(3))]
                },
            ]
        );
    }

    #[test]
    fn tags_that_would_pass_fifty_are_removed_first() {
        let tags = |prefix: &str| -> BTreeMap<String, String> {
            (0..47)
                .map(|n| (format!("{prefix}{n}"), "v".to_string()))
                .collect()
        };
        let marker: BTreeMap<String, String> = (0..3)
            .map(|n| (format!("{RESERVED_TAG_PREFIX}{n}"), "m".to_string()))
            .collect();
        let mut current = profile();
        current.tags = tags("old-");
        current.tags.extend(marker.clone());
        let mut desired = profile();
        desired.tags = tags("new-");
        desired.tags.extend(marker);
        let ops = update(&desired, &current, Order::AddFirst);
        let names: Vec<&str> = ops.iter().map(Operation::api_name).collect();
        assert_eq!(names, ["UntagResource", "TagResource"]);
        assert_eq!(apply(&current, &ops), desired);

        // With room for both (4 + 46 = 50), the new tags come first.
        current
            .tags
            .retain(|k, _| k.starts_with(RESERVED_TAG_PREFIX) || k == "old-1");
        desired.tags.remove("new-0");
        let names: Vec<&str> = update(&desired, &current, Order::AddFirst)
            .iter()
            .map(Operation::api_name)
            .collect();
        assert_eq!(names, ["TagResource", "UntagResource"]);
    }

    #[test]
    fn the_ownership_marker_is_never_a_difference() {
        let mut current = profile();
        current
            .tags
            .insert(format!("{RESERVED_TAG_PREFIX}request-id"), "r-old".into());
        let mut desired = profile();
        desired
            .tags
            .insert(format!("{RESERVED_TAG_PREFIX}stack-id"), "s".into());
        assert_eq!(update(&desired, &current, Order::AddFirst), []);
    }

    #[test]
    fn tags_are_set_and_unset_but_aws_tags_are_left_alone() {
        let mut current = profile();
        current.tags.insert("old".into(), "x".into());
        current
            .tags
            .insert("aws:cloudformation:stack-name".into(), "s".into());
        let mut desired = profile();
        desired.tags.insert("team".into(), "sales".into());
        desired.tags.insert("new".into(), "y".into());
        let ops = update(&desired, &current, Order::AddFirst);
        assert_eq!(
            ops,
            [
                Operation::Tag {
                    tags: [
                        ("new".to_string(), "y".to_string()),
                        ("team".to_string(), "sales".to_string())
                    ]
                    .into()
                },
                Operation::Untag {
                    keys: vec!["old".into()]
                }
            ]
        );
        let after = apply(&current, &ops);
        assert_eq!(
            after
                .tags
                .get("aws:cloudformation:stack-name")
                .map(String::as_str),
            Some("s")
        );
        assert_eq!(update(&desired, &after, Order::AddFirst), []);
    }

    #[test]
    fn operations_name_their_api() {
        let op = Operation::Untag { keys: vec![] };
        assert_eq!(op.api_name(), "UntagResource");
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use crate::model::CrossChannelBehavior;
    use proptest::prelude::*;

    fn channel() -> impl Strategy<Value = Channel> {
        prop_oneof![
            Just(Channel::Voice),
            Just(Channel::Chat),
            Just(Channel::Task),
            Just(Channel::Email)
        ]
    }

    fn queue_ref() -> impl Strategy<Value = QueueRef> {
        (0..30u8, channel()).prop_map(|(n, channel)| QueueRef {
            queue_id: format!("q-{n}"),
            channel,
        })
    }

    /// A channel's workload types: none, or a few of a small set of names.
    fn workloads() -> impl Strategy<Value = BTreeMap<String, crate::model::WorkloadConcurrency>> {
        use crate::model::{ChannelWorkloadBehavior, WorkloadConcurrency};
        let behavior = prop::sample::select(ChannelWorkloadBehavior::ALL.map(|(_, b)| b).to_vec());
        prop::collection::btree_map(
            "[wxy]",
            (1..10i32, behavior).prop_map(|(max_contacts, cross_channel)| WorkloadConcurrency {
                max_contacts,
                cross_channel,
            }),
            0..3,
        )
    }

    /// A profile state; `live` lets it carry tags that AWS owns and the ownership marker.
    fn state(live: bool) -> impl Strategy<Value = ProfileState> {
        let tag_key = if live {
            "(aws:|cfn-custom-resource:)?[a-c]{1,2}"
        } else {
            "[a-c]{1,2}"
        };
        (
            "[ab]{1,2}",
            "[ab]{1,2}",
            "q-[0-2]",
            prop::collection::btree_map(queue_ref(), (1..99i32, 0..9999i32), 0..40),
            prop::collection::btree_set(queue_ref(), 0..25),
            prop::collection::btree_map(
                channel(),
                (
                    prop::option::weighted(0.7, 1..10i32),
                    any::<bool>(),
                    workloads(),
                ),
                1..4,
            ),
            any::<bool>(),
            prop::collection::btree_map(tag_key, "[xy]{0,2}", 0..6),
        )
            .prop_map(
                |(name, description, outbound, queues, manual, concurrency, inbound, tags)| {
                    ProfileState {
                        name,
                        description,
                        default_outbound_queue_id: outbound,
                        queues: queues
                            .into_iter()
                            .map(|(q, (priority, delay))| (q, Placement { priority, delay }))
                            .collect(),
                        manual_queues: manual,
                        concurrency: concurrency
                            .into_iter()
                            .map(|(c, (max_contacts, any, workload_types))| {
                                let cross_channel = if any {
                                    CrossChannelBehavior::RouteAnyChannel
                                } else {
                                    CrossChannelBehavior::RouteCurrentChannelOnly
                                };
                                // A channel without workload types gives its Concurrency.
                                let max_contacts = if workload_types.is_empty() {
                                    max_contacts.or(Some(1))
                                } else {
                                    max_contacts
                                };
                                (
                                    c,
                                    Concurrency {
                                        max_contacts,
                                        cross_channel,
                                        workload_types,
                                    },
                                )
                            })
                            .collect(),
                        agent_availability_timer: if inbound {
                            AgentAvailabilityTimer::TimeSinceLastInbound
                        } else {
                            AgentAvailabilityTimer::TimeSinceLastActivity
                        },
                        tags,
                    }
                },
            )
    }

    fn not_ours(key: &str) -> bool {
        key.starts_with("aws:") || key.starts_with(RESERVED_TAG_PREFIX)
    }

    fn without_foreign_tags(mut state: ProfileState) -> ProfileState {
        state.tags.retain(|k, _| !not_ours(k));
        state
    }

    /// `live` with the concurrency of each channel that `desired` gives by workload types alone
    /// taken from `desired`, once the two agree on it ([`concurrency_met`]): whatever Connect
    /// reports for such a channel is the desired state.
    fn as_desired(desired: &ProfileState, mut live: ProfileState) -> ProfileState {
        if concurrency_met(&desired.concurrency, &live.concurrency) {
            live.concurrency = desired.concurrency.clone();
        }
        live
    }

    /// `state` as Describe might report it under one reading of Connect's documentation, which
    /// does not say what a channel given only by workload types reports as its own concurrency:
    /// none, the largest of its workload types', their sum, or 1.
    fn reported(mut state: ProfileState, reading: u8) -> ProfileState {
        for c in state.concurrency.values_mut() {
            if c.max_contacts.is_none() {
                let each = c.workload_types.values().map(|w| w.max_contacts);
                c.max_contacts = match reading {
                    0 => None,
                    1 => each.max(),
                    2 => Some(each.sum::<i32>().min(10)),
                    _ => Some(1),
                };
            }
        }
        state
    }

    /// Runs `ops` the way the lifecycle does under a quota of `quota` queues per list: an
    /// association that would pass it is refused (and changes nothing), and the rest is planned
    /// again, removing first. The state reached, or the refused operation.
    fn run_under_quota(
        desired: &ProfileState,
        current: &ProfileState,
        quota: usize,
    ) -> Result<ProfileState, Operation> {
        let (mut state, mut order) = (current.clone(), Order::AddFirst);
        let mut ops = update(desired, &state, order);
        let mut i = 0;
        while let Some(op) = ops.get(i) {
            if let Operation::Associate { queues, manual } = op
                && (state.queues.len() + queues.len() > quota
                    || state.manual_queues.len() + manual.len() > quota)
            {
                if order == Order::RemoveFirst {
                    return Err(op.clone());
                }
                order = Order::RemoveFirst;
                ops = update(desired, &state, order);
                i = 0;
                continue;
            }
            state = apply(&state, std::slice::from_ref(op));
            i += 1;
        }
        Ok(state)
    }

    proptest! {
        #[test]
        fn applying_the_plan_yields_the_desired_state_and_a_second_plan_is_empty(
            desired in state(false),
            current in state(true),
            reading in 0..4u8,
        ) {
            let current = reported(current, reading);
            for order in [Order::AddFirst, Order::RemoveFirst] {
                let ops = update(&desired, &current, order);
                let after = apply(&current, &ops);
                prop_assert_eq!(
                    as_desired(&desired, without_foreign_tags(after.clone())),
                    desired.clone()
                );
                // AWS's own tags and the ownership marker are never written or removed.
                for (k, v) in current.tags.iter().filter(|(k, _)| not_ours(k)) {
                    prop_assert_eq!(after.tags.get(k), Some(v));
                }
                // Whatever Describe then reports for channels given by workload types alone.
                prop_assert!(update(&desired, &reported(after.clone(), reading), order).is_empty());
                prop_assert!(ops.first().is_none_or(|op| {
                    desired.name == current.name && desired.description == current.description
                        || matches!(op, Operation::UpdateName { .. })
                }), "the name change comes first");
                let most_tags = TAG_MAP.max.max(current.tags.len()).max(after.tags.len());
                let mut state = current.clone();
                for op in &ops {
                    let ok = match op {
                        Operation::Associate { queues, manual } => {
                            queues.len() <= BATCH && manual.len() <= BATCH
                        }
                        Operation::Disassociate { queues, manual } => {
                            queues.len() + manual.len() <= DISASSOCIATE_REFERENCES_PER_CALL
                        }
                        Operation::UpdateQueues { queues } => queues.len() <= BATCH,
                        _ => true,
                    };
                    prop_assert!(ok, "{:?}", op);
                    state = apply(&state, std::slice::from_ref(op));
                    prop_assert!(state.tags.len() <= most_tags, "never more tags than fit");
                }
            }
        }

        #[test]
        fn under_a_queue_quota_that_both_ends_fit_the_update_succeeds(
            desired in state(false),
            current in state(true),
        ) {
            let quota = [
                desired.queues.len(),
                current.queues.len(),
                desired.manual_queues.len(),
                current.manual_queues.len(),
            ]
            .into_iter()
            .max()
            .unwrap_or(0);
            let reached = run_under_quota(&desired, &current, quota);
            prop_assert!(reached.is_ok(), "refused: {:?}", reached);
            let reached = reached.unwrap_or_default();
            prop_assert_eq!(as_desired(&desired, without_foreign_tags(reached)), desired);
        }

        #[test]
        fn tags_never_pass_fifty_on_the_way(
            desired in prop::collection::btree_map("[a-f]{1,2}", "[xy]", 0..=47usize),
            current in prop::collection::btree_map("[a-f]{1,2}", "[xy]", 0..=47usize),
        ) {
            let marker = |mut tags: BTreeMap<String, String>| {
                for n in 0..3 {
                    tags.insert(format!("{RESERVED_TAG_PREFIX}{n}"), "m".into());
                }
                tags
            };
            let desired = ProfileState { tags: marker(desired), ..ProfileState::default() };
            let current = ProfileState { tags: marker(current), ..ProfileState::default() };
            let mut state = current.clone();
            for op in update(&desired, &current, Order::AddFirst) {
                state = apply(&state, std::slice::from_ref(&op));
                prop_assert!(state.tags.len() <= TAG_MAP.max, "{} tags after {:?}", state.tags.len(), op);
            }
            prop_assert_eq!(state, desired);
        }

        #[test]
        fn create_then_plan_reaches_the_desired_state(desired in state(false)) {
            let created = create_request(&desired);
            prop_assert!(created.queues.len() <= BATCH && created.manual_queues.len() <= BATCH);
            let rest = update(&desired, &created, Order::AddFirst);
            let only_associations = rest.iter().all(|op| matches!(op, Operation::Associate { .. }));
            prop_assert!(only_associations);
            prop_assert_eq!(apply(&created, &rest), desired);
        }
    }
}
