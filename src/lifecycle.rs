//! Create, Update and Delete: what each request means for Amazon Connect, and the [`Answer`]
//! CloudFormation gets. Decisions about identity live here (which PhysicalResourceId, replacement
//! or in place, adopt or refuse); the changes themselves come from [`plan`].

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use crate::arn;
use crate::connect::{Connect, ConnectError, ErrorKind};
use crate::event::{Request, RequestType};
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

/// The PhysicalResourceId to answer with when the work could not finish (timeout or panic).
pub fn fallback_id(request: &Request, progress: &Progress) -> String {
    match (request.request_type, &request.physical_resource_id) {
        // A Create that made its profile reports it, so that the Delete after FAILED removes it.
        (RequestType::Create, _) => progress
            .created_profile()
            .map(|p| p.arn)
            .unwrap_or_else(|| failed_create_id(&request.reply_to.request_id)),
        (_, Some(physical)) => physical.clone(),
        (_, None) => failed_create_id(&request.reply_to.request_id),
    }
}

/// Carries out one request against Connect.
pub async fn run(connect: &Connect, request: &Request, progress: &Progress) -> Answer {
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

async fn create(
    connect: &Connect,
    request: &Request,
    owner: &Owner,
    progress: &Progress,
) -> Answer {
    let failed_id = failed_create_id(&request.reply_to.request_id);
    progress.step("validating properties");
    let props = match properties::parse(&request.properties) {
        Ok(props) => props,
        Err(errors) => return Answer::failed(failed_id, format!("Invalid properties: {errors}")),
    };
    match provision(connect, &props, owner, progress).await {
        Ok(profile) => success(&profile),
        Err(failure) => {
            let physical = progress.created_profile().map_or(failed_id, |p| p.arn);
            Answer::failed(physical, failure)
        }
    }
}

async fn update(
    connect: &Connect,
    request: &Request,
    physical: &str,
    owner: &Owner,
    progress: &Progress,
) -> Answer {
    progress.step("validating properties");
    let props = match properties::parse(&request.properties) {
        Ok(props) => props,
        // The old profile stays as it was, under the same id: a rollback will find it.
        Err(errors) => return Answer::failed(physical, format!("Invalid properties: {errors}")),
    };
    let Some(existing) = arn::routing_profile(physical) else {
        // The id is not a profile (the Create it came from failed): make one, which CloudFormation
        // sees as replacement; its Delete of the old id is then a no-op.
        tracing::warn!("PhysicalResourceId is not a routing profile ARN; creating the profile");
        return replace(connect, physical, &props, owner, progress).await;
    };
    if props.instance_id != existing.instance_id {
        tracing::info!(from = %existing.instance_id, to = %props.instance_id, "InstanceId changed: replacement");
        return replace(connect, physical, &props, owner, progress).await;
    }

    progress.step("reading the live routing profile");
    let live = match connect.fetch(&existing).await {
        Ok(live) => live,
        Err(e) if e.kind == ErrorKind::NotFound => {
            // Deleted outside CloudFormation: the template still wants it, so make it again.
            tracing::warn!(error = %e, "routing profile no longer exists; recreating it");
            return replace(connect, physical, &props, owner, progress).await;
        }
        Err(e) => return Answer::failed(physical, reason(&e)),
    };
    let desired = with_owner(&props.profile, owner);
    match converge(connect, &existing, &desired, &live, progress).await {
        Ok(()) => success(&existing),
        Err(failure) => Answer::failed(physical, failure),
    }
}

/// Makes a new profile for an Update; on failure removes what it made and keeps the old id.
async fn replace(
    connect: &Connect,
    old_physical: &str,
    props: &Properties,
    owner: &Owner,
    progress: &Progress,
) -> Answer {
    match provision(connect, props, owner, progress).await {
        Ok(profile) => success(&profile),
        Err(failure) => {
            if let Some(made) = progress.created_profile() {
                progress.step("removing the half-made replacement profile");
                if let Err(e) = connect.delete(&made).await {
                    tracing::error!(error = %e, arn = %made.arn, "could not remove the half-made replacement");
                    return Answer::failed(
                        old_physical,
                        format!(
                            "{failure}. The new profile {} could not be removed ({e}); delete it by hand.",
                            made.arn
                        ),
                    );
                }
            }
            Answer::failed(old_physical, failure)
        }
    }
}

async fn delete(connect: &Connect, physical: &str, progress: &Progress) -> Answer {
    let Some(profile) = arn::routing_profile(physical) else {
        tracing::info!("PhysicalResourceId is not a routing profile ARN; nothing to delete");
        return Answer::success(physical, BTreeMap::new());
    };
    progress.step("DeleteRoutingProfile");
    match connect.delete(&profile).await {
        Ok(()) => Answer::success(physical, BTreeMap::new()),
        Err(e) if e.kind == ErrorKind::NotFound => {
            tracing::info!("routing profile already gone");
            Answer::success(physical, BTreeMap::new())
        }
        Err(e) if e.kind == ErrorKind::InUse => Answer::failed(
            physical,
            format!(
                "Routing profile {physical} is still assigned to users ({}). Assign those users another routing profile, then delete the stack or resource again.",
                e.detail
            ),
        ),
        Err(e) => Answer::failed(physical, reason(&e)),
    }
}

/// Creates the profile (or adopts the one an earlier delivery of this request made) and brings it
/// to `props`.
async fn provision(
    connect: &Connect,
    props: &Properties,
    owner: &Owner,
    progress: &Progress,
) -> Result<ProfileRef, String> {
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
        Err(e) => return Err(reason(&e)),
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
) -> Result<(ProfileRef, ProfileState), String> {
    let name = &props.profile.name;
    let taken = || {
        format!(
            "A routing profile named {name:?} already exists in instance {} and was not created by this resource ({}). Choose another Name, or delete or rename the existing profile.",
            props.instance_id, duplicate.detail
        )
    };
    progress.step("ListRoutingProfiles (name already taken)");
    let Some(existing) = connect
        .find_by_name(&props.instance_id, name)
        .await
        .map_err(|e| reason(&e))?
    else {
        return Err(taken());
    };
    progress.step("reading the existing routing profile");
    let live = connect.fetch(&existing).await.map_err(|e| reason(&e))?;
    if !owner.owns(&live.tags) {
        return Err(taken());
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
) -> Result<(), String> {
    let ops = plan::update(desired, current);
    let total = ops.len();
    for (i, op) in ops.iter().enumerate() {
        progress.step(format!("{} (change {} of {total})", op.api_name(), i + 1));
        tracing::info!(operation = op.api_name(), change = i + 1, total, "applying");
        connect.apply(profile, op).await.map_err(|e| {
            let done = if i == 0 {
                String::new()
            } else {
                format!(" after {i} of {total} changes were made; the next update or rollback completes them")
            };
            format!("{}{done}", reason(&e))
        })?;
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

fn reason(e: &ConnectError) -> String {
    format!("Amazon Connect {e}")
}
