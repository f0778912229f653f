//! Local stand-ins for the three remote parties the `routing-profile-resource` Lambda talks to.
//!
//! The Lambda's correctness lives almost entirely at its edges: the exact JSON it sends to Amazon
//! Connect, how it reads Connect's errors and pages, what it PUTs to CloudFormation's pre-signed
//! ResponseURL, and how it behaves under the Lambda Runtime API. Mocking at the Rust-type level
//! (e.g. `aws-smithy-mocks`) would skip the wire format and the SDK's own retry and pagination
//! logic, which is where the surprises are. So each stand-in here is a real HTTP/1.1 server on
//! `127.0.0.1:0` that the unmodified clients (`aws-sdk-connect`, the function's hyper client,
//! `lambda_runtime`) talk to over TCP:
//!
//! - [`connect::ConnectEmulator`]: Amazon Connect's REST-JSON routing-profile API with in-memory
//!   state, the service's validation rules and error codes, pagination, a token bucket per
//!   operation, reads that lag writes as Connect's eventual consistency allows, calls that are all
//!   or nothing, and scripted faults (throttling, 5xx, delays, hangs, lost answers).
//! - [`receiver::ResponseReceiver`]: the S3 pre-signed URL CloudFormation hands out as
//!   `ResponseURL`; it records each request byte-for-byte (raw request-target, headers, body) and
//!   can answer with scripted statuses or not at all.
//! - [`runtime_api::RuntimeApi`]: the Lambda Runtime API (`/2018-06-01/runtime/...`) so the real
//!   bootstrap binary can be run and timed locally, with deadlines under test control.
//!
//! Connect and the ResponseURL can also be served over HTTPS (`start_tls_on`), with a certificate
//! from a CA made at test time ([`tls::TestCa`]), as production's endpoints are.
//!
//! This crate is a test double: it is used by integration tests, the offline demo runner and the
//! cold-start benchmark, and is never linked into the Lambda binary.
//!
//! Every server must be started from inside a Tokio runtime; it runs in background tasks for as
//! long as that runtime lives. Handles are cheap `Clone`s of one shared state, so a test can keep
//! one for inspection and give another away.

pub mod connect;
pub mod receiver;
pub mod runtime_api;
mod server;
pub mod tls;

pub use connect::{
    Call, ConnectEmulator, DEMO_INSTANCE_ID, DEMO_INSTANCE2_ID, Fault, Profile, RateLimit, ReadLag,
    demo_queue_id, demo2_queue_id,
};
pub use receiver::{Received, ResponseReceiver};
pub use runtime_api::{Outcome, RuntimeApi};
pub use tls::{PemFile, ServerTls, TestCa};
