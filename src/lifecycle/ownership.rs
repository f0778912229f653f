//! Whose a routing profile is, and what this resource may therefore do with it: the one home of
//! identity.
//!
//! - **The marker**: three tags on every profile this function creates or adopts, naming the
//!   stack, the logical id and the request ([`Owner`]). The request tag says how the profile came
//!   to the resource: `<RequestId>` when that request created it, `adopted:<RequestId>` when it
//!   adopted it (`AdoptExisting`), so that a redelivery of the request, or the Delete after it
//!   failed, never mistakes a profile that existed before for one it made. Profiles of older
//!   versions carry the first two tags only.
//! - **Who made a profile** ([`Made`]), seen from one request: nobody (no marker), this request,
//!   an earlier request of this resource, or another resource.
//! - **The decisions**: what a Create does with a profile of its Name ([`claim`]), what a Delete
//!   or a cleanup does with a profile ([`disposal`]), and the PhysicalResourceIds that carry the
//!   outcome to the Delete CloudFormation sends next ([`PhysicalId`]).
//! - **The calls** that act on them: claiming a taken Name (resume or adopt), checking a profile
//!   before a write, and disposing of a profile (delete, release or leave), every time from a
//!   marker read just before.

use std::collections::BTreeMap;

use tokio::time::Instant;

use super::Progress;
use super::reads::{Found, fetch, find_marked, in_time, last_start, shown, standing, write};
use crate::arn;
use crate::connect::{Connect, ConnectError, ErrorKind, Reread, Standing, Write};
use crate::constraints::TAG_MAP;
use crate::event::ReplyTo;
use crate::failure::Failure;
use crate::model::{ProfileRef, ProfileState};
use crate::plan::Operation;
use crate::properties::Properties;

/// Tag key recording the CloudFormation stack a profile belongs to.
pub const OWNER_STACK_TAG: &str = "cfn-custom-resource:stack-id";
/// Tag key recording the logical resource ID a profile belongs to.
pub const OWNER_LOGICAL_ID_TAG: &str = "cfn-custom-resource:logical-id";
/// Tag key recording the request that created (`<RequestId>`) or adopted (`adopted:<RequestId>`)
/// a profile: a Create's, or a replacing Update's. Profiles of older versions lack it.
pub const OWNER_REQUEST_TAG: &str = "cfn-custom-resource:request-id";
/// Prefix of the tag keys this function reserves for itself.
pub const RESERVED_TAG_PREFIX: &str = "cfn-custom-resource:";
/// How many tags the ownership marker takes of a profile's [`crate::constraints::TAG_MAP`] limit.
pub const MARKER_TAGS: usize = 3;
/// The most tags of its own a profile may have to be adopted: the marker needs the rest.
pub const MAX_OWN_TAGS_TO_ADOPT: usize = TAG_MAP.max - MARKER_TAGS;
/// The marker's keys.
const MARKER_KEYS: [&str; MARKER_TAGS] = [OWNER_STACK_TAG, OWNER_LOGICAL_ID_TAG, OWNER_REQUEST_TAG];
/// How the request tag of an adopted profile starts.
const ADOPTED_PREFIX: &str = "adopted:";

/// What a failed Create's PhysicalResourceId starts with, when it does not know its profile.
const FAILED_CREATE_PREFIX: &str = "failed-create-";
/// What a Create's PhysicalResourceId starts with when it failed before calling Connect.
const NOT_CREATED_PREFIX: &str = "not-created-";
/// What a Create's PhysicalResourceId starts with when it failed while adopting a profile.
const FAILED_ADOPTION_PREFIX: &str = "failed-adoption-";
/// What separates the RequestId from the ARN in a failed adoption's id.
const ARN_SEPARATOR: &str = "-arn:";

/// A resource and one of its requests: whose marker a profile should carry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Owner {
    /// The CloudFormation StackId (an ARN).
    pub stack_id: String,
    /// The LogicalResourceId within that stack.
    pub logical_resource_id: String,
    /// The RequestId of the request at hand (a Create, or an Update that replaces).
    pub request_id: String,
}

/// How a profile came to its resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// The request created it: the resource's to delete.
    Created,
    /// It existed before and the request adopted it (`AdoptExisting`).
    Adopted,
}

impl Origin {
    /// What the request that took the profile on removes when it fails (a replacement's cleanup,
    /// the Delete of a failed Create): what it created, never what it adopted.
    pub fn undone_by(self) -> Disposal {
        match self {
            Origin::Created => Disposal::Delete,
            Origin::Adopted => Disposal::Release,
        }
    }
}

/// The marker of another resource, as far as its tags name one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OtherMarker {
    /// The stack it names, if the tag is there.
    pub stack_id: Option<String>,
    /// The logical id it names, if the tag is there.
    pub logical_id: Option<String>,
}

/// Who made a profile, seen from one [`Owner`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Made {
    /// Nobody this function knows: no marker (the Connect console, another tool, or released).
    ByNobody,
    /// This very request: an earlier delivery or attempt of it.
    ByThisRequest(Origin),
    /// This resource, in another request; `None` for the two-tag marker of older versions.
    ByEarlierRequest(Option<String>),
    /// Another resource: another stack, or another logical id of this one.
    ByOtherResource(OtherMarker),
}

impl Made {
    /// Whether the profile is this resource's, whichever of its requests marked it.
    pub fn is_this_resources(&self) -> bool {
        matches!(self, Made::ByThisRequest(_) | Made::ByEarlierRequest(_))
    }

    /// The other resource's marker, or `None` when there is no marker: what a refusal names.
    /// Only meaningful when the profile is not this resource's.
    pub fn holder(&self) -> Option<OtherMarker> {
        match self {
            Made::ByOtherResource(other) => Some(other.clone()),
            _ => None,
        }
    }
}

impl Owner {
    /// The resource and request `reply_to` names.
    pub fn of(reply_to: &ReplyTo) -> Owner {
        Owner {
            stack_id: reply_to.stack_id.clone(),
            logical_resource_id: reply_to.logical_resource_id.clone(),
            request_id: reply_to.request_id.clone(),
        }
    }

    /// The same resource, seen from another of its requests.
    pub fn at_request(&self, request_id: &str) -> Owner {
        Owner {
            request_id: request_id.to_string(),
            ..self.clone()
        }
    }

    /// The value of [`OWNER_REQUEST_TAG`] this request puts on a profile it created or adopted.
    pub fn request_tag(&self, origin: Origin) -> String {
        match origin {
            Origin::Created => self.request_id.clone(),
            Origin::Adopted => format!("{ADOPTED_PREFIX}{}", self.request_id),
        }
    }

    /// The marker this request puts on a profile it created or adopted.
    pub fn tags(&self, origin: Origin) -> [(String, String); MARKER_TAGS] {
        let request = self.request_tag(origin);
        [
            (OWNER_STACK_TAG.to_string(), self.stack_id.clone()),
            (
                OWNER_LOGICAL_ID_TAG.to_string(),
                self.logical_resource_id.clone(),
            ),
            (OWNER_REQUEST_TAG.to_string(), request),
        ]
    }

    /// Who made the profile that carries `tags`.
    pub fn made(&self, tags: &BTreeMap<String, String>) -> Made {
        let (stack, logical) = (tags.get(OWNER_STACK_TAG), tags.get(OWNER_LOGICAL_ID_TAG));
        let request = tags.get(OWNER_REQUEST_TAG);
        if stack.is_none() && logical.is_none() && request.is_none() {
            return Made::ByNobody;
        }
        if stack != Some(&self.stack_id) || logical != Some(&self.logical_resource_id) {
            return Made::ByOtherResource(OtherMarker {
                stack_id: stack.cloned(),
                logical_id: logical.cloned(),
            });
        }
        let Some(request) = request else {
            return Made::ByEarlierRequest(None);
        };
        let (origin, id) = match request.strip_prefix(ADOPTED_PREFIX) {
            Some(id) => (Origin::Adopted, id),
            None => (Origin::Created, request.as_str()),
        };
        if id == self.request_id {
            Made::ByThisRequest(origin)
        } else {
            Made::ByEarlierRequest(Some(id.to_string()))
        }
    }
}

/// The marker tags among `tags`, as they are: an in-place update keeps them untouched.
pub fn marker_of(tags: &BTreeMap<String, String>) -> impl Iterator<Item = (String, String)> + '_ {
    tags.iter()
        .filter(|(k, _)| k.starts_with(RESERVED_TAG_PREFIX))
        .map(|(k, v)| (k.clone(), v.clone()))
}

/// How many of `tags` are a profile's own, the marker's keys left out (marking replaces those).
pub fn own_tags(tags: &BTreeMap<String, String>) -> usize {
    tags.keys()
        .filter(|k| !MARKER_KEYS.contains(&k.as_str()))
        .count()
}

/// What a Create does with the profile that holds its Name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Claim {
    /// This request created it (its answer was lost, or this is a redelivery): carry on with it.
    Resume,
    /// Adopt it: mark it, then converge it to the template.
    Adopt,
    /// Leave it untouched and fail.
    Refuse,
}

/// What a Create with `adopt_existing` does with a profile of its Name that `made` says who made.
/// A profile of another resource is never taken; one this request adopted is adopted still (a
/// redelivery of the same event, so of the same `AdoptExisting`).
pub fn claim(made: &Made, adopt_existing: bool) -> Claim {
    match made {
        Made::ByThisRequest(Origin::Created) => Claim::Resume,
        Made::ByThisRequest(Origin::Adopted) => Claim::Adopt,
        Made::ByNobody | Made::ByEarlierRequest(_) if adopt_existing => Claim::Adopt,
        Made::ByNobody | Made::ByEarlierRequest(_) | Made::ByOtherResource(_) => Claim::Refuse,
    }
}

/// Which profiles a Delete or a cleanup may remove.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// The resource's own, whichever request marked it: the Delete of an ARN.
    Resource,
    /// Only what one request took on, as its marker says: the profile it created is deleted, the
    /// one it adopted released (the Delete of a failed Create, a replacement's cleanup). A marker
    /// of any other request, this resource's included, is left alone: another request has the
    /// profile now.
    Request,
    /// A profile one request set out to adopt and failed (`failed-adoption-`): released while it
    /// carries that request's `adopted:` marker, never deleted, and otherwise left alone.
    Adoption,
}

/// What becomes of a profile when its resource goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Disposal {
    /// DeleteRoutingProfile.
    Delete,
    /// Remove the marker, keep the profile: it existed before, or it is the instance's default.
    Release,
    /// Touch nothing: it is not this resource's (or not this request's).
    Leave,
}

/// What a Delete in `scope` does with a profile that `made` says who made; `is_default`: the
/// instance's default profile, which Connect never deletes.
pub fn disposal(made: &Made, is_default: bool, scope: Scope) -> Disposal {
    let remove = match (scope, made) {
        (Scope::Resource, made) if made.is_this_resources() => Disposal::Delete,
        (Scope::Request, Made::ByThisRequest(origin)) => origin.undone_by(),
        (Scope::Adoption, Made::ByThisRequest(Origin::Adopted)) => Disposal::Release,
        _ => Disposal::Leave,
    };
    match remove {
        Disposal::Delete if is_default => Disposal::Release,
        other => other,
    }
}

/// What a PhysicalResourceId says, to a Delete or an Update.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PhysicalId {
    /// A routing profile ARN: the resource's profile, created or adopted.
    Profile(ProfileRef),
    /// A Create that sent CreateRoutingProfile and failed without knowing of a profile: the
    /// RequestId whose marker the profile it may have made carries.
    FailedCreate(String),
    /// A Create that failed while adopting `profile`: its RequestId, whose `adopted:` marker the
    /// profile carries while that adoption still holds it.
    FailedAdoption {
        /// The adopting Create's RequestId.
        request_id: String,
        /// The profile it was adopting.
        profile: ProfileRef,
    },
    /// Anything else: a Create that failed before calling Connect (`not-created-`), or an id
    /// this function never gave (`failed-adoption-<ARN>` without a RequestId included: no
    /// released version answered that form).
    Nothing,
}

impl PhysicalId {
    /// Reads an id this function answered (or anything else).
    pub fn parse(physical: &str) -> PhysicalId {
        if let Some(profile) = arn::routing_profile(physical) {
            PhysicalId::Profile(profile)
        } else if let Some(request_id) = physical.strip_prefix(FAILED_CREATE_PREFIX) {
            PhysicalId::FailedCreate(request_id.to_string())
        } else if let Some((request_id, profile)) = physical
            .strip_prefix(FAILED_ADOPTION_PREFIX)
            .and_then(split_failed_adoption)
        {
            PhysicalId::FailedAdoption {
                request_id,
                profile,
            }
        } else {
            PhysicalId::Nothing
        }
    }
}

/// `<RequestId>-<ARN>` split in two. Only one `-arn:` in it can be followed by a whole
/// routing-profile ARN, whatever the RequestId holds: after any earlier one, the rest also holds
/// the ARN's own colons or slashes, and so has too many fields or segments to be one; after one
/// inside the ARN, too few. `None` without a RequestId or an ARN.
fn split_failed_adoption(id: &str) -> Option<(String, ProfileRef)> {
    id.match_indices(ARN_SEPARATOR).find_map(|(at, _)| {
        let request_id = &id[..at];
        let profile = arn::routing_profile(&id[at + 1..])?;
        (!request_id.is_empty()).then(|| (request_id.to_string(), profile))
    })
}

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
    format!("{NOT_CREATED_PREFIX}{request_id}")
}

/// The PhysicalResourceId of the Create `request_id` that failed while adopting the profile
/// `arn`: not the ARN itself, whose Delete would delete the profile, but one whose Delete releases
/// it only while it carries this request's `adopted:` marker (a later adoption of it, after an
/// Update or another Create, is left alone). With CloudFormation's RequestIds (36 characters) and
/// Connect's ARNs (at most about 300), it stays far below the 1 KB a PhysicalResourceId may have.
pub fn failed_adoption_id(request_id: &str, arn: &str) -> String {
    format!("{FAILED_ADOPTION_PREFIX}{request_id}-{arn}")
}

/// A profile this request has taken on, and how.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claimed {
    /// The profile.
    pub profile: ProfileRef,
    /// Created by this request, or adopted.
    pub origin: Origin,
}

/// The PhysicalResourceId of a failed Create: the profile it created (its Delete deletes it), the
/// profile it was adopting (its Delete releases it), its request when it sent CreateRoutingProfile
/// without learning of a profile (its Delete looks for one with this request's marker), or that
/// it never called Connect.
pub fn failed_create_answer(
    claimed: Option<Claimed>,
    create_sent: bool,
    request_id: &str,
) -> String {
    match claimed {
        Some(Claimed {
            profile,
            origin: Origin::Created,
        }) => profile.arn,
        Some(Claimed {
            profile,
            origin: Origin::Adopted,
        }) => failed_adoption_id(request_id, &profile.arn),
        None if create_sent => failed_create_id(request_id),
        None => not_created_id(request_id),
    }
}

/// After CreateRoutingProfile answered DuplicateResourceException: the profile that holds the Name,
/// resumed (this request made it), adopted (`AdoptExisting`, no marker or an earlier request's of
/// this resource), or refused and left untouched, as `props` (its InstanceId, Name and
/// `AdoptExisting`) say. Returns it with its live state, marked.
pub(super) async fn claim_name(
    connect: &Connect,
    props: &Properties,
    owner: &Owner,
    progress: &Progress,
    deadline: Instant,
    duplicate: ConnectError,
) -> Result<(Claimed, ProfileState), Failure> {
    let (instance_id, name) = (props.instance_id.as_str(), props.profile.name.as_str());
    progress.step("ListRoutingProfiles (name already taken)");
    // Connect says the Name is taken: a search that does not show it yet is read again. So is one
    // that shows a profile this Create would refuse, when an earlier attempt of this Create may
    // have made the profile (its answer lost): the search may still show a profile of that Name
    // deleted moments ago, while this request's own is not listed yet. Without a lost answer, the
    // Name was taken when Connect refused it, and the profile the search shows is the answer.
    let lost_answer = duplicate.maybe_carried_out;
    let refused = |standing: &Standing| {
        lost_answer && claim(&owner.made(&standing.tags), props.adopt_existing) == Claim::Refuse
    };
    let found = match find_marked(connect, instance_id, name, deadline, refused).await {
        Reread::Answer(found) => found?,
        // Out of time while the search still shows a profile this Create refuses: that refusal is
        // what can be told.
        Reread::OutOfTime(Ok(found @ Found::Marked(..))) => found,
        Reread::OutOfTime(_) => {
            return Err(Failure::NotShownYet {
                step: progress.current(),
            });
        }
    };
    let Found::Marked(existing, standing) = found else {
        return Err(Failure::NameTaken {
            name: name.to_string(),
            instance_id: instance_id.to_string(),
            duplicate,
        });
    };
    let tags = standing.tags;
    let made = owner.made(&tags);
    let origin = match claim(&made, props.adopt_existing) {
        Claim::Resume => Origin::Created,
        Claim::Adopt => Origin::Adopted,
        Claim::Refuse => {
            tracing::warn!(arn = %existing.arn, ?made, "the name is taken by a profile this resource may not take");
            return Err(refusal(name, existing, made));
        }
    };
    if origin == Origin::Adopted && own_tags(&tags) > MAX_OWN_TAGS_TO_ADOPT {
        // TagResource would be refused for the limit; nothing is written.
        tracing::warn!(arn = %existing.arn, tags = own_tags(&tags), "too many tags of its own to take the marker");
        return Err(Failure::TooManyTagsToAdopt {
            arn: existing.arn,
            own: own_tags(&tags),
        });
    }
    let claimed = Claimed {
        profile: existing,
        origin,
    };
    progress.claimed(&claimed);
    let live = match origin {
        Origin::Created => {
            tracing::info!(arn = %claimed.profile.arn, "resuming the profile an earlier attempt of this request created");
            connect.created_unanswered(&claimed.profile);
            progress.step("reading the existing routing profile");
            // Read again while not found: Connect may not show the profile that Create made yet.
            fetch(connect, &claimed.profile, progress, deadline, |_| false).await??
        }
        Origin::Adopted => {
            tracing::info!(arn = %claimed.profile.arn, ?made, "adopting the existing routing profile");
            adopt(connect, &claimed.profile, owner, progress, deadline).await?
        }
    };
    Ok((claimed, live))
}

/// The failure of a Create refused the profile that holds its Name.
fn refusal(name: &str, existing: ProfileRef, made: Made) -> Failure {
    match made {
        Made::ByEarlierRequest(request_id) => Failure::NameTakenByEarlierRequest {
            name: name.to_string(),
            instance_id: existing.instance_id,
            arn: existing.arn,
            request_id,
        },
        made => Failure::NameTakenByOthers {
            name: name.to_string(),
            instance_id: existing.instance_id,
            arn: existing.arn,
            holder: made.holder(),
        },
    }
}

/// Marks `profile` as adopted by this request, first (every other write needs the marker), then
/// reads it back until the read shows that TagResource or a later one: a marker of another resource
/// there means another resource adopted it at the same time, and this one backs off. The live
/// state returned carries this request's marker even when no read showed it within the window.
async fn adopt(
    connect: &Connect,
    profile: &ProfileRef,
    owner: &Owner,
    progress: &Progress,
    deadline: Instant,
) -> Result<ProfileState, Failure> {
    let marker = owner.tags(Origin::Adopted);
    progress.step("TagResource (marking the adopted profile)");
    let tag = Operation::Tag {
        tags: marker.iter().cloned().collect(),
    };
    let tagged = write(connect, profile, Write::Planned(&tag), last_start(deadline)).await;
    in_time(tagged, progress)??;
    progress.step("reading the adopted routing profile");
    let missed = |live: &ProfileState| predates_adoption(&owner.made(&live.tags));
    let mut live = fetch(connect, profile, progress, deadline, missed).await??;
    not_adopted_elsewhere(owner, profile, &live.tags, false)?;
    live.tags.extend(marker);
    Ok(live)
}

/// After an adopted profile was converged: reads its marker once more, and fails when another
/// resource's is on it (it adopted the profile while this request converged it). That narrows the
/// race between two resources adopting one profile; it cannot close it, since the other may mark
/// the profile after this read.
pub(super) async fn confirm_adoption(
    connect: &Connect,
    profile: &ProfileRef,
    owner: &Owner,
    progress: &Progress,
    deadline: Instant,
) -> Result<(), Failure> {
    progress.step("reading the adopted routing profile's marker again");
    let tags = standing(connect, profile, progress, deadline, |read| {
        predates_adoption(&owner.made(&read.tags))
    })
    .await??
    .tags;
    not_adopted_elsewhere(owner, profile, &tags, true)
}

/// Whether a read of a profile this request has marked as adopted shows the profile from before
/// that TagResource: neither this request's marker nor another resource's (which would be a later
/// TagResource, or a stale one: either way another resource adopted it at the same time).
fn predates_adoption(made: &Made) -> bool {
    !matches!(made, Made::ByThisRequest(_) | Made::ByOtherResource(_))
}

/// Fails when `tags` carry another resource's marker: it adopted `profile` at the same time,
/// before (`converged` false) or while this request converged it.
fn not_adopted_elsewhere(
    owner: &Owner,
    profile: &ProfileRef,
    tags: &BTreeMap<String, String>,
    converged: bool,
) -> Result<(), Failure> {
    match owner.made(tags) {
        Made::ByOtherResource(holder) => {
            tracing::warn!(arn = %profile.arn, ?holder, converged, "another resource marked the profile at the same time; backing off");
            Err(Failure::AdoptedElsewhere {
                arn: profile.arn.clone(),
                holder,
                converged,
            })
        }
        _ => Ok(()),
    }
}

/// Fails a write to a profile whose marker (`tags`) does not name this resource, before any write.
pub(super) fn ensure_owned(
    owner: &Owner,
    profile: &ProfileRef,
    tags: &BTreeMap<String, String>,
) -> Result<(), Failure> {
    let made = owner.made(tags);
    if made.is_this_resources() {
        return Ok(());
    }
    tracing::warn!(arn = %profile.arn, ?made, "refusing to update a routing profile this resource does not own");
    Err(Failure::NotOwned {
        arn: profile.arn.clone(),
        holder: made.holder(),
    })
}

/// Before an Update in place: the live profile, when it is this resource's; `None` when it is gone
/// (deleted outside CloudFormation: the Update makes it again). Not found or without a marker is
/// read again first: a profile created or adopted moments ago by another invocation (the Create
/// right before, say) may not show yet, and making it again would make a second profile of its
/// Name.
pub(super) async fn read_own(
    connect: &Connect,
    owner: &Owner,
    profile: &ProfileRef,
    progress: &Progress,
    deadline: Instant,
) -> Result<Option<ProfileState>, Failure> {
    progress.step("reading the live routing profile");
    let missed = |live: &ProfileState| owner.made(&live.tags) == Made::ByNobody;
    match fetch(connect, profile, progress, deadline, missed).await? {
        Ok(live) => {
            ensure_owned(owner, profile, &live.tags)?;
            Ok(Some(live))
        }
        Err(e) if e.kind == ErrorKind::NotFound => {
            tracing::warn!(error = %e, "routing profile no longer exists");
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

/// Before a replacement, which writes nothing to the old profile: reads its marker and fails unless
/// the profile is this resource's, or gone. Not found or without a marker is read again first:
/// another invocation may have created or adopted it moments ago.
pub(super) async fn ensure_replaceable(
    connect: &Connect,
    owner: &Owner,
    profile: &ProfileRef,
    progress: &Progress,
    deadline: Instant,
) -> Result<(), Failure> {
    progress.step("reading the routing profile's marker");
    let read = standing(connect, profile, progress, deadline, |standing| {
        owner.made(&standing.tags) == Made::ByNobody
    });
    match read.await? {
        Ok(standing) => ensure_owned(owner, profile, &standing.tags),
        Err(e) if e.kind == ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// What a disposal did.
#[derive(Clone, Debug)]
pub enum Disposed {
    /// The profile was deleted.
    Deleted,
    /// Its marker was removed; the profile stays.
    Released,
    /// Its marker was to be removed, and Connect refused: the profile stays, still marked (logged
    /// at error level, with the tags left).
    MarkerKept(ConnectError),
    /// It is not this resource's (or this request's): left untouched (logged).
    Left,
    /// There is no such profile (any more).
    Gone,
}

/// What a Delete or a cleanup in `scope` does with `profile`: reads its marker, then deletes it,
/// releases it, or leaves it, as [`disposal`] decides for `owner` (the request the scope is about
/// for [`Scope::Request`]). Every path that deletes or releases a profile comes through here, so
/// none acts on a marker it did not just read. A release Connect refuses is not an error: the
/// profile is kept either way, and a stack's deletion or rollback must not fail on a tag.
pub(super) async fn dispose(
    connect: &Connect,
    profile: &ProfileRef,
    owner: &Owner,
    scope: Scope,
    progress: &Progress,
    deadline: Instant,
) -> Result<Disposed, Failure> {
    progress.step("reading the routing profile's marker");
    let read = standing(connect, profile, progress, deadline, |standing| {
        may_miss_marker(&owner.made(&standing.tags), scope)
    });
    let standing = match read.await? {
        Ok(standing) => standing,
        Err(e) if e.kind == ErrorKind::NotFound => {
            tracing::info!(arn = %profile.arn, "routing profile already gone");
            return Ok(Disposed::Gone);
        }
        Err(e) => return Err(e.into()),
    };
    act(
        connect, profile, owner, scope, &standing, progress, deadline,
    )
    .await
}

/// What [`dispose`] does once it has read the profile's marker (`standing`).
async fn act(
    connect: &Connect,
    profile: &ProfileRef,
    owner: &Owner,
    scope: Scope,
    standing: &Standing,
    progress: &Progress,
    deadline: Instant,
) -> Result<Disposed, Failure> {
    let made = owner.made(&standing.tags);
    match disposal(&made, standing.is_default, scope) {
        Disposal::Delete => delete(connect, profile, progress, deadline).await,
        Disposal::Release => {
            tracing::info!(arn = %profile.arn, is_default = standing.is_default, "releasing the routing profile: removing the marker, keeping the profile");
            Ok(release(connect, profile, &standing.tags, progress, deadline).await)
        }
        Disposal::Leave => {
            let holder = made.holder();
            let why = match &made {
                Made::ByOtherResource(_) => "it carries another resource's marker",
                Made::ByNobody => "it carries no ownership marker",
                _ => "it carries the marker of another request of this resource",
            };
            tracing::warn!(
                arn = %profile.arn,
                why,
                marker_stack_id = holder.as_ref().and_then(|h| h.stack_id.as_deref()),
                marker_logical_id = holder.as_ref().and_then(|h| h.logical_id.as_deref()),
                marker_request_id = standing.tags.get(OWNER_REQUEST_TAG).map(String::as_str),
                "left the routing profile untouched"
            );
            Ok(Disposed::Left)
        }
    }
}

/// Undoes what the request `owner` names did to `profile`, as its marker says now: deletes it when
/// that request created it, releases it when it adopted it, and leaves it when another request or
/// resource holds it since.
pub(super) async fn undo(
    connect: &Connect,
    profile: &ProfileRef,
    owner: &Owner,
    progress: &Progress,
    deadline: Instant,
) -> Result<Disposed, Failure> {
    dispose(connect, profile, owner, Scope::Request, progress, deadline).await
}

/// [`undo`] for a request that may have made a profile without learning of it (its
/// CreateRoutingProfile got no answer): finds the profile of `name` in the instance first, reading
/// again while the search shows none, or one whose marker may predate that request's (that Create
/// may have been carried out moments ago, and the search may still show a profile of the Name
/// deleted moments ago).
pub(super) async fn undo_by_name(
    connect: &Connect,
    instance_id: &str,
    name: &str,
    owner: &Owner,
    progress: &Progress,
    deadline: Instant,
) -> Result<Disposed, Failure> {
    progress.step("looking for a profile the request made");
    let missed = |standing: &Standing| may_miss_marker(&owner.made(&standing.tags), Scope::Request);
    match in_time(
        find_marked(connect, instance_id, name, deadline, missed).await,
        progress,
    )? {
        Ok(Found::Marked(profile, standing)) => {
            let scope = Scope::Request;
            act(
                connect, &profile, owner, scope, &standing, progress, deadline,
            )
            .await
        }
        Ok(Found::Nothing) => Ok(Disposed::Gone),
        Err(e) if e.kind == ErrorKind::NotFound => Ok(Disposed::Gone),
        Err(e) => Err(e.into()),
    }
}

/// Whether a Delete in `scope` that read `made` may have read the profile from before a marker
/// written moments ago that would make it act: this resource's adoption (no marker shown yet), or,
/// for a request's scopes, that request's adoption of a profile an earlier request of this
/// resource held. A read that lets it act, or that shows another resource's marker, is taken as it
/// is.
fn may_miss_marker(made: &Made, scope: Scope) -> bool {
    match scope {
        Scope::Resource => *made == Made::ByNobody,
        Scope::Request | Scope::Adoption => {
            matches!(made, Made::ByNobody | Made::ByEarlierRequest(_))
        }
    }
}

/// Removes the marker from `profile` (whose tags were `tags`), leaving the profile as it is
/// otherwise. Connect refusing is logged at error level with the tags left, and told in the result.
async fn release(
    connect: &Connect,
    profile: &ProfileRef,
    tags: &BTreeMap<String, String>,
    progress: &Progress,
    deadline: Instant,
) -> Disposed {
    progress.step("UntagResource (releasing the profile)");
    let keys = MARKER_KEYS.iter().map(|k| k.to_string()).collect();
    let untag = Operation::Untag { keys };
    // Refused to the last, in time or not, the profile keeps its marker: no reason to fail.
    let until = last_start(deadline);
    match write(connect, profile, Write::Planned(&untag), until)
        .await
        .last()
    {
        Ok(()) => {
            // Until reads show it released: a request after this one must not find the marker.
            shown(connect, profile, &[untag], None, progress, deadline).await;
            Disposed::Released
        }
        Err(e) if e.kind == ErrorKind::NotFound => Disposed::Gone,
        Err(error) => {
            let left: Vec<String> = tags
                .iter()
                .filter(|(k, _)| MARKER_KEYS.contains(&k.as_str()))
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            tracing::error!(
                arn = %profile.arn,
                %error,
                tags_left = %left.join(", "),
                "could not remove the ownership marker; the profile is kept, with the marker: remove its cfn-custom-resource: tags by hand"
            );
            Disposed::MarkerKept(error)
        }
    }
}

/// DeleteRoutingProfile; a profile already gone is fine.
async fn delete(
    connect: &Connect,
    profile: &ProfileRef,
    progress: &Progress,
    deadline: Instant,
) -> Result<Disposed, Failure> {
    progress.step("DeleteRoutingProfile");
    let deleted = write(connect, profile, Write::Delete, last_start(deadline)).await;
    match in_time(deleted, progress)? {
        Ok(()) => Ok(Disposed::Deleted),
        Err(e) if e.kind == ErrorKind::NotFound => {
            tracing::info!("routing profile already gone");
            Ok(Disposed::Gone)
        }
        Err(e) if e.kind == ErrorKind::InUse => Err(Failure::InUse {
            arn: profile.arn.clone(),
            in_use: e,
        }),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owner(request: &str) -> Owner {
        Owner {
            stack_id: "arn:aws:cloudformation:us-east-1:123456789012:stack/s/1".into(),
            logical_resource_id: "Profile".into(),
            request_id: request.into(),
        }
    }

    fn tags(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn marker(owner: &Owner, origin: Origin) -> BTreeMap<String, String> {
        owner.tags(origin).into_iter().collect()
    }

    #[test]
    fn the_marker_is_as_many_reserved_tags_as_it_says() {
        for origin in [Origin::Created, Origin::Adopted] {
            let tags = marker(&owner("r-1"), origin);
            assert_eq!(tags.len(), MARKER_TAGS);
            assert!(tags.keys().all(|k| k.starts_with(RESERVED_TAG_PREFIX)));
            assert!(tags.keys().all(|k| MARKER_KEYS.contains(&k.as_str())));
            assert_eq!(marker_of(&tags).count(), MARKER_TAGS);
        }
        assert_eq!(
            marker(&owner("r-1"), Origin::Adopted).get(OWNER_REQUEST_TAG),
            Some(&"adopted:r-1".to_string())
        );
    }

    #[test]
    fn the_marker_tells_this_request_from_earlier_ones_from_others_and_from_none() {
        let created = marker(&owner("r-1"), Origin::Created);
        let adopted = marker(&owner("r-1"), Origin::Adopted);
        assert_eq!(
            owner("r-1").made(&created),
            Made::ByThisRequest(Origin::Created)
        );
        assert_eq!(
            owner("r-1").made(&adopted),
            Made::ByThisRequest(Origin::Adopted)
        );
        for earlier in [&created, &adopted] {
            assert_eq!(
                owner("r-2").made(earlier),
                Made::ByEarlierRequest(Some("r-1".into()))
            );
        }
        let mut two_tags = created.clone();
        two_tags.remove(OWNER_REQUEST_TAG);
        assert_eq!(owner("r-2").made(&two_tags), Made::ByEarlierRequest(None));

        let mut other_stack = created.clone();
        other_stack.insert(OWNER_STACK_TAG.into(), "arn:stack/t/1".into());
        assert_eq!(
            owner("r-1").made(&other_stack),
            Made::ByOtherResource(OtherMarker {
                stack_id: Some("arn:stack/t/1".into()),
                logical_id: Some("Profile".into()),
            })
        );
        let mut other_logical_id = created.clone();
        other_logical_id.insert(OWNER_LOGICAL_ID_TAG.into(), "Other".into());
        assert!(matches!(
            owner("r-1").made(&other_logical_id),
            Made::ByOtherResource(OtherMarker { logical_id: Some(l), .. }) if l == "Other"
        ));
        // A marker with a tag missing is someone else's, as far as it names anyone.
        let only_request = tags(&[(OWNER_REQUEST_TAG, "r-1")]);
        assert_eq!(
            owner("r-1").made(&only_request),
            Made::ByOtherResource(OtherMarker {
                stack_id: None,
                logical_id: None
            })
        );
        // Tags of its own, even under the reserved prefix, are no marker.
        let console = tags(&[("made-in", "console"), ("cfn-custom-resource:x", "y")]);
        assert_eq!(owner("r-1").made(&console), Made::ByNobody);
        assert_eq!(owner("r-1").made(&BTreeMap::new()), Made::ByNobody);
    }

    #[test]
    fn only_this_resources_profiles_are_its_own_and_only_others_have_a_holder() {
        let others = Made::ByOtherResource(OtherMarker {
            stack_id: Some("s".into()),
            logical_id: None,
        });
        assert!(Made::ByThisRequest(Origin::Adopted).is_this_resources());
        assert!(Made::ByEarlierRequest(None).is_this_resources());
        assert!(!Made::ByNobody.is_this_resources());
        assert!(!others.is_this_resources());
        assert_eq!(Made::ByNobody.holder(), None);
        assert!(others.holder().is_some());
    }

    #[test]
    fn a_create_resumes_its_own_adopts_on_request_and_never_takes_anothers() {
        let other = Made::ByOtherResource(OtherMarker {
            stack_id: None,
            logical_id: None,
        });
        let cases = [
            (
                Made::ByThisRequest(Origin::Created),
                Claim::Resume,
                Claim::Resume,
            ),
            (
                Made::ByThisRequest(Origin::Adopted),
                Claim::Adopt,
                Claim::Adopt,
            ),
            (Made::ByNobody, Claim::Refuse, Claim::Adopt),
            (Made::ByEarlierRequest(None), Claim::Refuse, Claim::Adopt),
            (
                Made::ByEarlierRequest(Some("r-0".into())),
                Claim::Refuse,
                Claim::Adopt,
            ),
            (other, Claim::Refuse, Claim::Refuse),
        ];
        for (made, without, with) in cases {
            assert_eq!(
                claim(&made, false),
                without,
                "{made:?} without AdoptExisting"
            );
            assert_eq!(claim(&made, true), with, "{made:?} with AdoptExisting");
        }
    }

    /// Who made a profile, one of each kind, in the order the disposal tables list them.
    fn every_made() -> [Made; 6] {
        [
            Made::ByNobody,
            Made::ByThisRequest(Origin::Created),
            Made::ByThisRequest(Origin::Adopted),
            Made::ByEarlierRequest(Some("r-0".into())),
            Made::ByEarlierRequest(None),
            Made::ByOtherResource(OtherMarker {
                stack_id: Some("s".into()),
                logical_id: Some("l".into()),
            }),
        ]
    }

    #[test]
    fn a_delete_removes_only_its_own_never_the_default_and_a_request_only_what_it_did() {
        use Disposal::*;
        let made = every_made();
        // Per scope: what each of `made` gets, not default and default. A request's scopes leave
        // a profile another request of the resource holds since (adopted again by an Update, say),
        // and a failed adoption's never deletes.
        let expected = [
            (
                Scope::Resource,
                [Leave, Delete, Delete, Delete, Delete, Leave],
                [Leave, Release, Release, Release, Release, Leave],
            ),
            (
                Scope::Request,
                [Leave, Delete, Release, Leave, Leave, Leave],
                [Leave, Release, Release, Leave, Leave, Leave],
            ),
            (
                Scope::Adoption,
                [Leave, Leave, Release, Leave, Leave, Leave],
                [Leave, Leave, Release, Leave, Leave, Leave],
            ),
        ];
        for (scope, plain, default) in expected {
            for (i, made) in made.iter().enumerate() {
                assert_eq!(disposal(made, false, scope), plain[i], "{scope:?} {made:?}");
                assert_eq!(
                    disposal(made, true, scope),
                    default[i],
                    "{scope:?} {made:?} default"
                );
            }
        }
    }

    #[test]
    fn a_delete_reads_again_only_a_marker_that_may_not_show_yet() {
        let made = every_made();
        // Per scope, for each of `made`: whether the read is read again. What lets the Delete act
        // is not; nor is another resource's marker.
        let expected = [
            (Scope::Resource, [true, false, false, false, false, false]),
            (Scope::Request, [true, false, false, true, true, false]),
            (Scope::Adoption, [true, false, false, true, true, false]),
        ];
        for (scope, again) in expected {
            for (made, again) in made.iter().zip(again) {
                assert_eq!(may_miss_marker(made, scope), again, "{scope:?} {made:?}");
                if again {
                    assert_eq!(
                        disposal(made, false, scope),
                        Disposal::Leave,
                        "only a read that would leave the profile is read again"
                    );
                }
            }
        }
    }

    #[test]
    fn an_adoption_reads_back_until_a_marker_shows() {
        let other = Made::ByOtherResource(OtherMarker {
            stack_id: None,
            logical_id: None,
        });
        assert!(predates_adoption(&Made::ByNobody));
        assert!(predates_adoption(&Made::ByEarlierRequest(Some(
            "r-0".into()
        ))));
        assert!(predates_adoption(&Made::ByEarlierRequest(None)));
        assert!(!predates_adoption(&Made::ByThisRequest(Origin::Adopted)));
        assert!(!predates_adoption(&other), "another adopted it too");
    }

    #[test]
    fn a_failed_request_deletes_what_it_created_and_releases_what_it_adopted() {
        assert_eq!(Origin::Created.undone_by(), Disposal::Delete);
        assert_eq!(Origin::Adopted.undone_by(), Disposal::Release);
    }

    #[test]
    fn physical_ids_read_back_as_what_they_were_given_for() {
        let arn = "arn:aws:connect:us-east-1:123456789012:instance/i-1/routing-profile/rp-1";
        let profile = arn::routing_profile(arn).expect("an ARN");
        assert_eq!(PhysicalId::parse(arn), PhysicalId::Profile(profile.clone()));
        assert_eq!(
            PhysicalId::parse(&failed_adoption_id("r-1", arn)),
            PhysicalId::FailedAdoption {
                request_id: "r-1".into(),
                profile: profile.clone()
            }
        );
        assert_eq!(
            PhysicalId::parse(&failed_create_id("r-1")),
            PhysicalId::FailedCreate("r-1".into())
        );
        for nothing in [
            not_created_id("r-1"),
            // The form without a RequestId was never released: not recognised, nothing done.
            format!("failed-adoption-{arn}"),
            format!("failed-adoption--{arn}"),
            "failed-adoption-r-1-not-an-arn".to_string(),
            "failed-adoption-not-an-arn".to_string(),
            "something else".to_string(),
            String::new(),
        ] {
            assert_eq!(
                PhysicalId::parse(&nothing),
                PhysicalId::Nothing,
                "{nothing}"
            );
        }

        let claimed = |origin| {
            Some(Claimed {
                profile: profile.clone(),
                origin,
            })
        };
        assert_eq!(
            failed_create_answer(claimed(Origin::Created), true, "r-1"),
            arn
        );
        assert_eq!(
            failed_create_answer(claimed(Origin::Adopted), true, "r-1"),
            failed_adoption_id("r-1", arn)
        );
        assert_eq!(failed_create_answer(None, true, "r-1"), "failed-create-r-1");
        assert_eq!(failed_create_answer(None, false, "r-1"), "not-created-r-1");
    }

    #[test]
    fn a_failed_adoption_id_splits_back_into_its_request_and_arn_whatever_either_holds() {
        let arns = [
            "arn:aws:connect:us-east-1:123456789012:instance/i-1/routing-profile/rp-1",
            // A partition or region ending in "-arn" puts the separator inside the ARN too.
            "arn:x-arn:connect:eu-arn:123456789012:instance/i-arn/routing-profile/rp-arn",
        ];
        let requests = [
            "8f3c2a71-5d4e-4b9a-a1c6-2e7f0d9b3c54",
            "r",
            "-",
            "a-arn:",
            "x-arn:aws:connect:r:1:instance/i/routing-profile/p",
            "x-arn:aws:connect:r:1:",
            "arn:aws:connect:us-east-1:123456789012:instance/i-1/routing-profile/rp-1",
        ];
        for arn in arns {
            let profile = arn::routing_profile(arn).expect("an ARN");
            for request_id in requests {
                assert_eq!(
                    PhysicalId::parse(&failed_adoption_id(request_id, arn)),
                    PhysicalId::FailedAdoption {
                        request_id: request_id.into(),
                        profile: profile.clone()
                    },
                    "{request_id} {arn}"
                );
            }
        }
    }

    #[test]
    fn a_failed_adoption_id_fits_a_physical_resource_id() {
        // The longest ARN Connect's IDs allow (100 characters each) in the longest partition and
        // Region, with a RequestId as CloudFormation makes them.
        let long = "x".repeat(100);
        let arn = format!(
            "arn:aws-iso-b:connect:us-isob-east-1:123456789012:instance/{long}/routing-profile/{long}"
        );
        let id = failed_adoption_id("8f3c2a71-5d4e-4b9a-a1c6-2e7f0d9b3c54", &arn);
        assert!(id.len() < 1024, "{}", id.len());
    }

    #[test]
    fn only_tags_outside_the_marker_count_against_an_adoption() {
        let mut tags = marker(&owner("r-1"), Origin::Adopted);
        assert_eq!(own_tags(&tags), 0);
        tags.insert("cfn-custom-resource:other".into(), "x".into());
        tags.insert("team".into(), "support".into());
        assert_eq!(own_tags(&tags), 2);
        assert_eq!(MAX_OWN_TAGS_TO_ADOPT, 47);
    }
}
