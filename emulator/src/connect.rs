//! An in-memory Amazon Connect that speaks the routing-profile part of its REST-JSON API.
//!
//! The wire format follows what `aws-sdk-connect` 1.220 serializes and parses (its generated
//! `protocol_serde` code): PascalCase bodies, lowercase `tags` for the tagging API, labels in the
//! path, `maxResults`/`nextToken`/`tagKeys` in the query, and errors as an HTTP status plus an
//! `x-amzn-ErrorType` header and a `{"Message": ...}` body.
//!
//! # Choices where Connect's documentation is silent
//!
//! The emulator is deliberately strict, so that a client that works against it does not depend on
//! the real service being lenient:
//!
//! - A body that is not JSON, or a field of the wrong JSON type, is `InvalidRequestException`
//!   (400); a missing or out-of-range value is `InvalidParameterException` (400). Field rules are
//!   checked before any existence check.
//! - Unknown instance, routing profile or queue (including `DefaultOutboundQueueId`) is
//!   `ResourceNotFoundException` (404); a failing call changes nothing.
//! - `AssociateRoutingProfileQueues` of a (queue, channel) pair that is already associated is
//!   `InvalidParameterException`, as is the same pair twice in one list.
//! - `UpdateRoutingProfileQueues` and `DisassociateRoutingProfileQueues` of a pair that exists in
//!   the instance but is not associated with the profile are `InvalidParameterException`.
//! - More than [`MAX_QUEUES_PER_PROFILE`] queue configs (or manual assignment queues) on a profile
//!   is `LimitExceededException` (429). Connect's model lists that error only for Create, so on
//!   Associate the SDK surfaces it as an unhandled error whose `code()` is still
//!   `LimitExceededException`.
//! - More than 50 tags on a resource after `TagResource` is `InvalidParameterException`.
//! - `UpdateRoutingProfileName` with neither Name nor Description, `AssociateRoutingProfileQueues`
//!   with neither list, and `DisassociateRoutingProfileQueues` with both lists empty are
//!   `InvalidParameterException`.
//! - Only routing profiles can be tagged; any other ARN is `ResourceNotFoundException`, a string
//!   that is not a Connect ARN `InvalidParameterException`.
//! - Like the service, Describe fills in defaults that were not given: `CrossChannelBehavior`
//!   `ROUTE_CURRENT_CHANNEL_ONLY` and `AgentAvailabilityTimer` `TIME_SINCE_LAST_ACTIVITY`.
//!   `NumberOfAssociatedQueues` counts (queue, channel) pairs, i.e. the entries
//!   `ListRoutingProfileQueues` returns. Describe never returns the queue lists themselves.
//! - List calls without `maxResults` return pages of [`DEFAULT_PAGE_SIZE`], smaller than the
//!   service's, so that clients that forget to paginate fail in tests.
//! - Paths that match no operation are `UnknownOperationException` (404).

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use hyper::body::Incoming;
use hyper::{Method, Request};
use percent_encoding::percent_decode_str;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use crate::server::{self, Resp};

/// The Region every ARN is in.
pub const REGION: &str = "us-east-1";
/// The account every ARN is in.
pub const ACCOUNT_ID: &str = "123456789012";
/// The demo instance the project's example events use.
pub const DEMO_INSTANCE_ID: &str = "5f0e8c1a-3b7d-4e2a-9c61-7d2b8e4f1a90";
/// The second demo instance (for moving a profile to another instance).
pub const DEMO_INSTANCE2_ID: &str = "c3a9d7e2-6f14-4b8e-a5d0-91e2f3b4c5d6";
/// The account quota of (queue, channel) pairs per routing profile, for each of the two lists.
pub const MAX_QUEUES_PER_PROFILE: usize = 100;
/// The account quota of routing profiles per instance.
pub const MAX_PROFILES_PER_INSTANCE: usize = 500;
/// The page size of list calls that do not pass `maxResults`.
pub const DEFAULT_PAGE_SIZE: usize = 10;

const CHANNELS: [&str; 4] = ["VOICE", "CHAT", "TASK", "EMAIL"];
const BEHAVIOR_TYPES: [&str; 2] = ["ROUTE_CURRENT_CHANNEL_ONLY", "ROUTE_ANY_CHANNEL"];
const TIMERS: [&str; 2] = ["TIME_SINCE_LAST_ACTIVITY", "TIME_SINCE_LAST_INBOUND"];
const DEMO_QUEUE_NAMES: [&str; 5] = ["Outbound", "Voice", "Chat", "Tasks", "Email"];
const MAX_TAGS: usize = 50;

/// The ID of queue `n` (1-30) of the demo instance, e.g. `0b6c2f1e-0000-4a5b-8c7d-000000000001`.
pub fn demo_queue_id(n: u32) -> String {
    format!("0b6c2f1e-0000-4a5b-8c7d-{n:012}")
}

/// The ID of queue `n` (1-5) of the second demo instance.
pub fn demo2_queue_id(n: u32) -> String {
    format!("7d1e4a2b-0000-4c3d-9e8f-{n:012}")
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

    /// `InternalServiceException` (500).
    pub fn internal() -> Fault {
        Fault::Error {
            status: 500,
            error_type: "InternalServiceException".to_string(),
            message: "Internal service exception".to_string(),
        }
    }
}

/// A token bucket for mutating routing-profile calls (see [`ConnectEmulator::set_rate_limit`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    /// Tokens added per second.
    pub per_second: f64,
    /// Bucket size, and the number of calls that pass at once from a full bucket.
    pub burst: u32,
}

impl RateLimit {
    /// Connect's default for mutating routing-profile calls: 2 per second, burst 5.
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
}

#[derive(Default)]
struct Instance {
    /// Queue ID to name.
    queues: BTreeMap<String, String>,
    /// Profile ID to profile and last modification (epoch seconds).
    profiles: BTreeMap<String, (Profile, f64)>,
}

struct Injected {
    operation: String,
    fault: Fault,
    remaining: usize,
}

struct Bucket {
    limit: RateLimit,
    tokens: f64,
    refilled: Instant,
}

impl Bucket {
    fn take(&mut self) -> bool {
        let now = Instant::now();
        let elapsed = now.duration_since(self.refilled).as_secs_f64();
        self.refilled = now;
        self.tokens =
            (self.tokens + elapsed * self.limit.per_second).min(f64::from(self.limit.burst));
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[derive(Default)]
struct State {
    instances: BTreeMap<String, Instance>,
    calls: Vec<Call>,
    faults: Vec<Injected>,
    bucket: Option<Bucket>,
    next_id: u64,
}

#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    request_ids: AtomicU64,
}

/// The Amazon Connect emulator; see the module docs.
#[derive(Clone)]
pub struct ConnectEmulator {
    shared: Arc<Shared>,
    port: u16,
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
        let addr = server::spawn_at(addr, move |req| handle(handler_shared.clone(), req)).await?;
        Ok(ConnectEmulator {
            shared,
            port: addr.port(),
        })
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:PORT`, for the SDK's `endpoint_url`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Adds an instance (no-op if it exists).
    pub fn add_instance(&self, id: &str) {
        let mut state = self.shared.state.lock().unwrap();
        state.instances.entry(id.to_string()).or_default();
    }

    /// Adds or renames a queue, creating the instance if needed.
    pub fn add_queue(&self, instance_id: &str, queue_id: &str, name: &str) {
        let mut state = self.shared.state.lock().unwrap();
        state
            .instances
            .entry(instance_id.to_string())
            .or_default()
            .queues
            .insert(queue_id.to_string(), name.to_string());
    }

    /// Sets how many users are assigned to a profile; more than 0 makes Delete answer
    /// `ResourceInUseException`. Returns false if there is no such profile.
    pub fn set_users(&self, instance_id: &str, profile_id: &str, n: u64) -> bool {
        let mut state = self.shared.state.lock().unwrap();
        match state
            .instances
            .get_mut(instance_id)
            .and_then(|i| i.profiles.get_mut(profile_id))
        {
            Some((profile, _)) => {
                profile.users = n;
                true
            }
            None => false,
        }
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
        self.shared.state.lock().unwrap().calls.clone()
    }

    /// Forgets the recorded calls.
    pub fn clear_calls(&self) {
        self.shared.state.lock().unwrap().calls.clear();
    }

    /// All routing profiles, sorted by (instance ID, name).
    pub fn profiles(&self) -> Vec<Profile> {
        let state = self.shared.state.lock().unwrap();
        let mut all: Vec<Profile> = state
            .instances
            .values()
            .flat_map(|i| i.profiles.values().map(|(p, _)| p.clone()))
            .collect();
        all.sort_by(|a, b| (&a.instance_id, &a.name, &a.id).cmp(&(&b.instance_id, &b.name, &b.id)));
        all
    }

    /// The routing profile with this ID, in any instance.
    pub fn profile(&self, id: &str) -> Option<Profile> {
        let state = self.shared.state.lock().unwrap();
        state
            .instances
            .values()
            .find_map(|i| i.profiles.get(id).map(|(p, _)| p.clone()))
    }

    /// The next `times` calls of `operation` (e.g. `"CreateRoutingProfile"`, or `"*"` for any)
    /// get `fault`. Injections are consumed in the order they were made.
    pub fn inject(&self, operation: &str, fault: Fault, times: usize) {
        if times == 0 {
            return;
        }
        self.shared.state.lock().unwrap().faults.push(Injected {
            operation: operation.to_string(),
            fault,
            remaining: times,
        });
    }

    /// Applies a token bucket (starting full) to the mutating routing-profile calls; when it is
    /// empty they get `ThrottlingException` (429). `None` removes the limit.
    pub fn set_rate_limit(&self, limit: Option<RateLimit>) {
        self.shared.state.lock().unwrap().bucket = limit.map(|limit| Bucket {
            limit,
            tokens: f64::from(limit.burst),
            refilled: Instant::now(),
        });
    }
}

fn demo_queue_name(n: u32) -> String {
    match DEMO_QUEUE_NAMES.get((n as usize).wrapping_sub(1)) {
        Some(name) => (*name).to_string(),
        None => format!("Overflow {n}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Errors

#[derive(Debug)]
struct ApiError {
    status: u16,
    code: &'static str,
    message: String,
}

fn err(status: u16, code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError {
        status,
        code,
        message: message.into(),
    }
}

fn invalid_param(message: impl Into<String>) -> ApiError {
    err(400, "InvalidParameterException", message)
}

fn invalid_request(message: impl Into<String>) -> ApiError {
    err(400, "InvalidRequestException", message)
}

fn not_found(message: impl Into<String>) -> ApiError {
    err(404, "ResourceNotFoundException", message)
}

type ApiResult<T> = Result<T, ApiError>;

// ---------------------------------------------------------------------------------------------
// Routing

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Create,
    Describe,
    Delete,
    UpdateName,
    UpdateConcurrency,
    UpdateDefaultOutboundQueue,
    UpdateAgentAvailabilityTimer,
    UpdateQueues,
    AssociateQueues,
    DisassociateQueues,
    ListQueues,
    ListManualQueues,
    ListProfiles,
    TagResource,
    UntagResource,
    ListTags,
}

impl Op {
    fn name(self) -> &'static str {
        match self {
            Op::Create => "CreateRoutingProfile",
            Op::Describe => "DescribeRoutingProfile",
            Op::Delete => "DeleteRoutingProfile",
            Op::UpdateName => "UpdateRoutingProfileName",
            Op::UpdateConcurrency => "UpdateRoutingProfileConcurrency",
            Op::UpdateDefaultOutboundQueue => "UpdateRoutingProfileDefaultOutboundQueue",
            Op::UpdateAgentAvailabilityTimer => "UpdateRoutingProfileAgentAvailabilityTimer",
            Op::UpdateQueues => "UpdateRoutingProfileQueues",
            Op::AssociateQueues => "AssociateRoutingProfileQueues",
            Op::DisassociateQueues => "DisassociateRoutingProfileQueues",
            Op::ListQueues => "ListRoutingProfileQueues",
            Op::ListManualQueues => "ListRoutingProfileManualAssignmentQueues",
            Op::ListProfiles => "ListRoutingProfiles",
            Op::TagResource => "TagResource",
            Op::UntagResource => "UntagResource",
            Op::ListTags => "ListTagsForResource",
        }
    }

    /// The calls Connect's per-API rate limit of about 2 per second applies to.
    fn mutating(self) -> bool {
        !matches!(
            self,
            Op::Describe | Op::ListQueues | Op::ListManualQueues | Op::ListProfiles | Op::ListTags
        )
    }
}

/// Matches method and path; labels come back percent-decoded (ARNs arrive with `:` and `/`
/// encoded, so the raw path is split before decoding).
fn route(method: &Method, raw_path: &str) -> Option<(Op, Vec<String>)> {
    let segments: Vec<String> = raw_path
        .strip_prefix('/')?
        .split('/')
        .map(|s| percent_decode_str(s).decode_utf8().map(|s| s.into_owned()))
        .collect::<Result<_, _>>()
        .ok()?;
    if segments.iter().any(String::is_empty) {
        return None;
    }
    let seg: Vec<&str> = segments.iter().map(String::as_str).collect();
    let op = match (method, seg.as_slice()) {
        (&Method::PUT, ["routing-profiles", _]) => Op::Create,
        (&Method::GET, ["routing-profiles", _, _]) => Op::Describe,
        (&Method::DELETE, ["routing-profiles", _, _]) => Op::Delete,
        (&Method::POST, ["routing-profiles", _, _, "name"]) => Op::UpdateName,
        (&Method::POST, ["routing-profiles", _, _, "concurrency"]) => Op::UpdateConcurrency,
        (&Method::POST, ["routing-profiles", _, _, "default-outbound-queue"]) => {
            Op::UpdateDefaultOutboundQueue
        }
        (&Method::POST, ["routing-profiles", _, _, "agent-availability-timer"]) => {
            Op::UpdateAgentAvailabilityTimer
        }
        (&Method::POST, ["routing-profiles", _, _, "queues"]) => Op::UpdateQueues,
        (&Method::GET, ["routing-profiles", _, _, "queues"]) => Op::ListQueues,
        (&Method::POST, ["routing-profiles", _, _, "associate-queues"]) => Op::AssociateQueues,
        (&Method::POST, ["routing-profiles", _, _, "disassociate-queues"]) => {
            Op::DisassociateQueues
        }
        (&Method::GET, ["routing-profiles", _, _, "manual-assignment-queues"]) => {
            Op::ListManualQueues
        }
        (&Method::GET, ["routing-profiles-summary", _]) => Op::ListProfiles,
        (&Method::POST, ["tags", _]) => Op::TagResource,
        (&Method::DELETE, ["tags", _]) => Op::UntagResource,
        (&Method::GET, ["tags", _]) => Op::ListTags,
        _ => return None,
    };
    // Labels are the segments after the first, minus a trailing action word.
    let labels = segments.into_iter().skip(1).take(2).collect();
    Some((op, labels))
}

fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let decode = |s: &str| percent_decode_str(s).decode_utf8_lossy().into_owned();
            (decode(k), decode(v))
        })
        .collect()
}

fn query_value(query: &[(String, String)]) -> Value {
    let mut map = Map::new();
    for (k, v) in query {
        let repeated = k == "tagKeys" || query.iter().filter(|(k2, _)| k2 == k).count() > 1;
        if repeated {
            let entry = map
                .entry(k.clone())
                .or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(items) = entry {
                items.push(Value::String(v.clone()));
            }
        } else {
            map.insert(k.clone(), Value::String(v.clone()));
        }
    }
    Value::Object(map)
}

// ---------------------------------------------------------------------------------------------
// The request pipeline

async fn handle(shared: Arc<Shared>, req: Request<Incoming>) -> Resp {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_string();
    let query = parse_query(parts.uri.query().unwrap_or(""));
    let route = route(&parts.method, &path);
    let operation = route
        .as_ref()
        .map_or("UnknownOperation", |(op, _)| op.name());
    let body = server::read_body(body).await;
    let has_body = parts.method == Method::PUT || parts.method == Method::POST;
    let request = match (&body, has_body) {
        (Ok(bytes), true) if bytes.is_empty() => Value::Object(Map::new()),
        (Ok(bytes), true) => serde_json::from_slice(bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(bytes).into_owned())),
        _ => query_value(&query),
    };
    let request_id = format!(
        "00000000-0000-4000-a000-{:012x}",
        shared.request_ids.fetch_add(1, Ordering::Relaxed) + 1
    );

    let (index, fault) = {
        let mut state = shared.state.lock().unwrap();
        state.calls.push(Call {
            operation: operation.to_string(),
            path: path.clone(),
            status: 0,
            error_type: None,
            request,
        });
        let index = state.calls.len() - 1;
        let fault = state
            .faults
            .iter_mut()
            .find(|f| f.remaining > 0 && (f.operation == "*" || f.operation == operation))
            .map(|f| {
                f.remaining -= 1;
                f.fault.clone()
            });
        state.faults.retain(|f| f.remaining > 0);
        (index, fault)
    };

    let result: ApiResult<Value> = match fault {
        Some(Fault::Hang) => std::future::pending().await,
        Some(Fault::Error {
            status,
            error_type,
            message,
        }) => {
            let body = json!({ "Message": message });
            return finish(&shared, index, &request_id, status, Some(&error_type), body);
        }
        Some(Fault::Delay(delay)) => {
            tokio::time::sleep(delay).await;
            run(&shared, route, &query, body)
        }
        None => run(&shared, route, &query, body),
    };
    match result {
        Ok(value) => finish(&shared, index, &request_id, 200, None, value),
        Err(e) => finish(
            &shared,
            index,
            &request_id,
            e.status,
            Some(e.code),
            json!({ "Message": e.message }),
        ),
    }
}

fn run(
    shared: &Shared,
    route: Option<(Op, Vec<String>)>,
    query: &[(String, String)],
    body: Result<bytes::Bytes, String>,
) -> ApiResult<Value> {
    let Some((op, labels)) = route else {
        return Err(err(
            404,
            "UnknownOperationException",
            "no Connect operation matches this method and path",
        ));
    };
    let body = body.map_err(invalid_request)?;
    let mut state = shared.state.lock().unwrap();
    // Written without let-chains so the crate also builds on the workspace's Rust 1.85.
    let throttled = op.mutating() && state.bucket.as_mut().is_some_and(|b| !b.take());
    if throttled {
        return Err(err(429, "ThrottlingException", "Rate exceeded"));
    }
    dispatch(&mut state, op, &labels, query, &body)
}

fn finish(
    shared: &Shared,
    index: usize,
    request_id: &str,
    status: u16,
    error_type: Option<&str>,
    body: Value,
) -> Resp {
    {
        let mut state = shared.state.lock().unwrap();
        // clear_calls may have emptied the log while this call was in flight.
        if let Some(call) = state.calls.get_mut(index) {
            call.status = status;
            call.error_type = error_type.map(str::to_string);
        }
    }
    let mut headers = vec![("x-amzn-RequestId", request_id.to_string())];
    if let Some(code) = error_type {
        headers.push(("x-amzn-ErrorType", code.to_string()));
    }
    server::json(status, &headers, &body)
}

// ---------------------------------------------------------------------------------------------
// Request shapes (what the SDK serializes). Everything is optional so that a missing field becomes
// the service's InvalidParameterException instead of a deserialization error.

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct CreateInput {
    name: Option<String>,
    description: Option<String>,
    default_outbound_queue_id: Option<String>,
    media_concurrencies: Option<Vec<MediaConcurrencyIn>>,
    queue_configs: Option<Vec<QueueConfigIn>>,
    manual_assignment_queue_configs: Option<Vec<ManualConfigIn>>,
    tags: Option<BTreeMap<String, String>>,
    agent_availability_timer: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct MediaConcurrencyIn {
    channel: Option<String>,
    concurrency: Option<i64>,
    cross_channel_behavior: Option<BehaviorIn>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct BehaviorIn {
    behavior_type: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct QueueReferenceIn {
    queue_id: Option<String>,
    channel: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct QueueConfigIn {
    queue_reference: Option<QueueReferenceIn>,
    priority: Option<i64>,
    delay: Option<i64>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct ManualConfigIn {
    queue_reference: Option<QueueReferenceIn>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct UpdateNameInput {
    name: Option<String>,
    description: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct UpdateConcurrencyInput {
    media_concurrencies: Option<Vec<MediaConcurrencyIn>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct UpdateDefaultOutboundQueueInput {
    default_outbound_queue_id: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct UpdateTimerInput {
    agent_availability_timer: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct QueuesInput {
    queue_configs: Option<Vec<QueueConfigIn>>,
    manual_assignment_queue_configs: Option<Vec<ManualConfigIn>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct DisassociateInput {
    queue_references: Option<Vec<QueueReferenceIn>>,
    manual_assignment_queue_references: Option<Vec<QueueReferenceIn>>,
}

#[derive(Deserialize, Default)]
struct TagInput {
    tags: Option<BTreeMap<String, String>>,
}

fn parse<T: DeserializeOwned + Default>(body: &[u8]) -> ApiResult<T> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body).map_err(|e| invalid_request(format!("Malformed request: {e}")))
}

// ---------------------------------------------------------------------------------------------
// Validation

fn required<T>(value: Option<T>, field: &str) -> ApiResult<T> {
    value.ok_or_else(|| invalid_param(format!("{field} is required")))
}

fn check_len(value: &str, field: &str, min: usize, max: usize) -> ApiResult<()> {
    let n = value.chars().count();
    if n < min || n > max {
        return Err(invalid_param(format!(
            "{field} must be between {min} and {max} characters long"
        )));
    }
    Ok(())
}

fn check_count<T>(items: &[T], field: &str, min: usize, max: usize) -> ApiResult<()> {
    if items.len() < min || items.len() > max {
        return Err(invalid_param(format!(
            "{field} must contain between {min} and {max} items, got {}",
            items.len()
        )));
    }
    Ok(())
}

fn check_enum(value: &str, field: &str, allowed: &[&str]) -> ApiResult<()> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(invalid_param(format!(
            "{field} '{value}' is not one of {}",
            allowed.join(", ")
        )))
    }
}

fn check_name(name: &str) -> ApiResult<()> {
    check_len(name, "Name", 1, 127)
}

fn check_description(description: &str) -> ApiResult<()> {
    check_len(description, "Description", 1, 250)
}

fn check_timer(timer: &str) -> ApiResult<()> {
    check_enum(timer, "AgentAvailabilityTimer", &TIMERS)
}

fn queue_reference(
    reference: Option<QueueReferenceIn>,
    field: &str,
) -> ApiResult<(String, String)> {
    let reference = required(reference, &format!("{field}.QueueReference"))?;
    let queue_id = required(
        reference.queue_id,
        &format!("{field}.QueueReference.QueueId"),
    )?;
    check_len(&queue_id, "QueueId", 1, 500)?;
    let channel = required(
        reference.channel,
        &format!("{field}.QueueReference.Channel"),
    )?;
    check_enum(&channel, "Channel", &CHANNELS)?;
    Ok((queue_id, channel))
}

fn no_duplicate_pairs<'a>(
    pairs: impl Iterator<Item = (&'a str, &'a str)>,
    field: &str,
) -> ApiResult<()> {
    let mut seen = std::collections::BTreeSet::new();
    for (queue, channel) in pairs {
        if !seen.insert((queue, channel)) {
            return Err(invalid_param(format!(
                "{field} lists queue {queue} for channel {channel} more than once"
            )));
        }
    }
    Ok(())
}

fn queue_configs(list: Vec<QueueConfigIn>, field: &str) -> ApiResult<Vec<QueueConfig>> {
    check_count(&list, field, 1, 10)?;
    let configs = list
        .into_iter()
        .map(|c| {
            let (queue_id, channel) = queue_reference(c.queue_reference, field)?;
            let priority = required(c.priority, &format!("{field}.Priority"))?;
            if !(1..=99).contains(&priority) {
                return Err(invalid_param(format!(
                    "Priority must be between 1 and 99, got {priority}"
                )));
            }
            let delay = required(c.delay, &format!("{field}.Delay"))?;
            if !(0..=9999).contains(&delay) {
                return Err(invalid_param(format!(
                    "Delay must be between 0 and 9999, got {delay}"
                )));
            }
            Ok(QueueConfig {
                queue_id,
                channel,
                // Both are range-checked above, so the casts cannot truncate.
                priority: priority as i32,
                delay: delay as i32,
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    no_duplicate_pairs(
        configs
            .iter()
            .map(|c| (c.queue_id.as_str(), c.channel.as_str())),
        field,
    )?;
    Ok(configs)
}

fn manual_configs(list: Vec<ManualConfigIn>, field: &str) -> ApiResult<Vec<ManualQueue>> {
    check_count(&list, field, 1, 10)?;
    let queues = list
        .into_iter()
        .map(|c| {
            let (queue_id, channel) = queue_reference(c.queue_reference, field)?;
            if channel == "VOICE" {
                return Err(invalid_param(
                    "Manual assignment is not supported for the VOICE channel",
                ));
            }
            Ok(ManualQueue { queue_id, channel })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    no_duplicate_pairs(
        queues
            .iter()
            .map(|q| (q.queue_id.as_str(), q.channel.as_str())),
        field,
    )?;
    Ok(queues)
}

fn queue_references(list: Vec<QueueReferenceIn>, field: &str) -> ApiResult<Vec<(String, String)>> {
    check_count(&list, field, 0, 10)?;
    let pairs = list
        .into_iter()
        .map(|r| {
            let queue_id = required(r.queue_id, &format!("{field}.QueueId"))?;
            let channel = required(r.channel, &format!("{field}.Channel"))?;
            check_enum(&channel, "Channel", &CHANNELS)?;
            Ok((queue_id, channel))
        })
        .collect::<ApiResult<Vec<_>>>()?;
    no_duplicate_pairs(pairs.iter().map(|(q, c)| (q.as_str(), c.as_str())), field)?;
    Ok(pairs)
}

fn media_concurrencies(list: Option<Vec<MediaConcurrencyIn>>) -> ApiResult<Vec<MediaConcurrency>> {
    let list = required(list, "MediaConcurrencies")?;
    check_count(&list, "MediaConcurrencies", 1, CHANNELS.len())?;
    let media = list
        .into_iter()
        .map(|m| {
            let channel = required(m.channel, "MediaConcurrencies.Channel")?;
            check_enum(&channel, "Channel", &CHANNELS)?;
            let concurrency = required(m.concurrency, "MediaConcurrencies.Concurrency")?;
            let max = if channel == "VOICE" { 1 } else { 10 };
            if !(1..=max).contains(&concurrency) {
                return Err(invalid_param(format!(
                    "Concurrency for {channel} must be between 1 and {max}, got {concurrency}"
                )));
            }
            let behavior_type = match m.cross_channel_behavior {
                Some(b) => {
                    let t = required(b.behavior_type, "CrossChannelBehavior.BehaviorType")?;
                    check_enum(&t, "BehaviorType", &BEHAVIOR_TYPES)?;
                    t
                }
                None => BEHAVIOR_TYPES[0].to_string(),
            };
            Ok(MediaConcurrency {
                channel,
                // Range-checked above.
                concurrency: concurrency as i32,
                behavior_type,
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    let mut channels: Vec<&str> = media.iter().map(|m| m.channel.as_str()).collect();
    channels.sort_unstable();
    if channels.windows(2).any(|w| w[0] == w[1]) {
        return Err(invalid_param(
            "MediaConcurrencies must have at most one entry per channel",
        ));
    }
    Ok(media)
}

fn check_tags(tags: &BTreeMap<String, String>) -> ApiResult<()> {
    for (key, value) in tags {
        check_len(key, "Tag key", 1, 128)?;
        if key.to_ascii_lowercase().starts_with("aws:") {
            return Err(invalid_param(format!(
                "Tag key '{key}' uses the reserved prefix 'aws:'"
            )));
        }
        check_len(value, "Tag value", 0, 256)?;
    }
    if tags.len() > MAX_TAGS {
        return Err(invalid_param(format!(
            "A resource can have at most {MAX_TAGS} tags"
        )));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Operations

fn now_epoch() -> f64 {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis();
    secs as f64 / 1000.0
}

fn instance<'a>(state: &'a mut State, id: &str) -> ApiResult<&'a mut Instance> {
    state
        .instances
        .get_mut(id)
        .ok_or_else(|| not_found(format!("Instance not found: {id}")))
}

fn require_queue(instance: &Instance, instance_id: &str, queue_id: &str) -> ApiResult<()> {
    if instance.queues.contains_key(queue_id) {
        Ok(())
    } else {
        Err(not_found(format!(
            "Queue not found: {queue_id} in instance {instance_id}"
        )))
    }
}

fn profile_mut<'a>(
    instance: &'a mut Instance,
    instance_id: &str,
    id: &str,
) -> ApiResult<&'a mut (Profile, f64)> {
    instance.profiles.get_mut(id).ok_or_else(|| {
        not_found(format!(
            "RoutingProfile not found: {id} in instance {instance_id}"
        ))
    })
}

fn label(labels: &[String], i: usize) -> &str {
    labels.get(i).map_or("", String::as_str)
}

fn empty() -> Value {
    Value::Object(Map::new())
}

fn dispatch(
    state: &mut State,
    op: Op,
    labels: &[String],
    query: &[(String, String)],
    body: &[u8],
) -> ApiResult<Value> {
    let iid = label(labels, 0);
    let pid = label(labels, 1);
    match op {
        Op::Create => create(state, iid, parse(body)?),
        Op::Describe => {
            let instance = instance(state, iid)?;
            let (profile, modified) = profile_mut(instance, iid, pid)?;
            Ok(json!({ "RoutingProfile": describe_json(profile, *modified) }))
        }
        Op::Delete => {
            let instance = instance(state, iid)?;
            let (profile, _) = profile_mut(instance, iid, pid)?;
            if profile.users > 0 {
                return Err(err(
                    409,
                    "ResourceInUseException",
                    format!(
                        "RoutingProfile {pid} cannot be deleted: it is assigned to {} users",
                        profile.users
                    ),
                ));
            }
            instance.profiles.remove(pid);
            Ok(empty())
        }
        Op::UpdateName => {
            let input: UpdateNameInput = parse(body)?;
            if input.name.is_none() && input.description.is_none() {
                return Err(invalid_param("Either Name or Description is required"));
            }
            if let Some(name) = &input.name {
                check_name(name)?;
            }
            if let Some(description) = &input.description {
                check_description(description)?;
            }
            let instance = instance(state, iid)?;
            profile_mut(instance, iid, pid)?;
            let taken = input.name.as_ref().is_some_and(|name| {
                instance
                    .profiles
                    .iter()
                    .any(|(id, (p, _))| id != pid && &p.name == name)
            });
            if let (true, Some(name)) = (taken, &input.name) {
                return Err(duplicate(name));
            }
            let (profile, modified) = profile_mut(instance, iid, pid)?;
            if let Some(name) = input.name {
                profile.name = name;
            }
            if let Some(description) = input.description {
                profile.description = description;
            }
            *modified = now_epoch();
            Ok(empty())
        }
        Op::UpdateConcurrency => {
            let input: UpdateConcurrencyInput = parse(body)?;
            let media = media_concurrencies(input.media_concurrencies)?;
            let instance = instance(state, iid)?;
            let (profile, modified) = profile_mut(instance, iid, pid)?;
            profile.media_concurrencies = media;
            *modified = now_epoch();
            Ok(empty())
        }
        Op::UpdateDefaultOutboundQueue => {
            let input: UpdateDefaultOutboundQueueInput = parse(body)?;
            let queue = required(input.default_outbound_queue_id, "DefaultOutboundQueueId")?;
            let instance = instance(state, iid)?;
            profile_mut(instance, iid, pid)?;
            require_queue(instance, iid, &queue)?;
            let (profile, modified) = profile_mut(instance, iid, pid)?;
            profile.default_outbound_queue_id = queue;
            *modified = now_epoch();
            Ok(empty())
        }
        Op::UpdateAgentAvailabilityTimer => {
            let input: UpdateTimerInput = parse(body)?;
            let timer = required(input.agent_availability_timer, "AgentAvailabilityTimer")?;
            check_timer(&timer)?;
            let instance = instance(state, iid)?;
            let (profile, modified) = profile_mut(instance, iid, pid)?;
            profile.agent_availability_timer = timer;
            *modified = now_epoch();
            Ok(empty())
        }
        Op::UpdateQueues => {
            let input: QueuesInput = parse(body)?;
            let configs = queue_configs(
                required(input.queue_configs, "QueueConfigs")?,
                "QueueConfigs",
            )?;
            let instance = instance(state, iid)?;
            profile_mut(instance, iid, pid)?;
            for c in &configs {
                require_queue(instance, iid, &c.queue_id)?;
            }
            let (profile, modified) = profile_mut(instance, iid, pid)?;
            for c in &configs {
                if !profile
                    .queue_configs
                    .iter()
                    .any(|q| q.queue_id == c.queue_id && q.channel == c.channel)
                {
                    return Err(invalid_param(format!(
                        "Queue {} is not associated with the routing profile for channel {}",
                        c.queue_id, c.channel
                    )));
                }
            }
            for c in configs {
                if let Some(q) = profile
                    .queue_configs
                    .iter_mut()
                    .find(|q| q.queue_id == c.queue_id && q.channel == c.channel)
                {
                    *q = c;
                }
            }
            *modified = now_epoch();
            Ok(empty())
        }
        Op::AssociateQueues => {
            let input: QueuesInput = parse(body)?;
            if input.queue_configs.is_none() && input.manual_assignment_queue_configs.is_none() {
                return Err(invalid_param(
                    "Either QueueConfigs or ManualAssignmentQueueConfigs is required",
                ));
            }
            let configs = match input.queue_configs {
                Some(list) => queue_configs(list, "QueueConfigs")?,
                None => Vec::new(),
            };
            let manual = match input.manual_assignment_queue_configs {
                Some(list) => manual_configs(list, "ManualAssignmentQueueConfigs")?,
                None => Vec::new(),
            };
            let instance = instance(state, iid)?;
            profile_mut(instance, iid, pid)?;
            for queue in configs
                .iter()
                .map(|c| &c.queue_id)
                .chain(manual.iter().map(|m| &m.queue_id))
            {
                require_queue(instance, iid, queue)?;
            }
            let (profile, modified) = profile_mut(instance, iid, pid)?;
            for c in &configs {
                if profile
                    .queue_configs
                    .iter()
                    .any(|q| q.queue_id == c.queue_id && q.channel == c.channel)
                {
                    return Err(invalid_param(format!(
                        "Queue {} is already associated with the routing profile for channel {}",
                        c.queue_id, c.channel
                    )));
                }
            }
            for m in &manual {
                if profile.manual_assignment_queues.contains(m) {
                    return Err(invalid_param(format!(
                        "Queue {} is already associated with the routing profile for manual assignment on channel {}",
                        m.queue_id, m.channel
                    )));
                }
            }
            if profile.queue_configs.len() + configs.len() > MAX_QUEUES_PER_PROFILE
                || profile.manual_assignment_queues.len() + manual.len() > MAX_QUEUES_PER_PROFILE
            {
                return Err(err(
                    429,
                    "LimitExceededException",
                    format!(
                        "The routing profile would exceed the quota of {MAX_QUEUES_PER_PROFILE} queues"
                    ),
                ));
            }
            profile.queue_configs.extend(configs);
            profile.manual_assignment_queues.extend(manual);
            sort_queues(profile);
            *modified = now_epoch();
            Ok(empty())
        }
        Op::DisassociateQueues => {
            let input: DisassociateInput = parse(body)?;
            let refs = match input.queue_references {
                Some(list) => queue_references(list, "QueueReferences")?,
                None => Vec::new(),
            };
            let manual = match input.manual_assignment_queue_references {
                Some(list) => queue_references(list, "ManualAssignmentQueueReferences")?,
                None => Vec::new(),
            };
            if refs.is_empty() && manual.is_empty() {
                return Err(invalid_param(
                    "Either QueueReferences or ManualAssignmentQueueReferences must list a queue",
                ));
            }
            let instance = instance(state, iid)?;
            profile_mut(instance, iid, pid)?;
            for (queue, _) in refs.iter().chain(manual.iter()) {
                require_queue(instance, iid, queue)?;
            }
            let (profile, modified) = profile_mut(instance, iid, pid)?;
            for (queue, channel) in &refs {
                if !profile
                    .queue_configs
                    .iter()
                    .any(|q| &q.queue_id == queue && &q.channel == channel)
                {
                    return Err(invalid_param(format!(
                        "Queue {queue} is not associated with the routing profile for channel {channel}"
                    )));
                }
            }
            for (queue, channel) in &manual {
                if !profile
                    .manual_assignment_queues
                    .iter()
                    .any(|q| &q.queue_id == queue && &q.channel == channel)
                {
                    return Err(invalid_param(format!(
                        "Queue {queue} is not associated with the routing profile for manual assignment on channel {channel}"
                    )));
                }
            }
            profile.queue_configs.retain(|q| {
                !refs
                    .iter()
                    .any(|(qid, ch)| qid == &q.queue_id && ch == &q.channel)
            });
            profile.manual_assignment_queues.retain(|q| {
                !manual
                    .iter()
                    .any(|(qid, ch)| qid == &q.queue_id && ch == &q.channel)
            });
            *modified = now_epoch();
            Ok(empty())
        }
        Op::ListQueues => {
            let instance = instance(state, iid)?;
            let (profile, modified) = profile_mut(instance, iid, pid)?;
            let (profile, modified) = (profile.clone(), *modified);
            let (page, next) = paginate(&profile.queue_configs, query, 100)?;
            let list: Vec<Value> = page
                .iter()
                .map(|c| {
                    json!({
                        "QueueId": c.queue_id,
                        "QueueArn": queue_arn(iid, &c.queue_id),
                        "QueueName": instance.queues.get(&c.queue_id).cloned().unwrap_or_default(),
                        "Priority": c.priority,
                        "Delay": c.delay,
                        "Channel": c.channel,
                    })
                })
                .collect();
            Ok(with_token(
                json!({
                    "RoutingProfileQueueConfigSummaryList": list,
                    "LastModifiedTime": modified,
                    "LastModifiedRegion": REGION,
                }),
                next,
            ))
        }
        Op::ListManualQueues => {
            let instance = instance(state, iid)?;
            let (profile, modified) = profile_mut(instance, iid, pid)?;
            let (profile, modified) = (profile.clone(), *modified);
            let (page, next) = paginate(&profile.manual_assignment_queues, query, 100)?;
            let list: Vec<Value> = page
                .iter()
                .map(|q| {
                    json!({
                        "QueueId": q.queue_id,
                        "QueueArn": queue_arn(iid, &q.queue_id),
                        "QueueName": instance.queues.get(&q.queue_id).cloned().unwrap_or_default(),
                        "Channel": q.channel,
                    })
                })
                .collect();
            Ok(with_token(
                json!({
                    "RoutingProfileManualAssignmentQueueConfigSummaryList": list,
                    "LastModifiedTime": modified,
                    "LastModifiedRegion": REGION,
                }),
                next,
            ))
        }
        Op::ListProfiles => {
            let instance = instance(state, iid)?;
            let mut all: Vec<(&Profile, f64)> =
                instance.profiles.values().map(|(p, m)| (p, *m)).collect();
            all.sort_by(|a, b| (&a.0.name, &a.0.id).cmp(&(&b.0.name, &b.0.id)));
            let (page, next) = paginate(&all, query, 1000)?;
            let list: Vec<Value> = page
                .iter()
                .map(|(p, modified)| {
                    json!({
                        "Id": p.id,
                        "Arn": p.arn,
                        "Name": p.name,
                        "LastModifiedTime": modified,
                        "LastModifiedRegion": REGION,
                    })
                })
                .collect();
            Ok(with_token(
                json!({ "RoutingProfileSummaryList": list }),
                next,
            ))
        }
        Op::TagResource => {
            let input: TagInput = parse(body)?;
            let tags = required(input.tags, "tags")?;
            if tags.is_empty() {
                return Err(invalid_param("tags must contain at least one tag"));
            }
            check_tags(&tags)?;
            let (profile, modified) = tagged(state, iid)?;
            let mut merged = profile.tags.clone();
            merged.extend(tags);
            check_tags(&merged)?;
            profile.tags = merged;
            *modified = now_epoch();
            Ok(empty())
        }
        Op::UntagResource => {
            let keys: Vec<&str> = query
                .iter()
                .filter(|(k, _)| k == "tagKeys")
                .map(|(_, v)| v.as_str())
                .collect();
            check_count(&keys, "tagKeys", 1, MAX_TAGS)?;
            let (profile, modified) = tagged(state, iid)?;
            for key in keys {
                profile.tags.remove(key);
            }
            *modified = now_epoch();
            Ok(empty())
        }
        Op::ListTags => {
            let (profile, _) = tagged(state, iid)?;
            Ok(json!({ "tags": profile.tags }))
        }
    }
}

fn duplicate(name: &str) -> ApiError {
    err(
        409,
        "DuplicateResourceException",
        format!("A routing profile named '{name}' already exists in this instance"),
    )
}

fn sort_queues(profile: &mut Profile) {
    profile
        .queue_configs
        .sort_by(|a, b| (&a.queue_id, &a.channel).cmp(&(&b.queue_id, &b.channel)));
    profile
        .manual_assignment_queues
        .sort_by(|a, b| (&a.queue_id, &a.channel).cmp(&(&b.queue_id, &b.channel)));
}

fn create(state: &mut State, iid: &str, input: CreateInput) -> ApiResult<Value> {
    let name = required(input.name, "Name")?;
    check_name(&name)?;
    let description = required(input.description, "Description")?;
    check_description(&description)?;
    let default_queue = required(input.default_outbound_queue_id, "DefaultOutboundQueueId")?;
    let media = media_concurrencies(input.media_concurrencies)?;
    let configs = match input.queue_configs {
        Some(list) => queue_configs(list, "QueueConfigs")?,
        None => Vec::new(),
    };
    let manual = match input.manual_assignment_queue_configs {
        Some(list) => manual_configs(list, "ManualAssignmentQueueConfigs")?,
        None => Vec::new(),
    };
    let tags = input.tags.unwrap_or_default();
    check_tags(&tags)?;
    let timer = match input.agent_availability_timer {
        Some(timer) => {
            check_timer(&timer)?;
            timer
        }
        None => TIMERS[0].to_string(),
    };

    {
        let instance = instance(state, iid)?;
        require_queue(instance, iid, &default_queue)?;
        for queue in configs
            .iter()
            .map(|c| &c.queue_id)
            .chain(manual.iter().map(|m| &m.queue_id))
        {
            require_queue(instance, iid, queue)?;
        }
        if instance.profiles.values().any(|(p, _)| p.name == name) {
            return Err(duplicate(&name));
        }
        if instance.profiles.len() >= MAX_PROFILES_PER_INSTANCE {
            return Err(err(
                429,
                "LimitExceededException",
                format!("The instance already has {MAX_PROFILES_PER_INSTANCE} routing profiles"),
            ));
        }
    }
    // Counted only on success so IDs stay predictable in tests: the Nth profile created is N.
    state.next_id += 1;
    let id = format!("00000000-0000-4000-8000-{:012}", state.next_id);
    let instance = instance(state, iid)?;
    let arn = routing_profile_arn(iid, &id);
    let mut profile = Profile {
        instance_id: iid.to_string(),
        id: id.clone(),
        arn: arn.clone(),
        name,
        description,
        default_outbound_queue_id: default_queue,
        media_concurrencies: media,
        agent_availability_timer: timer,
        queue_configs: configs,
        manual_assignment_queues: manual,
        tags,
        users: 0,
    };
    sort_queues(&mut profile);
    instance.profiles.insert(id.clone(), (profile, now_epoch()));
    Ok(json!({ "RoutingProfileArn": arn, "RoutingProfileId": id }))
}

fn describe_json(p: &Profile, modified: f64) -> Value {
    let media: Vec<Value> = p
        .media_concurrencies
        .iter()
        .map(|m| {
            json!({
                "Channel": m.channel,
                "Concurrency": m.concurrency,
                "CrossChannelBehavior": { "BehaviorType": m.behavior_type },
            })
        })
        .collect();
    json!({
        "InstanceId": p.instance_id,
        "Name": p.name,
        "RoutingProfileArn": p.arn,
        "RoutingProfileId": p.id,
        "Description": p.description,
        "MediaConcurrencies": media,
        "DefaultOutboundQueueId": p.default_outbound_queue_id,
        "Tags": p.tags,
        "NumberOfAssociatedQueues": p.queue_configs.len(),
        "NumberOfAssociatedManualAssignmentQueues": p.manual_assignment_queues.len(),
        "NumberOfAssociatedUsers": p.users,
        "AgentAvailabilityTimer": p.agent_availability_timer,
        "LastModifiedTime": modified,
        "LastModifiedRegion": REGION,
        "IsDefault": false,
    })
}

/// The routing profile a tagging call's ARN names (the label arrives decoded).
fn tagged<'a>(state: &'a mut State, arn: &str) -> ApiResult<&'a mut (Profile, f64)> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [prefix, _partition, service, _region, _account, resource] = parts.as_slice() else {
        return Err(invalid_param(format!("Invalid resource ARN: {arn}")));
    };
    if *prefix != "arn" || *service != "connect" {
        return Err(invalid_param(format!("Invalid resource ARN: {arn}")));
    }
    let missing = || not_found(format!("Resource not found: {arn}"));
    let segments: Vec<&str> = resource.split('/').collect();
    let ["instance", iid, "routing-profile", pid] = segments.as_slice() else {
        return Err(missing());
    };
    let found = state
        .instances
        .get_mut(*iid)
        .and_then(|i| i.profiles.get_mut(*pid))
        .filter(|(p, _)| p.arn == arn);
    found.ok_or_else(missing)
}

/// Cuts one page out of `items` according to `maxResults` (1..=`max`) and `nextToken`.
fn paginate<'a, T>(
    items: &'a [T],
    query: &[(String, String)],
    max: usize,
) -> ApiResult<(&'a [T], Option<String>)> {
    let param = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let size = match param("maxResults") {
        Some(raw) => match raw.parse::<usize>() {
            Ok(n) if (1..=max).contains(&n) => n,
            _ => {
                return Err(invalid_param(format!(
                    "maxResults must be between 1 and {max}, got {raw}"
                )));
            }
        },
        None => DEFAULT_PAGE_SIZE,
    };
    let start = match param("nextToken") {
        Some(token) => decode_token(token)
            .filter(|&offset| offset <= items.len())
            .ok_or_else(|| invalid_param("Invalid nextToken"))?,
        None => 0,
    };
    let end = (start + size).min(items.len());
    let next = (end < items.len()).then(|| encode_token(end));
    Ok((&items[start..end], next))
}

/// Tokens are opaque to clients (an offset behind a versioned prefix); anything else a client
/// invents is rejected like the service rejects a forged token.
fn encode_token(offset: usize) -> String {
    format!("rpq1.{offset:x}")
}

fn decode_token(token: &str) -> Option<usize> {
    usize::from_str_radix(token.strip_prefix("rpq1.")?, 16).ok()
}

fn with_token(mut value: Value, next: Option<String>) -> Value {
    if let (Some(token), Value::Object(map)) = (next, &mut value) {
        map.insert("NextToken".to_string(), Value::String(token));
    }
    value
}
