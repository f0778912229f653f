//! Create, Update and Delete: what each request means for Amazon Connect, and the [`Answer`]
//! CloudFormation gets. Decisions about identity live here (which PhysicalResourceId, replacement
//! or in place, adopt or refuse); the changes themselves come from [`plan`]. Each step returns
//! `Result<_, Failure>`; [`answer`] turns the outcome into the one answer.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use crate::arn;
use crate::connect::{Connect, ConnectError, ErrorKind};
use crate::event::{Request, RequestType};
use crate::failure::Failure;
use crate::model::{Owner, ProfileRef, ProfileState};
use crate::plan;
use crate::properties::{self, Properties};
use crate::response::Answer;

/// Attribute names readable with Fn::GetAtt.
pub const ATTR_ARN: &str = "RoutingProfileArn";
/// The routing profile ID attribute.
pub const ATTR_ID: &str = "RoutingProfileId";

/// What the work has got to, shared with the handler so that a timeout or a panic can still be
/// answered truthfully: the step it was in, and the profile a Create has already made.
#[derive(Clone, Debug, Default)]
pub struct Progress(Arc<Mutex<ProgressState>>);

#[derive(Debug, Default)]
struct ProgressState {
    step: String,
    created: Option<ProfileRef>,
}

impl Progress {
    /// Records the step now under way.
    pub fn step(&self, step: impl Into<String>) {
        let step = step.into();
        tracing::debug!(%step, "step");
        if let Ok(mut state) = self.0.lock() {
            state.step = step;
        }
    }

    /// The step under way.
    pub fn current(&self) -> String {
        let step = self.0.lock().map(|s| s.step.clone()).unwrap_or_default();
        if step.is_empty() {
            "starting".to_string()
        } else {
            step
        }
    }

    /// Records a profile this request created.
    fn created(&self, profile: &ProfileRef) {
        if let Ok(mut state) = self.0.lock() {
            state.created = Some(profile.clone());
        }
    }

    /// The profile this request created, if any.
    pub fn created_profile(&self) -> Option<ProfileRef> {
        self.0.lock().ok().and_then(|s| s.created.clone())
    }
}

/// The PhysicalResourceId of a Create that failed before any profile existed: stable for the
/// request, and plainly not an ARN, so the Delete that follows touches nothing.
pub fn failed_create_id(request_id: &str) -> String {
    format!("failed-create-{request_id}")
}

/// What a request that succeeded leaves for CloudFormation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Done {
    /// The profile is as the template says: its ARN and attributes are the answer.
    Profile(ProfileRef),
    /// The resource is gone, or never was a profile: the id it had is the answer.
    Deleted(String),
}

/// Carries out one request against Connect.
pub async fn run(
    connect: &Connect,
    request: &Request,
    progress: &Progress,
) -> Result<Done, Failure> {
    let owner = Owner {
        stack_id: request.reply_to.stack_id.clone(),
        logical_resource_id: request.reply_to.logical_resource_id.clone(),
    };
    match (
        request.request_type,
        request.physical_resource_id.as_deref(),
    ) {
        (RequestType::Create, _) | (_, None) => create(connect, request, &owner, progress).await,
        (RequestType::Update, Some(physical)) => {
            update(connect, request, physical, &owner, progress).await
        }
        (RequestType::Delete, Some(physical)) => delete(connect, physical, progress).await,
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
/// Reason). A Create that made its profile reports it, so that the Delete after FAILED removes it.
fn failed_physical_id(request: &Request, progress: &Progress) -> String {
    match (request.request_type, &request.physical_resource_id) {
        (RequestType::Create, _) | (_, None) => progress
            .created_profile()
            .map(|p| p.arn)
            .unwrap_or_else(|| failed_create_id(&request.reply_to.request_id)),
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
) -> Result<Done, Failure> {
    progress.step("validating properties");
    // Invalid properties leave the old profile as it was, under the same id: a rollback finds it.
    let props = validated(connect, request)?;
    let Some(existing) = arn::routing_profile(physical) else {
        // The id is not a profile (the Create it came from failed): make one, which CloudFormation
        // sees as replacement; its Delete of the old id is then a no-op.
        tracing::warn!("PhysicalResourceId is not a routing profile ARN; creating the profile");
        return replace(connect, &props, owner, progress).await;
    };
    if props.instance_id != existing.instance_id {
        tracing::info!(from = %existing.instance_id, to = %props.instance_id, "InstanceId changed: replacement");
        return replace(connect, &props, owner, progress).await;
    }

    progress.step("reading the live routing profile");
    let live = match connect.fetch(&existing).await {
        Ok(live) => live,
        Err(e) if e.kind == ErrorKind::NotFound => {
            // Deleted outside CloudFormation: the template still wants it, so make it again.
            tracing::warn!(error = %e, "routing profile no longer exists; recreating it");
            return replace(connect, &props, owner, progress).await;
        }
        Err(e) => return Err(e.into()),
    };
    let desired = with_owner(&props.profile, owner);
    converge(connect, &existing, &desired, &live, progress).await?;
    Ok(Done::Profile(existing))
}

/// Makes a new profile for an Update; on failure removes what it made (the answer keeps the old
/// id).
async fn replace(
    connect: &Connect,
    props: &Properties,
    owner: &Owner,
    progress: &Progress,
) -> Result<Done, Failure> {
    match provision(connect, props, owner, progress).await {
        Ok(profile) => Ok(Done::Profile(profile)),
        Err(failure) => Err(remove_replacement(connect, progress, failure).await),
    }
}

/// Deletes the profile a failed replacement made, if it made one; says so when it cannot.
async fn remove_replacement(connect: &Connect, progress: &Progress, failure: Failure) -> Failure {
    let Some(made) = progress.created_profile() else {
        return failure;
    };
    progress.step("removing the half-made replacement profile");
    match connect.delete(&made).await {
        Ok(()) => failure,
        Err(error) => {
            tracing::error!(error = %error, arn = %made.arn, "could not remove the half-made replacement");
            Failure::LeftBehind {
                failure: Box::new(failure),
                arn: made.arn,
                error,
            }
        }
    }
}

async fn delete(connect: &Connect, physical: &str, progress: &Progress) -> Result<Done, Failure> {
    let gone = Done::Deleted(physical.to_string());
    let Some(profile) = arn::routing_profile(physical) else {
        tracing::info!("PhysicalResourceId is not a routing profile ARN; nothing to delete");
        return Ok(gone);
    };
    progress.step("DeleteRoutingProfile");
    match connect.delete(&profile).await {
        Ok(()) => Ok(gone),
        Err(e) if e.kind == ErrorKind::NotFound => {
            tracing::info!("routing profile already gone");
            Ok(gone)
        }
        Err(e) if e.kind == ErrorKind::InUse => Err(Failure::InUse {
            arn: physical.to_string(),
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
    let desired = with_owner(&props.profile, owner);
    let first = plan::create_request(&desired);
    progress.step("CreateRoutingProfile");
    let (profile, current) = match connect.create(&props.instance_id, &first).await {
        Ok(profile) => {
            tracing::info!(arn = %profile.arn, "routing profile created");
            progress.created(&profile);
            (profile, first)
        }
        Err(e) if e.kind == ErrorKind::Duplicate => {
            adopt(connect, props, owner, progress, e).await?
        }
        Err(e) => return Err(e.into()),
    };
    converge(connect, &profile, &desired, &current, progress).await?;
    Ok(profile)
}

/// After DuplicateResourceException: the name is taken. Lambda may deliver a Create twice, so a
/// profile of that name made for this very resource (by its ownership tags) is adopted; any other
/// is refused and left untouched.
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
    progress.step("reading the existing routing profile");
    let live = connect.fetch(&existing).await?;
    if !owner.owns(&live.tags) {
        return Err(taken(duplicate));
    }
    tracing::info!(arn = %existing.arn, "adopting the profile an earlier delivery of this request created");
    progress.created(&existing);
    Ok((existing, live))
}

/// Applies the plan from `current` to `desired`, one call at a time.
async fn converge(
    connect: &Connect,
    profile: &ProfileRef,
    desired: &ProfileState,
    current: &ProfileState,
    progress: &Progress,
) -> Result<(), Failure> {
    let ops = plan::update(desired, current);
    let total = ops.len();
    for (i, op) in ops.iter().enumerate() {
        progress.step(format!("{} (change {} of {total})", op.api_name(), i + 1));
        tracing::info!(operation = op.api_name(), change = i + 1, total, "applying");
        connect
            .apply(profile, op)
            .await
            .map_err(|error| Failure::during_changes(error, i, total))?;
    }
    if total == 0 {
        tracing::debug!("nothing to change");
    }
    Ok(())
}

fn with_owner(profile: &ProfileState, owner: &Owner) -> ProfileState {
    let mut desired = profile.clone();
    desired.tags.extend(owner.tags());
    desired
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
            "create" => include_str!("../events/create.json"),
            "create-large" => include_str!("../events/create-large.json"),
            "update" => include_str!("../events/update.json"),
            "update-replacement" => include_str!("../events/update-replacement.json"),
            other => panic!("no sample event {other}"),
        };
        let event: Value = serde_json::from_str(text).expect("sample event JSON");
        event["ResourceProperties"].clone()
    }

    /// A request of `request_type` in the sample Create's envelope.
    fn request(request_type: &str, properties: &Value, physical: Option<&str>) -> Request {
        let mut event: Value =
            serde_json::from_str(include_str!("../events/create.json")).expect("JSON");
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
            let outcome = run(&self.connect, request, &progress).await;
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
            failed_create_id("8f3c2a71-5d4e-4b9a-a1c6-2e7f0d9b3c54")
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
        let Err(Failure::LeftBehind {
            failure,
            arn,
            error,
        }) = outcome
        else {
            panic!("{outcome:?}");
        };
        assert!(matches!(*failure, Failure::Connect(_)), "{failure:?}");
        assert_eq!(error.operation, "DeleteRoutingProfile");
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
