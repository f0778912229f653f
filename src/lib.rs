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
//!     lifecycle  Create / Update / Delete: replacement, cleanup
//!       ownership    whose a profile is: the marker, resume / adopt / release, what a Delete
//!                    may remove, the PhysicalResourceId scheme
//!       reads        the reads a decision rests on, read again while Connect may not show a
//!                    write made moments ago; a request's own writes read back before it answers
//!       properties   ResourceProperties -> validated Properties (every Connect rule)
//!         reader       JSON reading helpers that collect every problem with its path
//!         ids, queues, concurrency, tags   the rules, by shape
//!       plan         pure: desired + live ProfileState -> ordered Connect write calls
//!       connect      the only module that calls aws-sdk-connect (wire: the SDK's shapes;
//!                    trail: the endpoint and the last attempt's failure, for the answers;
//!                    retry: retries until the deadline; consistency: how to read again while
//!                    Connect may not show a write yet, and calls on a profile just written)
//!     failure    every way a request fails; its Display is the FAILED Reason
//!     response   the answer body (<= 4096 bytes) and its PUT to the ResponseURL
//! model, arn     the domain types and Connect ARNs that all of the above share
//! constraints    Connect's limits, lengths and enums, from its service model
//! https          the one HTTP client (hyper, rustls) of Connect's SDK and the ResponseURL
//! tls            what it trusts: compiled-in roots, AWS_CA_BUNDLE
//! ```
//!
//! Decisions are pure functions (`properties`, `plan`, `arn`, `lifecycle::ownership`,
//! `response::body`) covered by unit tests; I/O stays in `connect`, `response` and `handler`. Every lifecycle step returns
//! `Result<_, Failure>`, and `lifecycle::answer` turns the outcome into the one answer.
//!
//! # Adding a property
//!
//! Say `MediaConcurrencies[].WorkloadTypeConcurrencies`. In this order:
//!
//! 1. `model`: the field on `ProfileState` or the type it belongs to. The compiler then lists
//!    the places that build one in full: `properties::read`, `Connect::fetch`, and tests.
//! 2. `constraints`: its limits and enums, as `model/connect-constraints.json` has them (from
//!    Connect's service model, `model/extract.py`); the test there checks the two agree.
//! 3. `properties`: read it in the rule file of its shape (here `concurrency.rs`) with the
//!    `reader` helpers and the `constraints` values, add it to that shape's known fields (or to
//!    `TOP_LEVEL`), and test every rule beside it. A new way to fail the whole request goes in
//!    `failure`.
//! 4. `plan`: which `Operation` writes a difference, and in what order; the property tests there
//!    check that applying a plan reaches the desired state.
//! 5. `connect`: send it in `create` and `apply` (`wire` builds the SDK shapes) and read it back
//!    in `fetch`, or every update sees a difference and writes it again.
//! 6. `emulator/`: accept, validate (the same constraints table) and store it, and return it from
//!    Describe and List, so the tests over HTTP cover it.
//! 7. `events/`: use it in a sample event; the runner and the tests run them.
//! 8. README: the Properties table and its rules.
//! 9. The cfn-lint rules: the template-time check of the same rule, from the constraints table
//!    and in `failure`'s words.

pub mod arn;
pub mod connect;
pub mod constraints;
pub mod event;
pub mod failure;
pub mod handler;
pub mod https;
pub mod lifecycle;
pub mod logging;
pub mod model;
pub mod plan;
pub mod properties;
pub mod response;
pub mod tls;
