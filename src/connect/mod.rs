//! The only module that calls Amazon Connect. It turns [`ProfileState`] and [`Operation`] into SDK
//! requests, reads the live profile back into a [`ProfileState`], and turns SDK errors into
//! [`ConnectError`]s that carry Connect's own code and message. The SDK's shapes, both ways, are in
//! `wire`; making a client is in `client`, how it retries in `retry`, how to read again while
//! Connect may not show a write yet (and what this client wrote lately) in `consistency`, and the
//! endpoint and last failure in `trail`. Each method makes its calls once; reading or writing
//! again is the lifecycle's to do, by its deadline.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use aws_sdk_connect::Client;
use aws_sdk_connect::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_connect::types as sdk;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use tokio::time::Instant;

use crate::constraints;
use crate::model::{
    AgentAvailabilityTimer, Channel, Placement, ProfileRef, ProfileState, QueueRef,
};
use crate::plan::Operation;

mod client;
mod consistency;
mod error;
mod retry;
mod trail;
mod wire;

pub use consistency::{Missed, Next, ReadAgain, Reread, Seen, send_again};
use consistency::{Recent, missed_recent_write};
pub use error::{ConnectError, ErrorKind};
pub use retry::Tuning;
use trail::Trail;

/// Queues per page when listing a profile's queues: the most the model allows.
const PAGE_SIZE: i32 = constraints::MAX_RESULT_100.max as i32;
/// Profiles per page when looking for a name: the most the model allows.
const PROFILES_PAGE_SIZE: i32 = constraints::MAX_RESULT_1000.max as i32;

/// An Amazon Connect client configured for this function's work (made in `client`).
#[derive(Clone, Debug)]
pub struct Connect {
    client: Client,
    /// Where the calls went and why the last attempt failed, for the answers.
    trail: Trail,
    /// How to read again while Connect may not show a write yet.
    read_again: ReadAgain,
    /// The profiles this client created or tagged lately, whose calls are read again while they
    /// answer as if Connect did not show that yet.
    recent: Recent,
}

impl Connect {
    /// The endpoint the last call went to (`scheme://host[:port]`).
    pub fn endpoint(&self) -> String {
        self.trail.endpoint()
    }

    /// Why the last attempt of any call failed, if it did: what a deadline that ended the SDK's
    /// retries can still report.
    pub fn last_failure(&self) -> Option<String> {
        self.trail.last_failure()
    }

    /// Forgets the last failure, at the start of a request (a warm process serves many).
    pub fn forget_failures(&self) {
        self.trail.forget();
    }

    /// The underlying SDK client, for tests that play the console.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The Region the client calls Connect in (empty when none is configured).
    pub fn region(&self) -> &str {
        self.client
            .config()
            .region()
            .map_or("", |region| region.as_ref())
    }

    /// How the requests made with this client read again while Connect may not show a write yet
    /// (the lifecycle's one loop, [`ReadAgain::read`]).
    pub fn read_again(&self) -> ReadAgain {
        self.read_again
    }

    /// CreateRoutingProfile with everything `state` holds (at most 10 queues of each kind). The
    /// profile it makes is noted as created now: see [`Connect::not_shown_yet`].
    pub async fn create(
        &self,
        instance_id: &str,
        state: &ProfileState,
    ) -> Result<ProfileRef, ConnectError> {
        const OP: &str = "CreateRoutingProfile";
        let queues: Vec<(QueueRef, Placement)> =
            state.queues.iter().map(|(q, p)| (q.clone(), *p)).collect();
        let manual: Vec<QueueRef> = state.manual_queues.iter().cloned().collect();
        let request = self
            .client
            .create_routing_profile()
            .instance_id(instance_id)
            .name(&state.name)
            .description(&state.description)
            .default_outbound_queue_id(&state.default_outbound_queue_id)
            .set_media_concurrencies(Some(wire::media_concurrencies(OP, &state.concurrency)?))
            .set_queue_configs(non_empty(wire::queue_configs(OP, &queues)?))
            .set_manual_assignment_queue_configs(non_empty(wire::manual_configs(OP, &manual)?))
            .set_tags(non_empty_map(&state.tags))
            .agent_availability_timer(sdk::AgentAvailabilityTimer::from(
                state.agent_availability_timer.as_str(),
            ));
        let out = self.call(OP, request.send()).await?;
        match (out.routing_profile_arn(), out.routing_profile_id()) {
            (Some(arn), Some(id)) => {
                let created = ProfileRef {
                    instance_id: instance_id.to_string(),
                    routing_profile_id: id.to_string(),
                    arn: arn.to_string(),
                };
                self.recent.note(&created, true, self.read_again.window);
                Ok(created)
            }
            _ => Err(ConnectError {
                operation: OP,
                kind: ErrorKind::Other,
                detail: "the answer carried no RoutingProfileArn or RoutingProfileId".into(),
                // Answered 200: carried out, although this function cannot tell which profile.
                maybe_carried_out: true,
            }),
        }
    }

    /// Notes `profile` as created by this client now: a CreateRoutingProfile of this request whose
    /// answer was lost made it (found by its Name after DuplicateResourceException), so writes to
    /// it are made again as after [`Connect::create`].
    pub fn created_unanswered(&self, profile: &ProfileRef) {
        self.recent.note(profile, true, self.read_again.window);
    }

    /// The live profile: Describe for its settings and tags, the List calls (all pages) for queues.
    /// One read, taken as it comes: where it may not show a write made moments ago, the lifecycle
    /// reads it again.
    pub async fn fetch(&self, profile: &ProfileRef) -> Result<ProfileState, ConnectError> {
        const OP: &str = "DescribeRoutingProfile";
        let described = self.describe(profile).await?;
        let Some(rp) = described.routing_profile() else {
            return Err(ConnectError {
                operation: OP,
                kind: ErrorKind::NotFound,
                detail: "the answer carried no RoutingProfile".into(),
                maybe_carried_out: false,
            });
        };
        let queues = self.routed_queues(profile).await?;
        let manual_queues = self.manual_queues(profile).await?;
        // Every field named, none defaulted: a field added to ProfileState must be read here too,
        // or every update would see a difference and write it again.
        Ok(ProfileState {
            name: rp.name().unwrap_or_default().to_string(),
            description: rp.description().unwrap_or_default().to_string(),
            default_outbound_queue_id: rp
                .default_outbound_queue_id()
                .unwrap_or_default()
                .to_string(),
            queues,
            manual_queues,
            concurrency: wire::concurrency_of(rp.media_concurrencies()),
            agent_availability_timer: rp
                .agent_availability_timer()
                .and_then(|t| wire::parse_enum(t.as_str(), &AgentAvailabilityTimer::ALL))
                .unwrap_or_default(),
            tags: rp
                .tags()
                .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default(),
        })
    }

    async fn describe(
        &self,
        profile: &ProfileRef,
    ) -> Result<
        aws_sdk_connect::operation::describe_routing_profile::DescribeRoutingProfileOutput,
        ConnectError,
    > {
        self.call(
            "DescribeRoutingProfile",
            self.client
                .describe_routing_profile()
                .instance_id(&profile.instance_id)
                .routing_profile_id(&profile.routing_profile_id)
                .send(),
        )
        .await
    }

    /// The routed queues (ListRoutingProfileQueues, all pages).
    async fn routed_queues(
        &self,
        profile: &ProfileRef,
    ) -> Result<BTreeMap<QueueRef, Placement>, ConnectError> {
        let mut pages = self
            .client
            .list_routing_profile_queues()
            .instance_id(&profile.instance_id)
            .routing_profile_id(&profile.routing_profile_id)
            .max_results(PAGE_SIZE)
            .into_paginator()
            .items()
            .send();
        let mut queues = BTreeMap::new();
        while let Some(item) = pages.next().await {
            let summary = item
                .map_err(|e| ConnectError::from_sdk("ListRoutingProfileQueues", &self.trail, e))?;
            if let Some(channel) = wire::parse_enum(summary.channel().as_str(), &Channel::ALL) {
                queues.insert(
                    QueueRef {
                        queue_id: summary.queue_id().to_string(),
                        channel,
                    },
                    Placement {
                        priority: summary.priority(),
                        delay: summary.delay(),
                    },
                );
            }
        }
        Ok(queues)
    }

    /// The manual-assignment queues (ListRoutingProfileManualAssignmentQueues, all pages).
    async fn manual_queues(
        &self,
        profile: &ProfileRef,
    ) -> Result<BTreeSet<QueueRef>, ConnectError> {
        let mut pages = self
            .client
            .list_routing_profile_manual_assignment_queues()
            .instance_id(&profile.instance_id)
            .routing_profile_id(&profile.routing_profile_id)
            .max_results(PAGE_SIZE)
            .into_paginator()
            .items()
            .send();
        let mut queues = BTreeSet::new();
        while let Some(item) = pages.next().await {
            let summary = item.map_err(|e| {
                ConnectError::from_sdk("ListRoutingProfileManualAssignmentQueues", &self.trail, e)
            })?;
            if let Some(channel) = wire::parse_enum(summary.channel().as_str(), &Channel::ALL) {
                queues.insert(QueueRef {
                    queue_id: summary.queue_id().to_string(),
                    channel,
                });
            }
        }
        Ok(queues)
    }

    /// The profile of that name in the instance, if there is one (ListRoutingProfiles, all pages).
    pub async fn find_by_name(
        &self,
        instance_id: &str,
        name: &str,
    ) -> Result<Option<ProfileRef>, ConnectError> {
        let mut summaries = self
            .client
            .list_routing_profiles()
            .instance_id(instance_id)
            .max_results(PROFILES_PAGE_SIZE)
            .into_paginator()
            .items()
            .send();
        while let Some(item) = summaries.next().await {
            let summary =
                item.map_err(|e| ConnectError::from_sdk("ListRoutingProfiles", &self.trail, e))?;
            if summary.name() == Some(name)
                && let (Some(id), Some(arn)) = (summary.id(), summary.arn())
            {
                return Ok(Some(ProfileRef {
                    instance_id: instance_id.to_string(),
                    routing_profile_id: id.to_string(),
                    arn: arn.to_string(),
                }));
            }
        }
        Ok(None)
    }

    /// One write to `profile`, one call (the SDK's retries aside). A TagResource that succeeds
    /// notes the profile as tagged: see [`Connect::not_shown_yet`].
    pub async fn write(&self, profile: &ProfileRef, write: Write<'_>) -> Result<(), ConnectError> {
        match write {
            Write::Planned(op) => {
                let applied = self.apply(profile, op).await;
                if applied.is_ok() && matches!(op, Operation::Tag { .. }) {
                    self.recent.note(profile, false, self.read_again.window);
                }
                applied
            }
            Write::Delete => self.delete(profile).await,
        }
    }

    /// When this client last created or tagged `profile`, if that was within the read-again
    /// window: the time from which the window runs for the calls on it.
    pub fn written_lately(&self, profile: &ProfileRef) -> Option<Instant> {
        self.recent
            .of(profile)
            .map(|written| written.at)
            .filter(|at| at.elapsed() < self.read_again.window)
    }

    /// Whether `answer`, to `write` on `profile`, may be Connect not showing yet what this client
    /// wrote to the profile lately, so that the write is to be made again within the window rather
    /// than taken as refused: ResourceNotFoundException (not naming a queue of the write, nor from
    /// a Delete an earlier attempt of which may have been carried out) on a profile it created,
    /// AccessDeniedException on a write IAM checks against the marker it wrote; and
    /// InvalidRequestException on a profile it created, if a read of the profile made once now does
    /// not show it (`consistency::missed_recent_write`).
    pub fn not_shown_yet(
        &self,
        profile: &ProfileRef,
        write: Write<'_>,
        answer: &Result<(), ConnectError>,
    ) -> Missed {
        let Some(written) = self.recent.of(profile) else {
            return Missed::No;
        };
        let (queues, marker_checked, deletes) = match write {
            Write::Planned(op) => (
                queues_named(op),
                !matches!(op, Operation::Tag { .. } | Operation::Untag { .. }),
                false,
            ),
            Write::Delete => (Vec::new(), true, true),
        };
        missed_recent_write(answer, &queues, written, marker_checked, deletes)
    }

    async fn apply(&self, profile: &ProfileRef, op: &Operation) -> Result<(), ConnectError> {
        let api = op.api_name();
        let (instance, id) = (&profile.instance_id, &profile.routing_profile_id);
        let c = &self.client;
        match op {
            Operation::UpdateName { name, description } => {
                let request = c
                    .update_routing_profile_name()
                    .instance_id(instance)
                    .routing_profile_id(id)
                    .name(name)
                    .description(description);
                self.written(api, request.send()).await
            }
            Operation::UpdateDefaultOutboundQueue { queue_id } => {
                let request = c
                    .update_routing_profile_default_outbound_queue()
                    .instance_id(instance)
                    .routing_profile_id(id)
                    .default_outbound_queue_id(queue_id);
                self.written(api, request.send()).await
            }
            Operation::UpdateConcurrency { concurrency } => {
                let request = c
                    .update_routing_profile_concurrency()
                    .instance_id(instance)
                    .routing_profile_id(id)
                    .set_media_concurrencies(Some(wire::media_concurrencies(api, concurrency)?));
                self.written(api, request.send()).await
            }
            Operation::UpdateAgentAvailabilityTimer { timer } => {
                let request = c
                    .update_routing_profile_agent_availability_timer()
                    .instance_id(instance)
                    .routing_profile_id(id)
                    .agent_availability_timer(sdk::AgentAvailabilityTimer::from(timer.as_str()));
                self.written(api, request.send()).await
            }
            Operation::Associate { queues, manual } => {
                let request = c
                    .associate_routing_profile_queues()
                    .instance_id(instance)
                    .routing_profile_id(id)
                    .set_queue_configs(non_empty(wire::queue_configs(api, queues)?))
                    .set_manual_assignment_queue_configs(non_empty(wire::manual_configs(
                        api, manual,
                    )?));
                self.written(api, request.send()).await
            }
            Operation::UpdateQueues { queues } => {
                let request = c
                    .update_routing_profile_queues()
                    .instance_id(instance)
                    .routing_profile_id(id)
                    .set_queue_configs(Some(wire::queue_configs(api, queues)?));
                self.written(api, request.send()).await
            }
            Operation::Disassociate { queues, manual } => {
                let request = c
                    .disassociate_routing_profile_queues()
                    .instance_id(instance)
                    .routing_profile_id(id)
                    .set_queue_references(non_empty(wire::queue_references(api, queues)?))
                    .set_manual_assignment_queue_references(non_empty(wire::queue_references(
                        api, manual,
                    )?));
                self.written(api, request.send()).await
            }
            Operation::Tag { tags } => {
                let request = c.tag_resource().resource_arn(&profile.arn).set_tags(Some(
                    tags.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                ));
                self.written(api, request.send()).await
            }
            Operation::Untag { keys } => {
                let request = c
                    .untag_resource()
                    .resource_arn(&profile.arn)
                    .set_tag_keys(Some(keys.clone()));
                self.written(api, request.send()).await
            }
        }
    }

    async fn delete(&self, profile: &ProfileRef) -> Result<(), ConnectError> {
        let request = self
            .client
            .delete_routing_profile()
            .instance_id(&profile.instance_id)
            .routing_profile_id(&profile.routing_profile_id);
        self.written("DeleteRoutingProfile", request.send()).await
    }
}

impl Connect {
    /// Awaits one SDK call, its error turned into a [`ConnectError`] of `operation`.
    async fn call<O, E>(
        &self,
        operation: &'static str,
        sent: impl Future<Output = Result<O, SdkError<E, HttpResponse>>>,
    ) -> Result<O, ConnectError>
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        sent.await
            .map_err(|e| ConnectError::from_sdk(operation, &self.trail, e))
    }

    /// Awaits one write call whose answer carries nothing this function reads.
    async fn written<O, E>(
        &self,
        operation: &'static str,
        sent: impl Future<Output = Result<O, SdkError<E, HttpResponse>>>,
    ) -> Result<(), ConnectError>
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        self.call(operation, sent).await.map(drop)
    }
}

/// A write to a profile, as [`Connect::write`] makes it.
#[derive(Clone, Copy, Debug)]
pub enum Write<'a> {
    /// One planned write call.
    Planned(&'a Operation),
    /// DeleteRoutingProfile, of a profile whose marker was just read.
    Delete,
}

/// The queues a planned write names: a NotFound that names one of them is about that queue.
fn queues_named(op: &Operation) -> Vec<&str> {
    fn routed(queues: &[(QueueRef, Placement)]) -> Vec<&str> {
        queues.iter().map(|(q, _)| q.queue_id.as_str()).collect()
    }
    match op {
        Operation::UpdateDefaultOutboundQueue { queue_id } => vec![queue_id.as_str()],
        Operation::UpdateQueues { queues } => routed(queues),
        Operation::Associate { queues, manual } => {
            let mut named = routed(queues);
            named.extend(manual.iter().map(|q| q.queue_id.as_str()));
            named
        }
        Operation::Disassociate { queues, manual } => queues
            .iter()
            .chain(manual)
            .map(|q| q.queue_id.as_str())
            .collect(),
        _ => Vec::new(),
    }
}

/// The API takes an absent list, not an empty one.
fn non_empty<T>(items: Vec<T>) -> Option<Vec<T>> {
    (!items.is_empty()).then_some(items)
}

fn non_empty_map(tags: &BTreeMap<String, String>) -> Option<HashMap<String, String>> {
    (!tags.is_empty()).then(|| tags.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
}

/// Whose a profile is, as DescribeRoutingProfile tells it ([`Connect::standing`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Standing {
    /// Its tags, the ownership marker among them.
    pub tags: BTreeMap<String, String>,
    /// `IsDefault`: the instance's default routing profile, which Connect never deletes.
    pub is_default: bool,
}

impl Connect {
    /// The profile's tags and whether it is the instance's default (DescribeRoutingProfile), read
    /// once, as [`Connect::fetch`].
    pub async fn standing(&self, profile: &ProfileRef) -> Result<Standing, ConnectError> {
        let described = self.describe(profile).await?;
        let rp = described.routing_profile();
        Ok(Standing {
            tags: rp
                .and_then(|rp| rp.tags())
                .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default(),
            is_default: rp.is_some_and(|rp| rp.is_default()),
        })
    }
}
