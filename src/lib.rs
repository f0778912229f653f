//! `routing-profile-resource`: an AWS Lambda that backs the CloudFormation custom resource
//! `Custom::RoutingProfile`, turning Create, Update and Delete requests into Amazon Connect calls
//! and answering CloudFormation at its presigned ResponseURL.
//!
//! How one event flows through the modules:
//!
//! ```text
//! main.rs        wiring: logging, the Connect client and the HTTP client, built once
//!   handler      deadline, panic capture, exactly one answer per event
//!     event      the CloudFormation request envelope -> Request
//!     lifecycle  Create / Update / Delete: identity, replacement, adoption, cleanup
//!       properties   ResourceProperties -> validated Properties (every Connect rule)
//!       plan         pure: desired + live ProfileState -> ordered Connect write calls
//!       connect      the only module that calls aws-sdk-connect
//!     response   the answer body (<= 4096 bytes) and its PUT to the ResponseURL
//! model, arn     the domain types and Connect ARNs that all of the above share
//! tls            the trust roots both HTTPS clients use
//! ```
//!
//! Decisions are pure functions (`properties`, `plan`, `arn`, `response::body`) covered by unit
//! tests; I/O stays in `connect`, `response` and `handler`.

pub mod arn;
pub mod connect;
pub mod constraints;
pub mod event;
pub mod failure;
pub mod handler;
pub mod lifecycle;
pub mod logging;
pub mod model;
pub mod plan;
pub mod properties;
pub mod response;
pub mod tls;
