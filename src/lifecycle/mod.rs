//! Create, Update and Delete: what each request means for Amazon Connect, and the [`Answer`]
//! CloudFormation gets. The steps of each request live here (replacement or in place, what a
//! cleanup undoes); who a profile belongs to, and so what a request may do with it, is decided in
//! [`ownership`]; the changes themselves come from [`plan`]. Each step returns
//! `Result<_, Failure>`; [`answer`] turns the outcome into the one answer.
//!
//! Identity rests on the ownership marker ([`ownership::Owner`]): every profile this function
//! creates or adopts carries the stack, the logical id and the request. A request writes only to
//! profiles whose marker names its resource; a Create takes a profile of its Name only when this
//! very request made it (it resumes it: a redelivery, Lambda's retry, or the SDK's retry of a
//! Create whose answer was lost) or, with `AdoptExisting`, when it has no marker or an earlier
//! request's of this resource (it adopts it). A cleanup, and the Delete after a failed Create,
//! undo only what their request did, as the profile's marker says when they read it: delete what
//! it created, release what it adopted.

use std::collections::BTreeMap;
use std::time::Duration;

use tokio::time::Instant;

pub mod ownership;
mod progress;
mod reads;
mod writes;

use ownership::{Claimed, Disposed, Origin, Owner, PhysicalId, Scope};
pub use ownership::{failed_create_id, not_created_id};
pub use progress::Progress;
use writes::{converge, not_found, queue_ids};

use crate::connect::{Connect, ErrorKind};
use crate::event::{Request, RequestType};
use crate::failure::Failure;
use crate::model::ProfileRef;
use crate::plan;
use crate::properties::{self, Properties};
use crate::response::Answer;

/// Attribute names readable with Fn::GetAtt.
pub const ATTR_ARN: &str = "RoutingProfileArn";
/// The routing profile ID attribute.
pub const ATTR_ID: &str = "RoutingProfileId";

/// The most time a replacement holds back from provisioning to undo what it made when time runs
/// out: a ListRoutingProfiles, a Describe and a Delete, with a throttled retry or two.
const CLEANUP_BUDGET: Duration = Duration::from_secs(5);

/// What a request that succeeded leaves for CloudFormation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Done {
    /// The profile is as the template says: its ARN and attributes are the answer.
    Profile(ProfileRef),
    /// The resource is gone, or never was a profile: the id it had is the answer.
    Deleted(String),
}

/// Carries out one request against Connect, finishing by `deadline`: a replacement keeps part of
/// the time to undo what it made when provisioning runs out of it.
pub async fn run(
    connect: &Connect,
    request: &Request,
    progress: &Progress,
    deadline: Instant,
) -> Result<Done, Failure> {
    let owner = Owner::of(&request.reply_to);
    match (
        request.request_type,
        request.physical_resource_id.as_deref(),
    ) {
        (RequestType::Create, _) | (_, None) => {
            create(connect, request, &owner, progress, deadline).await
        }
        (RequestType::Update, Some(physical)) => {
            update(connect, request, physical, &owner, progress, deadline).await
        }
        (RequestType::Delete, Some(physical)) => {
            delete(connect, request, physical, &owner, progress, deadline).await
        }
    }
}

/// The answer to a request that ended with `outcome`, however it ended (also by a timeout or a
/// panic, which leave `progress` where the work was).
pub fn answer(request: &Request, progress: &Progress, outcome: &Result<Done, Failure>) -> Answer {
    match outcome {
        Ok(Done::Profile(profile)) => success(profile),
        Ok(Done::Deleted(physical)) => Answer::success(physical.clone(), BTreeMap::new()),
        Err(failure) => Answer::failed(failed_physical_id(request, progress), failure),
    }
}

/// The PhysicalResourceId of a FAILED answer. An Update or Delete keeps its id: the old profile is
/// still what CloudFormation knows (a replacement undoes what it made, or names it in the Reason).
/// A Create answers as [`ownership::failed_create_answer`] says.
fn failed_physical_id(request: &Request, progress: &Progress) -> String {
    match (request.request_type, &request.physical_resource_id) {
        (RequestType::Create, _) | (_, None) => ownership::failed_create_answer(
            progress.claimed_profile(),
            progress.was_create_sent(),
            &request.reply_to.request_id,
        ),
        (_, Some(physical)) => physical.clone(),
    }
}

/// The request's properties, checked against every rule and against where the function can act.
fn validated(connect: &Connect, request: &Request) -> Result<Properties, Failure> {
    let home = properties::Home::new(connect.region(), &request.properties);
    Ok(properties::parse_at(&request.properties, &home)?)
}

async fn create(
    connect: &Connect,
    request: &Request,
    owner: &Owner,
    progress: &Progress,
    deadline: Instant,
) -> Result<Done, Failure> {
    progress.step("validating properties");
    let props = validated(connect, request)?;
    // No time is kept for a cleanup: a Create that runs out of time answers FAILED with what it
    // made or adopted (or its request), and the Delete CloudFormation sends next undoes it.
    provision(connect, &props, owner, progress, deadline)
        .await
        .map(Done::Profile)
}

async fn update(
    connect: &Connect,
    request: &Request,
    physical: &str,
    owner: &Owner,
    progress: &Progress,
    deadline: Instant,
) -> Result<Done, Failure> {
    progress.step("validating properties");
    // Invalid properties leave the old profile as it was, under the same id: a rollback finds it.
    let props = validated(connect, request)?;
    let PhysicalId::Profile(existing) = PhysicalId::parse(physical) else {
        // The id is not a profile (the Create it came from failed): make one, which CloudFormation
        // sees as replacement; its Delete of the old id then finds nothing of its own.
        tracing::warn!("PhysicalResourceId is not a routing profile ARN; creating the profile");
        return replace(connect, &props, owner, progress, deadline).await;
    };
    if props.instance_id != existing.instance_id {
        tracing::info!(from = %existing.instance_id, to = %props.instance_id, "InstanceId changed: replacement");
        // The old profile is not written, but a replacement is this resource's to make only
        // when the old profile is its own (or gone).
        ownership::ensure_replaceable(connect, owner, &existing, progress, deadline).await?;
        return replace(connect, &props, owner, progress, deadline).await;
    }

    let Some(live) = ownership::read_own(connect, owner, &existing, progress, deadline).await?
    else {
        // Deleted outside CloudFormation: the template still wants it, so make it again.
        tracing::warn!("recreating the routing profile");
        return replace(connect, &props, owner, progress, deadline).await;
    };
    // The marker stays as the profile has it: an in-place update never rewrites who made it
    // (profiles of older versions keep their two tags).
    let mut desired = props.profile.clone();
    desired.tags.extend(ownership::marker_of(&live.tags));
    converge(
        connect, &existing, &desired, &live, false, progress, deadline,
    )
    .await?;
    Ok(Done::Profile(existing))
}

/// The moment that keeps `kept` of the time before `deadline` for what must follow, or a quarter
/// of the time left when that is less (a short Lambda timeout, a test).
pub(super) fn keeping(deadline: Instant, kept: Duration) -> Instant {
    let kept = kept.min(deadline.saturating_duration_since(Instant::now()) / 4);
    deadline.checked_sub(kept).unwrap_or(deadline)
}

/// `work`, or [`Failure::OutOfTime`] at the step under way when `until` comes first; `then` is
/// what the request does next, for the log. `work` goes on the heap: a replacement's provisioning
/// and an update's writes are the largest futures of a request, and nested in the handler's
/// they overflowed a test thread's 2 MB stack in a debug build.
pub(super) async fn by<T>(
    until: Instant,
    work: impl Future<Output = Result<T, Failure>>,
    connect: &Connect,
    progress: &Progress,
    then: &str,
) -> Result<T, Failure> {
    tokio::time::timeout_at(until, Box::pin(work))
        .await
        .unwrap_or_else(|_elapsed| {
            tracing::error!(step = %progress.current(), "out of time; {then}");
            Err(Failure::OutOfTime {
                step: progress.current(),
                last_failure: connect.last_failure(),
            })
        })
}

/// Makes a new profile for an Update, keeping part of the time until `deadline` to undo it when
/// it cannot be made whole (the answer keeps the old id).
async fn replace(
    connect: &Connect,
    props: &Properties,
    owner: &Owner,
    progress: &Progress,
    deadline: Instant,
) -> Result<Done, Failure> {
    let provisioning = keeping(deadline, CLEANUP_BUDGET);
    let provisioned = provision(connect, props, owner, progress, provisioning);
    let then = "undoing what the replacement made";
    match by(provisioning, provisioned, connect, progress, then).await {
        Ok(profile) => Ok(Done::Profile(profile)),
        Err(failure) => {
            Err(undo_replacement(connect, props, owner, progress, failure, deadline).await)
        }
    }
}

/// Undoes what a failed replacement did in the new instance, by `deadline`: deletes the profile it
/// created, releases the one it adopted, each only while it carries this request's marker; when its
/// Create got no answer, finds the profile by name first. Says so when it cannot, without making
/// the answer worse than `failure`: the Reason leads with it, and names what is left.
async fn undo_replacement(
    connect: &Connect,
    props: &Properties,
    owner: &Owner,
    progress: &Progress,
    failure: Failure,
    deadline: Instant,
) -> Failure {
    let claimed = progress.claimed_profile();
    if claimed.is_none() && !progress.was_create_sent() {
        return failure;
    }
    progress.step("undoing the half-made replacement");
    let left = claimed.as_ref().map_or_else(
        || {
            format!(
                "named {:?} in instance {}",
                props.profile.name, props.instance_id
            )
        },
        |c| c.profile.arn.clone(),
    );
    let mut origin = claimed.as_ref().map_or(Origin::Created, |c| c.origin);
    let cleanup = async {
        match &claimed {
            Some(claimed) => {
                ownership::undo(connect, &claimed.profile, owner, progress, deadline).await
            }
            None => {
                ownership::undo_by_name(
                    connect,
                    &props.instance_id,
                    &props.profile.name,
                    owner,
                    progress,
                    deadline,
                )
                .await
            }
        }
    };
    let cause = match tokio::time::timeout_at(deadline, cleanup).await {
        Ok(Ok(Disposed::MarkerKept(error))) => {
            origin = Origin::Adopted;
            error.to_string()
        }
        Ok(Ok(done)) => {
            tracing::info!(profile = %left, ?done, "undid the half-made replacement");
            return failure;
        }
        Ok(Err(Failure::Connect(error))) => error.to_string(),
        Ok(Err(other)) => other.to_string(),
        Err(_elapsed) => "ran out of time".to_string(),
    };
    tracing::error!(profile = %left, ?origin, %cause, "could not undo the half-made replacement");
    Failure::ReplacementLeftBehind {
        failure: Box::new(failure),
        left,
        marker: owner.request_tag(origin),
        origin,
        cause,
    }
}

async fn delete(
    connect: &Connect,
    request: &Request,
    physical: &str,
    owner: &Owner,
    progress: &Progress,
    deadline: Instant,
) -> Result<Done, Failure> {
    let gone = Done::Deleted(physical.to_string());
    let disposed = match PhysicalId::parse(physical) {
        PhysicalId::Profile(profile) => {
            ownership::dispose(
                connect,
                &profile,
                owner,
                Scope::Resource,
                progress,
                deadline,
            )
            .await?
        }
        PhysicalId::FailedAdoption {
            request_id,
            profile,
        } => {
            // Released only while that adoption still holds it: an Update or a later Create may
            // have adopted it again since, under its own marker.
            let adopter = owner.at_request(&request_id);
            ownership::dispose(
                connect,
                &profile,
                &adopter,
                Scope::Adoption,
                progress,
                deadline,
            )
            .await?
        }
        PhysicalId::FailedCreate(request_id) => {
            // The Create failed without knowing of a profile, but its call may have been carried
            // out (its answer lost): look for a profile of its Name that carries its marker. Its
            // properties may be invalid otherwise; without a usable InstanceId and Name there is
            // nothing to look for.
            let Some((instance_id, name)) = properties::identity(&request.properties) else {
                tracing::info!(
                    "failed Create without a usable InstanceId and Name; nothing to delete"
                );
                return Ok(gone);
            };
            let creator = owner.at_request(&request_id);
            ownership::undo_by_name(connect, &instance_id, &name, &creator, progress, deadline)
                .await?
        }
        PhysicalId::Nothing => {
            tracing::info!("PhysicalResourceId is not a routing profile ARN; nothing to delete");
            return Ok(gone);
        }
    };
    tracing::info!(?disposed, "Delete done");
    Ok(gone)
}

/// Creates the profile, or takes the one of its Name that this request made or may adopt, and
/// brings it to `props`.
async fn provision(
    connect: &Connect,
    props: &Properties,
    owner: &Owner,
    progress: &Progress,
    deadline: Instant,
) -> Result<ProfileRef, Failure> {
    let mut desired = props.profile.clone();
    desired.tags.extend(owner.tags(Origin::Created));
    let first = plan::create_request(&desired);
    progress.step("CreateRoutingProfile");
    progress.create_sent();
    let (claimed, current, may_lag) = match connect.create(&props.instance_id, &first).await {
        Ok(profile) => {
            tracing::info!(arn = %profile.arn, "routing profile created");
            progress.created(&profile);
            let claimed = Claimed {
                profile,
                origin: Origin::Created,
            };
            (claimed, first, false)
        }
        Err(e) if e.kind == ErrorKind::Duplicate => {
            let (claimed, live) =
                ownership::claim_name(connect, props, owner, progress, deadline, e).await?;
            // A profile resumed: an earlier attempt or delivery of this request may have written
            // to it moments ago, and the read it is planned from may not show that yet.
            let resumed = claimed.origin == Origin::Created;
            (claimed, live, resumed)
        }
        Err(e) if e.kind == ErrorKind::NotFound => {
            let mut queues = queue_ids(&first);
            queues.insert(first.default_outbound_queue_id.clone());
            return Err(not_found(e, &props.instance_id, None, queues, 0, 0));
        }
        Err(e) => return Err(e.into()),
    };
    // An adopted profile keeps the adoption's marker; everything else is the template's.
    let mut desired = props.profile.clone();
    desired.tags.extend(owner.tags(claimed.origin));
    converge(
        connect,
        &claimed.profile,
        &desired,
        &current,
        may_lag,
        progress,
        deadline,
    )
    .await?;
    if claimed.origin == Origin::Adopted {
        ownership::confirm_adoption(connect, &claimed.profile, owner, progress, deadline).await?;
    }
    Ok(claimed.profile)
}

fn success(profile: &ProfileRef) -> Answer {
    let data = [
        (ATTR_ARN.to_string(), profile.arn.clone()),
        (ATTR_ID.to_string(), profile.routing_profile_id.clone()),
    ]
    .into();
    Answer::success(profile.arn.clone(), data)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connect::ConnectError;
    use connect_emulator::connect::{ConnectEmulator, DEMO_INSTANCE_ID, Fault};
    use serde_json::{Value, json};

    /// The Properties of one of the sample events.
    pub(super) fn properties(name: &str) -> Value {
        let text = match name {
            "create" => include_str!("../../events/create.json"),
            "create-large" => include_str!("../../events/create-large.json"),
            "update" => include_str!("../../events/update.json"),
            "update-replacement" => include_str!("../../events/update-replacement.json"),
            other => panic!("no sample event {other}"),
        };
        let event: Value = serde_json::from_str(text).expect("sample event JSON");
        event["ResourceProperties"].clone()
    }

    /// A request of `request_type` in the sample Create's envelope.
    fn request(request_type: &str, properties: &Value, physical: Option<&str>) -> Request {
        let mut event: Value =
            serde_json::from_str(include_str!("../../events/create.json")).expect("JSON");
        event["RequestType"] = json!(request_type);
        event["ResourceProperties"] = properties.clone();
        if let Some(physical) = physical {
            event["PhysicalResourceId"] = json!(physical);
            event["OldResourceProperties"] = properties.clone();
        }
        crate::event::parse(&event).expect("a well-formed request")
    }

    struct World {
        emulator: ConnectEmulator,
        connect: Connect,
    }

    impl World {
        async fn start() -> World {
            let emulator = ConnectEmulator::start().await;
            emulator.seed_demo();
            // The emulator shows every write at once: a read that would leave a profile (a Delete
            // of one that is not the resource's) is read again for a short window only.
            let connect = Connect::for_endpoint(&emulator.endpoint()).with_read_again(
                crate::connect::ReadAgain {
                    window: Duration::from_millis(300),
                    first_wait: Duration::from_millis(20),
                    max_wait: Duration::from_millis(100),
                },
            );
            World { emulator, connect }
        }

        /// Runs `request`; the outcome and the answer it makes.
        async fn run(&self, request: &Request) -> (Result<Done, Failure>, Answer) {
            let progress = Progress::default();
            let deadline = Instant::now() + Duration::from_secs(30);
            let outcome = run(&self.connect, request, &progress, deadline).await;
            let answer = answer(request, &progress, &outcome);
            (outcome, answer)
        }

        async fn create(&self, properties: &Value) -> ProfileRef {
            match self.run(&request("Create", properties, None)).await.0 {
                Ok(Done::Profile(profile)) => profile,
                other => panic!("Create failed: {other:?}"),
            }
        }
    }

    #[test]
    fn a_missing_queue_is_named_when_connect_names_it_and_listed_when_not() {
        let error = |detail: &str| ConnectError {
            operation: "AssociateRoutingProfileQueues",
            kind: ErrorKind::NotFound,
            detail: format!("ResourceNotFoundException: {detail}"),
            maybe_carried_out: false,
        };
        let queues = || std::collections::BTreeSet::from(["q-1".to_string(), "q-2".to_string()]);
        let named = not_found(
            error("Queue not found: q-2"),
            "i-1",
            Some("rp-1"),
            queues(),
            3,
            5,
        );
        assert!(
            matches!(&named, Failure::QueueNotFound { queues, certain: true, done: 3, .. } if *queues == ["q-2"]),
            "{named:?}"
        );
        let unnamed = not_found(error("Not found"), "i-1", Some("rp-1"), queues(), 0, 5);
        assert!(
            matches!(&unnamed, Failure::QueueNotFound { queues, certain: false, .. } if queues.len() == 2),
            "{unnamed:?}"
        );
        // The instance or the profile missing: Connect's words are clear enough.
        for detail in ["Instance not found: i-1", "RoutingProfile not found: rp-1"] {
            let other = not_found(error(detail), "i-1", Some("rp-1"), queues(), 0, 5);
            assert!(matches!(other, Failure::Connect(_)), "{other:?}");
        }
    }

    #[tokio::test]
    async fn invalid_properties_fail_before_any_call_with_every_problem() {
        let world = World::start().await;
        let mut props = properties("create");
        props["Name"] = json!("");
        props["QueueConfigs"][0]["Priority"] = json!(0);
        let (outcome, answer) = world.run(&request("Create", &props, None)).await;
        let Err(Failure::InvalidProperties(errors)) = outcome else {
            panic!("{outcome:?}");
        };
        let paths: Vec<&str> = errors.0.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, ["Name", "QueueConfigs[0].Priority"]);
        assert!(world.emulator.calls().is_empty(), "no Connect call");
        assert_eq!(
            answer.physical_resource_id,
            not_created_id("8f3c2a71-5d4e-4b9a-a1c6-2e7f0d9b3c54")
        );
    }

    #[tokio::test]
    async fn a_name_taken_by_another_resource_is_refused() {
        let world = World::start().await;
        let props = properties("create");
        let mut theirs = request("Create", &props, None);
        theirs.reply_to.stack_id =
            "arn:aws:cloudformation:us-east-1:123456789012:stack/other/1".into();
        assert!(matches!(world.run(&theirs).await.0, Ok(Done::Profile(_))));

        let mut adopting = props.clone();
        adopting["AdoptExisting"] = json!("true");
        for props in [props, adopting] {
            let (outcome, answer) = world.run(&request("Create", &props, None)).await;
            let Err(Failure::NameTakenByOthers {
                name,
                instance_id,
                holder: Some(holder),
                ..
            }) = outcome
            else {
                panic!("{outcome:?}");
            };
            assert_eq!(
                (name.as_str(), instance_id.as_str()),
                ("Support Tier 1", DEMO_INSTANCE_ID)
            );
            assert_eq!(
                holder.stack_id.as_deref(),
                Some(theirs.reply_to.stack_id.as_str())
            );
            assert!(answer.physical_resource_id.starts_with("failed-create-"));
        }
    }

    #[tokio::test]
    async fn a_change_failing_after_others_is_partly_applied_and_keeps_the_id() {
        let world = World::start().await;
        let profile = world.create(&properties("create")).await;
        world.emulator.inject(
            "UpdateRoutingProfileQueues",
            Fault::Error {
                status: 400,
                error_type: "InvalidParameterException".into(),
                message: "Queue is in a bad state".into(),
            },
            1,
        );
        let update = request("Update", &properties("update"), Some(&profile.arn));
        let (outcome, answer) = world.run(&update).await;
        let Err(Failure::PartlyApplied { error, done, total }) = outcome else {
            panic!("{outcome:?}");
        };
        assert_eq!(
            (error.operation, done, total),
            ("UpdateRoutingProfileQueues", 4, 8)
        );
        assert_eq!(answer.physical_resource_id, profile.arn);
    }

    #[tokio::test]
    async fn a_create_failing_after_its_profile_exists_answers_that_profile() {
        let world = World::start().await;
        world.emulator.inject(
            "AssociateRoutingProfileQueues",
            Fault::Error {
                status: 400,
                error_type: "InvalidParameterException".into(),
                message: "no".into(),
            },
            1,
        );
        let (outcome, answer) = world
            .run(&request("Create", &properties("create-large"), None))
            .await;
        assert!(
            matches!(&outcome, Err(Failure::Connect(e)) if e.operation == "AssociateRoutingProfileQueues"),
            "the first change failing is a plain Connect failure: {outcome:?}"
        );
        assert_eq!(world.emulator.profiles().len(), 1);
        assert_eq!(
            answer.physical_resource_id,
            world.emulator.profiles()[0].arn,
            "the Delete after FAILED removes it"
        );
    }

    #[tokio::test]
    async fn a_replacement_that_fails_is_removed_or_named_as_left_behind() {
        let world = World::start().await;
        let old = world.create(&properties("update-replacement")).await;
        let refuse = |operation: &str| {
            world.emulator.inject(
                operation,
                Fault::Error {
                    status: 400,
                    error_type: "InvalidParameterException".into(),
                    message: "no".into(),
                },
                1,
            )
        };
        let replacement = request("Update", &properties("create-large"), Some(&old.arn));

        refuse("AssociateRoutingProfileQueues");
        let (outcome, answer) = world.run(&replacement).await;
        assert!(matches!(outcome, Err(Failure::Connect(_))), "{outcome:?}");
        assert_eq!(answer.physical_resource_id, old.arn);
        let arns: Vec<String> = world
            .emulator
            .profiles()
            .into_iter()
            .map(|p| p.arn)
            .collect();
        assert_eq!(arns, [old.arn.as_str()], "the half-made profile is gone");

        refuse("AssociateRoutingProfileQueues");
        refuse("DeleteRoutingProfile");
        let (outcome, answer) = world.run(&replacement).await;
        let Err(Failure::ReplacementLeftBehind {
            failure,
            left: arn,
            origin: Origin::Created,
            marker: request_id,
            cause,
        }) = outcome
        else {
            panic!("{outcome:?}");
        };
        assert!(matches!(*failure, Failure::Connect(_)), "{failure:?}");
        assert!(cause.starts_with("DeleteRoutingProfile failed"), "{cause}");
        assert_eq!(request_id, replacement.reply_to.request_id);
        assert_eq!(answer.physical_resource_id, old.arn);
        assert!(
            world
                .emulator
                .profiles()
                .iter()
                .any(|p| p.arn == arn && arn != old.arn)
        );
    }

    #[tokio::test]
    async fn a_profile_in_use_is_not_deleted_and_a_gone_one_is_fine() {
        let world = World::start().await;
        let profile = world.create(&properties("create")).await;
        assert!(
            world
                .emulator
                .set_users(&profile.instance_id, &profile.routing_profile_id, 3)
        );
        let delete = request("Delete", &properties("create"), Some(&profile.arn));
        let (outcome, answer) = world.run(&delete).await;
        assert!(
            matches!(&outcome, Err(Failure::InUse { arn, in_use }) if *arn == profile.arn && in_use.kind == ErrorKind::InUse),
            "{outcome:?}"
        );
        assert_eq!(answer.physical_resource_id, profile.arn);

        world
            .emulator
            .set_users(&profile.instance_id, &profile.routing_profile_id, 0);
        for _ in 0..2 {
            let (outcome, answer) = world.run(&delete).await;
            assert_eq!(outcome.ok(), Some(Done::Deleted(profile.arn.clone())));
            assert_eq!(
                answer,
                Answer::success(profile.arn.clone(), BTreeMap::new())
            );
        }
    }

    /// Collects what the function logs while it is set as the thread's default.
    #[derive(Clone, Default)]
    struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if let Ok(mut log) = self.0.lock() {
                log.extend_from_slice(buf);
            }
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// Runs `request` with the function's log captured; the outcome, the answer and the log.
    async fn run_logged(
        world: &World,
        request: &Request,
    ) -> (Result<Done, Failure>, Answer, String) {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        let (outcome, answer) = {
            let _guard = tracing::subscriber::set_default(subscriber);
            world.run(request).await
        };
        let log = String::from_utf8(captured.0.lock().map(|l| l.clone()).unwrap_or_default())
            .expect("UTF-8");
        (outcome, answer, log)
    }

    #[tokio::test]
    async fn a_release_connect_refuses_answers_success_and_logs_the_profile_and_the_tags_left() {
        let world = World::start().await;
        let default = world.emulator.seed_default_profile(DEMO_INSTANCE_ID);
        let mut props = properties("create");
        props["Name"] = json!(connect_emulator::connect::DEFAULT_PROFILE_NAME);
        props["AdoptExisting"] = json!("true");
        let adopted = world.create(&props).await;
        assert_eq!(adopted.arn, default.arn);
        world.emulator.inject(
            "UntagResource",
            Fault::Error {
                status: 403,
                error_type: "AccessDeniedException".into(),
                message: "not allowed".into(),
            },
            1,
        );
        let delete = request("Delete", &props, Some(&default.arn));
        let (outcome, answer, log) = run_logged(&world, &delete).await;
        assert_eq!(outcome.ok(), Some(Done::Deleted(default.arn.clone())));
        assert_eq!(
            answer,
            Answer::success(default.arn.clone(), BTreeMap::new())
        );
        let line = log
            .lines()
            .find(|l| l.contains("could not remove the ownership marker"))
            .unwrap_or_else(|| panic!("no line says the marker was kept:\n{log}"));
        assert!(line.contains("ERROR"), "{line}");
        assert!(line.contains(&default.arn), "{line}");
        assert!(line.contains("AccessDeniedException"), "{line}");
        for key in [
            ownership::OWNER_STACK_TAG,
            ownership::OWNER_LOGICAL_ID_TAG,
            ownership::OWNER_REQUEST_TAG,
        ] {
            assert!(line.contains(&format!("{key}=")), "{key}: {line}");
        }
    }

    #[tokio::test]
    async fn a_delete_that_leaves_a_profile_says_which_and_why() {
        let world = World::start().await;
        let console = world
            .emulator
            .seed_profile(DEMO_INSTANCE_ID, "Made by hand");
        let delete = request("Delete", &properties("create"), Some(&console.arn));
        let (outcome, answer, log) = run_logged(&world, &delete).await;
        assert_eq!(outcome.ok(), Some(Done::Deleted(console.arn.clone())));
        assert_eq!(
            answer,
            Answer::success(console.arn.clone(), BTreeMap::new())
        );
        assert_eq!(world.emulator.profiles(), std::slice::from_ref(&console));
        let line = log
            .lines()
            .find(|l| l.contains("left the routing profile untouched"))
            .unwrap_or_else(|| panic!("no line says the profile was left:\n{log}"));
        assert!(line.contains(&console.arn), "{line}");
        assert!(line.contains("it carries no ownership marker"), "{line}");
    }
}
