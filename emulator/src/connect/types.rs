//! The vocabulary every other module shares, and what a test reads and writes: the demo account
//! and its ARNs, the call log's [`Call`], the [`Fault`]s, [`RateLimit`] and [`ReadLag`] a test
//! scripts, and [`Profile`] snapshots. A leaf: it imports nothing of the emulator, so any module
//! may use it without closing a circle.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::Value;

/// The Region every ARN is in.
pub const REGION: &str = "us-east-1";
/// The account every ARN is in.
pub const ACCOUNT_ID: &str = "123456789012";
/// The demo instance the project's example events use.
pub const DEMO_INSTANCE_ID: &str = "5f0e8c1a-3b7d-4e2a-9c61-7d2b8e4f1a90";
/// The second demo instance (for moving a profile to another instance).
pub const DEMO_INSTANCE2_ID: &str = "c3a9d7e2-6f14-4b8e-a5d0-91e2f3b4c5d6";
/// The name of every instance's default routing profile.
pub const DEFAULT_PROFILE_NAME: &str = "Basic Routing Profile";
/// The account quota of routing profiles per instance.
pub const MAX_PROFILES_PER_INSTANCE: usize = 500;

const DEMO_QUEUE_NAMES: [&str; 5] = ["Outbound", "Voice", "Chat", "Tasks", "Email"];

/// The ID of queue `n` (1-30) of the demo instance, e.g. `0b6c2f1e-0000-4a5b-8c7d-000000000001`.
pub fn demo_queue_id(n: u32) -> String {
    format!("0b6c2f1e-0000-4a5b-8c7d-{n:012}")
}

/// The ID of queue `n` (1-5) of the second demo instance.
pub fn demo2_queue_id(n: u32) -> String {
    format!("7d1e4a2b-0000-4c3d-9e8f-{n:012}")
}

pub(super) fn demo_queue_name(n: u32) -> String {
    match DEMO_QUEUE_NAMES.get((n as usize).wrapping_sub(1)) {
        Some(name) => (*name).to_string(),
        None => format!("Overflow {n}"),
    }
}

/// `arn:aws:connect:us-east-1:123456789012:instance/{instance_id}`.
pub fn instance_arn(instance_id: &str) -> String {
    format!("arn:aws:connect:{REGION}:{ACCOUNT_ID}:instance/{instance_id}")
}

/// The ARN of a queue.
pub fn queue_arn(instance_id: &str, queue_id: &str) -> String {
    format!("{}/queue/{queue_id}", instance_arn(instance_id))
}

/// The ARN of a routing profile.
pub fn routing_profile_arn(instance_id: &str, profile_id: &str) -> String {
    format!("{}/routing-profile/{profile_id}", instance_arn(instance_id))
}

/// One request the emulator received.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// The Connect operation, e.g. `CreateRoutingProfile`; `UnknownOperation` if none matched.
    pub operation: String,
    /// The raw (still percent-encoded) request path.
    pub path: String,
    /// The HTTP status answered; 0 while unanswered (e.g. a [`Fault::Hang`]).
    pub status: u16,
    /// The `x-amzn-ErrorType` answered, if the call failed.
    pub error_type: Option<String>,
    /// The JSON body for PUT/POST (a JSON string if it was not JSON); the query parameters as an
    /// object for GET/DELETE (`tagKeys` always as an array).
    pub request: Value,
}

/// A scripted misbehaviour for [`ConnectEmulator::inject`](super::ConnectEmulator::inject).
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// Answer with this error instead of handling the call.
    Error {
        /// HTTP status.
        status: u16,
        /// The `x-amzn-ErrorType`, e.g. `ThrottlingException`.
        error_type: String,
        /// The `Message`.
        message: String,
    },
    /// Wait this long, then handle the call normally.
    Delay(Duration),
    /// Read the call and never answer.
    Hang,
    /// Carry the call out, then answer as the inner fault would: an error (a 500, say) or no
    /// answer at all ([`Fault::Hang`]) loses the answer of a call that took effect, as a dropped
    /// connection does; a delay answers late. The client cannot tell it from a call not made.
    CarriedOut(Box<Fault>),
}

impl Fault {
    /// `ThrottlingException` (429), as Connect sends over its request rate.
    pub fn throttling() -> Fault {
        Fault::Error {
            status: 429,
            error_type: "ThrottlingException".to_string(),
            message: "Rate exceeded".to_string(),
        }
    }

    /// The call is carried out and its answer never comes.
    pub fn answer_lost() -> Fault {
        Fault::CarriedOut(Box::new(Fault::Hang))
    }

    /// The call is carried out and answered `InternalServiceException` (500), which the SDK retries.
    pub fn answer_lost_to_500() -> Fault {
        Fault::CarriedOut(Box::new(Fault::internal()))
    }

    /// `InternalServiceException` (500).
    pub fn internal() -> Fault {
        Fault::Error {
            status: 500,
            error_type: "InternalServiceException".to_string(),
            message: "Internal service exception".to_string(),
        }
    }
}

/// A token bucket's rate and size (see
/// [`ConnectEmulator::set_rate_limit`](super::ConnectEmulator::set_rate_limit)).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    /// Tokens added per second.
    pub per_second: f64,
    /// Bucket size, and the number of calls that pass at once from a full bucket.
    pub burst: u32,
}

impl RateLimit {
    /// Connect's documented quota for each routing-profile and tagging operation: 2 per second,
    /// burst 5.
    pub fn connect_default() -> RateLimit {
        RateLimit {
            per_second: 2.0,
            burst: 5,
        }
    }
}

/// How long each change to a profile takes to reach reads (see
/// [`ConnectEmulator::set_read_lag_range`](super::ConnectEmulator::set_read_lag_range)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadLag {
    /// The shortest lag of a change.
    pub min: Duration,
    /// The longest; each change's lag is drawn uniformly between `min` and `max` (`min` when
    /// `max` is not above it).
    pub max: Duration,
    /// Seeds the draws, so that the same calls in the same order lag the same.
    pub seed: u64,
}

impl ReadLag {
    /// Every change lags exactly `lag`.
    pub fn fixed(lag: Duration) -> ReadLag {
        ReadLag {
            min: lag,
            max: lag,
            seed: 0,
        }
    }
}

/// A media concurrency of a routing profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaConcurrency {
    /// VOICE, CHAT, TASK or EMAIL.
    pub channel: String,
    /// Contacts of this channel an agent handles at once; `None` when the channel was given by
    /// its workload types alone.
    pub concurrency: Option<i32>,
    /// `CrossChannelBehavior.BehaviorType` (defaulted to `ROUTE_CURRENT_CHANNEL_ONLY`).
    pub behavior_type: String,
    /// `WorkloadTypeConcurrencies` in the order last sent; empty when none were.
    pub workload_types: Vec<WorkloadTypeConcurrency>,
}

/// A workload type's concurrency within one channel of a routing profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkloadTypeConcurrency {
    /// `WorkloadType`.
    pub workload_type: String,
    /// Contacts of this workload type an agent handles at once.
    pub concurrency: i32,
    /// `CrossChannelWorkloadBehavior.ChannelWorkloadBehaviorType`, as sent (no default is known).
    pub behavior_type: Option<String>,
}

/// A queue associated with a routing profile for one channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueConfig {
    /// The queue ID.
    pub queue_id: String,
    /// The channel.
    pub channel: String,
    /// 1-99, lower first.
    pub priority: i32,
    /// 0-9999 seconds.
    pub delay: i32,
}

/// A manual assignment queue of a routing profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManualQueue {
    /// The queue ID.
    pub queue_id: String,
    /// CHAT, TASK or EMAIL.
    pub channel: String,
}

/// A snapshot of a routing profile, including what Describe does not return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// The instance it belongs to.
    pub instance_id: String,
    /// RoutingProfileId.
    pub id: String,
    /// RoutingProfileArn.
    pub arn: String,
    /// Name, unique within the instance.
    pub name: String,
    /// Description.
    pub description: String,
    /// DefaultOutboundQueueId.
    pub default_outbound_queue_id: String,
    /// MediaConcurrencies in the order last sent.
    pub media_concurrencies: Vec<MediaConcurrency>,
    /// AgentAvailabilityTimer (defaulted to `TIME_SINCE_LAST_ACTIVITY`).
    pub agent_availability_timer: String,
    /// Queue configs sorted by (queue ID, channel).
    pub queue_configs: Vec<QueueConfig>,
    /// Manual assignment queues sorted by (queue ID, channel).
    pub manual_assignment_queues: Vec<ManualQueue>,
    /// Tags.
    pub tags: BTreeMap<String, String>,
    /// Users assigned (see [`ConnectEmulator::set_users`](super::ConnectEmulator::set_users)).
    pub users: u64,
    /// The instance's default profile (`IsDefault`), which DeleteRoutingProfile refuses.
    pub is_default: bool,
}
