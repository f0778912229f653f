//! Connect's eventual consistency inside the client: a call on a profile the client has just
//! created that answers ResourceNotFoundException is made again within the read-again window, as
//! Connect may not show the new profile yet; a NotFound that names a queue of the call, that comes
//! after the window, or that DeleteRoutingProfile answers after an attempt of it that may have
//! deleted the profile, is the answer at once. So is a write IAM checks against the marker that
//! answers AccessDeniedException right after the client created or tagged the profile: authorization
//! may not see the marker yet. An InvalidRequestException right after the create is made again
//! while DescribeRoutingProfile does not find the profile either, and is the answer once it does.
//! Over HTTP, with injected answers and with the emulator's reads lagging its writes
//! (`lagging_reads` has the lifecycle's own reads).

use std::time::Duration;

use connect_emulator::connect::Fault;
use routing_profile_resource::connect::{ReadAgain, Tuning};
use serde_json::json;
use tokio::time::Instant;

use crate::world::*;

/// A window long enough to see the reads, short enough for a test.
const WINDOW: ReadAgain = ReadAgain {
    window: Duration::from_secs(3),
    first_wait: Duration::from_millis(50),
    max_wait: Duration::from_millis(400),
};

/// ResourceNotFoundException as Connect answers a call on a profile it does not show (yet); the
/// message names nothing of the call.
fn profile_not_found() -> Fault {
    Fault::Error {
        status: 404,
        error_type: "ResourceNotFoundException".into(),
        message: "The specified resource was not found.".into(),
    }
}

#[tokio::test]
async fn queues_associated_right_after_the_create_wait_until_connect_shows_the_profile() {
    let world = World::start_with(Tuning::default(), WINDOW).await;
    world
        .connect
        .inject("AssociateRoutingProfileQueues", profile_not_found(), 3);
    let create = world.event("create-large");
    let created = world.send(create.clone()).await;
    assert_eq!(created.status, "SUCCESS", "{created}");
    assert_eq!(
        world.statuses("AssociateRoutingProfileQueues"),
        [404, 404, 404, 200, 200],
        "the first batch read again until it went through, the second at once"
    );
    assert_eq!(
        world.live(&created.physical).await,
        expected(&create, &create)
    );
}

#[tokio::test]
async fn a_missing_queue_that_connect_names_is_answered_at_once() {
    // The default window (20 s): reading again would show in the time taken.
    let world = World::start_with(Tuning::default(), ReadAgain::default()).await;
    let created = world.send(world.event("create")).await;
    let missing = "0b6c2f1e-0000-4a5b-8c7d-0000000000ee";
    let mut props = created.properties();
    props["QueueConfigs"].as_array_mut().expect("list").push(
        json!({ "QueueReference": { "QueueId": missing, "Channel": "CHAT" }, "Priority": "5" }),
    );
    world.connect.clear_calls();
    let started = Instant::now();
    let failed = world.send(update_from(&created, props)).await;
    assert_eq!(failed.status, "FAILED", "{failed}");
    assert!(
        failed
            .reason
            .starts_with(&format!("Queue {missing} was not found")),
        "{}",
        failed.reason
    );
    assert_eq!(world.statuses("AssociateRoutingProfileQueues"), [404]);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "no reading again"
    );
}

#[tokio::test]
async fn a_profile_still_not_found_when_the_window_closes_is_not_found() {
    let window = ReadAgain {
        window: Duration::from_millis(600),
        ..WINDOW
    };
    let world = World::start_with(Tuning::default(), window).await;
    world
        .connect
        .inject("AssociateRoutingProfileQueues", profile_not_found(), 1000);
    let started = Instant::now();
    let failed = world.send(world.event("create-large")).await;
    assert_eq!(failed.status, "FAILED", "{failed}");
    assert!(
        failed.reason.contains(
            "AssociateRoutingProfileQueues failed: ResourceNotFoundException: The specified resource was not found."
        ),
        "{}",
        failed.reason
    );
    // Reads at about 0, 50, 150 and 350 ms; the next would start after the window.
    let attempts = world.statuses("AssociateRoutingProfileQueues").len();
    assert!((3..=5).contains(&attempts), "{attempts} attempts");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "bounded by the window"
    );
}

/// A ResourceNotFoundException from DeleteRoutingProfile after an attempt of it that may have been
/// carried out (here: the SDK's retry of a Delete carried out whose answer was lost) is the profile
/// gone, and is not sent again. (One without such an attempt, right after the Create:
/// `a_delete_not_found_at_its_first_attempt_right_after_the_create_is_sent_again`.)
#[tokio::test]
async fn a_delete_right_after_the_create_whose_answer_was_lost_is_done() {
    // The default window (20 s) and 12 s to the deadline: sending it again for the window would
    // run out of time.
    let world = World::start_with(Tuning::default(), ReadAgain::default()).await;
    let created = world.send(world.event("create")).await;
    assert_eq!(created.status, "SUCCESS", "{created}");
    world.connect.clear_calls();
    world
        .connect
        .inject("DeleteRoutingProfile", Fault::answer_lost_to_500(), 1);
    let started = Instant::now();
    let deleted = world
        .answer_within(&delete_from(&created), Duration::from_secs(12))
        .await;
    assert_eq!(deleted.status, "SUCCESS", "{deleted}");
    assert_eq!(
        world.statuses("DeleteRoutingProfile"),
        [500, 404],
        "the SDK's retry, and no more"
    );
    assert!(world.profile_arns().is_empty(), "nothing left behind");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "no reading again: {:?}",
        started.elapsed()
    );
}

/// The rollback's Delete right after the Create, where DeleteRoutingProfile does not see the new
/// profile yet (ResourceNotFoundException at its first attempt) although the marker read showed it:
/// Connect does not document that a read showing a profile means a write sees it, so the Delete is
/// sent again within the window, and the profile is not left behind.
#[tokio::test]
async fn a_delete_not_found_at_its_first_attempt_right_after_the_create_is_sent_again() {
    let world = World::start_with(Tuning::default(), WINDOW).await;
    let created = world.send(world.event("create")).await;
    assert_eq!(created.status, "SUCCESS", "{created}");
    world.connect.clear_calls();
    world
        .connect
        .inject("DeleteRoutingProfile", profile_not_found(), 1);
    let deleted = world.send(delete_from(&created)).await;
    assert_eq!(deleted.status, "SUCCESS", "{deleted}");
    assert_eq!(world.statuses("DeleteRoutingProfile"), [404, 200]);
    assert!(
        world.profile_arns().is_empty(),
        "deleted, not taken for gone"
    );
}

#[tokio::test]
async fn a_not_found_after_the_window_is_the_answer() {
    let window = ReadAgain {
        window: Duration::from_millis(200),
        ..WINDOW
    };
    let world = World::start_with(Tuning::default(), window).await;
    let created = world.send(world.event("create")).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    world
        .connect
        .inject("DescribeRoutingProfile", profile_not_found(), 1);
    world.connect.clear_calls();
    let profile = created.profile();
    let error = world
        .client
        .standing(&profile)
        .await
        .expect_err("not found");
    assert_eq!(
        error.kind,
        routing_profile_resource::connect::ErrorKind::NotFound
    );
    assert_eq!(world.statuses("DescribeRoutingProfile"), [404]);
}

/// The emulator's reads lag its writes by this much, and calls on a profile younger than it
/// answer ResourceNotFoundException, as Connect's may.
const LAG: Duration = Duration::from_millis(800);

#[tokio::test]
async fn while_reads_lag_a_create_of_25_queues_associates_them_all() {
    let world = World::start_with(Tuning::default(), WINDOW).await;
    world.connect.set_read_lag(Some(LAG));
    let create = world.event("create-large");
    let created = world.send(create.clone()).await;
    assert_eq!(created.status, "SUCCESS", "{created}");
    let associates = world.statuses("AssociateRoutingProfileQueues");
    assert_eq!(associates.first(), Some(&404), "the lag was really met");
    assert_eq!(associates.iter().filter(|s| **s == 200).count(), 2);
    // Reads show the associations once the lag is over.
    world.connect.set_read_lag(None);
    assert_eq!(
        world.live(&created.physical).await,
        expected(&create, &create)
    );
}

#[tokio::test]
async fn while_reads_lag_an_update_right_after_the_create_updates_the_same_profile() {
    let world = World::start_with(Tuning::default(), WINDOW).await;
    world.connect.set_read_lag(Some(LAG));
    let created = world.send(world.event("create")).await;
    assert_eq!(created.status, "SUCCESS", "{created}");
    let update = world.event_on("update", &created.physical);
    let updated = world.send(update.clone()).await;
    assert_eq!(updated.status, "SUCCESS", "{updated}");
    assert_eq!(
        updated.physical, created.physical,
        "in place, not made again"
    );
    assert_eq!(world.connect.profiles().len(), 1);
    assert_eq!(
        world.statuses("DescribeRoutingProfile").first(),
        Some(&404),
        "the lag was really met"
    );
}

#[tokio::test]
async fn while_reads_lag_a_delete_right_after_the_create_leaves_nothing() {
    let world = World::start_with(Tuning::default(), WINDOW).await;
    world.connect.set_read_lag(Some(LAG));
    let created = world.send(world.event("create")).await;
    assert_eq!(created.status, "SUCCESS", "{created}");
    let deleted = world.send(delete_from(&created)).await;
    assert_eq!(deleted.status, "SUCCESS", "{deleted}");
    assert!(
        world.connect.profiles().is_empty(),
        "deleted, not taken for gone"
    );
}

/// AccessDeniedException, as Connect answers a call IAM does not allow: here, a write the role
/// allows only on profiles that carry the marker, while authorization does not see the marker yet.
fn denied() -> Fault {
    Fault::Error {
        status: 403,
        error_type: "AccessDeniedException".into(),
        message: "User is not authorized to perform this action on the resource".into(),
    }
}

#[tokio::test]
async fn writes_denied_right_after_the_create_wait_until_authorization_sees_the_marker() {
    let world = World::start_with(Tuning::default(), WINDOW).await;
    world
        .connect
        .inject("AssociateRoutingProfileQueues", denied(), 2);
    let create = world.event("create-large");
    let created = world.send(create.clone()).await;
    assert_eq!(created.status, "SUCCESS", "{created}");
    assert_eq!(
        world.statuses("AssociateRoutingProfileQueues"),
        [403, 403, 200, 200]
    );
    assert_eq!(
        world.live(&created.physical).await,
        expected(&create, &create)
    );
}

#[tokio::test]
async fn writes_denied_right_after_an_adoption_marked_the_profile_wait_for_the_marker() {
    let world = World::start_with(Tuning::default(), WINDOW).await;
    let console = world.connect.seed_profile(
        connect_emulator::connect::DEMO_INSTANCE_ID,
        "Support Tier 1",
    );
    // The first write after TagResource.
    world
        .connect
        .inject("UpdateRoutingProfileName", denied(), 1);
    let create = adopting(world.event("create"));
    let adopted = world.send(create.clone()).await;
    assert_eq!(adopted.status, "SUCCESS", "{adopted}");
    assert_eq!(adopted.physical, console.arn);
    assert_eq!(world.statuses("UpdateRoutingProfileName"), [403, 200]);
}

#[tokio::test]
async fn a_denial_on_a_profile_this_process_did_not_just_write_is_the_answer_at_once() {
    let world = World::start_with(Tuning::default(), ReadAgain::default()).await;
    let created = world.send(world.event("create")).await;
    world.connect.clear_calls();
    world
        .connect
        .inject("UpdateRoutingProfileName", denied(), 1000);
    let started = Instant::now();
    // Another Lambda execution environment: it made nothing, so the denial is the role's.
    let update = update_from(
        &created,
        world.event("update")["ResourceProperties"].clone(),
    );
    let failed = world.send_via(&world.other_process(), update).await;
    assert_eq!(failed.status, "FAILED", "{failed}");
    assert!(
        failed.reason.contains("AccessDeniedException"),
        "{}",
        failed.reason
    );
    assert_eq!(world.statuses("UpdateRoutingProfileName"), [403]);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "no reading again"
    );
}

#[tokio::test]
async fn a_write_made_again_stops_before_the_deadline_and_says_why() {
    // The default window (20 s) is longer than the time the Delete has: the deadline ends the
    // writes made again, the lifecycle's own answer, not the guard's.
    let world = World::start_with(Tuning::default(), ReadAgain::default()).await;
    let created = world.send(world.event("create")).await;
    assert_eq!(created.status, "SUCCESS", "{created}");
    world.connect.inject("DeleteRoutingProfile", denied(), 1000);
    world.connect.clear_calls();
    let deleted = world
        .answer_within(&delete_from(&created), Duration::from_secs(12))
        .await;
    assert_eq!(deleted.status, "FAILED", "{deleted}");
    assert!(
        deleted.reason.starts_with(
            "Ran out of time while DeleteRoutingProfile: Amazon Connect did not show yet"
        ),
        "{}",
        deleted.reason
    );
    let sent = world.statuses("DeleteRoutingProfile").len();
    assert!(sent >= 3, "made again: {sent}");
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        world.statuses("DeleteRoutingProfile").len(),
        sent,
        "nothing sent after the answer"
    );
    assert_eq!(world.profile_arns(), [created.physical], "denied: kept");
}

/// InvalidRequestException, as Connect's documentation says a call may answer before a change has
/// propagated; the message names nothing of the call.
fn not_valid() -> Fault {
    Fault::Error {
        status: 400,
        error_type: "InvalidRequestException".into(),
        message: "The request is not valid.".into(),
    }
}

/// InvalidRequestException right after the create while DescribeRoutingProfile does not find the
/// profile either: Connect not showing it yet, so the write is made again.
#[tokio::test]
async fn an_invalid_request_right_after_the_create_is_made_again_while_the_profile_is_not_found() {
    let world = World::start_with(Tuning::default(), WINDOW).await;
    world
        .connect
        .inject("AssociateRoutingProfileQueues", not_valid(), 2);
    world
        .connect
        .inject("DescribeRoutingProfile", profile_not_found(), 2);
    let create = world.event("create-large");
    let created = world.send(create.clone()).await;
    assert_eq!(created.status, "SUCCESS", "{created}");
    assert_eq!(
        world.statuses("AssociateRoutingProfileQueues"),
        [400, 400, 200, 200]
    );
    assert_eq!(
        world.statuses("DescribeRoutingProfile")[..2],
        [404, 404],
        "read once after each refusal"
    );
    assert_eq!(
        world.live(&created.physical).await,
        expected(&create, &create)
    );
}

/// Right after the create, the Associate's first attempt answers a server error (nothing carried
/// out) and the SDK's retry InvalidRequestException (the new profile not shown to the write yet).
/// The profile read once shows no such queues; the refusal may be of the first attempt's work or of
/// the profile not shown yet, and another attempt tells: it is made again, and passes.
#[tokio::test]
async fn a_server_error_then_an_invalid_request_right_after_the_create_is_made_again() {
    let world = World::start_with(Tuning::default(), WINDOW).await;
    world
        .connect
        .inject("AssociateRoutingProfileQueues", Fault::internal(), 1);
    world
        .connect
        .inject("AssociateRoutingProfileQueues", not_valid(), 1);
    let create = world.event("create-large");
    let created = world.send(create.clone()).await;
    assert_eq!(created.status, "SUCCESS", "{created}");
    assert_eq!(
        world.statuses("AssociateRoutingProfileQueues"),
        [500, 400, 200, 200]
    );
    assert_eq!(
        world.live(&created.physical).await,
        expected(&create, &create)
    );
}

/// InvalidRequestException that stays right after the create, while Connect shows the profile: the
/// request is what is wrong, and the refusal is the answer at once, in Connect's words, not made
/// again for the window.
#[tokio::test]
async fn a_lasting_invalid_request_on_a_profile_connect_shows_is_the_answer_at_once() {
    // The default window (20 s): making it again for the window would show in the time taken.
    let world = World::start_with(Tuning::default(), ReadAgain::default()).await;
    world
        .connect
        .inject("AssociateRoutingProfileQueues", not_valid(), 1000);
    let started = Instant::now();
    let failed = world.send(world.event("create-large")).await;
    assert_eq!(failed.status, "FAILED", "{failed}");
    assert!(
        failed
            .reason
            .contains("InvalidRequestException: The request is not valid."),
        "{}",
        failed.reason
    );
    assert_eq!(world.statuses("AssociateRoutingProfileQueues"), [400]);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "made again for the window: {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn bad_input_and_an_invalid_request_on_an_older_profile_are_the_answer_at_once() {
    // The default window (20 s): reading again, or back, would show in the time taken.
    let started = Instant::now();
    let world = World::start_with(Tuning::default(), ReadAgain::default()).await;
    let bad_input = Fault::Error {
        status: 400,
        error_type: "InvalidParameterException".into(),
        message: "Priority is not valid".into(),
    };
    world
        .connect
        .inject("AssociateRoutingProfileQueues", bad_input, 1);
    let failed = world.send(world.event("create-large")).await;
    assert_eq!(failed.status, "FAILED", "{failed}");
    assert!(
        failed
            .reason
            .contains("InvalidParameterException: Priority is not valid"),
        "{}",
        failed.reason
    );
    assert_eq!(world.statuses("AssociateRoutingProfileQueues"), [400]);

    // Another process made the profile: an InvalidRequestException is no propagation of its.
    let created = world.send(world.event("create")).await;
    world.connect.clear_calls();
    world
        .connect
        .inject("AssociateRoutingProfileQueues", not_valid(), 1000);
    let mut props = world.event("create-large")["ResourceProperties"].clone();
    props["Name"] = created.properties()["Name"].clone();
    let update = update_from(&created, props);
    let failed = world.send_via(&world.other_process(), update).await;
    assert_eq!(failed.status, "FAILED", "{failed}");
    assert!(
        failed.reason.contains("InvalidRequestException"),
        "{}",
        failed.reason
    );
    assert_eq!(world.statuses("AssociateRoutingProfileQueues"), [400]);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "no reading again, nor back: {:?}",
        started.elapsed()
    );
}
