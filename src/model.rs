//! The routing profile as this function reasons about it: one type for the template's desired state
//! and for the live state read from Connect, so that planning is a comparison of two values.
//!
//! Collections are maps and sets keyed the way Connect keys them, so a (queue, channel) pair or a
//! channel cannot appear twice and ordering never shows up as a difference.

use std::collections::{BTreeMap, BTreeSet};

/// A Connect channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Channel {
    /// Voice calls; see [`crate::constraints::CONCURRENCY_PER_CHANNEL`] for its concurrency.
    Voice,
    /// Chat contacts.
    Chat,
    /// Tasks.
    Task,
    /// Email contacts.
    Email,
}

impl Channel {
    /// Every channel with its Connect spelling.
    pub const ALL: [(&'static str, Channel); 4] = [
        ("VOICE", Channel::Voice),
        ("CHAT", Channel::Chat),
        ("TASK", Channel::Task),
        ("EMAIL", Channel::Email),
    ];

    /// The Connect spelling, e.g. `VOICE`.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Voice => "VOICE",
            Channel::Chat => "CHAT",
            Channel::Task => "TASK",
            Channel::Email => "EMAIL",
        }
    }
}

/// What an agent busy on one channel may be offered on others.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum CrossChannelBehavior {
    /// Connect's default when CrossChannelBehavior is not given.
    #[default]
    RouteCurrentChannelOnly,
    /// Contacts of any channel may be offered.
    RouteAnyChannel,
}

impl CrossChannelBehavior {
    /// Every behavior with its Connect spelling.
    pub const ALL: [(&'static str, CrossChannelBehavior); 2] = [
        (
            "ROUTE_CURRENT_CHANNEL_ONLY",
            CrossChannelBehavior::RouteCurrentChannelOnly,
        ),
        ("ROUTE_ANY_CHANNEL", CrossChannelBehavior::RouteAnyChannel),
    ];

    /// The Connect spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            CrossChannelBehavior::RouteCurrentChannelOnly => "ROUTE_CURRENT_CHANNEL_ONLY",
            CrossChannelBehavior::RouteAnyChannel => "ROUTE_ANY_CHANNEL",
        }
    }
}

/// What an agent busy with one workload type of a channel may be offered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum ChannelWorkloadBehavior {
    /// The function's default when none is given: the narrowest, like
    /// [`CrossChannelBehavior::RouteCurrentChannelOnly`]. It is always sent, never left to Connect.
    #[default]
    RouteCurrentChannelCurrentWorkloadTypeOnly,
    /// Contacts of the same channel and any workload type.
    RouteCurrentChannelAnyWorkloadTypeOnly,
    /// Contacts of any channel and any workload type.
    RouteAnyChannelAnyWorkloadType,
}

impl ChannelWorkloadBehavior {
    /// Every behavior with its Connect spelling.
    pub const ALL: [(&'static str, ChannelWorkloadBehavior); 3] = [
        (
            "ROUTE_CURRENT_CHANNEL_CURRENT_WORKLOADTYPE_ONLY",
            ChannelWorkloadBehavior::RouteCurrentChannelCurrentWorkloadTypeOnly,
        ),
        (
            "ROUTE_CURRENT_CHANNEL_ANY_WORKLOADTYPE_ONLY",
            ChannelWorkloadBehavior::RouteCurrentChannelAnyWorkloadTypeOnly,
        ),
        (
            "ROUTE_ANY_CHANNEL_ANY_WORKLOAD_TYPE",
            ChannelWorkloadBehavior::RouteAnyChannelAnyWorkloadType,
        ),
    ];

    /// The Connect spelling (the model's own, `WORKLOADTYPE` and `WORKLOAD_TYPE` both).
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelWorkloadBehavior::RouteCurrentChannelCurrentWorkloadTypeOnly => {
                "ROUTE_CURRENT_CHANNEL_CURRENT_WORKLOADTYPE_ONLY"
            }
            ChannelWorkloadBehavior::RouteCurrentChannelAnyWorkloadTypeOnly => {
                "ROUTE_CURRENT_CHANNEL_ANY_WORKLOADTYPE_ONLY"
            }
            ChannelWorkloadBehavior::RouteAnyChannelAnyWorkloadType => {
                "ROUTE_ANY_CHANNEL_ANY_WORKLOAD_TYPE"
            }
        }
    }
}

/// How an agent's availability is measured for routing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum AgentAvailabilityTimer {
    /// Connect's default: time since the agent's last activity.
    #[default]
    TimeSinceLastActivity,
    /// Time since the agent's last inbound contact.
    TimeSinceLastInbound,
}

impl AgentAvailabilityTimer {
    /// Every timer with its Connect spelling.
    pub const ALL: [(&'static str, AgentAvailabilityTimer); 2] = [
        (
            "TIME_SINCE_LAST_ACTIVITY",
            AgentAvailabilityTimer::TimeSinceLastActivity,
        ),
        (
            "TIME_SINCE_LAST_INBOUND",
            AgentAvailabilityTimer::TimeSinceLastInbound,
        ),
    ];

    /// The Connect spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            AgentAvailabilityTimer::TimeSinceLastActivity => "TIME_SINCE_LAST_ACTIVITY",
            AgentAvailabilityTimer::TimeSinceLastInbound => "TIME_SINCE_LAST_INBOUND",
        }
    }
}

/// A queue on a channel: the unit Connect associates with a routing profile.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct QueueRef {
    /// The plain queue ID (never an ARN).
    pub queue_id: String,
    /// The channel the queue is used for in this profile.
    pub channel: Channel,
}

/// Where a routed queue sits: its priority (lower is handled first) and delay in seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Placement {
    /// Within [`crate::constraints::PRIORITY`], lower is handled first.
    pub priority: i32,
    /// Seconds, within [`crate::constraints::DELAY`], before a contact in this queue is routed to agents
    /// of this profile.
    pub delay: i32,
}

/// How many contacts of one workload type of a channel an agent handles at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WorkloadConcurrency {
    /// Within the channel's range in
    /// [`crate::constraints::WORKLOAD_TYPE_CONCURRENCY_PER_CHANNEL`].
    pub max_contacts: i32,
    /// What the agent may be offered while busy with this workload type.
    pub cross_channel: ChannelWorkloadBehavior,
}

/// How many contacts of one channel an agent handles at once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Concurrency {
    /// Within the channel's range in [`crate::constraints::CONCURRENCY_PER_CHANNEL`]; `None` when
    /// the channel is given only by workload types (then never empty), which leaves the channel's
    /// own concurrency to Connect.
    pub max_contacts: Option<i32>,
    /// What the agent may be offered while busy on this channel.
    pub cross_channel: CrossChannelBehavior,
    /// By workload type (`WorkloadTypeConcurrencies`); empty when the channel has none, else
    /// within [`crate::constraints::WORKLOAD_TYPE_CONCURRENCIES`] entries.
    pub workload_types: BTreeMap<String, WorkloadConcurrency>,
}

impl Concurrency {
    /// Whether `live`, a channel as Connect reports it, already is this desired one. A channel
    /// given only by workload types agrees with whatever concurrency Connect reports for the
    /// channel itself: its documentation does not say what that is (none, 0, or one it works
    /// out), and comparing it would write the same set again at every update.
    pub fn is_met_by(&self, live: &Concurrency) -> bool {
        self.max_contacts
            .is_none_or(|wanted| live.max_contacts == Some(wanted))
            && self.cross_channel == live.cross_channel
            && self.workload_types == live.workload_types
    }
}

/// The whole of a routing profile within its instance, desired or live.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ProfileState {
    /// Unique in the instance; its length is [`crate::constraints::ROUTING_PROFILE_NAME`].
    pub name: String,
    /// Its length is [`crate::constraints::ROUTING_PROFILE_DESCRIPTION`].
    pub description: String,
    /// Plain queue ID used for outbound calls.
    pub default_outbound_queue_id: String,
    /// Queues contacts are routed from, with their placement.
    pub queues: BTreeMap<QueueRef, Placement>,
    /// Queues agents may pick contacts from by hand (on
    /// [`crate::constraints::MANUAL_ASSIGNMENT_CHANNELS`] only).
    pub manual_queues: BTreeSet<QueueRef>,
    /// One entry per enabled channel.
    pub concurrency: BTreeMap<Channel, Concurrency>,
    /// How availability is measured.
    pub agent_availability_timer: AgentAvailabilityTimer,
    /// Resource tags, including this function's ownership marker when it manages the profile.
    pub tags: BTreeMap<String, String>,
}

/// An existing routing profile's address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProfileRef {
    /// Plain instance ID.
    pub instance_id: String,
    /// Plain routing profile ID.
    pub routing_profile_id: String,
    /// The full routing profile ARN (tagging calls take it).
    pub arn: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constraints;

    fn spellings<T: Copy + PartialEq + std::fmt::Debug>(
        all: &[(&'static str, T)],
        as_str: impl Fn(T) -> &'static str,
    ) -> Vec<&'static str> {
        for (name, value) in all {
            assert_eq!(as_str(*value), *name, "{value:?}");
        }
        all.iter().map(|(name, _)| *name).collect()
    }

    #[test]
    fn enum_spellings_are_the_models() {
        assert_eq!(
            spellings(&Channel::ALL, Channel::as_str),
            constraints::CHANNEL
        );
        assert_eq!(
            spellings(&CrossChannelBehavior::ALL, CrossChannelBehavior::as_str),
            constraints::BEHAVIOR_TYPE
        );
        assert_eq!(
            spellings(
                &ChannelWorkloadBehavior::ALL,
                ChannelWorkloadBehavior::as_str
            ),
            constraints::CHANNEL_WORKLOAD_BEHAVIOR_TYPE
        );
        assert_eq!(
            spellings(&AgentAvailabilityTimer::ALL, AgentAvailabilityTimer::as_str),
            constraints::AGENT_AVAILABILITY_TIMER
        );
    }
}
