//! An in-memory Amazon Connect that speaks the routing-profile part of its REST-JSON API.
//!
//! The wire format follows what `aws-sdk-connect` 1.220 serializes and parses (its generated
//! `protocol_serde` code): PascalCase bodies, lowercase `tags` for the tagging API, labels in the
//! path, `maxResults`/`nextToken`/`tagKeys` in the query, and errors as an HTTP status plus an
//! `x-amzn-ErrorType` header and a `{"Message": ...}` body.
//!
//! A request flows through the modules in this order:
//!
//! | Module | Job |
//! |---|---|
//! | `http` | route method and path to an operation; log the call; scripted faults; rate limit; error framing |
//! | `shapes` | gather labels, query and body into the request's members; the typed request each operation reads |
//! | `validate` | the model's rules (from `table`) over those members, then the documented and stricter rules below |
//! | `table` | `model/connect-constraints.json`, the constraints table the function and the lint rules read too |
//! | `ops` | `Op`, and one function per operation, by resource: `profiles`, `queues`, `tags`; `pages` cuts list answers |
//! | `view` | what an operation sees: reads the lagged account, writes the account as it is; both read-only |
//! | `state` | the account in memory, and the one place a write's `Change` is applied |
//! | `lag` | the history of changes that reads do not all see yet, kept only while a read lag is set |
//! | `handle` | what tests hold: [`ConnectEmulator`] |
//! | `types` | what every module shares: [`Call`], [`Fault`], [`RateLimit`], [`ReadLag`], [`Profile`] snapshots, the demo account |
//!
//! The imports run one way, so there is no import circle: in this order, leaf first, each module
//! imports only modules before it (`error` is Connect's error answer): `types`, `error`, `table`;
//! then `lag`, `pages`, `shapes`; `validate`; `state`; `view`; `ops`; `http`; `handle`.
//!
//! # Validation
//!
//! Every request is checked against its request shape in the constraints table, extracted from
//! Connect's published service model: required members, string lengths in characters, integer
//! ranges, enums, list and map sizes, and the `TagKey` pattern (read from the table as a refused
//! prefix and a character class). A body that is not JSON, or a value of the wrong JSON type, is
//! `InvalidRequestException` (400); a missing or out-of-range value is
//! `InvalidParameterException` (400). Field rules are checked before any existence check.
//!
//! Then the rules the table's `documented` section takes from Connect's documentation: each
//! channel's concurrency when given (VOICE exactly 1, the others 1-10, where the model allows
//! 0-10) and each workload type's (VOICE exactly 1, the others 1-10),
//! manual-assignment queues on CHAT, TASK or EMAIL only, at most 10 queue references per
//! `DisassociateRoutingProfileQueues` call (both lists together), and the account quota of queues
//! per profile.
//!
//! # Choices where Connect's documentation is silent
//!
//! The emulator is deliberately strict, so that a client that works against it does not depend on
//! the real service being lenient:
//!
//! - Unknown instance, routing profile or queue (including `DefaultOutboundQueueId`) is
//!   `ResourceNotFoundException` (404).
//! - Every call is all or nothing: it answers one error, the first it finds, and a refused call
//!   changes nothing, however far into its lists the problem is (the seventh of ten queue
//!   configs, one of six tag keys), `LastModifiedTime` included, and a refused Create takes no
//!   ID. Connect does not say whether a refused call is partly applied; a client that relies on
//!   neither reading works against both. Operations cannot change the state themselves: a write
//!   returns its one change, applied only when the whole call has passed.
//! - A `MediaConcurrency` may leave out its `Concurrency` (the model makes it optional) when it
//!   gives `WorkloadTypeConcurrencies`; one with neither is `InvalidParameterException`, since it
//!   would take no contacts, below its channel's documented minimum. A `Concurrency` that is given
//!   keeps its channel's documented range (a 0 is out of it and refused, workload types or not),
//!   and is not compared with them: the documentation relates the two in no way (not at least
//!   each workload type's, nor their sum). `MediaConcurrencies` needs at least one entry and at most one per
//!   channel; within a channel, each `WorkloadType` at most once. `UpdateRoutingProfileConcurrency`
//!   replaces the whole set, workload types included, as its API reference says: it takes "the
//!   channels that agents can handle", required. Describe reports every channel of the model's
//!   `Channel` enum: the enabled ones as stored (workload types in the order sent, a
//!   `CrossChannelWorkloadBehavior` only when one was sent, and no `Concurrency` for a channel
//!   given by its workload types alone: nothing is made up), every other with `Concurrency` 0, as
//!   Amazon Connect Streams reports a channel that is not enabled. Connect's documentation does
//!   not say what it reports for a channel given by workload types alone; the SDK reads a missing
//!   `Concurrency` as 0, as it would a reported 0.
//! - `AssociateRoutingProfileQueues` of a (queue, channel) pair that is already associated is
//!   `InvalidParameterException`, as is the same pair twice in one list.
//! - `UpdateRoutingProfileQueues` and `DisassociateRoutingProfileQueues` of a pair that exists in
//!   the instance but is not associated with the profile are `InvalidParameterException`.
//! - More queue configs (or manual assignment queues) on a profile than the table's
//!   `QueuesPerRoutingProfile` quota (100, or what [`ConnectEmulator::set_queues_per_profile`]
//!   sets) is `LimitExceededException` (429). Connect's model
//!   lists that error only for Create, so on Associate the SDK surfaces it as an unhandled error
//!   whose `code()` is still `LimitExceededException`.
//! - More tags on a resource after `TagResource` than the model's `TagMap` allows per call (50) is
//!   `InvalidParameterException`, and so is a tag key starting with `aws:` in any case (the
//!   model's pattern refuses only the lower case).
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
//! - `DeleteRoutingProfile` of the instance's default profile
//!   ([`ConnectEmulator::seed_default_profile`]) is `InvalidRequestException` (400): Connect does
//!   not document its answer, only that the default profile exists.
//! - Rate limits ([`ConnectEmulator::set_rate_limit`]) apply per operation, reads included, as the
//!   admin guide's "API throttling quotas" give them.
//!
//! # Reads that lag writes
//!
//! Connect documents eventual consistency: a change usually propagates within seconds, sometimes
//! longer, and a call made right after a create may answer `ResourceNotFoundException`. With a
//! read lag set ([`ConnectEmulator::set_read_lag`], or [`ConnectEmulator::set_read_lag_range`]
//! for a lag drawn per change):
//!
//! - Reads (Describe, the three List calls, ListTagsForResource) see each profile as its newest
//!   change that has propagated left it: a profile deleted within the lag still shows, one
//!   created within it does not, and Describe may show the name, queues, tags and
//!   `LastModifiedTime` from before the last write. Under a drawn lag a later change may
//!   propagate before an earlier one; reads then show the later one, and never go back.
//! - Any call, read or write, naming a profile whose creation has not propagated answers
//!   `ResourceNotFoundException`, as Connect's documentation says a call right after a create may.
//!   A Delete so refused deletes nothing.
//! - Otherwise writes act on the account as it is: names are unique against every profile that
//!   exists (a Create whose answer was lost meets its own name on the retry while List does not
//!   list it yet), an Associate sees the queues the previous Associate added, and a profile
//!   deleted a moment ago is unknown to them. Connect documents lag for reads only, and a service
//!   whose writes acted on stale state would lose updates silently, which no client could guard
//!   against; the function must instead allow for reads that do not show its own writes yet.
//! - What a test does outside the API (seeding profiles, [`ConnectEmulator::set_users`]) is seen
//!   at once, and [`ConnectEmulator::profiles`] and [`ConnectEmulator::profile`] show the account
//!   as it is. Ending the lag (`None`) makes every change visible at once; a new lag applies to
//!   the changes after it.
//!
//! Without a read lag no history is kept and reads cost what they did before; with one, each
//! write copies the profile it changes once, and the history of a profile is dropped as soon as
//! its last change has propagated.

mod error;
mod handle;
mod http;
mod lag;
mod ops;
mod pages;
mod shapes;
mod state;
mod table;
mod types;
mod validate;
mod view;

pub use handle::ConnectEmulator;
pub use pages::DEFAULT_PAGE_SIZE;
pub use types::{
    ACCOUNT_ID, Call, DEFAULT_PROFILE_NAME, DEMO_INSTANCE_ID, DEMO_INSTANCE2_ID, Fault,
    MAX_PROFILES_PER_INSTANCE, ManualQueue, MediaConcurrency, Profile, QueueConfig, REGION,
    RateLimit, ReadLag, WorkloadTypeConcurrency, demo_queue_id, demo2_queue_id, instance_arn,
    queue_arn, routing_profile_arn,
};
