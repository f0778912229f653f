//! Connect's reads lag its writes, across invocations (issue 17): the lifecycle reads again where a
//! decision rests on a read that may not show a write made moments ago, by this request or by
//! another invocation. Over HTTP, with the emulator's read lag: a Create whose answer was lost and
//! whose profile ListRoutingProfiles does not list yet resumes it (case a); the Delete right after a
//! Create whose answer came after the deadline finds and deletes its profile (case c); a Delete and
//! an Update right after a Create made by another process act on that profile; an adoption reads
//! its marker back until it shows, so that another resource's marker written right after is seen;
//! the Delete right after a failed adoption releases the profile its stale read showed unmarked;
//! the rollback right after a partly applied Update undoes what that Update wrote, which it read
//! back before answering. Each of them fails with the lifecycle's reading again switched off.

use std::collections::BTreeMap;
use std::time::Duration;

use connect_emulator::connect::{DEMO_INSTANCE_ID, Fault, Profile};
use routing_profile_resource::connect::{Connect, ReadAgain, Tuning};
use routing_profile_resource::lifecycle::ownership::{
    OWNER_LOGICAL_ID_TAG, OWNER_REQUEST_TAG, OWNER_STACK_TAG, Origin, failed_adoption_id,
};
use serde_json::Value;

use crate::world::*;

/// How long each change takes to reach reads.
const LAG: Duration = Duration::from_millis(800);

/// A window that covers the lag several times over, with reads close enough to see it end.
const WINDOW: ReadAgain = ReadAgain {
    window: Duration::from_secs(4),
    first_wait: Duration::from_millis(50),
    max_wait: Duration::from_millis(400),
};

/// A world whose reads lag its writes by `lag` from now on.
async fn lagging(lag: Duration) -> World {
    let world = World::start_with(Tuning::default(), WINDOW).await;
    world.connect.set_read_lag(Some(lag));
    world
}

#[tokio::test]
async fn a_create_whose_answer_was_lost_resumes_its_profile_before_the_list_shows_it() {
    let world = lagging(LAG).await;
    // Carried out, answered 500: the SDK's retry meets DuplicateResourceException, and the search
    // by Name does not list the new profile yet.
    world
        .connect
        .inject("CreateRoutingProfile", Fault::answer_lost_to_500(), 1);
    let create = world.event("create");
    let created = world.send(create.clone()).await;
    assert_eq!(created.status, "SUCCESS", "{created}");
    assert_eq!(
        world.profile_arns(),
        std::slice::from_ref(&created.physical)
    );
    let lists = world.statuses("ListRoutingProfiles");
    assert!(lists.len() >= 2, "the lag was really met: {lists:?}");
    world.connect.set_read_lag(None);
    assert_eq!(
        world.live(&created.physical).await,
        expected(&create, &create),
        "resumed as this request's own, marker and all"
    );
}

#[tokio::test]
async fn the_delete_right_after_a_create_answered_too_late_finds_and_deletes_its_profile() {
    // Longer than the Create's whole invocation, so that its profile is not listed yet when the
    // Delete that follows looks for it.
    let world = lagging(Duration::from_millis(2500)).await;
    // Carried out, and the answer never comes: the invocation runs out of time first.
    world
        .connect
        .inject("CreateRoutingProfile", Fault::answer_lost(), 1);
    let create = world.event("create");
    let failed = world.answer_within(&create, Duration::from_secs(1)).await;
    assert_eq!(failed.status, "FAILED", "{failed}");
    assert_eq!(
        failed.physical,
        format!("failed-create-{}", request_id(&create))
    );
    assert_eq!(world.connect.profiles().len(), 1, "made all the same");

    // CloudFormation's Delete of the failed Create's id, at once, in another process.
    world.connect.clear_calls();
    let deleted = world
        .send_via(&world.other_process(), delete_from(&failed))
        .await;
    assert_eq!(deleted.status, "SUCCESS", "{deleted}");
    assert!(world.connect.profiles().is_empty(), "nothing left behind");
    assert!(
        world.statuses("ListRoutingProfiles").len() >= 2,
        "the lag was really met"
    );
}

#[tokio::test]
async fn a_delete_right_after_another_process_created_the_profile_deletes_it() {
    let world = lagging(LAG).await;
    let created = world.send(world.event("create")).await;
    assert_eq!(created.status, "SUCCESS", "{created}");
    // The stack's rollback, at once, in another Lambda execution environment.
    world.connect.clear_calls();
    let deleted = world
        .send_via(&world.other_process(), delete_from(&created))
        .await;
    assert_eq!(deleted.status, "SUCCESS", "{deleted}");
    assert!(
        world.connect.profiles().is_empty(),
        "deleted, not taken for gone"
    );
    assert_eq!(
        world.statuses("DescribeRoutingProfile").first(),
        Some(&404),
        "the lag was really met"
    );
}

#[tokio::test]
async fn an_update_right_after_another_process_created_the_profile_updates_it_in_place() {
    let world = lagging(LAG).await;
    let created = world.send(world.event("create")).await;
    assert_eq!(created.status, "SUCCESS", "{created}");
    world.connect.clear_calls();
    let update = update_from(
        &created,
        world.event("update")["ResourceProperties"].clone(),
    );
    let updated = world.send_via(&world.other_process(), update.clone()).await;
    assert_eq!(updated.status, "SUCCESS", "{updated}");
    assert_eq!(
        updated.physical, created.physical,
        "in place: not made again, which would be a second profile of the Name"
    );
    assert_eq!(world.connect.profiles().len(), 1);
    assert_eq!(
        world.statuses("DescribeRoutingProfile").first(),
        Some(&404),
        "the lag was really met"
    );
    world.connect.set_read_lag(None);
    assert_eq!(
        world.live(&created.physical).await,
        expected(&update, &created.request)
    );
}

/// The profile the sample events name, made in the console before the lag begins, and the sample
/// Create adopting it.
fn console_profile(world: &World) -> (Profile, Value) {
    world.connect.set_read_lag(None);
    let console = world
        .connect
        .seed_profile(DEMO_INSTANCE_ID, "Support Tier 1");
    world.connect.set_read_lag(Some(LAG));
    (console, adopting(world.event("create")))
}

#[tokio::test]
async fn an_adoption_sees_another_resources_marker_written_right_after_its_own() {
    let world = lagging(LAG).await;
    let (console, create) = console_profile(&world);
    // Its converging takes a while (the first write answers late): long enough for another
    // resource's marker, written right after its own, to reach reads before its last read.
    world.connect.inject(
        "UpdateRoutingProfileName",
        Fault::Delay(Duration::from_millis(300)),
        1,
    );
    let theirs = Connect::for_endpoint(&world.connect.endpoint());
    let other_stack = "arn:aws:cloudformation:us-east-1:123456789012:stack/other/1";
    let adopting = world.invoke(create.clone(), Duration::from_secs(30));
    let meanwhile = async {
        // Once this adoption's TagResource is answered, another resource marks the profile.
        while !world.statuses("TagResource").contains(&200) {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        theirs
            .client()
            .tag_resource()
            .resource_arn(&console.arn)
            .tags(OWNER_STACK_TAG, other_stack)
            .tags(OWNER_LOGICAL_ID_TAG, "SupportTier1")
            .tags(OWNER_REQUEST_TAG, "adopted:theirs")
            .send()
            .await
            .expect("their TagResource");
    };
    let (outcome, ()) = tokio::join!(adopting, meanwhile);
    outcome.expect("an answer");
    let answer = world.answer_to(&create);
    assert_eq!(answer.status, "FAILED", "{answer}");
    assert_eq!(
        answer.physical,
        failed_adoption_id(request_id(&create), &console.arn)
    );
    assert!(
        answer
            .reason
            .contains("was adopted by another resource at the same time"),
        "{}",
        answer.reason
    );
    // The Delete that follows leaves their marker on.
    let deleted = world
        .send_via(&world.other_process(), delete_from(&answer))
        .await;
    assert_eq!(deleted.status, "SUCCESS", "{deleted}");
    assert_eq!(
        world
            .marker(&console.id)
            .get(OWNER_REQUEST_TAG)
            .map(String::as_str),
        Some("adopted:theirs"),
        "their marker, left on"
    );
}

#[tokio::test]
async fn the_delete_right_after_a_failed_adoption_releases_the_profile_its_read_showed_unmarked() {
    let world = lagging(LAG).await;
    let (console, create) = console_profile(&world);
    // The Create reads the taken Name's marker, marks the profile, and is refused the read back.
    world
        .connect
        .inject("DescribeRoutingProfile", Fault::Delay(Duration::ZERO), 1);
    world.connect.inject("DescribeRoutingProfile", refused(), 1);
    let failed = world.send(create.clone()).await;
    assert_eq!(failed.status, "FAILED", "{failed}");
    assert_eq!(
        failed.physical,
        failed_adoption_id(request_id(&create), &console.arn)
    );
    assert_eq!(
        world.marker(&console.id),
        BTreeMap::from(owner(&create).tags(Origin::Adopted)),
        "marked"
    );
    // CloudFormation's Delete, at once, in another process: its first read does not show the
    // marker yet.
    world.connect.clear_calls();
    let released = world
        .send_via(&world.other_process(), delete_from(&failed))
        .await;
    assert_eq!(released.status, "SUCCESS", "{released}");
    assert_eq!(
        world.marker(&console.id),
        BTreeMap::new(),
        "released, not left marked"
    );
    assert!(
        world.connect.profile(&console.id).is_some(),
        "never deleted"
    );
    assert!(
        world.statuses("DescribeRoutingProfile").len() >= 2,
        "the lag was really met"
    );
}

#[tokio::test]
async fn the_rollback_right_after_a_partly_applied_update_undoes_what_it_wrote() {
    let world = World::start_with(Tuning::default(), WINDOW).await;
    let create = world.event("create");
    let created = world.send(create.clone()).await;
    assert_eq!(created.status, "SUCCESS", "{created}");
    world.connect.set_read_lag(Some(LAG));
    // The update writes its first changes, and Connect refuses one after them.
    world
        .connect
        .inject("UpdateRoutingProfileQueues", refused(), 1);
    let update = update_from(
        &created,
        world.event("update")["ResourceProperties"].clone(),
    );
    let failed = world.send(update.clone()).await;
    assert_eq!(failed.status, "FAILED", "{failed}");
    assert!(
        failed.reason.contains("changes were made"),
        "partly applied: {}",
        failed.reason
    );
    // CloudFormation's rollback, at once, in another process: the properties swapped.
    let mut rollback = update_from(&failed, create["ResourceProperties"].clone());
    rollback["OldResourceProperties"] = update["ResourceProperties"].clone();
    let rolled_back = world.send_via(&world.other_process(), rollback).await;
    assert_eq!(rolled_back.status, "SUCCESS", "{rolled_back}");
    world.connect.set_read_lag(None);
    assert_eq!(
        world.live(&created.physical).await,
        expected(&create, &create),
        "as before the failed update, its writes undone"
    );
}

/// An association carried out whose answer was lost: the SDK's retry meets "already associated"
/// (the emulator answers it with InvalidParameterException). The profile read back shows the queues, so it counts as done, and
/// the rollback's Delete after finds the profile as made.
#[tokio::test]
async fn an_association_whose_answer_was_lost_is_done_once_the_profile_shows_it() {
    let world = World::start().await;
    world.connect.inject(
        "AssociateRoutingProfileQueues",
        Fault::answer_lost_to_500(),
        1,
    );
    let create = world.event("create-large");
    let created = world.send(create.clone()).await;
    assert_eq!(created.status, "SUCCESS", "{created}");
    let associates = world.statuses("AssociateRoutingProfileQueues");
    assert_eq!(&associates[..2], [500, 400], "the retry was refused");
    assert_eq!(
        world.live(&created.physical).await,
        expected(&create, &create)
    );
    let deleted = world.send(delete_from(&created)).await;
    assert_eq!(deleted.status, "SUCCESS", "{deleted}");
    assert!(world.profile_arns().is_empty());
}

/// The same for a disassociation: the retry meets "not associated".
#[tokio::test]
async fn a_disassociation_whose_answer_was_lost_is_done_once_the_profile_shows_it() {
    let world = World::start().await;
    let created = world.send(world.event("create")).await;
    assert_eq!(created.status, "SUCCESS", "{created}");
    let mut props = created.properties();
    props["QueueConfigs"].as_array_mut().expect("a list").pop();
    let update = update_from(&created, props);
    world.connect.clear_calls();
    world.connect.inject(
        "DisassociateRoutingProfileQueues",
        Fault::answer_lost_to_500(),
        1,
    );
    let updated = world.send(update.clone()).await;
    assert_eq!(updated.status, "SUCCESS", "{updated}");
    assert_eq!(
        world.statuses("DisassociateRoutingProfileQueues"),
        [500, 400]
    );
    assert_eq!(
        world.live(&created.physical).await,
        expected(&update, &created.request)
    );
}

/// While reads lag, the read back of a lost association waits until the profile shows it.
#[tokio::test]
async fn while_reads_lag_an_association_whose_answer_was_lost_is_read_back_until_it_shows() {
    let world = World::start_with(Tuning::default(), WINDOW).await;
    let create = world.event("create-large");
    let created = world.send(create.clone()).await;
    assert_eq!(created.status, "SUCCESS", "{created}");
    let mut props = created.properties();
    props["QueueConfigs"]
        .as_array_mut()
        .expect("a list")
        .retain(|q| q["QueueReference"]["Channel"] != "CHAT");
    let shrunk = update_from(&created, props);
    let shrunk_answer = world.send(shrunk.clone()).await;
    assert_eq!(shrunk_answer.status, "SUCCESS", "{shrunk_answer}");
    // Back to all of them, while reads lag: the association is carried out, its answer lost.
    world.connect.set_read_lag(Some(LAG));
    world.connect.clear_calls();
    world.connect.inject(
        "AssociateRoutingProfileQueues",
        Fault::answer_lost_to_500(),
        1,
    );
    let grown = update_from(&shrunk_answer, create["ResourceProperties"].clone());
    let updated = world.send(grown.clone()).await;
    assert_eq!(updated.status, "SUCCESS", "{updated}");
    assert_eq!(
        &world.statuses("AssociateRoutingProfileQueues")[..2],
        [500, 400]
    );
    world.connect.set_read_lag(None);
    assert_eq!(
        world.live(&created.physical).await,
        expected(&grown, &create)
    );
}

/// A write Connect refuses, its first attempt answered or throttled (nothing carried out), fails
/// at once: nothing of it is read back, and the request reads nothing back for the window.
#[tokio::test]
async fn a_refused_write_is_not_read_back() {
    // The default window (20 s): reading back for it would show in the time taken.
    let world = World::start_with(Tuning::default(), ReadAgain::default()).await;
    let created = world.send(world.event("create")).await;
    assert_eq!(created.status, "SUCCESS", "{created}");
    let mut props = created.properties();
    props["Description"] = serde_json::json!("changed");
    let throttled = Fault::Error {
        status: 429,
        error_type: "ThrottlingException".into(),
        message: "Rate exceeded".into(),
    };
    world
        .connect
        .inject("UpdateRoutingProfileName", throttled, 1);
    world
        .connect
        .inject("UpdateRoutingProfileName", refused(), 1);
    world.connect.clear_calls();
    let started = tokio::time::Instant::now();
    let failed = world.send(update_from(&created, props)).await;
    assert_eq!(failed.status, "FAILED", "{failed}");
    assert!(
        failed.reason.contains("refused by the test"),
        "{}",
        failed.reason
    );
    assert_eq!(world.statuses("UpdateRoutingProfileName"), [429, 400]);
    assert_eq!(
        world.statuses("DescribeRoutingProfile").len(),
        1,
        "the Update's own read, and none after the refusal"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

/// A Create whose first answer was lost resumes its profile, planned from a read that may not show
/// what the lost attempt wrote; the association it then makes is refused for bad input. That
/// refusal could be "already associated", so it is read back; when the time for writes runs out
/// before the read shows it, the answer is Connect's refusal, in its words, not "Ran out of time
/// ... did not show yet".
#[tokio::test]
async fn bad_input_on_a_resumed_profile_read_back_until_the_time_runs_out_is_connects_refusal() {
    // The default window (20 s), longer than the time left: the read back ends at the deadline.
    let world = World::start_with(Tuning::default(), ReadAgain::default()).await;
    world
        .connect
        .inject("CreateRoutingProfile", Fault::answer_lost_to_500(), 1);
    world
        .connect
        .inject("AssociateRoutingProfileQueues", refused(), 1);
    let failed = world
        .answer_within(&world.event("create-large"), Duration::from_secs(6))
        .await;
    assert_eq!(failed.status, "FAILED", "{failed}");
    assert!(
        failed
            .reason
            .contains("InvalidParameterException: refused by the test"),
        "{}",
        failed.reason
    );
    assert!(
        !failed.reason.contains("Ran out of time"),
        "{}",
        failed.reason
    );
    assert!(
        world.statuses("DescribeRoutingProfile").len() > 2,
        "read back"
    );
}

/// The Create of another stack, holding the Name this one asks for.
async fn name_held_by_another_stack(world: &World) {
    let mut theirs = world.event("create");
    theirs["StackId"] = Value::from("arn:aws:cloudformation:us-east-1:123456789012:stack/other/1");
    theirs["RequestId"] = Value::from("11111111-0000-4000-a000-000000000001");
    assert_eq!(world.send(theirs).await.status, "SUCCESS");
}

/// CreateRoutingProfile refused with DuplicateResourceException at its first attempt: the Name was
/// taken then, so another stack's profile the search shows is the answer, without reading again.
#[tokio::test]
async fn a_name_taken_by_another_stack_is_refused_without_reading_again() {
    let world = World::start_with(Tuning::default(), ReadAgain::default()).await;
    name_held_by_another_stack(&world).await;
    world.connect.clear_calls();
    let started = tokio::time::Instant::now();
    let refused = world.send(world.event("create")).await;
    assert_eq!(refused.status, "FAILED", "{refused}");
    assert!(
        refused.reason.contains("stack/other/1"),
        "{}",
        refused.reason
    );
    assert_eq!(world.statuses("ListRoutingProfiles").len(), 1);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

/// When the first attempt's answer was lost, the search is read again while it shows another
/// stack's profile (this Create's own may not be listed yet); when the deadline comes first, that
/// refusal is the answer, not "out of time".
#[tokio::test]
async fn a_name_still_shown_taken_by_another_stack_when_time_runs_out_is_refused() {
    let world = World::start_with(Tuning::default(), ReadAgain::default()).await;
    name_held_by_another_stack(&world).await;
    world
        .connect
        .inject("CreateRoutingProfile", Fault::answer_lost_to_500(), 1);
    world.connect.clear_calls();
    let refused = world
        .answer_within(&world.event("create"), Duration::from_secs(8))
        .await;
    assert_eq!(refused.status, "FAILED", "{refused}");
    assert!(
        refused
            .reason
            .contains("carries the marker of another resource: stack arn:aws:cloudformation:us-east-1:123456789012:stack/other/1"),
        "{}",
        refused.reason
    );
    assert!(
        world.statuses("ListRoutingProfiles").len() > 1,
        "read again"
    );
    assert_eq!(world.connect.profiles().len(), 1, "theirs alone");
}
