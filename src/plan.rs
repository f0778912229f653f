//! What to change: a pure function from the desired profile and the live one to the Connect write
//! calls that make the live one desired, in an order that never leaves agents without a queue.
//!
//! The same function finishes a Create: the profile is created with what fits in one
//! CreateRoutingProfile call ([`create_request`]) and [`update`] plans the rest from there.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{
    AgentAvailabilityTimer, Channel, Concurrency, Placement, ProfileState, QueueRef,
};

/// Connect accepts at most this many queue configs or references in one call.
pub const BATCH: usize = 10;

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
    /// DisassociateRoutingProfileQueues: at most [`BATCH`] of each kind.
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

/// The write calls that turn `current` into `desired`; empty when they already agree.
///
/// Tags whose key starts with `aws:` belong to AWS and are neither compared nor removed.
pub fn update(desired: &ProfileState, current: &ProfileState) -> Vec<Operation> {
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
    if desired.concurrency != current.concurrency {
        ops.push(Operation::UpdateConcurrency {
            concurrency: desired.concurrency.clone(),
        });
    }
    if desired.agent_availability_timer != current.agent_availability_timer {
        ops.push(Operation::UpdateAgentAvailabilityTimer {
            timer: desired.agent_availability_timer,
        });
    }

    // New queues first, changed ones in place, removed ones last: at no moment does a queue that
    // stays in the profile go missing, and a replaced queue is answered by its successor first.
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
    ops.extend(
        paired_batches(added, added_manual)
            .map(|(queues, manual)| Operation::Associate { queues, manual }),
    );

    let changed: Vec<(QueueRef, Placement)> = desired
        .queues
        .iter()
        .filter(|(q, p)| current.queues.get(*q).is_some_and(|now| now != *p))
        .map(|(q, p)| (q.clone(), *p))
        .collect();
    ops.extend(changed.chunks(BATCH).map(|queues| Operation::UpdateQueues {
        queues: queues.to_vec(),
    }));

    let removed: Vec<QueueRef> = current
        .queues
        .keys()
        .filter(|q| !desired.queues.contains_key(*q))
        .cloned()
        .collect();
    let removed_manual: Vec<QueueRef> = current
        .manual_queues
        .difference(&desired.manual_queues)
        .cloned()
        .collect();
    ops.extend(
        paired_batches(removed, removed_manual)
            .map(|(queues, manual)| Operation::Disassociate { queues, manual }),
    );

    let managed = |key: &String| !key.starts_with("aws:");
    let set: BTreeMap<String, String> = desired
        .tags
        .iter()
        .filter(|(k, v)| managed(k) && current.tags.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if !set.is_empty() {
        ops.push(Operation::Tag { tags: set });
    }
    let unset: BTreeSet<&String> = current
        .tags
        .keys()
        .filter(|k| managed(k) && !desired.tags.contains_key(*k))
        .collect();
    if !unset.is_empty() {
        ops.push(Operation::Untag {
            keys: unset.into_iter().cloned().collect(),
        });
    }
    ops
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
                    max_contacts: 1,
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
        assert_eq!(update(&profile(), &profile()), []);
    }

    #[test]
    fn changes_only_what_differs() {
        let mut desired = profile();
        desired.description = "Tier 2".into();
        assert_eq!(
            update(&desired, &profile()),
            [Operation::UpdateName {
                name: "Support".into(),
                description: "Tier 2".into()
            }]
        );

        let mut desired = profile();
        desired.queues.insert(queue(1, Channel::Voice), placed(5));
        assert_eq!(
            update(&desired, &profile()),
            [Operation::UpdateQueues {
                queues: vec![(queue(1, Channel::Voice), placed(5))]
            }],
            "a priority change is made in place, never by disassociate and associate"
        );

        let mut desired = profile();
        desired.agent_availability_timer = AgentAvailabilityTimer::TimeSinceLastInbound;
        desired.default_outbound_queue_id = "q-out-2".into();
        assert_eq!(
            update(&desired, &profile()),
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
            max_contacts: 3,
            cross_channel: CrossChannelBehavior::RouteAnyChannel,
            workload_types: BTreeMap::new(),
        };
        desired.concurrency.insert(Channel::Chat, chat);
        assert_eq!(
            update(&desired, &profile()),
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
                    max_contacts: 3,
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
        assert_eq!(update(&live, &live), [], "equal workload types: nothing");

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
            let ops = update(&desired, &current);
            assert_eq!(ops, write(&desired), "{what}");
            let after = apply(&current, &ops);
            assert_eq!(after, desired, "{what}");
            assert_eq!(
                update(&desired, &after),
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
            update(&behavior, &live),
            write(&behavior),
            "behavior changed"
        );
    }

    #[test]
    fn associates_before_updating_before_disassociating() {
        let mut desired = profile();
        desired.queues.remove(&queue(2, Channel::Chat));
        desired.queues.insert(queue(4, Channel::Chat), placed(2));
        desired.queues.insert(queue(1, Channel::Voice), placed(3));
        desired.manual_queues = [queue(5, Channel::Email)].into();
        assert_eq!(
            update(&desired, &profile()),
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
        let rest = update(&desired, &created);
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
        let ops = update(&changed, &desired);
        assert_eq!(ops.len(), 3);
        assert!(
            ops.iter().all(
                |op| matches!(op, Operation::UpdateQueues { queues } if queues.len() <= BATCH)
            )
        );

        let emptied = ProfileState {
            queues: BTreeMap::new(),
            manual_queues: BTreeSet::new(),
            ..desired.clone()
        };
        let ops = update(&emptied, &desired);
        assert_eq!(ops.len(), 3);
        assert_eq!(apply(&desired, &ops), emptied);
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
        let ops = update(&desired, &current);
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
        assert_eq!(update(&desired, &after), []);
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

    /// A profile state; `aws_tags` lets the live side carry tags that AWS owns.
    fn state(aws_tags: bool) -> impl Strategy<Value = ProfileState> {
        let tag_key = if aws_tags {
            "(aws:)?[a-c]{1,2}"
        } else {
            "[a-c]{1,2}"
        };
        (
            "[ab]{1,2}",
            "[ab]{1,2}",
            "q-[0-2]",
            prop::collection::btree_map(queue_ref(), (1..99i32, 0..9999i32), 0..40),
            prop::collection::btree_set(queue_ref(), 0..25),
            prop::collection::btree_map(channel(), (1..10i32, any::<bool>(), workloads()), 1..4),
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

    fn without_aws_tags(mut state: ProfileState) -> ProfileState {
        state.tags.retain(|k, _| !k.starts_with("aws:"));
        state
    }

    proptest! {
        #[test]
        fn applying_the_plan_yields_the_desired_state_and_a_second_plan_is_empty(
            desired in state(false),
            current in state(true),
        ) {
            let ops = update(&desired, &current);
            let after = apply(&current, &ops);
            prop_assert_eq!(without_aws_tags(after.clone()), desired.clone());
            // AWS's own tags are never removed.
            for (k, v) in current.tags.iter().filter(|(k, _)| k.starts_with("aws:")) {
                prop_assert_eq!(after.tags.get(k), Some(v));
            }
            prop_assert!(update(&desired, &after).is_empty());
            for op in &ops {
                let (routed, manual) = match op {
                    Operation::Associate { queues, manual } => (queues.len(), manual.len()),
                    Operation::Disassociate { queues, manual } => (queues.len(), manual.len()),
                    Operation::UpdateQueues { queues } => (queues.len(), 0),
                    _ => (0, 0),
                };
                prop_assert!(routed <= BATCH && manual <= BATCH, "{:?}", op);
            }
        }

        #[test]
        fn create_then_plan_reaches_the_desired_state(desired in state(false)) {
            let created = create_request(&desired);
            prop_assert!(created.queues.len() <= BATCH && created.manual_queues.len() <= BATCH);
            let rest = update(&desired, &created);
            let only_associations = rest.iter().all(|op| matches!(op, Operation::Associate { .. }));
            prop_assert!(only_associations);
            prop_assert_eq!(apply(&created, &rest), desired);
        }
    }
}
