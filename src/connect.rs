//! The only module that calls Amazon Connect. It turns [`ProfileState`] and [`Operation`] into SDK
//! requests, reads the live profile back into a [`ProfileState`], and turns SDK errors into
//! [`ConnectError`]s that carry Connect's own code and message.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use aws_sdk_connect::Client;
use aws_sdk_connect::config::interceptors::InterceptorContext;
use aws_sdk_connect::config::retry::{ClassifyRetry, RetryAction, RetryConfig};
use aws_sdk_connect::config::timeout::TimeoutConfig;
use aws_sdk_connect::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_connect::types as sdk;

use crate::model::{
    AgentAvailabilityTimer, Channel, Concurrency, CrossChannelBehavior, Placement, ProfileRef,
    ProfileState, QueueRef,
};
use crate::plan::Operation;

/// How an attempt may take before the SDK gives up on it and retries.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long opening a connection may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// Throttling is the normal case (about 2 writes a second per account); the handler's deadline,
/// not this count, is what ends the retries.
const MAX_ATTEMPTS: u32 = 25;

/// What kind of failure Connect reported, where the caller's decision depends on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// ResourceNotFoundException.
    NotFound,
    /// DuplicateResourceException: the name is taken in the instance.
    Duplicate,
    /// ResourceInUseException: the profile is still assigned to users.
    InUse,
    /// Anything else.
    Other,
}

/// A failed Connect call, described in Connect's own words.
#[derive(Clone, Debug, thiserror::Error)]
#[error("{operation} failed: {detail}")]
pub struct ConnectError {
    /// The Connect API operation, e.g. `CreateRoutingProfile`.
    pub operation: &'static str,
    /// What the caller may branch on.
    pub kind: ErrorKind,
    /// `Code: message` from Connect, or what went wrong on the way there.
    pub detail: String,
}

impl ConnectError {
    fn from_sdk<E, R>(operation: &'static str, err: SdkError<E, R>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug,
    {
        let (kind, detail) = match &err {
            SdkError::ServiceError(service) => {
                let e = service.err();
                let code = e.code().unwrap_or("UnknownError");
                let kind = match code {
                    "ResourceNotFoundException" => ErrorKind::NotFound,
                    "DuplicateResourceException" => ErrorKind::Duplicate,
                    "ResourceInUseException" => ErrorKind::InUse,
                    _ => ErrorKind::Other,
                };
                let message = e.message().unwrap_or("(no message)");
                (kind, format!("{code}: {message}"))
            }
            SdkError::TimeoutError(_) => (
                ErrorKind::Other,
                format!(
                    "no answer from Amazon Connect within {}s",
                    ATTEMPT_TIMEOUT.as_secs()
                ),
            ),
            other => (
                ErrorKind::Other,
                format!(
                    "could not reach Amazon Connect: {}",
                    DisplayErrorContext(other)
                ),
            ),
        };
        ConnectError {
            operation,
            kind,
            detail,
        }
    }

    fn request(operation: &'static str, err: impl std::fmt::Display) -> Self {
        ConnectError {
            operation,
            kind: ErrorKind::Other,
            detail: format!("could not build the request: {err}"),
        }
    }
}

/// An Amazon Connect client configured for this function's work.
#[derive(Clone, Debug)]
pub struct Connect {
    client: Client,
}

/// The retry and timeout settings every client uses: the SDK's standard retry (exponential backoff
/// with jitter, throttling and 5xx only, quotas excepted) with a per-attempt timeout.
fn tune(builder: aws_sdk_connect::config::Builder) -> aws_sdk_connect::config::Builder {
    builder
        .retry_classifier(QuotaIsNotThrottling)
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(MAX_ATTEMPTS)
                .with_initial_backoff(Duration::from_millis(250))
                .with_max_backoff(Duration::from_secs(8)),
        )
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(CONNECT_TIMEOUT)
                .operation_attempt_timeout(ATTEMPT_TIMEOUT)
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

impl Connect {
    /// A client from the environment (Lambda's credentials and Region, the SDK's endpoint overrides).
    pub async fn from_env() -> Self {
        let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .http_client(crate::tls::sdk_http_client());
        // Lambda puts the role's credentials in the environment. Naming that provider skips
        // building the rest of the default chain, whose web-identity provider makes an STS client
        // (and loads the system's TLS roots for it) at every cold start. Elsewhere (a laptop with a
        // profile or SSO), the default chain.
        if std::env::var_os("AWS_ACCESS_KEY_ID").is_some() {
            loader = loader.credentials_provider(
                aws_config::environment::EnvironmentVariableCredentialsProvider::new(),
            );
        }
        let shared = loader.load().await;
        Self::from_config(tune(aws_sdk_connect::config::Builder::from(&shared)).build())
    }

    /// A client for a given endpoint with fixed test credentials: for the local emulator.
    pub fn for_endpoint(endpoint: &str) -> Self {
        let credentials =
            aws_sdk_connect::config::Credentials::new("AKIDLOCAL", "local", None, None, "local");
        let config = aws_sdk_connect::Config::builder()
            .behavior_version(aws_sdk_connect::config::BehaviorVersion::latest())
            .region(aws_sdk_connect::config::Region::new("us-east-1"))
            .credentials_provider(credentials)
            .endpoint_url(endpoint);
        Self::from_config(tune(config).build())
    }

    /// A client from a finished SDK config.
    pub fn from_config(config: aws_sdk_connect::Config) -> Self {
        Connect {
            client: Client::from_conf(config),
        }
    }

    /// The underlying SDK client, for tests that play the console.
    pub fn client(&self) -> &Client {
        &self.client
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
        let out = self
            .client
            .create_routing_profile()
            .instance_id(instance_id)
            .name(&state.name)
            .description(&state.description)
            .default_outbound_queue_id(&state.default_outbound_queue_id)
            .set_media_concurrencies(Some(media_concurrencies(OP, &state.concurrency)?))
            .set_queue_configs(non_empty(queue_configs(OP, &queues)?))
            .set_manual_assignment_queue_configs(non_empty(manual_configs(OP, &manual)?))
            .set_tags(non_empty_map(&state.tags))
            .agent_availability_timer(sdk::AgentAvailabilityTimer::from(
                state.agent_availability_timer.as_str(),
            ))
            .send()
            .await
            .map_err(|e| ConnectError::from_sdk(OP, e))?;
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
        let described = self
            .client
            .describe_routing_profile()
            .instance_id(&profile.instance_id)
            .routing_profile_id(&profile.routing_profile_id)
            .send()
            .await
            .map_err(|e| ConnectError::from_sdk("DescribeRoutingProfile", e))?;
        let Some(rp) = described.routing_profile() else {
            return Err(ConnectError {
                operation: "DescribeRoutingProfile",
                kind: ErrorKind::NotFound,
                detail: "the answer carried no RoutingProfile".into(),
            });
        };

        let mut state = ProfileState {
            name: rp.name().unwrap_or_default().to_string(),
            description: rp.description().unwrap_or_default().to_string(),
            default_outbound_queue_id: rp
                .default_outbound_queue_id()
                .unwrap_or_default()
                .to_string(),
            agent_availability_timer: rp
                .agent_availability_timer()
                .map(|t| parse_enum(t.as_str(), &AgentAvailabilityTimer::ALL))
                .unwrap_or_default()
                .unwrap_or_default(),
            tags: rp
                .tags()
                .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default(),
            ..ProfileState::default()
        };
        for mc in rp.media_concurrencies() {
            // A channel the profile does not serve may be reported with concurrency 0.
            let Some(channel) = parse_enum(mc.channel().as_str(), &Channel::ALL) else {
                continue;
            };
            if mc.concurrency() > 0 {
                let cross_channel = mc
                    .cross_channel_behavior()
                    .and_then(|b| {
                        parse_enum(b.behavior_type().as_str(), &CrossChannelBehavior::ALL)
                    })
                    .unwrap_or_default();
                state.concurrency.insert(
                    channel,
                    Concurrency {
                        max_contacts: mc.concurrency(),
                        cross_channel,
                    },
                );
            }
        }

        let mut queues = self
            .client
            .list_routing_profile_queues()
            .instance_id(&profile.instance_id)
            .routing_profile_id(&profile.routing_profile_id)
            .max_results(100)
            .into_paginator()
            .items()
            .send();
        while let Some(item) = queues.next().await {
            let summary =
                item.map_err(|e| ConnectError::from_sdk("ListRoutingProfileQueues", e))?;
            if let Some(channel) = parse_enum(summary.channel().as_str(), &Channel::ALL) {
                state.queues.insert(
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

        let mut manual = self
            .client
            .list_routing_profile_manual_assignment_queues()
            .instance_id(&profile.instance_id)
            .routing_profile_id(&profile.routing_profile_id)
            .max_results(100)
            .into_paginator()
            .items()
            .send();
        while let Some(item) = manual.next().await {
            let summary = item.map_err(|e| {
                ConnectError::from_sdk("ListRoutingProfileManualAssignmentQueues", e)
            })?;
            if let Some(channel) = parse_enum(summary.channel().as_str(), &Channel::ALL) {
                state.manual_queues.insert(QueueRef {
                    queue_id: summary.queue_id().to_string(),
                    channel,
                });
            }
        }
        Ok(state)
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
            .max_results(1000)
            .into_paginator()
            .items()
            .send();
        while let Some(item) = summaries.next().await {
            let summary = item.map_err(|e| ConnectError::from_sdk("ListRoutingProfiles", e))?;
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
            Operation::UpdateName { name, description } => c
                .update_routing_profile_name()
                .instance_id(instance)
                .routing_profile_id(id)
                .name(name)
                .description(description)
                .send()
                .await
                .map(drop)
                .map_err(|e| ConnectError::from_sdk(api, e)),
            Operation::UpdateDefaultOutboundQueue { queue_id } => c
                .update_routing_profile_default_outbound_queue()
                .instance_id(instance)
                .routing_profile_id(id)
                .default_outbound_queue_id(queue_id)
                .send()
                .await
                .map(drop)
                .map_err(|e| ConnectError::from_sdk(api, e)),
            Operation::UpdateConcurrency { concurrency } => c
                .update_routing_profile_concurrency()
                .instance_id(instance)
                .routing_profile_id(id)
                .set_media_concurrencies(Some(media_concurrencies(api, concurrency)?))
                .send()
                .await
                .map(drop)
                .map_err(|e| ConnectError::from_sdk(api, e)),
            Operation::UpdateAgentAvailabilityTimer { timer } => c
                .update_routing_profile_agent_availability_timer()
                .instance_id(instance)
                .routing_profile_id(id)
                .agent_availability_timer(sdk::AgentAvailabilityTimer::from(timer.as_str()))
                .send()
                .await
                .map(drop)
                .map_err(|e| ConnectError::from_sdk(api, e)),
            Operation::Associate { queues, manual } => c
                .associate_routing_profile_queues()
                .instance_id(instance)
                .routing_profile_id(id)
                .set_queue_configs(non_empty(queue_configs(api, queues)?))
                .set_manual_assignment_queue_configs(non_empty(manual_configs(api, manual)?))
                .send()
                .await
                .map(drop)
                .map_err(|e| ConnectError::from_sdk(api, e)),
            Operation::UpdateQueues { queues } => c
                .update_routing_profile_queues()
                .instance_id(instance)
                .routing_profile_id(id)
                .set_queue_configs(Some(queue_configs(api, queues)?))
                .send()
                .await
                .map(drop)
                .map_err(|e| ConnectError::from_sdk(api, e)),
            Operation::Disassociate { queues, manual } => c
                .disassociate_routing_profile_queues()
                .instance_id(instance)
                .routing_profile_id(id)
                .set_queue_references(non_empty(queue_references(api, queues)?))
                .set_manual_assignment_queue_references(non_empty(queue_references(api, manual)?))
                .send()
                .await
                .map(drop)
                .map_err(|e| ConnectError::from_sdk(api, e)),
            Operation::Tag { tags } => c
                .tag_resource()
                .resource_arn(&profile.arn)
                .set_tags(Some(
                    tags.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                ))
                .send()
                .await
                .map(drop)
                .map_err(|e| ConnectError::from_sdk(api, e)),
            Operation::Untag { keys } => c
                .untag_resource()
                .resource_arn(&profile.arn)
                .set_tag_keys(Some(keys.clone()))
                .send()
                .await
                .map(drop)
                .map_err(|e| ConnectError::from_sdk(api, e)),
        }
    }

    /// DeleteRoutingProfile.
    pub async fn delete(&self, profile: &ProfileRef) -> Result<(), ConnectError> {
        self.client
            .delete_routing_profile()
            .instance_id(&profile.instance_id)
            .routing_profile_id(&profile.routing_profile_id)
            .send()
            .await
            .map(drop)
            .map_err(|e| ConnectError::from_sdk("DeleteRoutingProfile", e))
    }
}

fn parse_enum<T: Copy>(text: &str, choices: &[(&str, T)]) -> Option<T> {
    choices
        .iter()
        .find(|(name, _)| *name == text)
        .map(|(_, v)| *v)
}

/// The API takes an absent list, not an empty one.
fn non_empty<T>(items: Vec<T>) -> Option<Vec<T>> {
    (!items.is_empty()).then_some(items)
}

fn non_empty_map(tags: &BTreeMap<String, String>) -> Option<HashMap<String, String>> {
    (!tags.is_empty()).then(|| tags.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
}

fn queue_reference(
    op: &'static str,
    queue: &QueueRef,
) -> Result<sdk::RoutingProfileQueueReference, ConnectError> {
    sdk::RoutingProfileQueueReference::builder()
        .queue_id(&queue.queue_id)
        .channel(sdk::Channel::from(queue.channel.as_str()))
        .build()
        .map_err(|e| ConnectError::request(op, e))
}

fn queue_references(
    op: &'static str,
    queues: &[QueueRef],
) -> Result<Vec<sdk::RoutingProfileQueueReference>, ConnectError> {
    queues.iter().map(|q| queue_reference(op, q)).collect()
}

fn queue_configs(
    op: &'static str,
    queues: &[(QueueRef, Placement)],
) -> Result<Vec<sdk::RoutingProfileQueueConfig>, ConnectError> {
    queues
        .iter()
        .map(|(queue, placement)| {
            sdk::RoutingProfileQueueConfig::builder()
                .queue_reference(queue_reference(op, queue)?)
                .priority(placement.priority)
                .delay(placement.delay)
                .build()
                .map_err(|e| ConnectError::request(op, e))
        })
        .collect()
}

fn manual_configs(
    op: &'static str,
    queues: &[QueueRef],
) -> Result<Vec<sdk::RoutingProfileManualAssignmentQueueConfig>, ConnectError> {
    queues
        .iter()
        .map(|queue| {
            Ok(sdk::RoutingProfileManualAssignmentQueueConfig::builder()
                .queue_reference(queue_reference(op, queue)?)
                .build())
        })
        .collect()
}

fn media_concurrencies(
    op: &'static str,
    concurrency: &BTreeMap<Channel, Concurrency>,
) -> Result<Vec<sdk::MediaConcurrency>, ConnectError> {
    concurrency
        .iter()
        .map(|(channel, c)| {
            let behavior = sdk::CrossChannelBehavior::builder()
                .behavior_type(sdk::BehaviorType::from(c.cross_channel.as_str()))
                .build()
                .map_err(|e| ConnectError::request(op, e))?;
            sdk::MediaConcurrency::builder()
                .channel(sdk::Channel::from(channel.as_str()))
                .concurrency(c.max_contacts)
                .cross_channel_behavior(behavior)
                .build()
                .map_err(|e| ConnectError::request(op, e))
        })
        .collect()
}
