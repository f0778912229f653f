//! Bringing an existing profile under a stack (issue 16): `AdoptExisting: true` on a Create, or on
//! the create a replacement makes, takes the profile of that Name when it has no marker or an
//! earlier request's of this resource: same ARN, marked first, then converged to the template.
//! Another resource's profile is refused and untouched; a failed adoption is released, never
//! deleted; the instance's default profile is released, never deleted.

use std::time::Duration;

use connect_emulator::connect::{
    DEFAULT_PROFILE_NAME, DEMO_INSTANCE_ID, DEMO_INSTANCE2_ID, Fault, Profile,
};
use routing_profile_resource::lifecycle::ownership::{
    OWNER_LOGICAL_ID_TAG, OWNER_REQUEST_TAG, OWNER_STACK_TAG, Origin, failed_adoption_id,
};
use serde_json::{Value, json};

use crate::world::*;

/// The sample Create with `AdoptExisting: true`.
fn adopting_create(world: &World) -> Value {
    adopting(world.event("create"))
}

/// A Connect error that no retry gets past.
fn refused() -> Fault {
    Fault::Error {
        status: 400,
        error_type: "InvalidParameterException".into(),
        message: "refused by the test".into(),
    }
}

fn marker_of(profile: &Profile) -> Vec<(&str, &str)> {
    profile
        .tags
        .iter()
        .filter(|(k, _)| k.starts_with("cfn-custom-resource:"))
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

fn now(world: &World, profile: &Profile) -> Profile {
    world
        .connect
        .profile(&profile.id)
        .expect("the profile is still there")
}

#[tokio::test]
async fn a_console_profile_is_adopted_marked_first_and_converged_to_the_template() {
    let world = World::start().await;
    let console = world
        .connect
        .seed_profile(DEMO_INSTANCE_ID, "Support Tier 1");
    let create = adopting_create(&world);
    let adopted = world.send(create.clone()).await;
    assert_eq!(adopted.status, "SUCCESS", "{adopted}");
    assert_eq!(
        adopted.physical, console.arn,
        "the same profile, the same ARN"
    );
    assert_eq!(adopted.data["RoutingProfileId"], console.id);
    // The template's, the console's own tag gone, the marker of an adoption on.
    assert_eq!(
        world.live(&adopted.physical).await,
        expected_as(&create, &create, Origin::Adopted)
    );
    let request_id = create["RequestId"].as_str().expect("RequestId");
    assert_eq!(
        now(&world, &console).tags.get(OWNER_REQUEST_TAG),
        Some(&format!("adopted:{request_id}"))
    );
    assert!(!now(&world, &console).tags.contains_key("made-in"));
    let writes = world.writes();
    assert_eq!(
        &writes[..2],
        ["CreateRoutingProfile", "TagResource"],
        "marked before any other write: {writes:?}"
    );
    assert_eq!(world.connect.profiles().len(), 1);

    // From now on it is the stack's like any other: updated in place, then deleted.
    let update = update_from(
        &adopted,
        world.event("update")["ResourceProperties"].clone(),
    );
    let updated = world.send(update.clone()).await;
    assert_eq!(updated.status, "SUCCESS", "{updated}");
    assert_eq!(updated.physical, console.arn);
    assert_eq!(
        world.live(&console.arn).await,
        expected_as(&update, &create, Origin::Adopted)
    );
    assert_eq!(world.send(delete_from(&updated)).await.status, "SUCCESS");
    assert!(
        world.connect.profiles().is_empty(),
        "an adopted profile is deleted with its resource"
    );
}

#[tokio::test]
async fn without_the_opt_in_a_console_profile_is_refused_and_untouched() {
    let world = World::start().await;
    let console = world
        .connect
        .seed_profile(DEMO_INSTANCE_ID, "Support Tier 1");
    let create = world.event("create");
    let refused = world.send(create).await;
    assert_eq!(refused.status, "FAILED", "{refused}");
    assert_eq!(
        refused.reason,
        format!(
            "A routing profile named \"Support Tier 1\" already exists in instance {DEMO_INSTANCE_ID} ({}) and carries no ownership marker (it was made in the Connect console or by another tool). It is not changed: set AdoptExisting: true to bring it under this resource, or choose another Name.",
            console.arn
        )
    );
    assert!(
        refused.physical.starts_with("failed-create-"),
        "{}",
        refused.physical
    );
    let deleted = world.send(delete_from(&refused)).await;
    assert_eq!(deleted.status, "SUCCESS", "{deleted}");
    assert_eq!(
        world.writes(),
        ["CreateRoutingProfile"],
        "refused, nothing else"
    );
    assert_eq!(world.connect.profiles(), [console]);
}

#[tokio::test]
async fn another_resources_profile_is_refused_with_the_opt_in_and_untouched() {
    let world = World::start().await;
    // The same Name, made by another logical id of this stack.
    let mut theirs = world.event("create");
    theirs["LogicalResourceId"] = json!("SupportTier2");
    let theirs = world.send(theirs).await;
    let before = world.connect.profiles();

    world.connect.clear_calls();
    let refused = world.send(adopting_create(&world)).await;
    assert_eq!(refused.status, "FAILED", "{refused}");
    assert!(
        refused.reason.ends_with(&format!(
            "({}) and carries the marker of another resource: stack {}, logical id SupportTier2. It is not changed: choose another Name.",
            theirs.physical,
            theirs.request["StackId"].as_str().expect("StackId")
        )),
        "{}",
        refused.reason
    );
    assert_eq!(world.send(delete_from(&refused)).await.status, "SUCCESS");
    assert_eq!(world.writes(), ["CreateRoutingProfile"]);
    assert_eq!(world.connect.profiles(), before);
}

#[tokio::test]
async fn the_default_profile_is_adopted_and_released_by_the_stacks_delete() {
    let world = World::start().await;
    let default = world.connect.seed_default_profile(DEMO_INSTANCE_ID);
    let mut create = adopting_create(&world);
    create["ResourceProperties"]["Name"] = json!(DEFAULT_PROFILE_NAME);
    let adopted = world.send(create.clone()).await;
    assert_eq!(adopted.status, "SUCCESS", "{adopted}");
    assert_eq!(adopted.physical, default.arn);
    assert_eq!(
        world.live(&default.arn).await,
        expected_as(&create, &create, Origin::Adopted)
    );

    world.connect.clear_calls();
    let released = world.send(delete_from(&adopted)).await;
    assert_eq!(released.status, "SUCCESS", "{released}");
    assert_eq!(
        world.writes(),
        ["UntagResource"],
        "never DeleteRoutingProfile"
    );
    let after = now(&world, &default);
    assert!(after.is_default);
    assert_eq!(marker_of(&after), [], "released: no marker");
    let mut template = expected_as(&create, &create, Origin::Adopted);
    template
        .tags
        .retain(|k, _| !k.starts_with("cfn-custom-resource:"));
    assert_eq!(
        world.live(&default.arn).await,
        template,
        "as the stack left it"
    );
}

#[tokio::test]
async fn this_resources_retained_profile_is_adopted_back_with_the_two_tag_marker_too() {
    let world = World::start().await;
    for two_tags in [false, true] {
        // An earlier life of this resource, kept by DeletionPolicy: Retain.
        let retained = world.send(as_new_request(&world.event("create"))).await;
        assert_eq!(retained.status, "SUCCESS", "{retained}");
        if two_tags {
            world
                .untag_by_hand(&retained.physical, OWNER_REQUEST_TAG)
                .await;
        }
        let create = as_new_request(&adopting_create(&world));
        let adopted = world.send(create.clone()).await;
        assert_eq!(adopted.status, "SUCCESS", "{adopted}");
        assert_eq!(adopted.physical, retained.physical);
        assert_eq!(
            world.live(&adopted.physical).await,
            expected_as(&create, &create, Origin::Adopted)
        );
        assert_eq!(world.send(delete_from(&adopted)).await.status, "SUCCESS");
        assert!(world.connect.profiles().is_empty());
    }
}

#[tokio::test]
async fn a_failed_adoption_is_released_by_the_delete_that_follows_not_deleted() {
    let world = World::start().await;
    let console = world
        .connect
        .seed_profile(DEMO_INSTANCE_ID, "Support Tier 1");
    // The first change after the marker fails: the profile is marked, partly converged.
    world
        .connect
        .inject("UpdateRoutingProfileConcurrency", refused(), 1);
    let create = adopting_create(&world);
    let failed = world.send(create.clone()).await;
    assert_eq!(failed.status, "FAILED", "{failed}");
    assert_eq!(
        failed.physical,
        failed_adoption_id(request_id(&create), &console.arn)
    );
    assert!(
        !marker_of(&now(&world, &console)).is_empty(),
        "it was marked"
    );

    world.connect.clear_calls();
    let deleted = world.send(delete_from(&failed)).await;
    assert_eq!(deleted.status, "SUCCESS", "{deleted}");
    assert_eq!(deleted.physical, failed.physical);
    assert_eq!(world.writes(), ["UntagResource"]);
    let after = now(&world, &console);
    assert_eq!(marker_of(&after), [], "released");
    assert_eq!(world.connect.profiles().len(), 1);
    // A Delete of the same id again (a redelivery) finds nothing of its own to release.
    world.connect.clear_calls();
    assert_eq!(world.send(delete_from(&failed)).await.status, "SUCCESS");
    assert_eq!(world.writes(), Vec::<String>::new());
}

#[tokio::test]
async fn an_adoption_whose_marking_answer_is_lost_is_finished_by_the_redelivery() {
    let world = World::start().await;
    let console = world
        .connect
        .seed_profile(DEMO_INSTANCE_ID, "Support Tier 1");
    world.connect.inject("TagResource", Fault::answer_lost(), 1);
    world.connect.inject("TagResource", Fault::Hang, 8);
    let create = adopting_create(&world);
    let failed = world.answer_within(&create, Duration::from_secs(4)).await;
    assert_eq!(failed.status, "FAILED", "{failed}");
    assert_eq!(
        failed.physical,
        failed_adoption_id(request_id(&create), &console.arn)
    );
    world.connect.clear_faults();

    // Lambda delivers the same event again: this request's adoption, carried on.
    let adopted = world.send(create.clone()).await;
    assert_eq!(adopted.status, "SUCCESS", "{adopted}");
    assert_eq!(adopted.physical, console.arn);
    assert_eq!(
        world.live(&console.arn).await,
        expected_as(&create, &create, Origin::Adopted)
    );
}

#[tokio::test]
async fn a_redelivered_adoption_that_fails_before_reading_the_marker_is_still_only_released() {
    let world = World::start().await;
    let console = world
        .connect
        .seed_profile(DEMO_INSTANCE_ID, "Support Tier 1");
    let create = adopting_create(&world);
    // The first delivery marks the profile, then its process dies (a later change hangs).
    world
        .connect
        .inject("UpdateRoutingProfileConcurrency", Fault::Hang, 8);
    let first = world.answer_within(&create, Duration::from_secs(3)).await;
    assert_eq!(first.status, "FAILED", "{first}");
    world.connect.clear_faults();
    // The redelivery cannot even find the profile before its deadline: it does not know it.
    world.connect.inject("ListRoutingProfiles", Fault::Hang, 8);
    let again = world.answer_within(&create, Duration::from_secs(2)).await;
    assert_eq!(again.status, "FAILED", "{again}");
    let request_id = create["RequestId"].as_str().expect("RequestId");
    assert_eq!(again.physical, format!("failed-create-{request_id}"));
    world.connect.clear_faults();

    // Its Delete finds the profile by Name and this request's marker, sees it was adopted, and
    // releases it: a profile that existed before is never deleted.
    world.connect.clear_calls();
    let deleted = world.send(delete_from(&again)).await;
    assert_eq!(deleted.status, "SUCCESS", "{deleted}");
    assert_eq!(world.writes(), ["UntagResource"]);
    assert_eq!(marker_of(&now(&world, &console)), []);
}

#[tokio::test]
async fn a_replacement_adopts_in_the_new_instance_and_the_cleanup_deletes_the_old() {
    let world = World::start().await;
    let created = world.send(world.event("create")).await;
    let console = world
        .connect
        .seed_profile(DEMO_INSTANCE2_ID, "Support Tier 1");
    let replace = adopting(update_from(
        &created,
        world.event("update-replacement")["ResourceProperties"].clone(),
    ));
    let replaced = world.send(replace.clone()).await;
    assert_eq!(replaced.status, "SUCCESS", "{replaced}");
    assert_eq!(replaced.physical, console.arn);
    assert_eq!(
        world.live(&console.arn).await,
        expected_as(&replace, &replace, Origin::Adopted)
    );
    assert_eq!(world.send(delete_from(&created)).await.status, "SUCCESS");
    assert_eq!(world.profile_arns(), [console.arn]);
}

#[tokio::test]
async fn a_failed_adopting_replacement_releases_what_it_adopted_and_keeps_the_old() {
    let world = World::start().await;
    let created = world.send(world.event("create")).await;
    let old = world.connect.profiles();
    let console = world
        .connect
        .seed_profile(DEMO_INSTANCE2_ID, "Support Tier 1");
    world
        .connect
        .inject("UpdateRoutingProfileConcurrency", refused(), 1);
    let replace = adopting(update_from(
        &created,
        world.event("update-replacement")["ResourceProperties"].clone(),
    ));
    let failed = world.send(replace).await;
    assert_eq!(failed.status, "FAILED", "{failed}");
    assert_eq!(
        failed.physical, created.physical,
        "CloudFormation keeps the old"
    );
    let calls = world.calls();
    assert!(
        !calls.iter().any(|c| c == "DeleteRoutingProfile"),
        "nothing deleted: {calls:?}"
    );
    assert_eq!(marker_of(&now(&world, &console)), [], "released");
    assert_eq!(now(&world, &old[0]), old[0], "the old profile as it was");

    // CloudFormation's rollback, then the stack's deletion: the adopted-then-released profile stays.
    let rollback = update_from(&failed, created.properties());
    assert_eq!(world.send(rollback).await.status, "SUCCESS");
    assert_eq!(world.send(delete_from(&created)).await.status, "SUCCESS");
    let left = world.connect.profiles();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].arn, console.arn);
    assert_eq!(marker_of(&left[0]), []);
}

#[tokio::test]
async fn a_change_of_adopt_existing_alone_writes_nothing_and_keeps_the_id() {
    let world = World::start().await;
    let create = world.event("create");
    let created = world.send(create.clone()).await;
    let mut earlier = created.clone();
    for adopt in ["true", "false"] {
        let mut props = earlier.properties();
        props["AdoptExisting"] = json!(adopt);
        world.connect.clear_calls();
        let updated = world.send(update_from(&earlier, props)).await;
        assert_eq!(updated.status, "SUCCESS", "{updated}");
        assert_eq!(updated.physical, created.physical, "never a replacement");
        assert_eq!(world.writes(), Vec::<String>::new(), "{:?}", world.calls());
        earlier = updated;
    }
    assert_eq!(
        world.live(&created.physical).await,
        expected(&create, &create)
    );
    let marker = now(&world, &world.connect.profiles()[0]);
    assert!(
        marker.tags.contains_key(OWNER_STACK_TAG) && marker.tags.contains_key(OWNER_LOGICAL_ID_TAG)
    );
}
