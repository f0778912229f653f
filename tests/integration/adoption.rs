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

/// The profile `physical` is as `event` says, adopted by it.
async fn expect_adopted(world: &World, physical: &str, event: &Value) {
    assert_eq!(
        world.live(physical).await,
        expected_as(event, event, Origin::Adopted)
    );
}

/// The instance's default profile, adopted by a Create of its Name: the profile, the Create and its
/// answer.
async fn adopted_default(world: &World) -> (Profile, Value, Answer) {
    let default = world.connect.seed_default_profile(DEMO_INSTANCE_ID);
    let mut create = adopting_create(world);
    create["ResourceProperties"]["Name"] = json!(DEFAULT_PROFILE_NAME);
    let adopted = world.send(create.clone()).await;
    assert_eq!(adopted.status, "SUCCESS", "{adopted}");
    assert_eq!(adopted.physical, default.arn);
    expect_adopted(world, &default.arn, &create).await;
    (default, create, adopted)
}

/// The profile the sample events name, made in the console in `instance`.
fn console_profile(world: &World, instance: &str) -> Profile {
    world.connect.seed_profile(instance, "Support Tier 1")
}

/// Sends `create`, which adopts `profile`, with the first change after the marker refused: FAILED,
/// with the failed adoption's id; the profile is marked, partly converged.
async fn failed_adoption(world: &World, create: &Value, profile: &Profile) -> Answer {
    world
        .connect
        .inject("UpdateRoutingProfileConcurrency", refused(), 1);
    let failed = world.send(create.clone()).await;
    assert_eq!(failed.status, "FAILED", "{failed}");
    assert_eq!(
        failed.physical,
        failed_adoption_id(request_id(create), &profile.arn)
    );
    failed
}

/// The Update that moves the sample resource `created` to the second instance, adopting there.
fn adopting_replacement(world: &World, created: &Answer) -> Value {
    adopting(update_from(
        created,
        world.event("update-replacement")["ResourceProperties"].clone(),
    ))
}

#[tokio::test]
async fn a_console_profile_is_adopted_marked_first_and_converged_to_the_template() {
    let world = World::start().await;
    let console = console_profile(&world, DEMO_INSTANCE_ID);
    let create = adopting_create(&world);
    let adopted = world.send(create.clone()).await;
    assert_eq!(adopted.status, "SUCCESS", "{adopted}");
    assert_eq!(
        adopted.physical, console.arn,
        "the same profile, the same ARN"
    );
    assert_eq!(adopted.data["RoutingProfileId"], console.id);
    // The template's, the console's own tag gone, the marker of an adoption on.
    expect_adopted(&world, &adopted.physical, &create).await;
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
    let console = console_profile(&world, DEMO_INSTANCE_ID);
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
    let (default, create, adopted) = adopted_default(&world).await;

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
        expect_adopted(&world, &adopted.physical, &create).await;
        assert_eq!(world.send(delete_from(&adopted)).await.status, "SUCCESS");
        assert!(world.connect.profiles().is_empty());
    }
}

#[tokio::test]
async fn a_failed_adoption_is_released_by_the_delete_that_follows_not_deleted() {
    let world = World::start().await;
    let console = console_profile(&world, DEMO_INSTANCE_ID);
    // The first change after the marker fails: the profile is marked, partly converged.
    let create = adopting_create(&world);
    let failed = failed_adoption(&world, &create, &console).await;
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
    let console = console_profile(&world, DEMO_INSTANCE_ID);
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
    expect_adopted(&world, &console.arn, &create).await;
}

#[tokio::test]
async fn a_redelivered_adoption_that_fails_before_reading_the_marker_is_still_only_released() {
    let world = World::start().await;
    let console = console_profile(&world, DEMO_INSTANCE_ID);
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
    let console = console_profile(&world, DEMO_INSTANCE2_ID);
    let replace = adopting_replacement(&world, &created);
    let replaced = world.send(replace.clone()).await;
    assert_eq!(replaced.status, "SUCCESS", "{replaced}");
    assert_eq!(replaced.physical, console.arn);
    expect_adopted(&world, &console.arn, &replace).await;
    assert_eq!(world.send(delete_from(&created)).await.status, "SUCCESS");
    assert_eq!(world.profile_arns(), [console.arn]);
}

#[tokio::test]
async fn a_failed_adopting_replacement_releases_what_it_adopted_and_keeps_the_old() {
    let world = World::start().await;
    let created = world.send(world.event("create")).await;
    let old = world.connect.profiles();
    let console = console_profile(&world, DEMO_INSTANCE2_ID);
    world
        .connect
        .inject("UpdateRoutingProfileConcurrency", refused(), 1);
    let replace = adopting_replacement(&world, &created);
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

/// Waits until the emulator has received a call of `operation` (answered or still in flight).
async fn arrived(world: &World, operation: &str) {
    for _ in 0..2000 {
        if world.calls().iter().any(|c| c == operation) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("no {operation} call arrived: {:?}", world.calls());
}

/// Runs two adoptions of one profile at once: `late` reads no marker, and its TagResource lands two
/// seconds later; `early` starts while that TagResource is under way, and of its reads of the
/// profile the first two come as they are, the third four seconds late, after `late`'s marker.
/// Their answers.
async fn adopting_at_once(world: &World, late: &Value, early: &Value) -> (Answer, Answer) {
    world.connect.clear_calls();
    world
        .connect
        .inject("TagResource", Fault::Delay(Duration::from_secs(2)), 1);
    let early_run = async {
        arrived(world, "TagResource").await;
        world
            .connect
            .inject("DescribeRoutingProfile", Fault::Delay(Duration::ZERO), 2);
        world.connect.inject(
            "DescribeRoutingProfile",
            Fault::Delay(Duration::from_secs(4)),
            1,
        );
        world.invoke(early.clone(), Duration::from_secs(30)).await
    };
    let both = tokio::join!(
        world.invoke(late.clone(), Duration::from_secs(30)),
        early_run
    );
    assert!(both.0.is_ok() && both.1.is_ok(), "{both:?}");
    (world.answer_to(late), world.answer_to(early))
}

/// The sample Create as another stack's resource (the same logical id) sends it.
fn another_stacks(mut event: Value) -> Value {
    event["StackId"] = json!(OTHER_STACK);
    event
}

const OTHER_STACK: &str = "arn:aws:cloudformation:us-east-1:123456789012:stack/other/1";

#[tokio::test]
async fn the_cleanup_delete_of_a_failed_adoption_leaves_the_profile_an_update_adopted_since() {
    let world = World::start().await;
    let console = console_profile(&world, DEMO_INSTANCE_ID);
    // The adopting Create fails after the marker (a stack with rollback disabled keeps it).
    let create = adopting_create(&world);
    let failed = failed_adoption(&world, &create, &console).await;

    // The next stack update: an Update of the failed id, which adopts the profile under its own
    // marker and answers its ARN.
    let update = update_from(&failed, create["ResourceProperties"].clone());
    let adopted = world.send(update.clone()).await;
    assert_eq!(adopted.status, "SUCCESS", "{adopted}");
    assert_eq!(adopted.physical, console.arn);
    let marker = format!("adopted:{}", request_id(&update));
    assert_eq!(
        now(&world, &console).tags.get(OWNER_REQUEST_TAG),
        Some(&marker)
    );

    // CloudFormation's cleanup Delete of the old id: that adoption no longer holds the profile.
    world.connect.clear_calls();
    let cleanup = world.send(delete_from(&failed)).await;
    assert_eq!(cleanup.status, "SUCCESS", "{cleanup}");
    assert!(
        world.only_read("DescribeRoutingProfile"),
        "read, nothing written: {:?}",
        world.calls()
    );
    assert_eq!(
        world.live(&console.arn).await,
        expected_as(&create, &update, Origin::Adopted),
        "still the resource's, marker and all"
    );

    // The resource goes on: updated in place, then deleted with the stack.
    let next = update_from(
        &adopted,
        world.event("update")["ResourceProperties"].clone(),
    );
    let updated = world.send(next).await;
    assert_eq!(updated.status, "SUCCESS", "{updated}");
    let deleted = world.send(delete_from(&updated)).await;
    assert_eq!(
        (deleted.status.as_str(), world.connect.profiles().len()),
        ("SUCCESS", 0)
    );
}

#[tokio::test]
async fn a_late_failed_adoption_delete_leaves_the_profile_a_later_create_adopted_again() {
    let world = World::start().await;
    let console = console_profile(&world, DEMO_INSTANCE_ID);
    let failed = failed_adoption(&world, &adopting_create(&world), &console).await;
    // The Delete that follows releases it, as it should.
    let delete = delete_from(&failed);
    assert_eq!(world.send(delete.clone()).await.status, "SUCCESS");
    assert_eq!(marker_of(&now(&world, &console)), []);

    // The resource is added again and adopts the profile; then the old Delete is delivered again.
    let again = as_new_request(&adopting_create(&world));
    let adopted = world.send(again.clone()).await;
    assert_eq!(adopted.status, "SUCCESS", "{adopted}");
    let before = now(&world, &console);
    world.connect.clear_calls();
    let late = world.send(delete).await;
    assert_eq!(late.status, "SUCCESS", "{late}");
    assert_eq!(world.writes(), Vec::<String>::new());
    assert_eq!(
        now(&world, &console),
        before,
        "the new adoption's marker stays"
    );
    expect_adopted(&world, &console.arn, &again).await;
}

#[tokio::test]
async fn a_replacement_that_backs_off_from_a_simultaneous_adoption_leaves_the_winners_marker() {
    let world = World::start().await;
    let created = world.send(world.event("create")).await;
    let console = console_profile(&world, DEMO_INSTANCE2_ID);
    let target = world.event("update-replacement")["ResourceProperties"].clone();
    // Another stack's resource adopts the same profile: it reads no marker, and its TagResource
    // lands late, after the replacement's own.
    let mut theirs = another_stacks(as_new_request(&world.event("create")));
    theirs["ResourceProperties"] = target.clone();
    let theirs = adopting(theirs);
    let replace = adopting(update_from(&created, target));
    // Theirs marks the profile late; the replacement reads the old profile's marker and the taken
    // Name's, marks the profile, and reads it back after theirs landed.
    let (their_answer, ours) = adopting_at_once(&world, &theirs, &replace).await;
    assert_eq!(their_answer.status, "SUCCESS", "{their_answer}");
    assert_eq!(their_answer.physical, console.arn);

    assert_eq!(ours.status, "FAILED", "{ours}");
    assert_eq!(ours.physical, created.physical, "the old id is kept");
    assert_eq!(
        ours.reason,
        format!(
            "Routing profile {} was adopted by another resource at the same time: it now carries the marker of another resource: stack {OTHER_STACK}, logical id SupportTier1. This request only marked it (TagResource), and the other resource's marker replaced that; nothing else was changed. The other resource's marker stays on it. A profile can be managed by one resource only: choose another Name, or remove one of the two resources (cfn-lint E9011 finds two in one template).",
            console.arn
        )
    );
    // Its cleanup read the marker again and left the winner's alone.
    let marker_removed =
        world.connect.calls().into_iter().any(|c| {
            c.operation == "UntagResource" && c.request.to_string().contains(OWNER_STACK_TAG)
        });
    assert!(!marker_removed, "{:?}", world.calls());
    expect_adopted(&world, &console.arn, &theirs).await;
}

#[tokio::test]
async fn of_two_resources_adopting_one_profile_at_once_the_one_overtaken_while_converging_fails() {
    let world = World::start().await;
    let console = console_profile(&world, DEMO_INSTANCE_ID);
    // Two resources of one template with the same InstanceId and Name (cfn-lint E9011).
    let mut first = adopting_create(&world);
    first["LogicalResourceId"] = json!("SupportTier2");
    let second = as_new_request(&adopting_create(&world));
    // The first marks the profile late; the second reads the taken Name's marker, marks the
    // profile, reads it back as its own and converges it, and reads it again after the first's
    // marker landed.
    let (winner, overtaken) = adopting_at_once(&world, &first, &second).await;
    assert_eq!(winner.status, "SUCCESS", "{winner}");
    assert_eq!(winner.physical, console.arn);
    assert_eq!(overtaken.status, "FAILED", "{overtaken}");
    assert_eq!(
        overtaken.physical,
        failed_adoption_id(request_id(&second), &console.arn)
    );
    let stack = first["StackId"].as_str().expect("StackId");
    assert!(
        overtaken.reason.starts_with(&format!(
            "Routing profile {} was adopted by another resource at the same time: it now carries the marker of another resource: stack {stack}, logical id SupportTier2. This request had already brought the profile to its template",
            console.arn
        )),
        "{}",
        overtaken.reason
    );
    // CloudFormation's Delete after the failure leaves the winner's profile alone.
    world.connect.clear_calls();
    let deleted = world.send(delete_from(&overtaken)).await;
    assert_eq!(deleted.status, "SUCCESS", "{deleted}");
    assert_eq!(world.writes(), Vec::<String>::new());
    expect_adopted(&world, &console.arn, &first).await;
}

#[tokio::test]
async fn a_profile_with_more_tags_than_the_marker_leaves_room_for_is_refused_untouched() {
    let world = World::start().await;
    let console = console_profile(&world, DEMO_INSTANCE_ID);
    // 47 tags of its own besides the console's one: 48, where 47 and the marker make 50.
    let mut tag = world
        .client
        .client()
        .tag_resource()
        .resource_arn(&console.arn);
    for n in 0..47 {
        tag = tag.tags(format!("k{n}"), "v");
    }
    tag.send().await.expect("tags by hand");
    let before = now(&world, &console);
    assert_eq!(before.tags.len(), 48);

    world.connect.clear_calls();
    let create = adopting_create(&world);
    let refused = world.send(create.clone()).await;
    assert_eq!(refused.status, "FAILED", "{refused}");
    assert_eq!(
        refused.reason,
        format!(
            "Routing profile {} has 48 tags of its own: Connect allows 50 per profile and the ownership marker takes 3, so a profile can be adopted with at most 47. It is not changed: remove 1 of its tags (in the Connect console, or with aws connect untag-resource), then retry.",
            console.arn
        )
    );
    assert_eq!(
        refused.physical,
        format!("failed-create-{}", request_id(&create))
    );
    assert_eq!(world.send(delete_from(&refused)).await.status, "SUCCESS");
    assert_eq!(world.writes(), ["CreateRoutingProfile"], "nothing written");
    assert_eq!(now(&world, &console), before);

    // One tag fewer, and the marker fits: adopted, and converged to the template's tags.
    world.untag_by_hand(&console.arn, "k0").await;
    let create = as_new_request(&create);
    let adopted = world.send(create.clone()).await;
    assert_eq!(adopted.status, "SUCCESS", "{adopted}");
    expect_adopted(&world, &console.arn, &create).await;
}

#[tokio::test]
async fn a_release_connect_refuses_answers_success_and_keeps_the_profile_marked() {
    let world = World::start().await;
    // The stack's Delete of an adopted default profile.
    let (default, _, adopted) = adopted_default(&world).await;
    world.connect.inject("UntagResource", refused(), 1);
    let deleted = world.send(delete_from(&adopted)).await;
    assert_eq!(deleted.status, "SUCCESS", "{deleted}");
    let kept = now(&world, &default);
    assert_eq!(marker_of(&kept).len(), 3, "kept, with the marker: {kept:?}");

    // The Delete after a failed adoption.
    let console = console_profile(&world, DEMO_INSTANCE_ID);
    let create = as_new_request(&adopting_create(&world));
    let failed = failed_adoption(&world, &create, &console).await;
    world.connect.inject("UntagResource", refused(), 1);
    let deleted = world.send(delete_from(&failed)).await;
    assert_eq!(deleted.status, "SUCCESS", "{deleted}");
    assert_eq!(marker_of(&now(&world, &console)).len(), 3);
}

#[tokio::test]
async fn a_replacement_that_cannot_release_what_it_adopted_answers_its_failure_first() {
    let world = World::start().await;
    let created = world.send(world.event("create")).await;
    let console = console_profile(&world, DEMO_INSTANCE2_ID);
    world
        .connect
        .inject("UpdateRoutingProfileConcurrency", refused(), 1);
    world.connect.inject("UntagResource", refused(), 1);
    let replace = adopting_replacement(&world, &created);
    let failed = world.send(replace.clone()).await;
    assert_eq!(failed.status, "FAILED", "{failed}");
    assert_eq!(failed.physical, created.physical);
    assert!(
        failed.reason.starts_with(
            "Amazon Connect UpdateRoutingProfileConcurrency failed: InvalidParameterException: refused by the test after "
        ),
        "{}",
        failed.reason
    );
    assert!(
        failed.reason.ends_with(&format!(
            "The adopted profile {} could not be released (UntagResource failed: InvalidParameterException: refused by the test); it carries the tag cfn-custom-resource:request-id=adopted:{}. Remove its cfn-custom-resource: tags by hand.",
            console.arn,
            request_id(&replace)
        )),
        "{}",
        failed.reason
    );
    assert!(
        world.connect.profile(&console.id).is_some(),
        "never deleted"
    );
}
