//! Whose profile it is (issue 16): an Update or a Delete whose PhysicalResourceId names a profile
//! this resource does not own (made in the console, the instance's default, another stack's), as a
//! direct invoke can send it, writes nothing: the Update answers FAILED naming whose it is, the
//! Delete answers SUCCESS and leaves it.

use connect_emulator::connect::{DEMO_INSTANCE_ID, Profile};
use routing_profile_resource::lifecycle::ownership::{
    OWNER_REQUEST_TAG, OWNER_STACK_TAG, failed_adoption_id,
};
use serde_json::{Value, json};

use crate::world::*;

const OTHER_STACK: &str = "arn:aws:cloudformation:us-east-1:123456789012:stack/other/1";

/// A profile another stack's resource made, through the function.
async fn another_stacks_profile(world: &World) -> Profile {
    let mut theirs = world.event("create");
    theirs["StackId"] = json!(OTHER_STACK);
    theirs["ResourceProperties"]["Name"] = json!("Their profile");
    let made = world.send(theirs).await;
    assert_eq!(made.status, "SUCCESS", "{made}");
    world
        .connect
        .profile(&made.profile().routing_profile_id)
        .expect("their profile")
}

/// The profiles no request of this resource may touch: one made in the console, the instance's
/// default, and another stack's, as they are before the forged events.
async fn foreign_profiles(world: &World) -> Vec<Profile> {
    vec![
        world.connect.seed_profile(DEMO_INSTANCE_ID, "Made by hand"),
        world.connect.seed_default_profile(DEMO_INSTANCE_ID),
        another_stacks_profile(world).await,
    ]
}

/// An Update (`events/NAME.json`) of this stack's resource whose PhysicalResourceId is `physical`.
fn forged_update(world: &World, name: &str, physical: &str) -> Value {
    as_new_request(&world.event_on(name, physical))
}

#[tokio::test]
async fn an_update_of_a_profile_this_resource_does_not_own_fails_before_any_write() {
    let world = World::start().await;
    let foreign = foreign_profiles(&world).await;
    for profile in &foreign {
        // In place, and as a replacement into another instance: neither may go ahead.
        for event in ["update", "update-replacement"] {
            world.connect.clear_calls();
            let refused = world.send(forged_update(&world, event, &profile.arn)).await;
            assert_eq!(refused.status, "FAILED", "{refused}");
            assert_eq!(refused.physical, profile.arn, "the id is kept");
            let whose = if profile.tags.contains_key(OWNER_STACK_TAG) {
                format!(
                    "it carries the marker of another resource: stack {OTHER_STACK}, logical id SupportTier1."
                )
            } else {
                "it carries no ownership marker".to_string()
            };
            assert!(
                refused.reason.starts_with(&format!(
                    "Routing profile {} is not this resource's: {whose}",
                    profile.arn
                )),
                "{}",
                refused.reason
            );
            assert!(
                refused.reason.contains("Nothing was changed."),
                "{}",
                refused.reason
            );
            assert_eq!(world.writes(), Vec::<String>::new(), "{:?}", world.calls());
        }
    }
    let after: Vec<Profile> = foreign
        .iter()
        .map(|p| world.connect.profile(&p.id).expect("still there"))
        .collect();
    assert_eq!(after, foreign, "untouched");
    assert_eq!(
        world.connect.profiles().len(),
        foreign.len(),
        "nothing made"
    );
}

#[tokio::test]
async fn a_delete_of_a_profile_this_resource_does_not_own_succeeds_and_leaves_it() {
    let world = World::start().await;
    let foreign = foreign_profiles(&world).await;
    for profile in &foreign {
        let request = profile
            .tags
            .get(OWNER_REQUEST_TAG)
            .map_or("r-forged", |r| r.trim_start_matches("adopted:"));
        // As the Delete of a resource, and as the Delete after a failed adoption (even one naming
        // the request whose marker the profile carries: another resource's); and in the form
        // without a RequestId, which no released version answered: not recognised, not read.
        for (physical, read) in [
            (profile.arn.clone(), true),
            (failed_adoption_id(request, &profile.arn), true),
            (format!("failed-adoption-{}", profile.arn), false),
        ] {
            world.connect.clear_calls();
            let delete = as_new_request(&world.event_on("delete", &physical));
            let left = world.send(delete).await;
            assert_eq!(left.status, "SUCCESS", "{left}");
            assert_eq!(left.physical, physical);
            if read {
                assert!(
                    world.only_read("DescribeRoutingProfile"),
                    "read, nothing written: {:?}",
                    world.calls()
                );
            } else {
                assert_eq!(world.calls(), Vec::<String>::new(), "not even read");
            }
        }
    }
    assert_eq!(world.connect.profiles(), {
        let mut sorted = foreign.clone();
        sorted.sort_by(|a, b| (&a.instance_id, &a.name).cmp(&(&b.instance_id, &b.name)));
        sorted
    });
}

#[tokio::test]
async fn a_profile_whose_marker_was_cut_by_hand_is_not_updated_or_deleted() {
    let world = World::start().await;
    let created = world.send(world.event("create")).await;
    // Someone removes the stack tag: what is left names no stack, so it is nobody's to change.
    world
        .untag_by_hand(&created.physical, OWNER_STACK_TAG)
        .await;
    let before = world.connect.profiles();

    world.connect.clear_calls();
    let update = update_from(
        &created,
        world.event("update")["ResourceProperties"].clone(),
    );
    let refused = world.send(update).await;
    assert_eq!(refused.status, "FAILED", "{refused}");
    assert!(
        refused.reason.contains(
            "carries the marker of another resource: stack (none), logical id SupportTier1"
        ),
        "{}",
        refused.reason
    );
    assert_eq!(world.send(delete_from(&created)).await.status, "SUCCESS");
    assert_eq!(world.writes(), Vec::<String>::new());
    assert_eq!(world.connect.profiles(), before);
}

#[tokio::test]
async fn older_two_tag_profiles_are_still_replaced_and_deleted() {
    let world = World::start().await;
    let create = world.event("create");
    let created = world.send(create.clone()).await;
    // Made by an older version: no request tag.
    world
        .untag_by_hand(&created.physical, OWNER_REQUEST_TAG)
        .await;

    // A replacement into another instance goes ahead; CloudFormation's cleanup deletes the old.
    let replace = update_from(
        &created,
        world.event("update-replacement")["ResourceProperties"].clone(),
    );
    let replaced = world.send(replace.clone()).await;
    assert_eq!(replaced.status, "SUCCESS", "{replaced}");
    assert_ne!(replaced.physical, created.physical);
    assert_eq!(
        world.live(&replaced.physical).await,
        expected(&replace, &replace)
    );
    let cleanup = world.send(delete_from(&created)).await;
    assert_eq!(cleanup.status, "SUCCESS", "{cleanup}");
    assert_eq!(world.profile_arns(), [replaced.physical]);
}

#[tokio::test]
async fn a_failed_adoption_delete_never_touches_the_resources_own_live_profile() {
    let world = World::start().await;
    let create = world.event("create");
    let created = world.send(create.clone()).await;
    let before = world.connect.profiles();
    // Naming the request that created it (a failed adoption's id never names a profile its own
    // request created, but a direct invoke can send anything), and another request.
    for request in [request_id(&create), "00000000-0000-4000-9000-0000000000ff"] {
        world.connect.clear_calls();
        let physical = failed_adoption_id(request, &created.physical);
        let left = world
            .send(as_new_request(&world.event_on("delete", &physical)))
            .await;
        assert_eq!(left.status, "SUCCESS", "{left}");
        assert!(
            world.only_read("DescribeRoutingProfile"),
            "read, nothing written: {:?}",
            world.calls()
        );
    }
    assert_eq!(world.connect.profiles(), before);
    let update = update_from(
        &created,
        world.event("update")["ResourceProperties"].clone(),
    );
    assert_eq!(world.send(update).await.status, "SUCCESS");
}
