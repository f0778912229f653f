//! Nothing left behind, nothing of others touched (issue 9, cases 1-3): a Create whose answer is
//! lost, a replacement that runs out of time, and a profile an earlier request of the same
//! resource left. The ownership marker names the request; only that request's profile is resumed
//! or deleted (an earlier request's is adopted only on request: `adoption.rs`).

use std::time::Duration;

use connect_emulator::connect::{DEMO_INSTANCE2_ID, Fault, Profile, demo2_queue_id};
use routing_profile_resource::lifecycle::ownership::{
    OWNER_LOGICAL_ID_TAG, OWNER_REQUEST_TAG, OWNER_STACK_TAG,
};
use serde_json::{Value, json};

use crate::world::*;

/// Time to the deadline that is short enough for a hung call to run into it, and long enough for
/// everything else the emulator does.
const SHORT: Duration = Duration::from_secs(4);

/// The profiles of that name in that instance.
fn named(world: &World, name: &str, instance: &str) -> Vec<Profile> {
    world
        .connect
        .profiles()
        .into_iter()
        .filter(|p| p.name == name && p.instance_id == instance)
        .collect()
}

/// An Update to the second instance with more queues than CreateRoutingProfile takes, so the
/// replacement has an association to make after its profile exists.
fn big_replacement(world: &World, old: &str) -> Value {
    let mut update = as_new_request(&world.event_on("update-replacement", old));
    let configs: Vec<Value> = (1..=5)
        .flat_map(|n| {
            ["VOICE", "CHAT", "TASK"].map(|channel| {
                json!({
                    "QueueReference": { "QueueId": demo2_queue_id(n), "Channel": channel },
                    "Priority": "1"
                })
            })
        })
        .collect();
    update["ResourceProperties"]["QueueConfigs"] = json!(configs);
    update["ResourceProperties"]["MediaConcurrencies"] = json!([
        { "Channel": "VOICE", "Concurrency": "1" },
        { "Channel": "CHAT", "Concurrency": "2" },
        { "Channel": "TASK", "Concurrency": "2" }
    ]);
    update
}

// Case 1.
#[tokio::test]
async fn a_create_whose_answer_is_lost_is_removed_by_the_delete_that_follows() {
    let world = World::start().await;
    world
        .connect
        .inject("CreateRoutingProfile", Fault::answer_lost(), 1);
    let create = world.event("create");
    let failed = world.answer_within(&create, SHORT).await;
    assert_eq!(failed.status, "FAILED", "{failed}");
    assert!(
        failed
            .reason
            .starts_with("Ran out of time while CreateRoutingProfile"),
        "{}",
        failed.reason
    );
    let request_id = create["RequestId"].as_str().expect("RequestId");
    assert_eq!(failed.physical, format!("failed-create-{request_id}"));
    let made = world.connect.profiles();
    assert_eq!(made.len(), 1, "Connect carried the Create out");
    assert_eq!(
        made[0].tags.get(OWNER_REQUEST_TAG).map(String::as_str),
        Some(request_id),
        "and its marker names the request"
    );

    // The rollback's Delete finds it by Name and that request's marker, and removes it.
    world.connect.clear_calls();
    let deleted = world.send(delete_from(&failed)).await;
    assert_eq!(deleted.status, "SUCCESS", "{deleted}");
    assert_eq!(deleted.physical, failed.physical);
    assert!(world.connect.profiles().is_empty(), "nothing left behind");
    assert_eq!(world.writes(), ["DeleteRoutingProfile"]);
}

#[tokio::test]
async fn a_create_whose_answer_is_lost_to_a_500_resumes_what_the_sdks_retry_finds() {
    let world = World::start().await;
    world
        .connect
        .inject("CreateRoutingProfile", Fault::answer_lost_to_500(), 1);
    let create = world.event("create");
    let created = world.send(create.clone()).await;
    assert_eq!(created.status, "SUCCESS", "{created}");
    assert_eq!(world.connect.profiles().len(), 1, "one profile");
    assert_eq!(
        world.live(&created.physical).await,
        expected(&create, &create)
    );
}

#[tokio::test]
async fn the_delete_of_a_failed_create_touches_only_that_requests_profile() {
    let world = World::start().await;
    // The same Name made by this resource in another request (or by anyone else).
    let earlier = world.send(world.event("create")).await;
    for id in ["failed-create-someone-else", "failed-create-"] {
        let delete = as_new_request(&world.event_on("delete-failed-create", id));
        let deleted = world.send(delete).await;
        assert_eq!(deleted.status, "SUCCESS", "{deleted}");
        assert_eq!(world.profile_arns(), [earlier.physical.as_str()], "{id}");
    }
    // Properties without a usable InstanceId or Name: nothing to look for, no call.
    world.connect.clear_calls();
    let mut delete = world.event_on("delete-failed-create", "failed-create-x");
    delete["ResourceProperties"] = json!({ "InstanceId": "not an id", "Queues": 3 });
    assert_eq!(world.send(delete).await.status, "SUCCESS");
    assert!(world.calls().is_empty(), "{:?}", world.calls());
}

// Case 2.
#[tokio::test]
async fn a_replacement_that_runs_out_of_time_removes_its_new_profile_before_answering() {
    let world = World::start().await;
    let old = world.send(world.event("create")).await.physical;

    world
        .connect
        .inject("AssociateRoutingProfileQueues", Fault::Hang, 1);
    let replacement = big_replacement(&world, &old);
    let failed = world.answer_within(&replacement, SHORT).await;
    assert_eq!(failed.status, "FAILED", "{failed}");
    assert_eq!(failed.physical, old, "CloudFormation keeps the old profile");
    assert!(
        failed
            .reason
            .starts_with("Ran out of time while AssociateRoutingProfileQueues"),
        "{}",
        failed.reason
    );
    assert_eq!(
        world.profile_arns(),
        [old.as_str()],
        "nothing in the new instance"
    );
    let calls = world.calls();
    assert_eq!(
        calls.last().map(String::as_str),
        Some("DeleteRoutingProfile"),
        "{calls:?}"
    );
}

#[tokio::test]
async fn a_replacement_whose_create_answer_is_lost_finds_its_profile_by_its_marker_and_removes_it()
{
    let world = World::start().await;
    let old = world.send(world.event("create")).await.physical;

    world
        .connect
        .inject("CreateRoutingProfile", Fault::answer_lost(), 1);
    let replacement = big_replacement(&world, &old);
    let failed = world.answer_within(&replacement, SHORT).await;
    assert_eq!(failed.status, "FAILED", "{failed}");
    assert_eq!(failed.physical, old);
    assert!(
        failed
            .reason
            .starts_with("Ran out of time while CreateRoutingProfile"),
        "{}",
        failed.reason
    );
    assert_eq!(world.profile_arns(), [old]);
}

#[tokio::test]
async fn a_replacement_whose_cleanup_fails_names_the_profile_left_and_its_marker() {
    let world = World::start().await;
    let old = world.send(world.event("create")).await.physical;

    world
        .connect
        .inject("AssociateRoutingProfileQueues", Fault::Hang, 1);
    world.connect.inject("DeleteRoutingProfile", Fault::Hang, 1);
    let replacement = big_replacement(&world, &old);
    let failed = world.answer_within(&replacement, SHORT).await;
    assert_eq!(failed.status, "FAILED", "{failed}");
    assert_eq!(failed.physical, old);
    let left = named(&world, "Support Tier 1", DEMO_INSTANCE2_ID);
    assert_eq!(left.len(), 1);
    let request_id = replacement["RequestId"].as_str().expect("RequestId");
    assert!(
        failed.reason.contains(&format!(
            "The new profile {} could not be removed (ran out of time); it carries the tag cfn-custom-resource:request-id={request_id}. Delete it by hand.",
            left[0].arn
        )),
        "{}",
        failed.reason
    );
}

// Case 3.
#[tokio::test]
async fn a_profile_an_earlier_request_left_is_neither_adopted_nor_deleted() {
    let world = World::start().await;
    // An earlier life of this resource, kept by DeletionPolicy: Retain (CloudFormation forgot it).
    let retained = world.send(world.event("create")).await;
    let before = world.connect.profiles();

    let create = as_new_request(&world.event("create"));
    let refused = world.send(create.clone()).await;
    assert_eq!(refused.status, "FAILED", "{refused}");
    let earlier_id = retained.request["RequestId"].as_str().expect("RequestId");
    assert!(
        refused.reason.starts_with(&format!(
            "A routing profile named \"Support Tier 1\" already exists in instance {} ({}) with the marker of an earlier request of this resource (RequestId {earlier_id}), left behind by DeletionPolicy: Retain, by a Delete that failed, or by a Create or adoption that failed and was not rolled back.",
            retained.profile().instance_id,
            retained.physical
        )),
        "{}",
        refused.reason
    );
    assert!(refused.physical.starts_with("failed-create-"));

    // The rollback's Delete of the failed Create leaves the retained profile alone.
    let deleted = world.send(delete_from(&refused)).await;
    assert_eq!(deleted.status, "SUCCESS");
    assert_eq!(world.connect.profiles(), before, "untouched");
}

#[tokio::test]
async fn a_replacement_onto_an_earlier_requests_leftover_fails_and_leaves_it() {
    let world = World::start().await;
    // An earlier replacement into the second instance that CloudFormation no longer knows of.
    let first = world.send(world.event("create")).await;
    let leftover = world
        .send(as_new_request(
            &world.event_on("update-replacement", &first.physical),
        ))
        .await;
    assert_eq!(leftover.status, "SUCCESS", "{leftover}");
    let before = world.connect.profiles();

    let again = as_new_request(&world.event_on("update-replacement", &first.physical));
    let failed = world.send(again).await;
    assert_eq!(failed.status, "FAILED", "{failed}");
    assert_eq!(failed.physical, first.physical);
    assert!(
        failed
            .reason
            .contains("with the marker of an earlier request of this resource"),
        "{}",
        failed.reason
    );
    assert_eq!(
        world.connect.profiles(),
        before,
        "the leftover is not cleaned up"
    );
}

#[tokio::test]
async fn profiles_with_the_two_tag_marker_of_older_versions_keep_working() {
    let world = World::start().await;
    let create = world.event("create");
    let created = world.send(create.clone()).await;
    let profile = created.profile();
    // Made by an older version: no request tag.
    world
        .client
        .client()
        .untag_resource()
        .resource_arn(&created.physical)
        .tag_keys(OWNER_REQUEST_TAG)
        .send()
        .await
        .expect("untag");
    let two_tags = |world: &World| world.marker(&profile.routing_profile_id);
    let marker = two_tags(&world);
    assert_eq!(
        marker.keys().map(String::as_str).collect::<Vec<_>>(),
        [OWNER_LOGICAL_ID_TAG, OWNER_STACK_TAG]
    );

    // Updated in place: the marker is neither completed nor changed.
    let update = update_from(
        &created,
        world.event("update")["ResourceProperties"].clone(),
    );
    let updated = world.send(update.clone()).await;
    assert_eq!(updated.status, "SUCCESS", "{updated}");
    assert_eq!(two_tags(&world), marker);
    let mut want = expected(&update, &create);
    want.tags.remove(OWNER_REQUEST_TAG);
    assert_eq!(world.live(&created.physical).await, want);

    // A new Create of the same Name does not take it without AdoptExisting (which request made it
    // is unknown).
    let refused = world.send(as_new_request(&create)).await;
    assert_eq!(refused.status, "FAILED");
    assert!(
        refused
            .reason
            .contains("(before request ids were recorded)"),
        "{}",
        refused.reason
    );

    // And it is deleted by its ARN as before.
    assert_eq!(world.send(delete_from(&updated)).await.status, "SUCCESS");
    assert!(world.connect.profiles().is_empty());
}
