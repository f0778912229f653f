//! What a test holds: the emulator's handle, through which it seeds the account, scripts faults,
//! rate limits and read lag, and inspects the calls and the profiles as they really are.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use super::http;
use super::lag::Lag;
use super::state::{Injected, Quotas, Shared, Stored, now_epoch, profile_id};
use super::types::{
    Call, DEFAULT_PROFILE_NAME, DEMO_INSTANCE_ID, DEMO_INSTANCE2_ID, Fault, MediaConcurrency,
    Profile, QueueConfig, RateLimit, ReadLag, demo_queue_id, demo_queue_name, demo2_queue_id,
    routing_profile_arn,
};
use crate::server;

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
            .account
            .instances
            .entry(id.to_string())
            .or_default();
    }

    /// Adds or renames a queue, creating the instance if needed.
    pub fn add_queue(&self, instance_id: &str, queue_id: &str, name: &str) {
        self.shared
            .lock()
            .account
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
        let found = state
            .account
            .instances
            .get_mut(instance_id)
            .and_then(|i| i.profiles.get_mut(profile_id));
        let Some(stored) = found else {
            return false;
        };
        stored.profile.users = n;
        // Users are assigned outside the API: reads see them at once, lag or not.
        if let Some(lag) = state.lag.as_mut() {
            lag.patch(instance_id, profile_id, |s| s.profile.users = n);
        }
        true
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
        let account = &mut state.account;
        account.next_id += 1;
        let id = profile_id(account.next_id);
        let instance = account
            .instances
            .entry(instance_id.to_string())
            .or_default();
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
                concurrency: Some(1),
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

    /// All routing profiles as they are, whatever reads lag behind, sorted by (instance ID, name).
    pub fn profiles(&self) -> Vec<Profile> {
        let state = self.shared.lock();
        let mut all: Vec<Profile> = state
            .account
            .instances
            .values()
            .flat_map(|i| i.profiles.values().map(|s| s.profile.clone()))
            .collect();
        all.sort_by(|a, b| (&a.instance_id, &a.name, &a.id).cmp(&(&b.instance_id, &b.name, &b.id)));
        all
    }

    /// The routing profile with this ID as it is, in any instance.
    pub fn profile(&self, id: &str) -> Option<Profile> {
        self.stored(id, |s| s.profile.clone())
    }

    /// When the profile with this ID last changed, in epoch seconds with milliseconds, as
    /// Describe's `LastModifiedTime` reports it (reads under a lag may report an earlier one).
    pub fn last_modified(&self, id: &str) -> Option<f64> {
        self.stored(id, |s| s.modified)
    }

    fn stored<T>(&self, id: &str, read: impl Fn(&Stored) -> T) -> Option<T> {
        let state = self.shared.lock();
        state
            .account
            .instances
            .values()
            .find_map(|i| i.profiles.get(id).map(&read))
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
        self.shared.lock().account.queue_quota = quota;
    }

    /// Makes reads lag writes by `lag`, as Connect's API is eventually consistent: Describe, the
    /// List calls and ListTagsForResource see every profile as it was `lag` ago (one deleted
    /// since still shows, one created since does not), and any call naming a profile created
    /// less than `lag` ago answers `ResourceNotFoundException`. Writes act on the profiles as
    /// they are. `None` ends the lag: every change made so far reaches reads at once.
    pub fn set_read_lag(&self, lag: Option<Duration>) {
        self.set_read_lag_range(lag.map(ReadLag::fixed));
    }

    /// Like [`set_read_lag`](Self::set_read_lag), with each change's lag drawn between
    /// `lag.min` and `lag.max`, so that changes reach reads unevenly, a later one possibly
    /// before an earlier one. Changes already made keep the lag they were given.
    pub fn set_read_lag_range(&self, lag: Option<ReadLag>) {
        let mut state = self.shared.lock();
        match (state.lag.as_mut(), lag) {
            (Some(current), Some(lag)) => current.set(lag),
            (_, lag) => state.lag = lag.map(Lag::new),
        }
    }
}
