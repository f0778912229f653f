//! The harness every test shares: the real handler with the real SDK client over HTTP to the
//! Connect emulator, answering to a local ResponseURL receiver; the requests CloudFormation sends,
//! built from `events/` and from earlier requests; and a parsed view of each answer.

use std::fmt;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use connect_emulator::connect::ConnectEmulator;
use connect_emulator::receiver::{Received, ResponseReceiver};
use routing_profile_resource::connect::{Connect, ReadAgain, Tuning};
use routing_profile_resource::handler::{Handler, InvocationError};
use routing_profile_resource::lifecycle::ownership::{Origin, Owner};
use routing_profile_resource::model::{ProfileRef, ProfileState};
use routing_profile_resource::response::{self, Responder};
use routing_profile_resource::{arn, properties};
use serde_json::{Value, json};
use tokio::time::Instant;

/// The path and query every test ResponseURL carries, signature included.
pub const RESPONSE_TARGET: &str = "/cfn/arn%3Aaws%3Acloudformation%3Aus-east-1%3A123456789012%3Astack/s/1%7CSupportTier1%7Cr?X-Amz-Credential=AKIA%2F20261124%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=0123456789abcdef";

/// How the worlds' clients read again: the emulator shows every write at once, so a NotFound for a
/// profile the client just made comes from a test (a console delete, an injected fault) and is
/// read again only briefly; `read_again` tests the policy with windows of its own.
pub const QUICK_READ_AGAIN: ReadAgain = ReadAgain {
    window: Duration::from_millis(400),
    first_wait: Duration::from_millis(20),
    max_wait: Duration::from_millis(100),
};

/// Taken by the tests that load the machine most (the fault run, the stack of 200), so that they
/// never run at the same time: each gives its invocations deadlines of a few seconds, and on two
/// cores together they starved answers past them (CI: the fault run's answer PUTs started with
/// 30-110 ms left of a 300 ms reserve).
static HEAVY: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Waits until no other heavy test runs; hold the guard for the whole test.
pub async fn heavy() -> tokio::sync::MutexGuard<'static, ()> {
    HEAVY.lock().await
}

/// A Connect emulator with the demo account, a receiver, and a handler wired to both.
pub struct World {
    pub connect: ConnectEmulator,
    pub receiver: ResponseReceiver,
    pub handler: Handler,
    pub client: Connect,
    /// How the handler's client retries and reads again: other processes' clients do the same.
    tuning: Tuning,
    read_again: ReadAgain,
}

impl World {
    pub async fn start() -> World {
        Self::start_tuned(Tuning::default()).await
    }

    /// A world whose handler's Connect client retries and times out as `tuning` says, and reads
    /// again as [`QUICK_READ_AGAIN`] says.
    pub async fn start_tuned(tuning: Tuning) -> World {
        Self::start_with(tuning, QUICK_READ_AGAIN).await
    }

    /// A world whose handler's Connect client retries as `tuning` says and reads again as
    /// `read_again` says.
    pub async fn start_with(tuning: Tuning, read_again: ReadAgain) -> World {
        let connect = ConnectEmulator::start().await;
        connect.seed_demo();
        let receiver = ResponseReceiver::start().await;
        let client =
            Connect::for_endpoint_tuned(&connect.endpoint(), tuning).with_read_again(read_again);
        let handler = Handler::new(client.clone(), Responder::new(false));
        World {
            connect,
            receiver,
            handler,
            client,
            tuning,
            read_again,
        }
    }

    /// A handler in another Lambda execution environment: a Connect client of its own, which has
    /// created nothing (so it knows of no profile Connect may not show yet), tuned as this world's.
    pub fn other_process(&self) -> Handler {
        let client = Connect::for_endpoint_tuned(&self.connect.endpoint(), self.tuning)
            .with_read_again(self.read_again);
        Handler::new(client, Responder::new(false))
    }

    /// [`World::send`] through `handler` (another process's, say).
    pub async fn send_via(&self, handler: &Handler, event: Value) -> Answer {
        let before = self.receiver.requests().len();
        handler
            .handle(event.clone(), Instant::now() + Duration::from_secs(30))
            .await
            .expect("the invocation delivers an answer");
        let requests = self.receiver.requests();
        assert_eq!(requests.len(), before + 1, "exactly one answer per event");
        Answer::of(&requests[before], event)
    }

    /// The request in `events/NAME.json`, answering to this world's receiver.
    pub fn event(&self, name: &str) -> Value {
        self.answering_here(event(name))
    }

    /// The request in `events/NAME.json` for the resource `physical`, answering here.
    pub fn event_on(&self, name: &str, physical: &str) -> Value {
        self.answering_here(event_on(name, physical))
    }

    fn answering_here(&self, mut event: Value) -> Value {
        event["ResponseURL"] = Value::String(self.receiver.url(RESPONSE_TARGET));
        event
    }

    /// Runs the handler with a generous deadline and returns the one answer PUT it made.
    pub async fn send(&self, event: Value) -> Answer {
        self.send_via(&self.handler, event).await
    }

    /// Runs `event` against a deadline `within` from now (short enough for a hung call to run into
    /// it); the answer it PUT.
    pub async fn answer_within(&self, event: &Value, within: Duration) -> Answer {
        self.invoke(event.clone(), within)
            .await
            .expect("an answer is delivered");
        self.last_answer(event.clone())
    }

    /// Runs the handler with the given time to its deadline.
    pub async fn invoke(
        &self,
        event: Value,
        within: Duration,
    ) -> Result<response::Answer, InvocationError> {
        self.handler.handle(event, Instant::now() + within).await
    }

    /// The answer the receiver got for `request` (found by its RequestId), for requests run at
    /// the same time as others.
    pub fn answer_to(&self, request: &Value) -> Answer {
        let puts: Vec<Received> = self
            .receiver
            .requests()
            .into_iter()
            .filter(|put| put.json()["RequestId"] == request["RequestId"])
            .collect();
        assert_eq!(puts.len(), 1, "exactly one answer per event");
        Answer::of(&puts[0], request.clone())
    }

    /// The ARNs of the profiles the emulator holds.
    pub fn profile_arns(&self) -> Vec<String> {
        self.connect.profiles().into_iter().map(|p| p.arn).collect()
    }

    /// The last PUT the receiver got, as it arrived.
    pub fn last_put(&self) -> Received {
        self.receiver.requests().pop().expect("a PUT")
    }

    /// The last PUT the receiver got, read as the answer to `request`.
    pub fn last_answer(&self, request: Value) -> Answer {
        Answer::of(&self.last_put(), request)
    }

    /// The Connect operations called since the last `clear_calls`.
    pub fn calls(&self) -> Vec<String> {
        self.connect
            .calls()
            .into_iter()
            .map(|c| c.operation)
            .collect()
    }

    /// The statuses of the calls of `operation` since the last `clear_calls`.
    pub fn statuses(&self, operation: &str) -> Vec<u16> {
        self.connect
            .calls()
            .iter()
            .filter(|c| c.operation == operation)
            .map(|c| c.status)
            .collect()
    }

    /// The marker tags (`cfn-custom-resource:*`) the profile of id `id` carries now.
    pub fn marker(&self, id: &str) -> std::collections::BTreeMap<String, String> {
        self.connect
            .profile(id)
            .expect("the profile is still there")
            .tags
            .into_iter()
            .filter(|(k, _)| k.starts_with("cfn-custom-resource:"))
            .collect()
    }

    /// The write operations called since the last `clear_calls` (reads left out).
    pub fn writes(&self) -> Vec<String> {
        self.calls()
            .into_iter()
            .filter(|op| !op.starts_with("Describe") && !op.starts_with("List"))
            .collect()
    }

    /// Whether the calls since the last `clear_calls` are `operation` alone, at least once: one
    /// read, read again while it may not show a write made moments ago (a Delete that leaves a
    /// profile reads its marker again within the window first), and nothing written.
    pub fn only_read(&self, operation: &str) -> bool {
        let calls = self.calls();
        !calls.is_empty() && calls.iter().all(|c| c == operation)
    }

    /// Removes a tag from a profile as someone in the console would (or as an older version of
    /// the function left it, without the request tag).
    pub async fn untag_by_hand(&self, arn: &str, key: &str) {
        self.client
            .client()
            .untag_resource()
            .resource_arn(arn)
            .tag_keys(key)
            .send()
            .await
            .expect("an untag by hand");
    }

    /// The live profile behind a PhysicalResourceId, read through the SDK.
    pub async fn live(&self, physical: &str) -> ProfileState {
        let profile = profile_ref(physical);
        self.client.fetch(&profile).await.expect("profile readable")
    }
}

/// The request in `events/NAME.json`, exactly as the file holds it.
pub fn event(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("events")
        .join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("event JSON")
}

/// The request in `events/NAME.json` for the resource `physical` (any string: a failed Create's
/// id, or something that is no ARN at all).
pub fn event_on(name: &str, physical: &str) -> Value {
    let mut event = event(name);
    event["PhysicalResourceId"] = Value::String(physical.to_string());
    event
}

/// The Update CloudFormation sends after `earlier` when the template's properties become `props`:
/// a new request for the resource `earlier` answered, whose old properties are `earlier`'s.
pub fn update_from(earlier: &Answer, props: Value) -> Value {
    let mut update = as_new_request(&earlier.request);
    update["RequestType"] = json!("Update");
    update["PhysicalResourceId"] = json!(earlier.physical);
    update["OldResourceProperties"] = earlier.properties();
    update["ResourceProperties"] = props;
    update
}

/// The Delete CloudFormation sends for the resource `earlier` answered, with its properties.
pub fn delete_from(earlier: &Answer) -> Value {
    let mut delete = as_new_request(&earlier.request);
    delete["RequestType"] = json!("Delete");
    delete["PhysicalResourceId"] = json!(earlier.physical);
    if let Some(fields) = delete.as_object_mut() {
        fields.remove("OldResourceProperties");
    }
    delete
}

/// The RequestId of `event`.
pub fn request_id(event: &Value) -> &str {
    event["RequestId"].as_str().expect("RequestId")
}

/// The same request again as CloudFormation's next one: a RequestId never used before.
pub fn as_new_request(event: &Value) -> Value {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let mut event = event.clone();
    event["RequestId"] = json!(format!("00000000-0000-4000-9000-{n:012}"));
    event
}

/// One answer PUT to the ResponseURL, read, with the request it answered.
#[derive(Debug, Clone)]
pub struct Answer {
    /// `SUCCESS` or `FAILED`.
    pub status: String,
    pub physical: String,
    /// Empty when the answer has none.
    pub reason: String,
    /// `Data`; null when the answer has none.
    pub data: Value,
    /// The whole body.
    pub body: Value,
    pub request: Value,
}

impl Answer {
    /// Reads a PUT's body; every answer names its status and a PhysicalResourceId.
    pub fn of(put: &Received, request: Value) -> Answer {
        let body = put.json();
        let text = |field: &str| body[field].as_str().map(str::to_string);
        Answer {
            status: text("Status").unwrap_or_else(|| panic!("no Status in {body}")),
            physical: text("PhysicalResourceId")
                .unwrap_or_else(|| panic!("no PhysicalResourceId in {body}")),
            reason: text("Reason").unwrap_or_default(),
            data: body["Data"].clone(),
            body,
            request,
        }
    }

    /// The profile the PhysicalResourceId names; panics if it names none.
    pub fn profile(&self) -> ProfileRef {
        profile_ref(&self.physical)
    }

    /// The ResourceProperties of the request this answered.
    pub fn properties(&self) -> Value {
        self.request["ResourceProperties"].clone()
    }
}

impl fmt::Display for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.body)
    }
}

pub fn profile_ref(physical: &str) -> ProfileRef {
    arn::routing_profile(physical)
        .unwrap_or_else(|| panic!("{physical} is not a routing profile ARN"))
}

/// What the profile should hold for the event's ResourceProperties, with the ownership marker of
/// the request `made_by` (the Create, or the Update that replaced the profile).
pub fn expected(event: &Value, made_by: &Value) -> ProfileState {
    expected_as(event, made_by, Origin::Created)
}

/// [`expected`] for a profile the request `made_by` created or adopted.
pub fn expected_as(event: &Value, made_by: &Value, origin: Origin) -> ProfileState {
    let mut state = properties::parse(&event["ResourceProperties"])
        .expect("valid properties")
        .profile;
    state.tags.extend(owner(made_by).tags(origin));
    state
}

/// `event` asking to adopt an existing profile of its Name (`AdoptExisting`, as CloudFormation
/// sends a Boolean: a string).
pub fn adopting(mut event: Value) -> Value {
    event["ResourceProperties"]["AdoptExisting"] = json!("true");
    event
}

/// The owner the marker of a profile made by `request` names.
pub fn owner(request: &Value) -> Owner {
    let text = |field: &str| {
        request[field]
            .as_str()
            .unwrap_or_else(|| panic!("no {field}"))
            .to_string()
    };
    Owner {
        stack_id: text("StackId"),
        logical_resource_id: text("LogicalResourceId"),
        request_id: text("RequestId"),
    }
}

/// A Connect error that no retry gets past.
pub fn refused() -> connect_emulator::connect::Fault {
    connect_emulator::connect::Fault::Error {
        status: 400,
        error_type: "InvalidParameterException".into(),
        message: "refused by the test".into(),
    }
}
