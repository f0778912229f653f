//! The only module that calls Amazon Connect. It turns [`ProfileState`] and [`Operation`] into SDK
//! requests, reads the live profile back into a [`ProfileState`], and turns SDK errors into
//! [`ConnectError`]s that carry Connect's own code and message. The SDK's shapes, both ways, are in
//! `wire`.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

use aws_sdk_connect::Client;
use aws_sdk_connect::config::interceptors::InterceptorContext;
use aws_sdk_connect::config::retry::{
    ClassifyRetry, RetryAction, RetryConfig, RetryPartition, TokenBucket,
};
use aws_sdk_connect::config::timeout::TimeoutConfig;
use aws_sdk_connect::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_connect::types as sdk;

use crate::constraints;
use crate::model::{
    AgentAvailabilityTimer, Channel, Placement, ProfileRef, ProfileState, QueueRef,
};
use crate::plan::Operation;

mod error;
mod trail;
mod wire;

pub use error::{ConnectError, ErrorKind};
use trail::Trail;

/// How an attempt may take before the SDK gives up on it and retries.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long opening a connection may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// Throttling is the normal case (about 2 writes a second per account); the handler's deadline,
/// not this count, is what ends the retries.
const MAX_ATTEMPTS: u32 = 25;
/// Queues per page when listing a profile's queues: the most the model allows.
const PAGE_SIZE: i32 = constraints::MAX_RESULT_100.max as i32;
/// Profiles per page when looking for a name: the most the model allows.
const PROFILES_PAGE_SIZE: i32 = constraints::MAX_RESULT_1000.max as i32;

/// An Amazon Connect client configured for this function's work.
#[derive(Clone, Debug)]
pub struct Connect {
    client: Client,
    /// Where the calls went and why the last attempt failed, for the answers.
    trail: Trail,
}

/// How the SDK retries and how long it waits for Connect. [`Tuning::default`] is what the function
/// runs with; tests that drive many requests through faults shorten it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tuning {
    /// How long one attempt may take before the SDK gives up on it and retries.
    pub attempt_timeout: Duration,
    /// How long opening a connection may take.
    pub connect_timeout: Duration,
    /// Attempts per call, the first included.
    pub max_attempts: u32,
    /// The first retry's backoff, before jitter; it doubles up to `max_backoff`.
    pub initial_backoff: Duration,
    /// The longest backoff between attempts.
    pub max_backoff: Duration,
}

impl Default for Tuning {
    fn default() -> Self {
        Tuning {
            attempt_timeout: ATTEMPT_TIMEOUT,
            connect_timeout: CONNECT_TIMEOUT,
            max_attempts: MAX_ATTEMPTS,
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(8),
        }
    }
}

/// The retry and timeout settings every client uses: the SDK's standard retry (exponential backoff
/// with jitter, throttling and 5xx only, quotas excepted) with a per-attempt timeout.
///
/// The SDK also gates retries with a retry quota that every client of the process shares (500
/// tokens, 5 or 10 per retry, and a retry that is followed by another never gives its tokens
/// back): a warm process that has weathered throttling would stop retrying and answer
/// `ThrottlingException` at once, for every later request. Here the deadline is what ends the
/// retries, so each client has its own quota that never runs dry.
fn tune(
    builder: aws_sdk_connect::config::Builder,
    tuning: Tuning,
) -> aws_sdk_connect::config::Builder {
    builder
        .retry_classifier(QuotaIsNotThrottling)
        .retry_classifier(CertificateIsFinal)
        .retry_partition(
            RetryPartition::custom("routing-profile-resource")
                .token_bucket(TokenBucket::unlimited())
                .build(),
        )
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(tuning.max_attempts)
                .with_initial_backoff(tuning.initial_backoff)
                .with_max_backoff(tuning.max_backoff),
        )
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(tuning.connect_timeout)
                .operation_attempt_timeout(tuning.attempt_timeout)
                .build(),
        )
}

/// The SDK counts LimitExceededException among throttling errors, but Connect uses it for quotas
/// (queues per profile, profiles per instance): retrying cannot help and only delays the answer.
#[derive(Debug)]
struct QuotaIsNotThrottling;

impl ClassifyRetry for QuotaIsNotThrottling {
    fn classify_retry(&self, ctx: &InterceptorContext) -> RetryAction {
        let code = ctx
            .response()
            .and_then(|r| r.headers().get("x-amzn-errortype"))
            .and_then(|v| v.split(':').next());
        match code {
            Some("LimitExceededException") => RetryAction::RetryForbidden,
            _ => RetryAction::NoActionIndicated,
        }
    }

    fn name(&self) -> &'static str {
        "QuotaIsNotThrottling"
    }
}

/// A certificate Connect's endpoint presents that the client does not trust (another CA, another
/// host's name) is the same on every attempt: the SDK would retry it as a transient I/O error until
/// the deadline; answer at once instead, with the TLS error in the Reason.
#[derive(Debug)]
struct CertificateIsFinal;

impl ClassifyRetry for CertificateIsFinal {
    fn classify_retry(&self, ctx: &InterceptorContext) -> RetryAction {
        let refused = ctx
            .output_or_error()
            .and_then(|result| result.err())
            .and_then(|error| error.as_connector_error())
            .is_some_and(|error| crate::tls::is_certificate_error(error));
        if refused {
            RetryAction::RetryForbidden
        } else {
            RetryAction::NoActionIndicated
        }
    }

    fn name(&self) -> &'static str {
        "CertificateIsFinal"
    }
}

impl Connect {
    /// A client from the environment (Lambda's credentials and Region, the SDK's endpoint overrides)
    /// whose HTTPS connections trust `trust`'s certificates.
    pub async fn from_env(trust: &crate::tls::Trust) -> Self {
        let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .http_client(crate::https::for_sdk(trust));
        // Lambda puts the role's credentials in the environment. Naming that provider skips
        // building the rest of the default chain, whose web-identity provider makes an STS client
        // at every cold start. Elsewhere (a laptop), the default chain: profiles with keys work in
        // any build; IAM Identity Center (SSO), credential_process and `aws login` profiles need
        // the `local-credentials` cargo feature, which the deployed build leaves out.
        if std::env::var_os("AWS_ACCESS_KEY_ID").is_some() {
            loader = loader.credentials_provider(
                aws_config::environment::EnvironmentVariableCredentialsProvider::new(),
            );
        }
        let shared = loader.load().await;
        Self::from_config(
            tune(
                aws_sdk_connect::config::Builder::from(&shared),
                Tuning::default(),
            )
            .build(),
        )
    }

    /// A client for a given endpoint with fixed test credentials: for the local emulator.
    pub fn for_endpoint(endpoint: &str) -> Self {
        Self::for_endpoint_trusting(endpoint, &crate::tls::Trust::default())
    }

    /// Like [`Connect::for_endpoint`], for an HTTPS endpoint whose certificate `trust` vouches for.
    pub fn for_endpoint_trusting(endpoint: &str, trust: &crate::tls::Trust) -> Self {
        Self::local(endpoint, trust, Tuning::default())
    }

    /// [`Connect::for_endpoint`] with other retry and timeout settings.
    pub fn for_endpoint_tuned(endpoint: &str, tuning: Tuning) -> Self {
        Self::local(endpoint, &crate::tls::Trust::default(), tuning)
    }

    fn local(endpoint: &str, trust: &crate::tls::Trust, tuning: Tuning) -> Self {
        let credentials =
            aws_sdk_connect::config::Credentials::new("AKIDLOCAL", "local", None, None, "local");
        let config = aws_sdk_connect::Config::builder()
            .behavior_version(aws_sdk_connect::config::BehaviorVersion::latest())
            .region(aws_sdk_connect::config::Region::new("us-east-1"))
            .credentials_provider(credentials)
            .http_client(crate::https::for_sdk(trust))
            .endpoint_url(endpoint);
        Self::from_config(tune(config, tuning).build())
    }

    /// A client from a finished SDK config.
    pub fn from_config(config: aws_sdk_connect::Config) -> Self {
        let attempt_timeout = config
            .timeout_config()
            .and_then(|t| t.operation_attempt_timeout());
        let trail = Trail::new(attempt_timeout);
        let config = config
            .to_builder()
            .interceptor(trail.clone())
            .interceptor(wire::OmitNotGiven)
            .build();
        Connect {
            client: Client::from_conf(config),
            trail,
        }
    }

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

    /// CreateRoutingProfile with everything `state` holds (at most 10 queues of each kind).
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
            (Some(arn), Some(id)) => Ok(ProfileRef {
                instance_id: instance_id.to_string(),
                routing_profile_id: id.to_string(),
                arn: arn.to_string(),
            }),
            _ => Err(ConnectError {
                operation: OP,
                kind: ErrorKind::Other,
                detail: "the answer carried no RoutingProfileArn or RoutingProfileId".into(),
            }),
        }
    }

    /// The live profile: Describe for its settings and tags, the List calls (all pages) for queues.
    pub async fn fetch(&self, profile: &ProfileRef) -> Result<ProfileState, ConnectError> {
        const OP: &str = "DescribeRoutingProfile";
        let described = self.describe(profile).await?;
        let Some(rp) = described.routing_profile() else {
            return Err(ConnectError {
                operation: OP,
                kind: ErrorKind::NotFound,
                detail: "the answer carried no RoutingProfile".into(),
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

    /// One planned write call.
    pub async fn apply(&self, profile: &ProfileRef, op: &Operation) -> Result<(), ConnectError> {
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

    /// DeleteRoutingProfile.
    pub async fn delete(&self, profile: &ProfileRef) -> Result<(), ConnectError> {
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
    async fn call<O, E, R>(
        &self,
        operation: &'static str,
        sent: impl Future<Output = Result<O, SdkError<E, R>>>,
    ) -> Result<O, ConnectError>
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug + 'static,
    {
        sent.await
            .map_err(|e| ConnectError::from_sdk(operation, &self.trail, e))
    }

    /// Awaits one write call whose answer carries nothing this function reads.
    async fn written<O, E, R>(
        &self,
        operation: &'static str,
        sent: impl Future<Output = Result<O, SdkError<E, R>>>,
    ) -> Result<(), ConnectError>
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug + 'static,
    {
        self.call(operation, sent).await.map(drop)
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
    /// The profile's tags and whether it is the instance's default (DescribeRoutingProfile).
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
