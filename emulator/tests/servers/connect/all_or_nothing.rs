//! Every call is all or nothing: a refused call answers one error and changes nothing, however
//! far into its list the problem is.

use std::fmt::Debug;
use std::future::Future;
use std::time::Duration;

use aws_sdk_connect::Client;
use aws_sdk_connect::error::ProvideErrorMetadata;
use aws_sdk_connect::types::{Channel, RoutingProfileQueueConfig};
use connect_emulator::connect::{self, Profile, RateLimit};
use connect_emulator::{ConnectEmulator, DEMO_INSTANCE_ID};

use super::{
    associate, create, create_basic, delete, listed_queues, manual, media, qc, qc_of, qref,
    qref_of, seeded,
};

/// Every profile as it is, with when it last changed.
fn snapshot(emu: &ConnectEmulator) -> Vec<(Profile, Option<f64>)> {
    emu.profiles()
        .into_iter()
        .map(|p| {
            let modified = emu.last_modified(&p.id);
            (p, modified)
        })
        .collect()
}

/// Sends a call that must be refused with `code`, and checks that nothing changed, when each
/// profile last changed included.
async fn refused<T: Debug, E: ProvideErrorMetadata + Debug>(
    emu: &ConnectEmulator,
    what: &str,
    code: &str,
    call: impl Future<Output = Result<T, E>>,
) {
    let before = snapshot(emu);
    // Timestamps have milliseconds: a change made now would show.
    tokio::time::sleep(Duration::from_millis(2)).await;
    match call.await {
        Ok(answer) => panic!("{what}: expected {code}, got {answer:?}"),
        Err(e) => assert_eq!(e.code(), Some(code), "{what}: {e:?}"),
    }
    assert_eq!(
        snapshot(emu),
        before,
        "{what}: a refused call changed something"
    );
}

/// Ten VOICE configs of queues `first..`.
fn ten(first: u32) -> Vec<RoutingProfileQueueConfig> {
    (first..first + 10)
        .map(|n| qc(n, Channel::Voice, 1, 0))
        .collect()
}

/// [`ten`] with the seventh replaced by `seventh`.
fn ten_with_seventh(
    first: u32,
    seventh: RoutingProfileQueueConfig,
) -> Vec<RoutingProfileQueueConfig> {
    let mut configs = ten(first);
    configs[6] = seventh;
    configs
}

/// A profile with queues 1-6 on VOICE, manual queues 7-8 on CHAT and 45 tags.
async fn full_profile(client: &Client) -> String {
    let id = create(client, "Full")
        .set_queue_configs(Some((1..=6).map(|n| qc(n, Channel::Voice, 1, 0)).collect()))
        .manual_assignment_queue_configs(manual(7, Channel::Chat))
        .manual_assignment_queue_configs(manual(8, Channel::Chat))
        .set_tags(Some(
            (0..45)
                .map(|n| (format!("k{n}"), "v".to_string()))
                .collect(),
        ))
        .send()
        .await
        .expect("create")
        .routing_profile_id
        .expect("id");
    assert_eq!(id, "00000000-0000-4000-8000-000000000001");
    id
}

#[tokio::test]
async fn a_refused_create_makes_nothing_and_takes_no_id() {
    let (emu, client) = seeded().await;
    full_profile(&client).await;
    let ten = |seventh| Some(ten_with_seventh(1, seventh));

    let call =
        create(&client, "New").set_queue_configs(ten(qc_of("no-such-queue", Channel::Voice, 1, 0)));
    refused(
        &emu,
        "7th queue unknown",
        "ResourceNotFoundException",
        call.send(),
    )
    .await;
    let call = create(&client, "New").set_queue_configs(ten(qc(7, Channel::Voice, 0, 0)));
    refused(
        &emu,
        "7th priority 0",
        "InvalidParameterException",
        call.send(),
    )
    .await;
    let call = create(&client, "New")
        .manual_assignment_queue_configs(manual(2, Channel::Chat))
        .manual_assignment_queue_configs(manual(3, Channel::Voice));
    refused(
        &emu,
        "manual VOICE",
        "InvalidParameterException",
        call.send(),
    )
    .await;
    let call = create(&client, "New")
        .media_concurrencies(media(Channel::Chat, 2))
        .media_concurrencies(media(Channel::Chat, 3));
    refused(&emu, "CHAT twice", "InvalidParameterException", call.send()).await;
    let call = create(&client, "New").set_tags(Some(
        (0..51)
            .map(|n| (format!("k{n}"), "v".to_string()))
            .collect(),
    ));
    refused(&emu, "51 tags", "InvalidParameterException", call.send()).await;
    let call = create(&client, "Full").set_queue_configs(ten(qc(7, Channel::Voice, 1, 0)));
    refused(
        &emu,
        "name taken",
        "DuplicateResourceException",
        call.send(),
    )
    .await;

    // None of them took an ID: the next profile is the second made.
    let id = create_basic(&client, "New").await;
    assert_eq!(id, "00000000-0000-4000-8000-000000000002");
}

#[tokio::test]
async fn refused_queue_changes_change_no_queue() {
    let (emu, client) = seeded().await;
    let id = full_profile(&client).await;
    let seventh_taken = ten_with_seventh(11, qc(1, Channel::Voice, 1, 0));
    let call = associate(&client, &id).set_queue_configs(Some(seventh_taken));
    refused(
        &emu,
        "7th already associated",
        "InvalidParameterException",
        call.send(),
    )
    .await;
    let seventh_unknown = ten_with_seventh(11, qc_of("no-such-queue", Channel::Chat, 1, 0));
    let call = associate(&client, &id).set_queue_configs(Some(seventh_unknown));
    refused(
        &emu,
        "7th queue unknown",
        "ResourceNotFoundException",
        call.send(),
    )
    .await;
    let call = associate(&client, &id)
        .set_queue_configs(Some(ten_with_seventh(11, qc(30, Channel::Chat, 1, 10_000))))
        .manual_assignment_queue_configs(manual(9, Channel::Task));
    refused(
        &emu,
        "7th delay too long",
        "InvalidParameterException",
        call.send(),
    )
    .await;
    let call = associate(&client, &id)
        .queue_configs(qc(11, Channel::Voice, 1, 0))
        .manual_assignment_queue_configs(manual(9, Channel::Task))
        .manual_assignment_queue_configs(manual(8, Channel::Chat));
    refused(
        &emu,
        "manual already associated",
        "InvalidParameterException",
        call.send(),
    )
    .await;
    emu.set_queues_per_profile(Some(12));
    let call = associate(&client, &id).set_queue_configs(Some(ten(11)));
    refused(
        &emu,
        "over the quota",
        "LimitExceededException",
        call.send(),
    )
    .await;
    emu.set_queues_per_profile(None);

    let disassociate = || {
        client
            .disassociate_routing_profile_queues()
            .instance_id(DEMO_INSTANCE_ID)
            .routing_profile_id(&id)
    };
    let mut call = disassociate();
    for n in 1..=5 {
        call = call.queue_references(qref(n, Channel::Voice));
    }
    let call = call.queue_references(qref(20, Channel::Voice));
    refused(
        &emu,
        "one not associated",
        "InvalidParameterException",
        call.send(),
    )
    .await;
    let call = disassociate()
        .queue_references(qref(1, Channel::Voice))
        .queue_references(qref_of("no-such-queue", Channel::Voice));
    refused(
        &emu,
        "one queue unknown",
        "ResourceNotFoundException",
        call.send(),
    )
    .await;
    let call = disassociate()
        .queue_references(qref(1, Channel::Voice))
        .manual_assignment_queue_references(qref(7, Channel::Chat))
        .manual_assignment_queue_references(qref(9, Channel::Chat));
    refused(
        &emu,
        "one manual not associated",
        "InvalidParameterException",
        call.send(),
    )
    .await;

    let mut call = client
        .update_routing_profile_queues()
        .instance_id(DEMO_INSTANCE_ID)
        .routing_profile_id(&id);
    for n in 1..=5 {
        call = call.queue_configs(qc(n, Channel::Voice, 50, 60));
    }
    let call = call.queue_configs(qc(20, Channel::Voice, 50, 60));
    refused(
        &emu,
        "the last not associated",
        "InvalidParameterException",
        call.send(),
    )
    .await;

    // What the list calls report is what the profile had before.
    let listed = listed_queues(&client, &id).await.expect("list");
    assert_eq!(listed.len(), 6);
    assert!(listed.iter().all(|q| (q.priority, q.delay) == (1, 0)));
}

#[tokio::test]
async fn refused_tag_and_setting_changes_change_nothing() {
    let (emu, client) = seeded().await;
    let id = full_profile(&client).await;
    create_basic(&client, "Other").await;
    let default = emu.seed_default_profile(DEMO_INSTANCE_ID);
    let arn = connect::routing_profile_arn(DEMO_INSTANCE_ID, &id);

    let mut call = client.tag_resource().resource_arn(&arn);
    for n in 0..6 {
        call = call.tags(format!("new{n}"), "v");
    }
    refused(
        &emu,
        "51 tags on the profile",
        "InvalidParameterException",
        call.send(),
    )
    .await;
    let call = client
        .tag_resource()
        .resource_arn(&arn)
        .tags("k0", "changed")
        .tags("cost#center", "v");
    refused(
        &emu,
        "one bad key",
        "InvalidParameterException",
        call.send(),
    )
    .await;
    let call = client
        .untag_resource()
        .resource_arn(&arn)
        .tag_keys("k0")
        .tag_keys("aws:cloudformation:stack-id");
    refused(
        &emu,
        "one reserved key",
        "InvalidParameterException",
        call.send(),
    )
    .await;
    let call = client
        .tag_resource()
        .resource_arn(connect::routing_profile_arn(
            DEMO_INSTANCE_ID,
            "no-such-profile",
        ))
        .tags("k", "v");
    refused(
        &emu,
        "unknown ARN",
        "ResourceNotFoundException",
        call.send(),
    )
    .await;

    let call = client
        .update_routing_profile_name()
        .instance_id(DEMO_INSTANCE_ID)
        .routing_profile_id(&id)
        .name("Other")
        .description("a new description too");
    refused(
        &emu,
        "name taken",
        "DuplicateResourceException",
        call.send(),
    )
    .await;
    let call = client
        .update_routing_profile_concurrency()
        .instance_id(DEMO_INSTANCE_ID)
        .routing_profile_id(&id)
        .media_concurrencies(media(Channel::Voice, 1))
        .media_concurrencies(media(Channel::Chat, 11));
    refused(&emu, "CHAT 11", "InvalidParameterException", call.send()).await;
    let call = client
        .update_routing_profile_default_outbound_queue()
        .instance_id(DEMO_INSTANCE_ID)
        .routing_profile_id(&id)
        .default_outbound_queue_id("no-such-queue");
    refused(
        &emu,
        "queue unknown",
        "ResourceNotFoundException",
        call.send(),
    )
    .await;

    assert!(emu.set_users(DEMO_INSTANCE_ID, &id, 1));
    refused(
        &emu,
        "users assigned",
        "ResourceInUseException",
        delete(&client, &id).send(),
    )
    .await;
    refused(
        &emu,
        "the default",
        "InvalidRequestException",
        delete(&client, &default.id).send(),
    )
    .await;

    // A throttled call is refused before anything is looked at.
    emu.set_rate_limit(Some(RateLimit {
        per_second: 0.001,
        burst: 0,
    }));
    let call = client.untag_resource().resource_arn(&arn).tag_keys("k0");
    refused(&emu, "throttled", "ThrottlingException", call.send()).await;
    emu.set_rate_limit(None);
    assert_eq!(emu.profile(&id).expect("profile").tags.len(), 45);
}
