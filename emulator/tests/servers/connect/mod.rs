//! The Connect emulator driven by the real `aws-sdk-connect` client over HTTP.

use std::time::{Duration, Instant};

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_connect::Client;
use aws_sdk_connect::config::{Credentials, Region};
use aws_sdk_connect::error::ProvideErrorMetadata;
use aws_sdk_connect::operation::associate_routing_profile_queues::builders::AssociateRoutingProfileQueuesFluentBuilder;
use aws_sdk_connect::operation::create_routing_profile::CreateRoutingProfileError;
use aws_sdk_connect::operation::create_routing_profile::builders::CreateRoutingProfileFluentBuilder;
use aws_sdk_connect::operation::delete_routing_profile::builders::DeleteRoutingProfileFluentBuilder;
use aws_sdk_connect::types::{
    AgentAvailabilityTimer, BehaviorType, Channel, ChannelWorkloadBehaviorType,
    CrossChannelBehavior, CrossChannelWorkloadBehavior, MediaConcurrency,
    RoutingProfileManualAssignmentQueueConfig, RoutingProfileQueueConfig,
    RoutingProfileQueueConfigSummary, RoutingProfileQueueReference, WorkloadTypeConcurrency,
};
use connect_emulator::connect::{self, RateLimit};
use connect_emulator::{
    ConnectEmulator, DEMO_INSTANCE_ID, DEMO_INSTANCE2_ID, Fault, demo_queue_id,
};

use crate::raw_http;

mod all_or_nothing;
mod lag;
mod workload_only;

async fn client_with(emu: &ConnectEmulator, retry: RetryConfig, timeout: TimeoutConfig) -> Client {
    let config = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("AKIDTEST", "secret", None, None, "test"))
        .endpoint_url(emu.endpoint())
        // Plain http to the emulator; the SDK's default HTTPS client is not compiled in.
        .http_client(aws_smithy_http_client::Builder::new().build_http())
        .retry_config(retry)
        .timeout_config(timeout)
        .load()
        .await;
    Client::new(&config)
}

/// A client that reports the first error as is.
async fn client(emu: &ConnectEmulator) -> Client {
    client_with(emu, RetryConfig::disabled(), TimeoutConfig::disabled()).await
}

async fn seeded() -> (ConnectEmulator, Client) {
    let emu = ConnectEmulator::start().await;
    emu.seed_demo();
    let client = client(&emu).await;
    (emu, client)
}

fn qc(n: u32, channel: Channel, priority: i32, delay: i32) -> RoutingProfileQueueConfig {
    qc_of(&demo_queue_id(n), channel, priority, delay)
}

/// A queue config of any queue ID, one the instance may not have.
fn qc_of(queue_id: &str, channel: Channel, priority: i32, delay: i32) -> RoutingProfileQueueConfig {
    RoutingProfileQueueConfig::builder()
        .queue_reference(qref_of(queue_id, channel))
        .priority(priority)
        .delay(delay)
        .build()
        .expect("complete queue config")
}

fn qref(n: u32, channel: Channel) -> RoutingProfileQueueReference {
    qref_of(&demo_queue_id(n), channel)
}

fn qref_of(queue_id: &str, channel: Channel) -> RoutingProfileQueueReference {
    RoutingProfileQueueReference::builder()
        .queue_id(queue_id)
        .channel(channel)
        .build()
        .expect("complete queue reference")
}

fn manual(n: u32, channel: Channel) -> RoutingProfileManualAssignmentQueueConfig {
    RoutingProfileManualAssignmentQueueConfig::builder()
        .queue_reference(qref(n, channel))
        .build()
}

fn media(channel: Channel, concurrency: i32) -> MediaConcurrency {
    MediaConcurrency::builder()
        .channel(channel)
        .concurrency(concurrency)
        .build()
        .expect("complete media concurrency")
}

/// The channels Describe reports for profile `id` of the demo instance.
async fn described_media(client: &Client, id: &str) -> Vec<MediaConcurrency> {
    client
        .describe_routing_profile()
        .instance_id(DEMO_INSTANCE_ID)
        .routing_profile_id(id)
        .send()
        .await
        .expect("describe")
        .routing_profile()
        .expect("a profile")
        .media_concurrencies()
        .to_vec()
}

/// Each described channel as (channel, Concurrency, how many workload types).
fn channels(media: &[MediaConcurrency]) -> Vec<(String, i32, usize)> {
    media
        .iter()
        .map(|m| {
            let workloads = m.workload_type_concurrencies().len();
            (m.channel().as_str().to_string(), m.concurrency(), workloads)
        })
        .collect()
}

/// A Create of a minimal profile in the demo instance (VOICE only, queue 1 as its default outbound
/// queue), to send as it is or to change first.
fn create(client: &Client, name: &str) -> CreateRoutingProfileFluentBuilder {
    client
        .create_routing_profile()
        .instance_id(DEMO_INSTANCE_ID)
        .name(name)
        .description("basic")
        .default_outbound_queue_id(demo_queue_id(1))
        .media_concurrencies(media(Channel::Voice, 1))
}

/// An AssociateRoutingProfileQueues of a profile of the demo instance, its queues to add.
fn associate(client: &Client, id: &str) -> AssociateRoutingProfileQueuesFluentBuilder {
    client
        .associate_routing_profile_queues()
        .instance_id(DEMO_INSTANCE_ID)
        .routing_profile_id(id)
}

/// A DeleteRoutingProfile of a profile of the demo instance.
fn delete(client: &Client, id: &str) -> DeleteRoutingProfileFluentBuilder {
    client
        .delete_routing_profile()
        .instance_id(DEMO_INSTANCE_ID)
        .routing_profile_id(id)
}

/// Every queue config ListRoutingProfileQueues lists for a profile of the demo instance, all
/// pages, or the error code.
async fn listed_queues(
    client: &Client,
    id: &str,
) -> Result<Vec<RoutingProfileQueueConfigSummary>, String> {
    client
        .list_routing_profile_queues()
        .instance_id(DEMO_INSTANCE_ID)
        .routing_profile_id(id)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| e.code().unwrap_or("no code").to_string())
}

/// Creates a minimal profile and returns its ID.
async fn create_basic(client: &Client, name: &str) -> String {
    create(client, name)
        .send()
        .await
        .expect("create succeeds")
        .routing_profile_id
        .expect("an id")
}

#[tokio::test]
async fn create_describe_paginate_and_tag_round_trip() {
    let (emu, client) = seeded().await;

    let mut sales = create(&client, "Sales")
        .description("Sales agents")
        .media_concurrencies(
            MediaConcurrency::builder()
                .channel(Channel::Chat)
                .concurrency(3)
                .cross_channel_behavior(
                    CrossChannelBehavior::builder()
                        .behavior_type(BehaviorType::RouteAnyChannel)
                        .build()
                        .expect("behavior"),
                )
                .build()
                .expect("media"),
        )
        .agent_availability_timer(AgentAvailabilityTimer::TimeSinceLastInbound)
        .manual_assignment_queue_configs(manual(3, Channel::Chat))
        .tags("team", "sales")
        .tags("cost-center", "42");
    for n in 1..=10 {
        sales = sales.queue_configs(qc(n, Channel::Voice, n as i32, 0));
    }
    let created = sales.send().await.expect("create succeeds");
    let id = created.routing_profile_id().expect("id").to_string();
    let arn = created.routing_profile_arn().expect("arn").to_string();
    assert_eq!(arn, connect::routing_profile_arn(DEMO_INSTANCE_ID, &id));

    // Up to 25 queue configs, ten per call as the API demands.
    for range in [11..=20u32, 21..=25] {
        let mut assoc = associate(&client, &id);
        for n in range {
            assoc = assoc.queue_configs(qc(n, Channel::Chat, 5, 30));
        }
        assoc.send().await.expect("associate succeeds");
    }

    let described = client
        .describe_routing_profile()
        .instance_id(DEMO_INSTANCE_ID)
        .routing_profile_id(&id)
        .send()
        .await
        .expect("describe succeeds");
    let rp = described.routing_profile().expect("a profile");
    assert_eq!(rp.name(), Some("Sales"));
    assert_eq!(rp.description(), Some("Sales agents"));
    assert_eq!(rp.instance_id(), Some(DEMO_INSTANCE_ID));
    assert_eq!(rp.routing_profile_arn(), Some(arn.as_str()));
    assert_eq!(
        rp.default_outbound_queue_id(),
        Some(demo_queue_id(1).as_str())
    );
    assert_eq!(
        rp.agent_availability_timer(),
        Some(&AgentAvailabilityTimer::TimeSinceLastInbound)
    );
    assert_eq!(rp.number_of_associated_queues(), Some(25));
    assert_eq!(rp.number_of_associated_manual_assignment_queues(), Some(1));
    assert_eq!(rp.number_of_associated_users(), Some(0));
    assert!(
        rp.associated_queue_ids().is_empty(),
        "Describe must not list queues"
    );
    let media = rp.media_concurrencies();
    let reported: Vec<(&str, i32)> = media
        .iter()
        .map(|m| (m.channel().as_str(), m.concurrency()))
        .collect();
    assert_eq!(
        reported,
        [("VOICE", 1), ("CHAT", 3), ("TASK", 0), ("EMAIL", 0)],
        "the channels not enabled are reported with Concurrency 0"
    );
    assert_eq!(media[0].channel(), &Channel::Voice);
    assert_eq!(
        media[0].cross_channel_behavior().map(|b| b.behavior_type()),
        Some(&BehaviorType::RouteCurrentChannelOnly),
        "the service fills in the default"
    );
    assert_eq!(media[1].concurrency(), 3);
    assert_eq!(
        media[1].cross_channel_behavior().map(|b| b.behavior_type()),
        Some(&BehaviorType::RouteAnyChannel)
    );
    assert_eq!(
        rp.tags().and_then(|t| t.get("team")).map(String::as_str),
        Some("sales")
    );

    // The paginator really pages: 25 configs in pages of 10.
    emu.clear_calls();
    let queues: Vec<_> = client
        .list_routing_profile_queues()
        .instance_id(DEMO_INSTANCE_ID)
        .routing_profile_id(&id)
        .max_results(10)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .expect("list succeeds");
    assert_eq!(queues.len(), 25);
    let pages = emu
        .calls()
        .iter()
        .filter(|c| c.operation == "ListRoutingProfileQueues")
        .count();
    assert_eq!(pages, 3);
    let q7 = queues
        .iter()
        .find(|q| q.queue_id() == demo_queue_id(7))
        .expect("queue 7 listed");
    assert_eq!(
        (q7.priority(), q7.delay(), q7.channel()),
        (7, 0, &Channel::Voice)
    );
    assert_eq!(q7.queue_name(), "Overflow 7");
    assert_eq!(
        q7.queue_arn(),
        connect::queue_arn(DEMO_INSTANCE_ID, &demo_queue_id(7))
    );

    let manual: Vec<_> = client
        .list_routing_profile_manual_assignment_queues()
        .instance_id(DEMO_INSTANCE_ID)
        .routing_profile_id(&id)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .expect("list manual succeeds");
    assert_eq!(manual.len(), 1);
    assert_eq!(manual[0].queue_name(), "Chat");

    // Tags: the ARN travels percent-encoded in the path.
    client
        .tag_resource()
        .resource_arn(&arn)
        .tags("env", "test")
        .send()
        .await
        .expect("tag succeeds");
    client
        .untag_resource()
        .resource_arn(&arn)
        .tag_keys("team")
        .tag_keys("cost-center")
        .send()
        .await
        .expect("untag succeeds");
    let tags = client
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
        .expect("list tags succeeds");
    let tags = tags.tags().expect("tags");
    assert_eq!(tags.len(), 1);
    assert_eq!(tags.get("env").map(String::as_str), Some("test"));
    let untag = emu
        .calls()
        .into_iter()
        .find(|c| c.operation == "UntagResource")
        .expect("untag recorded");
    assert_eq!(
        untag.request["tagKeys"],
        serde_json::json!(["team", "cost-center"])
    );
    assert!(
        untag.path.starts_with("/tags/arn%3Aaws%3Aconnect"),
        "{}",
        untag.path
    );

    let snapshot = emu.profile(&id).expect("profile exists");
    assert_eq!(snapshot.queue_configs.len(), 25);
    assert_eq!(snapshot.manual_assignment_queues.len(), 1);
    assert_eq!(emu.profiles(), vec![snapshot]);
}

#[tokio::test]
async fn updates_change_state_and_list_profiles_pages() {
    let (emu, client) = seeded().await;
    let id = create_basic(&client, "Support").await;
    let other = create_basic(&client, "Other").await;

    client
        .update_routing_profile_name()
        .instance_id(DEMO_INSTANCE_ID)
        .routing_profile_id(&id)
        .name("Support Tier 1")
        .send()
        .await
        .expect("rename");
    client
        .update_routing_profile_concurrency()
        .instance_id(DEMO_INSTANCE_ID)
        .routing_profile_id(&id)
        .media_concurrencies(media(Channel::Chat, 2))
        .media_concurrencies(media(Channel::Task, 10))
        .send()
        .await
        .expect("concurrency");
    client
        .update_routing_profile_default_outbound_queue()
        .instance_id(DEMO_INSTANCE_ID)
        .routing_profile_id(&id)
        .default_outbound_queue_id(demo_queue_id(2))
        .send()
        .await
        .expect("default outbound queue");
    client
        .update_routing_profile_agent_availability_timer()
        .instance_id(DEMO_INSTANCE_ID)
        .routing_profile_id(&id)
        .agent_availability_timer(AgentAvailabilityTimer::TimeSinceLastInbound)
        .send()
        .await
        .expect("timer");
    associate(&client, &id)
        .queue_configs(qc(2, Channel::Voice, 1, 0))
        .queue_configs(qc(3, Channel::Chat, 1, 0))
        .send()
        .await
        .expect("associate");
    client
        .update_routing_profile_queues()
        .instance_id(DEMO_INSTANCE_ID)
        .routing_profile_id(&id)
        .queue_configs(qc(2, Channel::Voice, 9, 60))
        .send()
        .await
        .expect("update queues");
    client
        .disassociate_routing_profile_queues()
        .instance_id(DEMO_INSTANCE_ID)
        .routing_profile_id(&id)
        .queue_references(qref(3, Channel::Chat))
        .send()
        .await
        .expect("disassociate");

    let p = emu.profile(&id).expect("profile");
    assert_eq!(p.name, "Support Tier 1");
    assert_eq!(
        p.description, "basic",
        "a rename without Description keeps it"
    );
    assert_eq!(p.default_outbound_queue_id, demo_queue_id(2));
    assert_eq!(p.agent_availability_timer, "TIME_SINCE_LAST_INBOUND");
    let channels: Vec<_> = p
        .media_concurrencies
        .iter()
        .map(|m| m.channel.as_str())
        .collect();
    assert_eq!(
        channels,
        ["CHAT", "TASK"],
        "the concurrency update replaces the set"
    );
    assert_eq!(
        p.queue_configs,
        vec![connect::QueueConfig {
            queue_id: demo_queue_id(2),
            channel: "VOICE".into(),
            priority: 9,
            delay: 60
        }]
    );

    // Updating a pair that is not associated is rejected.
    let err = client
        .update_routing_profile_queues()
        .instance_id(DEMO_INSTANCE_ID)
        .routing_profile_id(&id)
        .queue_configs(qc(3, Channel::Chat, 1, 0))
        .send()
        .await
        .expect_err("not associated");
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_invalid_parameter_exception())
    );

    // Associating an associated pair again is rejected.
    let err = associate(&client, &id)
        .queue_configs(qc(2, Channel::Voice, 1, 0))
        .send()
        .await
        .expect_err("already associated");
    assert_eq!(err.code(), Some("InvalidParameterException"));

    // Renaming onto another profile's name is a duplicate.
    let err = client
        .update_routing_profile_name()
        .instance_id(DEMO_INSTANCE_ID)
        .routing_profile_id(&other)
        .name("Support Tier 1")
        .send()
        .await
        .expect_err("duplicate name");
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_duplicate_resource_exception())
    );

    for n in 0..11 {
        create_basic(&client, &format!("Bulk {n:02}")).await;
    }
    emu.clear_calls();
    let summaries: Vec<_> = client
        .list_routing_profiles()
        .instance_id(DEMO_INSTANCE_ID)
        .max_results(5)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .expect("list profiles");
    assert_eq!(summaries.len(), 13);
    assert_eq!(emu.calls().len(), 3);
    assert!(summaries.iter().any(|s| s.id() == Some(id.as_str())));

    // Profiles live per instance.
    let err = client
        .describe_routing_profile()
        .instance_id(DEMO_INSTANCE2_ID)
        .routing_profile_id(&id)
        .send()
        .await
        .expect_err("other instance");
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_resource_not_found_exception())
    );
}

#[tokio::test]
async fn errors_surface_as_modeled_variants() {
    let (emu, client) = seeded().await;

    let err = create(&client, "Ghost")
        .queue_configs(qc_of("no-such-queue", Channel::Voice, 1, 0))
        .send()
        .await
        .expect_err("unknown queue");
    assert_eq!(err.code(), Some("ResourceNotFoundException"));
    assert!(
        err.message().is_some_and(|m| m.contains("no-such-queue")),
        "{:?}",
        err.message()
    );
    let service = err.into_service_error();
    assert!(service.is_resource_not_found_exception(), "{service:?}");
    assert!(emu.profiles().is_empty(), "a failed create creates nothing");

    let err = create(&client, "Ghost")
        .default_outbound_queue_id("missing")
        .send()
        .await
        .expect_err("unknown default queue");
    assert!(err.into_service_error().is_resource_not_found_exception());

    let id = create_basic(&client, "Taken").await;
    let err = create(&client, "Taken")
        .send()
        .await
        .expect_err("duplicate");
    assert_eq!(err.code(), Some("DuplicateResourceException"));
    assert!(err.into_service_error().is_duplicate_resource_exception());

    let mut too_many = create(&client, "Big");
    for n in 1..=11 {
        too_many = too_many.queue_configs(qc(n, Channel::Voice, 1, 0));
    }
    let err = too_many.send().await.expect_err("more than 10");
    assert!(err.into_service_error().is_invalid_parameter_exception());

    for (priority, delay, concurrency) in [(0, 0, 1), (100, 0, 1), (1, 10_000, 1), (1, 0, 2)] {
        let err = create(&client, "Bad")
            .set_media_concurrencies(Some(vec![media(Channel::Voice, concurrency)]))
            .queue_configs(qc(1, Channel::Voice, priority, delay))
            .send()
            .await
            .expect_err("out of range");
        assert_eq!(
            err.code(),
            Some("InvalidParameterException"),
            "{priority} {delay} {concurrency}"
        );
    }

    let err = create(&client, "Manual voice")
        .manual_assignment_queue_configs(manual(2, Channel::Voice))
        .send()
        .await
        .expect_err("voice manual");
    assert_eq!(err.code(), Some("InvalidParameterException"));

    let err = client
        .tag_resource()
        .resource_arn(connect::routing_profile_arn(DEMO_INSTANCE_ID, &id))
        .tags("aws:reserved", "x")
        .send()
        .await
        .expect_err("reserved prefix");
    assert_eq!(err.code(), Some("InvalidParameterException"));

    let err = create(&client, "Nowhere")
        .instance_id("no-such-instance")
        .send()
        .await
        .expect_err("unknown instance");
    assert!(err.into_service_error().is_resource_not_found_exception());

    assert!(emu.set_users(DEMO_INSTANCE_ID, &id, 3));
    let err = delete(&client, &id).send().await.expect_err("in use");
    assert_eq!(err.code(), Some("ResourceInUseException"));
    assert!(err.into_service_error().is_resource_in_use_exception());
    emu.set_users(DEMO_INSTANCE_ID, &id, 0);
    delete(&client, &id).send().await.expect("delete");
    let err = delete(&client, &id).send().await.expect_err("already gone");
    assert!(err.into_service_error().is_resource_not_found_exception());

    let failures: Vec<_> = emu
        .calls()
        .into_iter()
        .filter_map(|c| c.error_type.map(|e| (c.status, e)))
        .collect();
    assert!(failures.contains(&(404, "ResourceNotFoundException".to_string())));
    assert!(failures.contains(&(409, "DuplicateResourceException".to_string())));
    assert!(failures.contains(&(409, "ResourceInUseException".to_string())));
}

/// WorkloadTypeConcurrencies are stored, described and replaced with the rest of the set.
#[tokio::test]
async fn workload_types_are_kept_and_replaced_with_the_set() {
    let (emu, client) = seeded().await;
    let id = create_basic(&client, "Workloads").await;
    let workload = |name: &str, concurrency: i32, behavior: Option<ChannelWorkloadBehaviorType>| {
        WorkloadTypeConcurrency::builder()
            .workload_type(name)
            .concurrency(concurrency)
            .set_cross_channel_workload_behavior(behavior.map(|b| {
                CrossChannelWorkloadBehavior::builder()
                    .channel_workload_behavior_type(b)
                    .build()
            }))
            .build()
            .expect("workload type concurrency")
    };
    let chat = |workloads: Option<Vec<WorkloadTypeConcurrency>>| {
        MediaConcurrency::builder()
            .channel(Channel::Chat)
            .concurrency(4)
            .set_workload_type_concurrencies(workloads)
            .build()
            .expect("media concurrency")
    };
    let update = |media: Vec<MediaConcurrency>| {
        client
            .update_routing_profile_concurrency()
            .instance_id(DEMO_INSTANCE_ID)
            .routing_profile_id(&id)
            .set_media_concurrencies(Some(media))
            .send()
    };
    let described = || described_media(&client, &id);

    let any = ChannelWorkloadBehaviorType::RouteAnyChannelAnyWorkloadType;
    let sent = vec![
        workload("billing", 2, Some(any.clone())),
        workload("sales", 1, None),
    ];
    update(vec![media(Channel::Voice, 1), chat(Some(sent.clone()))])
        .await
        .expect("workload types within the rules");
    let media_now = described().await;
    let chat_now = media_now
        .iter()
        .find(|m| m.channel() == &Channel::Chat)
        .expect("CHAT enabled");
    assert_eq!(
        chat_now.workload_type_concurrencies(),
        sent.as_slice(),
        "as sent, in order"
    );
    assert!(
        chat_now.workload_type_concurrencies()[1]
            .cross_channel_workload_behavior()
            .is_none(),
        "no behavior is made up"
    );
    let stored = emu.profile(&id).expect("profile");
    assert_eq!(stored.media_concurrencies[1].workload_types.len(), 2);

    // The set is replaced: workload types left out are gone, and so is a channel left out.
    update(vec![chat(None)])
        .await
        .expect("only CHAT, no workload types");
    assert_eq!(
        channels(&described().await),
        [
            ("CHAT".to_string(), 4, 0),
            ("VOICE".to_string(), 0, 0),
            ("TASK".to_string(), 0, 0),
            ("EMAIL".to_string(), 0, 0)
        ]
    );

    // Documented per channel: on VOICE a workload type handles exactly one contact; and each
    // workload type once per channel.
    let voice = MediaConcurrency::builder()
        .channel(Channel::Voice)
        .concurrency(1)
        .workload_type_concurrencies(workload("callback", 2, None))
        .build()
        .expect("media concurrency");
    let twice = chat(Some(vec![workload("a", 1, None), workload("a", 2, None)]));
    for media in [vec![voice], vec![twice]] {
        let err = update(media)
            .await
            .expect_err("outside the documented rules");
        assert_eq!(err.code(), Some("InvalidParameterException"), "{err:?}");
    }
    let chat_now = emu.profile(&id).expect("profile").media_concurrencies;
    assert_eq!(chat_now.len(), 1, "a failing call changes nothing");
}

/// Rules the table takes from Connect's service model and documentation, beyond those the
/// function's own events exercise.
#[tokio::test]
async fn the_models_rules_are_enforced_before_anything_is_looked_up() {
    let (emu, client) = seeded().await;
    let id = create_basic(&client, "Rules").await;
    let arn = connect::routing_profile_arn(DEMO_INSTANCE_ID, &id);
    let invalid = |err: &dyn ProvideErrorMetadata| err.code() == Some("InvalidParameterException");

    // TagKey's pattern, as a character class; the reserved prefix in any case; TagValue's length.
    for (key, value) in [
        ("cost#center", "x"),
        ("AWS:upper", "x"),
        ("ok", &"v".repeat(257)[..]),
    ] {
        let err = client
            .tag_resource()
            .resource_arn(&arn)
            .tags(key, value)
            .send()
            .await
            .expect_err("outside the model");
        assert!(invalid(&err), "{key}: {err:?}");
    }
    let err = client
        .untag_resource()
        .resource_arn(&arn)
        .tag_keys("aws:cloudformation:stack-id")
        .send()
        .await
        .expect_err("a reserved key");
    assert!(invalid(&err), "{err:?}");
    client
        .tag_resource()
        .resource_arn(&arn)
        .tags("Kostenstelle Ä_.:/=+-@", "v".repeat(256))
        .send()
        .await
        .expect("letters, separators and the listed marks");

    // An InstanceId longer than the model allows is a bad parameter, not an unknown instance;
    // a Name one character too long likewise.
    let err = client
        .describe_routing_profile()
        .instance_id("i".repeat(101))
        .routing_profile_id(&id)
        .send()
        .await
        .expect_err("too long");
    assert!(invalid(&err), "{err:?}");
    let err = client
        .update_routing_profile_name()
        .instance_id(DEMO_INSTANCE_ID)
        .routing_profile_id(&id)
        .name("n".repeat(128))
        .send()
        .await
        .expect_err("too long");
    assert!(invalid(&err), "{err:?}");

    // WorkloadTypeConcurrencies: 1-5 entries, each 1-10.
    let workload = |concurrency: i32| {
        aws_sdk_connect::types::WorkloadTypeConcurrency::builder()
            .workload_type("CALLBACK")
            .concurrency(concurrency)
            .build()
            .expect("workload type concurrency")
    };
    let chat = |workloads: Vec<aws_sdk_connect::types::WorkloadTypeConcurrency>| {
        MediaConcurrency::builder()
            .channel(Channel::Chat)
            .concurrency(2)
            .set_workload_type_concurrencies(Some(workloads))
            .build()
            .expect("media concurrency")
    };
    for workloads in [
        vec![],
        vec![workload(11)],
        (0..6).map(|_| workload(1)).collect(),
    ] {
        let err = client
            .update_routing_profile_concurrency()
            .instance_id(DEMO_INSTANCE_ID)
            .routing_profile_id(&id)
            .media_concurrencies(chat(workloads))
            .send()
            .await
            .expect_err("outside the model");
        assert!(invalid(&err), "{err:?}");
    }
    client
        .update_routing_profile_concurrency()
        .instance_id(DEMO_INSTANCE_ID)
        .routing_profile_id(&id)
        .media_concurrencies(chat(vec![workload(10)]))
        .send()
        .await
        .expect("within the model");

    // At most 10 references per Disassociate call, both lists together.
    let mut assoc = associate(&client, &id);
    for n in 1..=6 {
        assoc = assoc.queue_configs(qc(n, Channel::Voice, 1, 0));
    }
    for n in 7..=11 {
        assoc = assoc.manual_assignment_queue_configs(manual(n, Channel::Task));
    }
    assoc.send().await.expect("associate");
    let disassociate = |routed: std::ops::RangeInclusive<u32>, manual| {
        let mut call = client
            .disassociate_routing_profile_queues()
            .instance_id(DEMO_INSTANCE_ID)
            .routing_profile_id(&id);
        for n in routed {
            call = call.queue_references(qref(n, Channel::Voice));
        }
        for n in manual {
            call = call.manual_assignment_queue_references(qref(n, Channel::Task));
        }
        call.send()
    };
    let err = disassociate(1..=6, 7..=11)
        .await
        .expect_err("11 references");
    assert!(invalid(&err), "{err:?}");
    let profile = emu.profile(&id).expect("profile");
    assert_eq!(
        (
            profile.queue_configs.len(),
            profile.manual_assignment_queues.len()
        ),
        (6, 5),
        "a refused call changes nothing"
    );
    disassociate(1..=5, 7..=11).await.expect("10 references");
    let profile = emu.profile(&id).expect("profile");
    assert_eq!(
        (
            profile.queue_configs.len(),
            profile.manual_assignment_queues.len()
        ),
        (1, 0)
    );
}

#[tokio::test]
async fn queue_quota_is_limit_exceeded() {
    let emu = ConnectEmulator::start().await;
    for n in 1..=101 {
        emu.add_queue("inst", &format!("q{n}"), &format!("Queue {n}"));
    }
    let client = client(&emu).await;
    let id = create_basic_in(&client, "inst", "Full").await;
    for batch in 0..10 {
        let mut assoc = client
            .associate_routing_profile_queues()
            .instance_id("inst")
            .routing_profile_id(&id);
        for n in 1..=10 {
            let queue = format!("q{}", batch * 10 + n);
            assoc = assoc.queue_configs(qc_of(&queue, Channel::Voice, 1, 0));
        }
        assoc.send().await.expect("within quota");
    }
    let err = client
        .associate_routing_profile_queues()
        .instance_id("inst")
        .routing_profile_id(&id)
        .queue_configs(qc_of("q101", Channel::Voice, 1, 0))
        .send()
        .await
        .expect_err("over quota");
    assert_eq!(err.code(), Some("LimitExceededException"));
    assert_eq!(emu.profile(&id).expect("profile").queue_configs.len(), 100);

    // A test may set the quota lower; None restores the table's.
    let low = create_basic_in(&client, "inst", "Low").await;
    emu.set_queues_per_profile(Some(2));
    let configs = |from: u32, to: u32| {
        (from..=to)
            .map(|n| qc_of(&format!("q{n}"), Channel::Voice, 1, 0))
            .collect::<Vec<_>>()
    };
    let over = client
        .associate_routing_profile_queues()
        .instance_id("inst")
        .routing_profile_id(&low)
        .set_queue_configs(Some(configs(1, 3)))
        .send()
        .await
        .expect_err("over the quota set");
    assert_eq!(over.code(), Some("LimitExceededException"));
    assert!(emu.profile(&low).expect("profile").queue_configs.is_empty());
    emu.set_queues_per_profile(None);
    client
        .associate_routing_profile_queues()
        .instance_id("inst")
        .routing_profile_id(&low)
        .set_queue_configs(Some(configs(1, 3)))
        .send()
        .await
        .expect("within the table's quota again");
}

async fn create_basic_in(client: &Client, instance: &str, name: &str) -> String {
    create(client, name)
        .instance_id(instance)
        .default_outbound_queue_id("q1")
        .send()
        .await
        .expect("create")
        .routing_profile_id
        .expect("id")
}

#[tokio::test]
async fn rate_limits_are_per_operation_reads_included() {
    let (emu, client) = seeded().await;
    emu.set_rate_limit(Some(RateLimit {
        per_second: 0.01,
        burst: 2,
    }));
    create_basic(&client, "One").await;
    let id = create_basic(&client, "Two").await;
    let err = create(&client, "Three")
        .send()
        .await
        .expect_err("throttled");
    assert_eq!(err.code(), Some("ThrottlingException"));
    assert!(err.into_service_error().is_throttling_exception());
    let last_create = emu
        .calls()
        .into_iter()
        .rfind(|c| c.operation == "CreateRoutingProfile")
        .expect("recorded");
    assert_eq!(
        (last_create.status, last_create.error_type.as_deref()),
        (429, Some("ThrottlingException"))
    );
    assert_eq!(emu.profiles().len(), 2);

    // Describe has a bucket of its own: two pass, the third is throttled.
    let describe = || {
        client
            .describe_routing_profile()
            .instance_id(DEMO_INSTANCE_ID)
            .routing_profile_id(&id)
            .send()
    };
    describe().await.expect("first read");
    describe().await.expect("second read");
    let err = describe().await.expect_err("third read throttled");
    assert_eq!(err.code(), Some("ThrottlingException"));

    // One operation's own limit, with a full bucket.
    emu.set_operation_rate_limit(
        "DescribeRoutingProfile",
        RateLimit {
            per_second: 0.01,
            burst: 3,
        },
    );
    for _ in 0..3 {
        describe().await.expect("the override's burst");
    }
    assert!(describe().await.is_err());

    // Connect's default refills at 2 per second, and Delete's bucket is not Create's.
    emu.set_rate_limit(Some(RateLimit::connect_default()));
    for n in 0..5 {
        create_basic(&client, &format!("Burst {n}")).await;
    }
    assert!(create_basic_result(&client, "Sixth").await.is_err());
    delete(&client, &id)
        .send()
        .await
        .expect("Delete's bucket is full");
    tokio::time::sleep(Duration::from_millis(600)).await;
    create_basic_result(&client, "Sixth")
        .await
        .expect("a token was refilled");

    emu.set_rate_limit(None);
    for _ in 0..10 {
        list_profiles_unthrottled(&client).await;
    }
}

async fn create_basic_result(
    client: &Client,
    name: &str,
) -> Result<(), aws_sdk_connect::error::SdkError<CreateRoutingProfileError>> {
    create(client, name).send().await.map(|_| ())
}

async fn list_profiles_unthrottled(client: &Client) {
    client
        .list_routing_profiles()
        .instance_id(DEMO_INSTANCE_ID)
        .send()
        .await
        .expect("no limit");
}

#[tokio::test]
async fn seeded_console_and_default_profiles() {
    let (emu, client) = seeded().await;
    let console = emu.seed_profile(DEMO_INSTANCE_ID, "Built by hand");
    let default = emu.seed_default_profile(DEMO_INSTANCE_ID);
    assert_eq!(default.name, connect::DEFAULT_PROFILE_NAME);
    assert_eq!(emu.calls(), []);

    let describe = |id: String| {
        client
            .describe_routing_profile()
            .instance_id(DEMO_INSTANCE_ID)
            .routing_profile_id(id)
            .send()
    };
    let seen = describe(console.id.clone())
        .await
        .expect("describe")
        .routing_profile
        .expect("profile");
    assert!(!seen.is_default);
    assert_eq!(
        seen.routing_profile_arn.as_deref(),
        Some(console.arn.as_str())
    );
    assert_eq!(
        seen.tags.expect("tags").get("made-in").map(String::as_str),
        Some("console")
    );
    let seen = describe(default.id.clone())
        .await
        .expect("describe")
        .routing_profile
        .expect("profile");
    assert!(seen.is_default);

    // A Create of the same name meets the taken name, as in Connect.
    let err = create_basic_result(&client, "Built by hand")
        .await
        .expect_err("name taken");
    assert_eq!(err.code(), Some("DuplicateResourceException"));

    let err = delete(&client, &default.id)
        .send()
        .await
        .expect_err("the default profile stays");
    assert_eq!(err.code(), Some("InvalidRequestException"));
    delete(&client, &console.id)
        .send()
        .await
        .expect("a console profile can be deleted");
    assert_eq!(emu.profiles(), [default]);
}

#[tokio::test]
async fn injected_faults_happen_exactly_times() {
    let (emu, _) = seeded().await;
    // The SDK's standard retry (3 attempts) absorbs two 500s.
    let retrying = client_with(&emu, RetryConfig::standard(), TimeoutConfig::disabled()).await;
    let id = create_basic(&retrying, "Faulty").await;
    emu.clear_calls();
    emu.inject("DescribeRoutingProfile", Fault::internal(), 2);
    retrying
        .describe_routing_profile()
        .instance_id(DEMO_INSTANCE_ID)
        .routing_profile_id(&id)
        .send()
        .await
        .expect("third attempt succeeds");
    let statuses: Vec<u16> = emu.calls().iter().map(|c| c.status).collect();
    assert_eq!(statuses, [500, 500, 200]);
    assert_eq!(
        emu.calls()[0].error_type.as_deref(),
        Some("InternalServiceException")
    );

    // "*" hits any operation, once.
    let client = client(&emu).await;
    emu.clear_calls();
    emu.inject("*", Fault::throttling(), 1);
    let err = client
        .list_tags_for_resource()
        .resource_arn(connect::routing_profile_arn(DEMO_INSTANCE_ID, &id))
        .send()
        .await
        .expect_err("injected");
    assert!(err.into_service_error().is_throttling_exception());
    client
        .list_tags_for_resource()
        .resource_arn(connect::routing_profile_arn(DEMO_INSTANCE_ID, &id))
        .send()
        .await
        .expect("only once");
    assert_eq!(emu.calls().len(), 2);

    // Faults not used up can be forgotten.
    emu.inject("*", Fault::throttling(), 5);
    emu.clear_faults();
    client
        .list_tags_for_resource()
        .resource_arn(connect::routing_profile_arn(DEMO_INSTANCE_ID, &id))
        .send()
        .await
        .expect("no fault left");

    // Delay, then normal handling.
    emu.inject(
        "DescribeRoutingProfile",
        Fault::Delay(Duration::from_millis(200)),
        1,
    );
    let started = Instant::now();
    client
        .describe_routing_profile()
        .instance_id(DEMO_INSTANCE_ID)
        .routing_profile_id(&id)
        .send()
        .await
        .expect("delayed but fine");
    assert!(started.elapsed() >= Duration::from_millis(200));

    // Hang: only the client's own timeout ends the call.
    let impatient = client_with(
        &emu,
        RetryConfig::disabled(),
        TimeoutConfig::builder()
            .operation_attempt_timeout(Duration::from_millis(300))
            .build(),
    )
    .await;
    emu.clear_calls();
    emu.inject("DescribeRoutingProfile", Fault::Hang, 1);
    let err = impatient
        .describe_routing_profile()
        .instance_id(DEMO_INSTANCE_ID)
        .routing_profile_id(&id)
        .send()
        .await
        .expect_err("times out");
    assert!(
        matches!(err, aws_sdk_connect::error::SdkError::TimeoutError(_)),
        "{err:?}"
    );
    assert_eq!(emu.calls()[0].status, 0, "a hung call stays unanswered");

    // The answer lost after the call took effect: a hang, or a 500 the SDK retries.
    emu.inject("CreateRoutingProfile", Fault::answer_lost(), 1);
    let err = create(&impatient, "Made, answer lost")
        .send()
        .await
        .expect_err("times out");
    assert!(
        matches!(err, aws_sdk_connect::error::SdkError::TimeoutError(_)),
        "{err:?}"
    );
    assert!(
        emu.profiles().iter().any(|p| p.name == "Made, answer lost"),
        "carried out although unanswered"
    );
    emu.clear_calls();
    emu.inject("CreateRoutingProfile", Fault::answer_lost_to_500(), 1);
    let err = create(&retrying, "Made, then 500")
        .send()
        .await
        .expect_err("the retry finds the name taken");
    assert_eq!(err.code(), Some("DuplicateResourceException"));
    let statuses: Vec<u16> = emu.calls().iter().map(|c| c.status).collect();
    assert_eq!(statuses, [500, 409]);
    assert_eq!(
        emu.profiles()
            .iter()
            .filter(|p| p.name == "Made, then 500")
            .count(),
        1
    );
}

#[tokio::test]
async fn malformed_requests_get_400_not_a_panic() {
    let emu = ConnectEmulator::start().await;
    emu.seed_demo();
    let addr = emu.endpoint().trim_start_matches("http://").to_string();
    let path = format!("/routing-profiles/{DEMO_INSTANCE_ID}");
    for body in [
        "not json",
        "[1,2]",
        r#"{"Name": 5}"#,
        r#"{"QueueConfigs": [{"Priority": 1.5}]}"#,
    ] {
        let resp = raw_http::http(&addr, "PUT", &path, &[], body.as_bytes()).await;
        assert_eq!(resp.status, 400, "{body}");
        assert_eq!(
            resp.header("x-amzn-errortype"),
            Some("InvalidRequestException")
        );
        assert!(resp.json()["Message"].is_string());
    }
    let resp = raw_http::http(&addr, "PUT", &path, &[], b"{}").await;
    assert_eq!(
        (resp.status, resp.header("x-amzn-errortype")),
        (400, Some("InvalidParameterException"))
    );
    let resp = raw_http::http(&addr, "GET", "/nowhere", &[], b"").await;
    assert_eq!(
        (resp.status, resp.header("x-amzn-errortype")),
        (404, Some("UnknownOperationException"))
    );
    let resp = raw_http::http(
        &addr,
        "GET",
        &format!("/routing-profiles-summary/{DEMO_INSTANCE_ID}?maxResults=abc"),
        &[],
        b"",
    )
    .await;
    assert_eq!(resp.status, 400);
    let resp = raw_http::http(
        &addr,
        "GET",
        &format!("/routing-profiles-summary/{DEMO_INSTANCE_ID}?nextToken=forged"),
        &[],
        b"",
    )
    .await;
    assert_eq!(resp.status, 400);
    let calls = emu.calls();
    assert_eq!(calls.len(), 8);
    assert_eq!(calls[0].request, serde_json::json!("not json"));
    assert_eq!(calls[6].request, serde_json::json!({"maxResults": "abc"}));
}

#[tokio::test]
async fn demo_account_matches_the_example_events() {
    assert_eq!(demo_queue_id(1), "0b6c2f1e-0000-4a5b-8c7d-000000000001");
    assert_eq!(demo_queue_id(30), "0b6c2f1e-0000-4a5b-8c7d-000000000030");
    assert_eq!(
        connect_emulator::demo2_queue_id(5),
        "7d1e4a2b-0000-4c3d-9e8f-000000000005"
    );
    let (emu, client) = seeded().await;
    let id = create_basic(&client, "Names").await;
    assert_eq!(id, "00000000-0000-4000-8000-000000000001");
    let mut assoc = associate(&client, &id);
    for n in [1, 2, 3, 4, 5, 6, 30] {
        assoc = assoc.queue_configs(qc(n, Channel::Chat, 1, 0));
    }
    assoc.send().await.expect("associate");
    let names: Vec<String> = listed_queues(&client, &id)
        .await
        .expect("list")
        .into_iter()
        .map(|q| q.queue_name().to_string())
        .collect();
    assert_eq!(
        names,
        [
            "Outbound",
            "Voice",
            "Chat",
            "Tasks",
            "Email",
            "Overflow 6",
            "Overflow 30"
        ]
    );
    // The second instance has its own five queues and nothing else.
    emu.add_instance(DEMO_INSTANCE2_ID);
    let err = create(&client, "Moved")
        .instance_id(DEMO_INSTANCE2_ID)
        .send()
        .await
        .expect_err("queue of the other instance");
    assert!(err.into_service_error().is_resource_not_found_exception());
    create(&client, "Moved")
        .instance_id(DEMO_INSTANCE2_ID)
        .default_outbound_queue_id(connect_emulator::demo2_queue_id(1))
        .send()
        .await
        .expect("own queue");
}

/// Nagle plus delayed ACK would add ~40 ms to every call on a kept-alive connection.
#[tokio::test]
async fn keep_alive_calls_are_fast() {
    let (_emu, client) = seeded().await;
    let id = create_basic(&client, "Fast").await;
    let mut times = Vec::new();
    for _ in 0..30 {
        let started = Instant::now();
        client
            .describe_routing_profile()
            .instance_id(DEMO_INSTANCE_ID)
            .routing_profile_id(&id)
            .send()
            .await
            .expect("describe");
        times.push(started.elapsed());
    }
    times.sort();
    assert!(
        times[15] < Duration::from_millis(20),
        "median {:?}",
        times[15]
    );
}
