//! Shared test world: the real handler with the real SDK client over HTTP to the Connect emulator,
//! answering to a local ResponseURL receiver.
#![allow(dead_code)]

use std::path::Path;
use std::time::Duration;

use connect_emulator::connect::ConnectEmulator;
use connect_emulator::receiver::{Received, ResponseReceiver};
use routing_profile_resource::connect::Connect;
use routing_profile_resource::handler::{Handler, InvocationError};
use routing_profile_resource::model::{Owner, ProfileRef, ProfileState};
use routing_profile_resource::response::{Answer, Responder};
use routing_profile_resource::{arn, properties};
use serde_json::Value;
use tokio::time::Instant;

/// The path and query every test ResponseURL carries, signature included.
pub const RESPONSE_TARGET: &str = "/cfn/arn%3Aaws%3Acloudformation%3Aus-east-1%3A123456789012%3Astack/s/1%7CSupportTier1%7Cr?X-Amz-Credential=AKIA%2F20261124%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=0123456789abcdef";

/// A Connect emulator with the demo account, a receiver, and a handler wired to both.
pub struct World {
    pub connect: ConnectEmulator,
    pub receiver: ResponseReceiver,
    pub handler: Handler,
    pub client: Connect,
}

impl World {
    pub async fn start() -> World {
        let connect = ConnectEmulator::start().await;
        connect.seed_demo();
        let receiver = ResponseReceiver::start().await;
        let client = Connect::for_endpoint(&connect.endpoint());
        let handler = Handler::new(client.clone(), Responder::new(false));
        World {
            connect,
            receiver,
            handler,
            client,
        }
    }

    /// An event from `events/`, answering to this world's receiver.
    pub fn event(&self, name: &str) -> Value {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("events")
            .join(format!("{name}.json"));
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut event: Value = serde_json::from_str(&text).expect("event JSON");
        event["ResponseURL"] = Value::String(self.receiver.url(RESPONSE_TARGET));
        event
    }

    /// Runs the handler with a generous deadline and returns the one answer PUT it made.
    pub async fn send(&self, event: Value) -> Value {
        let before = self.receiver.requests().len();
        self.invoke(event, Duration::from_secs(30))
            .await
            .expect("the invocation delivers an answer");
        let requests = self.receiver.requests();
        assert_eq!(requests.len(), before + 1, "exactly one answer per event");
        requests[before].json()
    }

    /// Runs the handler with the given time to its deadline.
    pub async fn invoke(&self, event: Value, within: Duration) -> Result<Answer, InvocationError> {
        self.handler.handle(event, Instant::now() + within).await
    }

    /// The ARNs of the profiles the emulator holds.
    pub fn profile_arns(&self) -> Vec<String> {
        self.connect.profiles().into_iter().map(|p| p.arn).collect()
    }

    /// The last PUT the receiver got.
    pub fn last_put(&self) -> Received {
        self.receiver.requests().pop().expect("a PUT")
    }

    /// The Connect operations called since the last `clear_calls`.
    pub fn calls(&self) -> Vec<String> {
        self.connect
            .calls()
            .into_iter()
            .map(|c| c.operation)
            .collect()
    }

    /// The write operations called since the last `clear_calls` (reads left out).
    pub fn writes(&self) -> Vec<String> {
        self.calls()
            .into_iter()
            .filter(|op| !op.starts_with("Describe") && !op.starts_with("List"))
            .collect()
    }

    /// The live profile behind a PhysicalResourceId, read through the SDK.
    pub async fn live(&self, physical: &str) -> ProfileState {
        let profile = profile_ref(physical);
        self.client.fetch(&profile).await.expect("profile readable")
    }
}

pub fn profile_ref(physical: &str) -> ProfileRef {
    arn::routing_profile(physical)
        .unwrap_or_else(|| panic!("{physical} is not a routing profile ARN"))
}

/// What the profile should hold for these properties, ownership marker included.
pub fn expected(event: &Value, properties_key: &str) -> ProfileState {
    let mut state = properties::parse(&event[properties_key])
        .expect("valid properties")
        .profile;
    let owner = Owner {
        stack_id: event["StackId"].as_str().expect("StackId").to_string(),
        logical_resource_id: event["LogicalResourceId"]
            .as_str()
            .expect("LogicalResourceId")
            .to_string(),
    };
    state.tags.extend(owner.tags());
    state
}

pub fn physical_of(answer: &Value) -> String {
    answer["PhysicalResourceId"]
        .as_str()
        .expect("PhysicalResourceId")
        .to_string()
}

pub fn reason_of(answer: &Value) -> String {
    answer["Reason"].as_str().unwrap_or_default().to_string()
}

/// Sets a new RequestId, so the event is a different request than the file's.
pub fn with_request_id(mut event: Value, id: &str) -> Value {
    event["RequestId"] = Value::String(id.to_string());
    event
}

pub fn with_physical(mut event: Value, physical: &str) -> Value {
    event["PhysicalResourceId"] = Value::String(physical.to_string());
    event
}
