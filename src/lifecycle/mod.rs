//! Create, Update and Delete: what each request means for Amazon Connect, and the [`Answer`]
//! CloudFormation gets. Decisions about identity live here (which PhysicalResourceId, replacement
//! or in place, adopt or refuse, what a cleanup may delete); the changes themselves come from
//! [`plan`]. Each step returns `Result<_, Failure>`; [`answer`] turns the outcome into the one
//! answer.
//!
//! Identity rests on the ownership marker ([`Owner`]): every profile this function creates
//! carries the stack, the logical id and the request that created it. Only a profile of this very
//! request is ever adopted (a redelivery, Lambda's retry, or the SDK's retry of a Create whose
//! answer was lost), and a cleanup deletes only what this request made; a profile that an earlier
//! request of the same resource left behind is refused by name.

use std::collections::BTreeMap;
use std::time::Duration;

use tokio::time::Instant;

mod progress;
mod writes;

pub use progress::Progress;
use writes::{converge, not_found, queue_ids};

use crate::arn;
use crate::connect::{Connect, ConnectError, ErrorKind};
use crate::event::{Request, RequestType};
use crate::failure::Failure;
use crate::model::{Made, Owner, ProfileRef, ProfileState, marker_of};
use crate::plan;
use crate::properties::{self, Properties};
use crate::response::Answer;

/// Attribute names readable with Fn::GetAtt.
pub const ATTR_ARN: &str = "RoutingProfileArn";
/// The routing profile ID attribute.
pub const ATTR_ID: &str = "RoutingProfileId";

/// The most time a replacement holds back from provisioning to delete what it made when time
/// runs out: a ListRoutingProfiles, a Describe and a Delete, with a throttled retry or two.
const CLEANUP_BUDGET: Duration = Duration::from_secs(5);

/// What a failed Create's PhysicalResourceId starts with.
const FAILED_CREATE_PREFIX: &str = "failed-create-";

/// The PhysicalResourceId of a Create that failed before it knew of any profile: stable for the
/// request, plainly not an ARN, and naming the request, so that the Delete that follows can find
/// a profile that request made although its answer never came.
pub fn failed_create_id(request_id: &str) -> String {
    format!("{FAILED_CREATE_PREFIX}{request_id}")
}

/// The PhysicalResourceId of a Create that failed before any CreateRoutingProfile was sent
/// (invalid properties, a malformed event): the Delete that follows has nothing to look for and
/// answers SUCCESS without calling Connect, so a rollback never depends on reaching it.
pub fn not_created_id(request_id: &str) -> String {
    format!("not-created-{request_id}")
}

/// What a request that succeeded leaves for CloudFormation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Done {
    /// The profile is as the template says: its ARN and attributes are the answer.
    Profile(ProfileRef),
    /// The resource is gone, or never was a profile: the id it had is the answer.
    Deleted(String),
}

/// Carries out one request against Connect, finishing by `deadline`: a replacement keeps part of
/// the time to delete what it made when provisioning runs out of it.
pub async fn run(
    connect: &Connect,
    request: &Request,
    progress: &Progress,
    deadline: Instant,
) -> Result<Done, Failure> {
    let owner = Owner {
        stack_id: request.reply_to.stack_id.clone(),
        logical_resource_id: request.reply_to.logical_resource_id.clone(),
        request_id: request.reply_to.request_id.clone(),
    };
    match (
        request.request_type,
        request.physical_resource_id.as_deref(),
    ) {
        (RequestType::Create, _) | (_, None) => create(connect, request, &owner, progress).await,
        (RequestType::Update, Some(physical)) => {
            update(connect, request, physical, &owner, progress, deadline).await
        }
        (RequestType::Delete, Some(physical)) => delete(connect, request, physical, progress).await,
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
/// still what CloudFormation knows (a replacement removes what it made, or names it in the
/// Reason). A Create that made its profile reports it, so that the Delete after FAILED removes it;
/// one that sent CreateRoutingProfile but does not know (no answer came) names its request, and
/// that Delete looks it up; one that never sent it says so, and that Delete touches nothing.
fn failed_physical_id(request: &Request, progress: &Progress) -> String {
    let request_id = &request.reply_to.request_id;
    match (request.request_type, &request.physical_resource_id) {
        (RequestType::Create, _) | (_, None) => match progress.created_profile() {
            Some(profile) => profile.arn,
            None if progress.was_create_sent() => failed_create_id(request_id),
            None => not_created_id(request_id),
        },
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
) -> Result<Done, Failure> {
    progress.step("validating properties");
    let props = validated(connect, request)?;
    // No time is kept for a cleanup: a Create that runs out of time answers FAILED with what it
    // made (or its request), and the Delete CloudFormation sends next removes it.
    provision(connect, &props, owner, progress)
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
    let Some(existing) = arn::routing_profile(physical) else {
        // The id is not a profile (the Create it came from failed): make one, which CloudFormation
        // sees as replacement; its Delete of the old id then finds nothing of its own.
        tracing::warn!("PhysicalResourceId is not a routing profile ARN; creating the profile");
        return replace(connect, &props, owner, progress, deadline).await;
    };
    if props.instance_id != existing.instance_id {
        tracing::info!(from = %existing.instance_id, to = %props.instance_id, "InstanceId changed: replacement");
        return replace(connect, &props, owner, progress, deadline).await;
    }

    progress.step("reading the live routing profile");
    let live = match connect.fetch(&existing).await {
        Ok(live) => live,
        Err(e) if e.kind == ErrorKind::NotFound => {
            // Deleted outside CloudFormation: the template still wants it, so make it again.
            tracing::warn!(error = %e, "routing profile no longer exists; recreating it");
            return replace(connect, &props, owner, progress, deadline).await;
        }
        Err(e) => return Err(e.into()),
    };
    // The marker stays as the profile has it: an in-place update never rewrites who made it
    // (profiles of older versions keep their two tags).
    let mut desired = props.profile.clone();
    desired.tags.extend(marker_of(&live.tags));
    converge(connect, &existing, &desired, &live, progress).await?;
    Ok(Done::Profile(existing))
}

/// Makes a new profile for an Update, keeping part of the time until `deadline` to remove it
/// again when it cannot be made whole (the answer keeps the old id).
async fn replace(
    connect: &Connect,
    props: &Properties,
    owner: &Owner,
    progress: &Progress,
    deadline: Instant,
) -> Result<Done, Failure> {
    let budget = CLEANUP_BUDGET.min(deadline.saturating_duration_since(Instant::now()) / 4);
    let provisioning = deadline.checked_sub(budget).unwrap_or(deadline);
    let provisioned = tokio::time::timeout_at(provisioning, provision(connect, props, owner, progress))
        .await
        .unwrap_or_else(|_elapsed| {
            tracing::error!(step = %progress.current(), "out of time; removing what the replacement made");
            Err(Failure::OutOfTime {
                step: progress.current(),
                last_failure: connect.last_failure(),
            })
        });
    match provisioned {
        Ok(profile) => Ok(Done::Profile(profile)),
        Err(failure) => {
            Err(remove_replacement(connect, props, owner, progress, failure, deadline).await)
        }
    }
}

/// Deletes the profile a failed replacement made, if it made one, by `deadline`; when its Create
/// got no answer, finds it by name and this request's marker. Says so when it cannot.
async fn remove_replacement(
    connect: &Connect,
    props: &Properties,
    owner: &Owner,
    progress: &Progress,
    failure: Failure,
    deadline: Instant,
) -> Failure {
    let made = progress.created_profile();
    if made.is_none() && !progress.was_create_sent() {
        return failure;
    }
    progress.step("removing the half-made replacement profile");
    let left = made.as_ref().map_or_else(
        || {
            format!(
                "named {:?} in instance {}",
                props.profile.name, props.instance_id
            )
        },
        |p| p.arn.clone(),
    );
    let cleanup = async {
        let profile = match made {
            Some(profile) => profile,
            None => {
                match find_made_by(connect, &props.instance_id, &props.profile.name, owner).await? {
                    Some(profile) => profile,
                    None => return Ok(()),
                }
            }
        };
        match connect.delete(&profile).await {
            Err(e) if e.kind != ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    };
    let cause = match tokio::time::timeout_at(deadline, cleanup).await {
        Ok(Ok(())) => {
            tracing::info!(profile = %left, "removed the half-made replacement");
            return failure;
        }
        Ok(Err(error)) => error.to_string(),
        Err(_elapsed) => "ran out of time".to_string(),
    };
    tracing::error!(profile = %left, %cause, "could not remove the half-made replacement");
    Failure::ReplacementLeftBehind {
        failure: Box::new(failure),
        left,
        request_id: owner.request_id.clone(),
        cause,
    }
}

/// The profile named `name` in the instance, if `owner`'s marker (this very request) is on it.
async fn find_made_by(
    connect: &Connect,
    instance_id: &str,
    name: &str,
    owner: &Owner,
) -> Result<Option<ProfileRef>, ConnectError> {
    let found = match connect.find_by_name(instance_id, name).await {
        Ok(found) => found,
        Err(e) if e.kind == ErrorKind::NotFound => None,
        Err(e) => return Err(e),
    };
    let Some(profile) = found else {
        return Ok(None);
    };
    let tags = match connect.tags(&profile).await {
        Ok(tags) => tags,
        Err(e) if e.kind == ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    Ok((owner.made(&tags) == Made::ByThisRequest).then_some(profile))
}

async fn delete(
    connect: &Connect,
    request: &Request,
    physical: &str,
    progress: &Progress,
) -> Result<Done, Failure> {
    let gone = Done::Deleted(physical.to_string());
    if let Some(profile) = arn::routing_profile(physical) {
        return delete_profile(connect, &profile, progress)
            .await
            .map(|()| gone);
    }
    let Some(create_request) = physical.strip_prefix(FAILED_CREATE_PREFIX) else {
        tracing::info!("PhysicalResourceId is not a routing profile ARN; nothing to delete");
        return Ok(gone);
    };
    // The Create failed without knowing of a profile, but its call may have been carried out
    // (its answer lost): look for a profile of its Name that carries its marker. Its properties
    // may be invalid otherwise; without a usable InstanceId and Name there is nothing to look for.
    let Some((instance_id, name)) = properties::identity(&request.properties) else {
        tracing::info!("failed Create without a usable InstanceId and Name; nothing to delete");
        return Ok(gone);
    };
    let creator = Owner {
        stack_id: request.reply_to.stack_id.clone(),
        logical_resource_id: request.reply_to.logical_resource_id.clone(),
        request_id: create_request.to_string(),
    };
    progress.step("looking for a profile the failed Create made");
    match find_made_by(connect, &instance_id, &name, &creator).await? {
        Some(profile) => {
            tracing::info!(arn = %profile.arn, "deleting the profile the failed Create made");
            delete_profile(connect, &profile, progress)
                .await
                .map(|()| gone)
        }
        None => {
            tracing::info!("the failed Create left no profile of its own; nothing to delete");
            Ok(gone)
        }
    }
}

/// DeleteRoutingProfile; a profile already gone is fine.
async fn delete_profile(
    connect: &Connect,
    profile: &ProfileRef,
    progress: &Progress,
) -> Result<(), Failure> {
    progress.step("DeleteRoutingProfile");
    match connect.delete(profile).await {
        Ok(()) => Ok(()),
        Err(e) if e.kind == ErrorKind::NotFound => {
            tracing::info!("routing profile already gone");
            Ok(())
        }
        Err(e) if e.kind == ErrorKind::InUse => Err(Failure::InUse {
            arn: profile.arn.clone(),
            in_use: e,
        }),
        Err(e) => Err(e.into()),
    }
}

/// Creates the profile (or adopts the one an earlier delivery of this request made) and brings it
/// to `props`.
async fn provision(
    connect: &Connect,
    props: &Properties,
    owner: &Owner,
    progress: &Progress,
) -> Result<ProfileRef, Failure> {
    let mut desired = props.profile.clone();
    desired.tags.extend(owner.tags());
    let first = plan::create_request(&desired);
    progress.step("CreateRoutingProfile");
    progress.create_sent();
    let (profile, current) = match connect.create(&props.instance_id, &first).await {
        Ok(profile) => {
            tracing::info!(arn = %profile.arn, "routing profile created");
            progress.created(&profile);
            (profile, first)
        }
        Err(e) if e.kind == ErrorKind::Duplicate => {
            adopt(connect, props, owner, progress, e).await?
        }
        Err(e) if e.kind == ErrorKind::NotFound => {
            let mut queues = queue_ids(&first);
            queues.insert(first.default_outbound_queue_id.clone());
            return Err(not_found(e, &props.instance_id, None, queues, 0, 0));
        }
        Err(e) => return Err(e.into()),
    };
    converge(connect, &profile, &desired, &current, progress).await?;
    Ok(profile)
}

/// After DuplicateResourceException: the name is taken. A profile of that name made by this very
/// request (a redelivery, Lambda's retry, or the SDK's retry of a Create whose answer was lost) is
/// adopted; one an earlier request of this resource left, or anyone else's, is refused and left
/// untouched.
async fn adopt(
    connect: &Connect,
    props: &Properties,
    owner: &Owner,
    progress: &Progress,
    duplicate: ConnectError,
) -> Result<(ProfileRef, ProfileState), Failure> {
    let name = &props.profile.name;
    let taken = |duplicate| Failure::NameTaken {
        name: name.clone(),
        instance_id: props.instance_id.clone(),
        duplicate,
    };
    progress.step("ListRoutingProfiles (name already taken)");
    let Some(existing) = connect.find_by_name(&props.instance_id, name).await? else {
        return Err(taken(duplicate));
    };
    progress.step("reading the existing routing profile's marker");
    match owner.made(&connect.tags(&existing).await?) {
        Made::ByThisRequest => {}
        Made::ByEarlierRequest(request_id) => {
            tracing::warn!(arn = %existing.arn, ?request_id, "the name is taken by a profile an earlier request of this resource left");
            return Err(Failure::NameTakenByEarlierRequest {
                name: name.clone(),
                instance_id: props.instance_id.clone(),
                arn: existing.arn,
                request_id,
            });
        }
        Made::ByOthers => return Err(taken(duplicate)),
    }
    tracing::info!(arn = %existing.arn, "adopting the profile an earlier attempt of this request created");
    progress.created(&existing);
    progress.step("reading the existing routing profile");
    let live = connect.fetch(&existing).await?;
    Ok((existing, live))
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
    use connect_emulator::connect::{ConnectEmulator, DEMO_INSTANCE_ID, Fault};
    use serde_json::{Value, json};

    /// The Properties of one of the sample events.
    fn properties(name: &str) -> Value {
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
            let connect = Connect::for_endpoint(&emulator.endpoint());
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

        let (outcome, answer) = world.run(&request("Create", &props, None)).await;
        let Err(Failure::NameTaken {
            name,
            instance_id,
            duplicate,
        }) = outcome
        else {
            panic!("{outcome:?}");
        };
        assert_eq!(
            (name.as_str(), instance_id.as_str()),
            ("Support Tier 1", DEMO_INSTANCE_ID)
        );
        assert_eq!(duplicate.kind, ErrorKind::Duplicate);
        assert!(answer.physical_resource_id.starts_with("failed-create-"));
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
            request_id,
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
}
