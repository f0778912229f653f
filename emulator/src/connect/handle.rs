//! What a test holds: the emulator's handle, the faults and rate limit it can script, the demo
//! account, and snapshots of the profiles it stores.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use super::http;
use super::state::{Injected, Quotas, Shared, Stored, now_epoch};
use crate::server;

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

fn demo_queue_name(n: u32) -> String {
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

/// A scripted misbehaviour for [`ConnectEmulator::inject`].
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

/// A token bucket's rate and size (see [`ConnectEmulator::set_rate_limit`]).
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

/// A media concurrency of a routing profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaConcurrency {
    /// VOICE, CHAT, TASK or EMAIL.
    pub channel: String,
    /// Contacts of this channel an agent handles at once.
    pub concurrency: i32,
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
    /// Users assigned (see [`ConnectEmulator::set_users`]).
    pub users: u64,
    /// The instance's default profile (`IsDefault`), which DeleteRoutingProfile refuses.
    pub is_default: bool,
}

/// The Amazon Connect emulator; see the module docs.
#[derive(Clone)]
pub struct ConnectEmulator {
    shared: Arc<Shared>,
    port: u16,
    scheme: &'static str,
}

impl ConnectEmulator {
    /// Starts an empty emulator on an ephemeral loopback port; call from inside a Tokio runtime.
    pub async fn start() -> ConnectEmulator {
        Self::start_on(0)
            .await
            .expect("cannot bind 127.0.0.1:0 for a local test server")
    }

    /// Starts it on a fixed loopback port, for a long-running local setup (`runner --serve`).
    pub async fn start_on(port: u16) -> std::io::Result<ConnectEmulator> {
        Self::start_at(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).await
    }

    /// Starts it on `addr`, for example 0.0.0.0 so that a container can reach it (`runner --serve
    /// --bind`). The URLs it gives out name 127.0.0.1, which reaches it only when `addr` is loopback
    /// or unspecified.
    pub async fn start_at(addr: SocketAddr) -> std::io::Result<ConnectEmulator> {
        let shared = Arc::new(Shared::default());
        let handler_shared = shared.clone();
        let addr =
            server::spawn_at(addr, move |req| http::handle(handler_shared.clone(), req)).await?;
        Ok(ConnectEmulator {
            shared,
            port: addr.port(),
            scheme: "http",
        })
    }

    /// Starts it over HTTPS with `tls`'s certificate on `addr` (port 0: an ephemeral one).
    pub async fn start_tls_at(
        addr: SocketAddr,
        tls: crate::tls::ServerTls,
    ) -> std::io::Result<ConnectEmulator> {
        let shared = Arc::new(Shared::default());
        let handler_shared = shared.clone();
        let addr = server::spawn_tls_at(addr, tls, move |req| {
            http::handle(handler_shared.clone(), req)
        })
        .await?;
        Ok(ConnectEmulator {
            shared,
            port: addr.port(),
            scheme: "https",
        })
    }

    /// Over HTTPS on a loopback port (0: an ephemeral one).
    pub async fn start_tls_on(
        port: u16,
        tls: crate::tls::ServerTls,
    ) -> std::io::Result<ConnectEmulator> {
        Self::start_tls_at(SocketAddr::from((Ipv4Addr::LOCALHOST, port)), tls).await
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:PORT` (or `https://`), for the SDK's `endpoint_url`.
    pub fn endpoint(&self) -> String {
        format!("{}://127.0.0.1:{}", self.scheme, self.port)
    }

    /// Adds an instance (no-op if it exists).
    pub fn add_instance(&self, id: &str) {
        self.shared
            .lock()
            .instances
            .entry(id.to_string())
            .or_default();
    }

    /// Adds or renames a queue, creating the instance if needed.
    pub fn add_queue(&self, instance_id: &str, queue_id: &str, name: &str) {
        self.shared
            .lock()
            .instances
            .entry(instance_id.to_string())
            .or_default()
            .queues
            .insert(queue_id.to_string(), name.to_string());
    }

    /// Sets how many users are assigned to a profile; more than 0 makes Delete answer
    /// `ResourceInUseException`. Returns false if there is no such profile.
    pub fn set_users(&self, instance_id: &str, profile_id: &str, n: u64) -> bool {
        let mut state = self.shared.lock();
        match state
            .instances
            .get_mut(instance_id)
            .and_then(|i| i.profiles.get_mut(profile_id))
        {
            Some(stored) => {
                stored.profile.users = n;
                true
            }
            None => false,
        }
    }

    /// Adds a profile as someone made it in the Connect console, before any stack: no marker tags,
    /// VOICE only, the instance's first queue as its default outbound queue and on VOICE at
    /// priority 1, one tag of its own (`made-in: console`). Nothing is logged and no quota is
    /// used. Edit it afterwards with the SDK, as the console would. Panics if the instance has no
    /// queue or the name is taken.
    pub fn seed_profile(&self, instance_id: &str, name: &str) -> Profile {
        self.seed(instance_id, name, false)
    }

    /// Adds the instance's default routing profile, "Basic Routing Profile" (`IsDefault`), as
    /// every Connect instance has one; DeleteRoutingProfile refuses it with
    /// `InvalidRequestException`. Panics as [`seed_profile`](Self::seed_profile) does.
    pub fn seed_default_profile(&self, instance_id: &str) -> Profile {
        self.seed(instance_id, DEFAULT_PROFILE_NAME, true)
    }

    fn seed(&self, instance_id: &str, name: &str, is_default: bool) -> Profile {
        let mut state = self.shared.lock();
        state.next_id += 1;
        let id = format!("00000000-0000-4000-8000-{:012}", state.next_id);
        let instance = state.instances.entry(instance_id.to_string()).or_default();
        let Some(queue) = instance.queues.keys().next().cloned() else {
            panic!("seed a queue in {instance_id} before its profiles");
        };
        assert!(
            instance.profiles.values().all(|s| s.profile.name != name),
            "a profile named {name:?} is already in {instance_id}"
        );
        let profile = Profile {
            instance_id: instance_id.to_string(),
            id: id.clone(),
            arn: routing_profile_arn(instance_id, &id),
            name: name.to_string(),
            description: format!("{name}, made in the Connect console"),
            default_outbound_queue_id: queue.clone(),
            media_concurrencies: vec![MediaConcurrency {
                channel: "VOICE".to_string(),
                concurrency: 1,
                behavior_type: "ROUTE_CURRENT_CHANNEL_ONLY".to_string(),
                workload_types: Vec::new(),
            }],
            agent_availability_timer: "TIME_SINCE_LAST_ACTIVITY".to_string(),
            queue_configs: vec![QueueConfig {
                queue_id: queue,
                channel: "VOICE".to_string(),
                priority: 1,
                delay: 0,
            }],
            manual_assignment_queues: Vec::new(),
            tags: BTreeMap::from([("made-in".to_string(), "console".to_string())]),
            users: 0,
            is_default,
        };
        instance.profiles.insert(
            id,
            Stored {
                profile: profile.clone(),
                modified: now_epoch(),
            },
        );
        profile
    }

    /// Creates the demo account of the project's example events: [`DEMO_INSTANCE_ID`] with queues
    /// 1-30 ("Outbound", "Voice", "Chat", "Tasks", "Email", "Overflow 6" .. "Overflow 30") and
    /// [`DEMO_INSTANCE2_ID`] with queues 1-5 named likewise.
    pub fn seed_demo(&self) {
        for n in 1..=30u32 {
            self.add_queue(DEMO_INSTANCE_ID, &demo_queue_id(n), &demo_queue_name(n));
        }
        for n in 1..=5u32 {
            self.add_queue(DEMO_INSTANCE2_ID, &demo2_queue_id(n), &demo_queue_name(n));
        }
    }

    /// Every request received so far, in arrival order.
    pub fn calls(&self) -> Vec<Call> {
        self.shared.lock().calls.clone()
    }

    /// Forgets the recorded calls.
    pub fn clear_calls(&self) {
        self.shared.lock().calls.clear();
    }

    /// All routing profiles, sorted by (instance ID, name).
    pub fn profiles(&self) -> Vec<Profile> {
        let state = self.shared.lock();
        let mut all: Vec<Profile> = state
            .instances
            .values()
            .flat_map(|i| i.profiles.values().map(|s| s.profile.clone()))
            .collect();
        all.sort_by(|a, b| (&a.instance_id, &a.name, &a.id).cmp(&(&b.instance_id, &b.name, &b.id)));
        all
    }

    /// The routing profile with this ID, in any instance.
    pub fn profile(&self, id: &str) -> Option<Profile> {
        let state = self.shared.lock();
        state
            .instances
            .values()
            .find_map(|i| i.profiles.get(id).map(|s| s.profile.clone()))
    }

    /// The next `times` calls of `operation` (e.g. `"CreateRoutingProfile"`, or `"*"` for any)
    /// get `fault`. Injections are consumed in the order they were made.
    pub fn inject(&self, operation: &str, fault: Fault, times: usize) {
        if times == 0 {
            return;
        }
        self.shared.lock().faults.push(Injected {
            operation: operation.to_string(),
            fault,
            remaining: times,
        });
    }

    /// Forgets the injected faults not yet used up.
    pub fn clear_faults(&self) {
        self.shared.lock().faults.clear();
    }

    /// Applies Connect's API throttling quotas: every operation, reads included, gets a token
    /// bucket of its own with this limit (starting full), as Connect keeps one per operation per
    /// account and Region; a call whose bucket is empty gets `ThrottlingException` (429). `None`
    /// removes every limit, overrides included.
    pub fn set_rate_limit(&self, limit: Option<RateLimit>) {
        self.shared.lock().quotas = limit.map(|default| Quotas {
            default,
            overrides: BTreeMap::new(),
            buckets: BTreeMap::new(),
        });
    }

    /// Gives one operation (e.g. `"DescribeRoutingProfile"`, which the Service Quotas console
    /// shows at 10/s in some accounts) its own limit, with a full bucket, once
    /// [`set_rate_limit`](Self::set_rate_limit) has set the others'.
    pub fn set_operation_rate_limit(&self, operation: &str, limit: RateLimit) {
        let mut state = self.shared.lock();
        if let Some(quotas) = state.quotas.as_mut() {
            quotas.overrides.insert(operation.to_string(), limit);
            quotas.buckets.retain(|op, _| *op != operation);
        }
    }

    /// Sets the account quota of (queue, channel) pairs per profile, for each of the two lists;
    /// `None` restores the table's default. Associations that would pass it are
    /// `LimitExceededException`.
    pub fn set_queues_per_profile(&self, quota: Option<usize>) {
        self.shared.lock().queue_quota = quota;
    }
}
