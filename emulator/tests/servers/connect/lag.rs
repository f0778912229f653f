//! Reads that lag writes, as Connect's API is eventually consistent: what reads see, what writes
//! see, and the profiles created or deleted within the lag.

use std::time::{Duration, Instant};

use aws_sdk_connect::Client;
use aws_sdk_connect::error::ProvideErrorMetadata;
use aws_sdk_connect::types::{AgentAvailabilityTimer, Channel, RoutingProfile};
use connect_emulator::connect::{self, ReadLag};
use connect_emulator::{DEMO_INSTANCE_ID, Fault};

use super::{associate, client_with, create, create_basic, delete, listed_queues, qc, seeded};

/// Long enough that the calls a test makes within it, a few dozen on loopback, end well before it
/// does even on a loaded machine; each test checks that they did.
const LAG: Duration = Duration::from_millis(1500);

async fn describe(client: &Client, id: &str) -> Result<RoutingProfile, String> {
    client
        .describe_routing_profile()
        .instance_id(DEMO_INSTANCE_ID)
        .routing_profile_id(id)
        .send()
        .await
        .map(|out| out.routing_profile.expect("a profile"))
        .map_err(|e| e.code().unwrap_or("no code").to_string())
}

/// The (ID, name) of every profile ListRoutingProfiles lists, all pages.
async fn listed(client: &Client) -> Vec<(String, String)> {
    client
        .list_routing_profiles()
        .instance_id(DEMO_INSTANCE_ID)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .expect("list profiles")
        .into_iter()
        .map(|s| {
            let id = s.id.expect("an id");
            (id, s.name.expect("a name"))
        })
        .collect()
}

async fn listed_tags(client: &Client, id: &str) -> Result<Vec<String>, String> {
    client
        .list_tags_for_resource()
        .resource_arn(connect::routing_profile_arn(DEMO_INSTANCE_ID, id))
        .send()
        .await
        .map(|out| out.tags.unwrap_or_default().into_keys().collect())
        .map_err(|e| e.code().unwrap_or("no code").to_string())
}

/// Checks that the calls meant to fall within the lag did, then waits until it has passed.
async fn past_the_lag(since: Instant) {
    assert!(
        since.elapsed() < LAG,
        "the calls within the lag took {:?}: the machine is too slow for this test's lag",
        since.elapsed()
    );
    tokio::time::sleep_until((since + LAG + Duration::from_millis(20)).into()).await;
}

const NOT_FOUND: &str = "ResourceNotFoundException";

#[tokio::test]
async fn a_new_profile_is_unknown_to_every_call_until_its_creation_has_propagated() {
    let (emu, client) = seeded().await;
    emu.set_read_lag(Some(LAG));
    let made = Instant::now();
    let id = create_basic(&client, "Young").await;
    let arn = connect::routing_profile_arn(DEMO_INSTANCE_ID, &id);

    assert_eq!(
        describe(&client, &id).await.err().as_deref(),
        Some(NOT_FOUND)
    );
    assert_eq!(listed(&client).await, []);
    assert_eq!(
        listed_queues(&client, &id).await.map(|q| q.len()),
        Err(NOT_FOUND.into())
    );
    assert_eq!(listed_tags(&client, &id).await, Err(NOT_FOUND.into()));
    // Writes naming it too, as Connect answers a call made right after a create.
    let err = associate(&client, &id)
        .queue_configs(qc(2, Channel::Voice, 1, 0))
        .send()
        .await
        .expect_err("too young to associate");
    assert_eq!(err.code(), Some(NOT_FOUND));
    let err = client
        .tag_resource()
        .resource_arn(&arn)
        .tags("k", "v")
        .send()
        .await
        .expect_err("too young to tag");
    assert_eq!(err.code(), Some(NOT_FOUND));
    let err = delete(&client, &id)
        .send()
        .await
        .expect_err("too young to delete");
    assert_eq!(err.code(), Some(NOT_FOUND));
    // The name is taken as soon as the Create succeeded: writes see the account as it is.
    let err = create(&client, "Young")
        .send()
        .await
        .expect_err("the name is taken");
    assert_eq!(err.code(), Some("DuplicateResourceException"));
    let truth = emu.profile(&id).expect("the Delete did not delete it");
    assert!(truth.queue_configs.is_empty() && truth.tags.is_empty());
    past_the_lag(made).await;

    let seen = describe(&client, &id).await.expect("propagated");
    assert_eq!(seen.name.as_deref(), Some("Young"));
    assert_eq!(listed(&client).await, [(id.clone(), "Young".to_string())]);
    associate(&client, &id)
        .queue_configs(qc(2, Channel::Voice, 1, 0))
        .send()
        .await
        .expect("known now");
}

/// Issue 17 (a): the Create is carried out, its answer lost, the SDK's retry meets the taken
/// name, and ListRoutingProfiles does not list the profile yet.
#[tokio::test]
async fn a_lost_create_answer_meets_its_own_name_while_list_lags() {
    let (emu, _) = seeded().await;
    let retrying = client_with(
        &emu,
        aws_config::retry::RetryConfig::standard(),
        aws_config::timeout::TimeoutConfig::disabled(),
    )
    .await;
    emu.set_read_lag(Some(LAG));
    emu.inject("CreateRoutingProfile", Fault::answer_lost_to_500(), 1);
    let made = Instant::now();
    let err = create(&retrying, "Lost")
        .send()
        .await
        .expect_err("the retry finds the name taken");
    assert_eq!(err.code(), Some("DuplicateResourceException"));
    assert_eq!(listed(&retrying).await, []);
    let made_id = emu.profiles()[0].id.clone();
    past_the_lag(made).await;
    assert_eq!(listed(&retrying).await, [(made_id, "Lost".to_string())]);
}

#[tokio::test]
async fn reads_show_the_state_from_before_the_last_writes_which_act_on_the_state_as_it_is() {
    let (emu, client) = seeded().await;
    let id = create_basic(&client, "Before").await;
    let modified = describe(&client, &id)
        .await
        .expect("describe")
        .last_modified_time;
    let arn = connect::routing_profile_arn(DEMO_INSTANCE_ID, &id);
    emu.set_read_lag(Some(LAG));
    let changed = Instant::now();
    client
        .update_routing_profile_name()
        .instance_id(DEMO_INSTANCE_ID)
        .routing_profile_id(&id)
        .name("After")
        .send()
        .await
        .expect("rename");
    associate(&client, &id)
        .queue_configs(qc(2, Channel::Voice, 1, 0))
        .send()
        .await
        .expect("associate");
    client
        .tag_resource()
        .resource_arn(&arn)
        .tags("team", "blue")
        .send()
        .await
        .expect("tag");
    client
        .update_routing_profile_agent_availability_timer()
        .instance_id(DEMO_INSTANCE_ID)
        .routing_profile_id(&id)
        .agent_availability_timer(AgentAvailabilityTimer::TimeSinceLastInbound)
        .send()
        .await
        .expect("timer");

    let seen = describe(&client, &id).await.expect("describe");
    assert_eq!(seen.name.as_deref(), Some("Before"));
    assert_eq!(seen.number_of_associated_queues, Some(0));
    assert_eq!(seen.tags.as_ref().map(|t| t.len()), Some(0));
    assert_eq!(
        seen.agent_availability_timer,
        Some(AgentAvailabilityTimer::TimeSinceLastActivity)
    );
    assert_eq!(seen.last_modified_time, modified);
    assert_eq!(listed(&client).await, [(id.clone(), "Before".to_string())]);
    assert_eq!(listed_queues(&client, &id).await.map(|q| q.len()), Ok(0));
    assert_eq!(listed_tags(&client, &id).await, Ok(vec![]));
    // Writes see the association a read does not show yet.
    client
        .update_routing_profile_queues()
        .instance_id(DEMO_INSTANCE_ID)
        .routing_profile_id(&id)
        .queue_configs(qc(2, Channel::Voice, 7, 0))
        .send()
        .await
        .expect("the pair is associated");
    let err = associate(&client, &id)
        .queue_configs(qc(2, Channel::Voice, 1, 0))
        .send()
        .await
        .expect_err("already associated");
    assert_eq!(err.code(), Some("InvalidParameterException"));
    let truth = emu.profile(&id).expect("profile");
    assert_eq!(
        (truth.name.as_str(), truth.queue_configs[0].priority),
        ("After", 7)
    );
    past_the_lag(changed).await;

    let seen = describe(&client, &id).await.expect("describe");
    assert_eq!(seen.name.as_deref(), Some("After"));
    assert_eq!(seen.number_of_associated_queues, Some(1));
    assert_eq!(
        seen.agent_availability_timer,
        Some(AgentAvailabilityTimer::TimeSinceLastInbound)
    );
    assert!(seen.last_modified_time > modified);
    assert_eq!(listed(&client).await, [(id.clone(), "After".to_string())]);
    assert_eq!(listed_queues(&client, &id).await.map(|q| q.len()), Ok(1));
    assert_eq!(
        listed_tags(&client, &id).await,
        Ok(vec!["team".to_string()])
    );
}

#[tokio::test]
async fn a_deleted_profile_still_shows_in_reads_until_its_deletion_has_propagated() {
    let (emu, client) = seeded().await;
    let id = create_basic(&client, "Doomed").await;
    let kept = create_basic(&client, "Kept").await;
    emu.set_read_lag(Some(LAG));
    let deleted = Instant::now();
    delete(&client, &id).send().await.expect("delete");
    assert!(emu.profile(&id).is_none(), "deleted at once");
    assert_eq!(
        describe(&client, &id)
            .await
            .expect("still seen")
            .name
            .as_deref(),
        Some("Doomed")
    );
    let both = [
        (id.clone(), "Doomed".to_string()),
        (kept.clone(), "Kept".to_string()),
    ];
    assert_eq!(listed(&client).await, both);
    assert_eq!(listed_tags(&client, &id).await, Ok(vec![]));
    // Writes see it gone.
    let err = delete(&client, &id)
        .send()
        .await
        .expect_err("already deleted");
    assert_eq!(err.code(), Some(NOT_FOUND));
    past_the_lag(deleted).await;

    assert_eq!(
        describe(&client, &id).await.err().as_deref(),
        Some(NOT_FOUND)
    );
    assert_eq!(listed(&client).await, [(kept, "Kept".to_string())]);
}

#[tokio::test]
async fn ending_the_lag_shows_every_change_at_once() {
    let (emu, client) = seeded().await;
    let old = create_basic(&client, "Old name").await;
    emu.set_read_lag(Some(Duration::from_secs(600)));
    client
        .update_routing_profile_name()
        .instance_id(DEMO_INSTANCE_ID)
        .routing_profile_id(&old)
        .name("New name")
        .send()
        .await
        .expect("rename");
    // Users are assigned outside the API: reads see them at once, with the rest as it was.
    assert!(emu.set_users(DEMO_INSTANCE_ID, &old, 2));
    let seen = describe(&client, &old).await.expect("describe");
    assert_eq!(
        (seen.name.as_deref(), seen.number_of_associated_users),
        (Some("Old name"), Some(2))
    );
    let young = create_basic(&client, "Young").await;
    // A new lag applies to the changes to come; those made keep theirs.
    emu.set_read_lag(Some(Duration::ZERO));
    assert_eq!(
        describe(&client, &young).await.err().as_deref(),
        Some(NOT_FOUND)
    );
    let next = create_basic(&client, "At once").await;
    describe(&client, &next)
        .await
        .expect("a lag of zero lags nothing");

    emu.set_read_lag(None);
    describe(&client, &young).await.expect("no lag any more");
    let seen = describe(&client, &old).await.expect("describe");
    assert_eq!(seen.name.as_deref(), Some("New name"));
}

#[tokio::test]
async fn uneven_lag_brings_changes_to_reads_at_different_times() {
    let (emu, client) = seeded().await;
    let max = Duration::from_millis(1200);
    emu.set_read_lag_range(Some(ReadLag {
        min: Duration::from_millis(100),
        max,
        seed: 17,
    }));
    let made = Instant::now();
    let mut ids = Vec::new();
    for n in 0..20 {
        ids.push(create_basic(&client, &format!("Uneven {n:02}")).await);
    }
    let mut seen_counts = Vec::new();
    while made.elapsed() < max + Duration::from_millis(100) {
        seen_counts.push(listed(&client).await.len());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        seen_counts.iter().any(|&n| n > 0 && n < ids.len()),
        "some profiles reached reads before others: {seen_counts:?}"
    );
    assert!(
        seen_counts.windows(2).all(|w| w[0] <= w[1]),
        "a profile once listed stays listed: {seen_counts:?}"
    );
    assert_eq!(listed(&client).await.len(), ids.len());
    for id in &ids {
        describe(&client, id)
            .await
            .expect("every one by the longest lag");
    }
}
