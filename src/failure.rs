//! Every way a request can fail, in the terms of the person who reads the stack's events. The
//! Reason CloudFormation shows is this type's `Display`, written here and nowhere else, so tests
//! match variants and the cfn-lint rules can reuse the same words.

use crate::connect::ConnectError;
use crate::constraints::TAG_MAP;
use crate::event::MalformedEvent;
use crate::lifecycle::ownership::{
    MARKER_TAGS, MAX_OWN_TAGS_TO_ADOPT, OWNER_REQUEST_TAG, Origin, OtherMarker, RESERVED_TAG_PREFIX,
};
use crate::properties::PropertyErrors;

/// Why a request was answered FAILED.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// The template's properties break a rule; no Connect call was made.
    #[error("Invalid properties: {0}")]
    InvalidProperties(#[from] PropertyErrors),

    /// Connect refused a call (or could not be reached) before anything was changed by it.
    #[error("Amazon Connect {0}")]
    Connect(#[from] ConnectError),

    /// A write failed after earlier writes of the same update had been made.
    #[error(
        "Amazon Connect {error} after {done} of {total} changes were made; the next update or rollback completes them"
    )]
    PartlyApplied {
        /// The call that failed.
        error: ConnectError,
        /// How many changes were made before it.
        done: usize,
        /// How many the update had.
        total: usize,
    },

    /// The Name is taken in the instance by a profile that ListRoutingProfiles does not show yet.
    #[error(
        "A routing profile named {name:?} already exists in instance {instance_id} ({}), but it is not listed yet, so whose it is cannot be told. It is not changed: retry, or choose another Name.",
        .duplicate.detail
    )]
    NameTaken {
        /// The Name asked for.
        name: String,
        /// The plain instance ID.
        instance_id: String,
        /// Connect's DuplicateResourceException.
        duplicate: ConnectError,
    },

    /// The Name is taken in the instance by a profile with no marker, or another resource's.
    #[error(
        "A routing profile named {name:?} already exists in instance {instance_id} ({arn}) and {}. It is not changed: {}",
        carries(holder.as_ref()),
        match holder {
            None => "set AdoptExisting: true to bring it under this resource, or choose another Name.",
            Some(_) => "choose another Name.",
        }
    )]
    NameTakenByOthers {
        /// The Name asked for.
        name: String,
        /// The plain instance ID.
        instance_id: String,
        /// The existing profile's ARN.
        arn: String,
        /// The other resource its marker names; `None` when it has no marker.
        holder: Option<OtherMarker>,
    },

    /// An Update (or a Delete's refusal, logged) named a profile this resource does not own.
    #[error(
        "Routing profile {arn} is not this resource's: it {}. Nothing was changed. Check the PhysicalResourceId{}",
        carries(holder.as_ref()),
        match holder {
            None => "; to manage an existing profile, create a resource for it with AdoptExisting: true.",
            Some(_) => ": the resource its marker names manages this profile.",
        }
    )]
    NotOwned {
        /// The profile's ARN.
        arn: String,
        /// The other resource its marker names; `None` when it has no marker.
        holder: Option<OtherMarker>,
    },

    /// Another resource adopted the profile while this request was adopting it: its marker
    /// replaced this request's, after the TagResource (`converged` false) or while the profile was
    /// being converged.
    #[error(
        "Routing profile {arn} was adopted by another resource at the same time: it now {}. {} The other resource's marker stays on it. A profile can be managed by one resource only: choose another Name, or remove one of the two resources (cfn-lint E9011 finds two in one template).",
        carries(Some(holder)),
        if *converged {
            "This request had already brought the profile to its template, which the other resource's next update overwrites."
        } else {
            "This request only marked it (TagResource), and the other resource's marker replaced that; nothing else was changed."
        }
    )]
    AdoptedElsewhere {
        /// The profile's ARN.
        arn: String,
        /// The other resource its marker names now.
        holder: OtherMarker,
        /// Whether this request had converged the profile before it saw the other marker.
        converged: bool,
    },

    /// A profile to adopt has so many tags of its own that the marker does not fit.
    #[error(
        "Routing profile {arn} has {own} tags of its own: Connect allows {} per profile and the ownership marker takes {MARKER_TAGS}, so a profile can be adopted with at most {MAX_OWN_TAGS_TO_ADOPT}. It is not changed: remove {} of its tags (in the Connect console, or with aws connect untag-resource), then retry.",
        TAG_MAP.max,
        own.saturating_sub(MAX_OWN_TAGS_TO_ADOPT)
    )]
    TooManyTagsToAdopt {
        /// The profile's ARN.
        arn: String,
        /// How many tags it has, the marker's keys left out.
        own: usize,
    },

    /// Delete refused: users are still assigned the profile.
    #[error(
        "Routing profile {arn} is still assigned to users ({}). Assign those users another routing profile, then delete the stack or resource again.",
        .in_use.detail
    )]
    InUse {
        /// The profile's ARN.
        arn: String,
        /// Connect's ResourceInUseException.
        in_use: ConnectError,
    },

    /// The Name is taken in the instance by a profile an earlier request of this same resource
    /// created or adopted: one left by `DeletionPolicy: Retain`, by a Delete that failed, or by a
    /// Create that failed and was not rolled back. Without `AdoptExisting` it is neither adopted
    /// nor touched.
    #[error(
        "A routing profile named {name:?} already exists in instance {instance_id} ({arn}) with the marker of an earlier request of this resource ({}), left behind by DeletionPolicy: Retain, by a Delete that failed, or by a Create or adoption that failed and was not rolled back. It is not changed: set AdoptExisting: true to adopt it, delete or rename it, or choose another Name.",
        .request_id.as_deref().map_or_else(|| "before request ids were recorded".to_string(), |id| format!("RequestId {id}"))
    )]
    NameTakenByEarlierRequest {
        /// The Name asked for.
        name: String,
        /// The plain instance ID.
        instance_id: String,
        /// The existing profile's ARN.
        arn: String,
        /// The request its marker names (`None` for the two-tag marker of older versions).
        request_id: Option<String>,
    },

    /// An Update's new Name is another profile's; the rename is the update's first write.
    #[error(
        "Cannot rename the routing profile to {name:?}: another routing profile in instance {instance_id} has that name ({}). Nothing was changed. Choose another Name, or rename the other profile.",
        .duplicate.detail
    )]
    NameTakenOnUpdate {
        /// The Name asked for.
        name: String,
        /// The plain instance ID.
        instance_id: String,
        /// Connect's DuplicateResourceException.
        duplicate: ConnectError,
    },

    /// Connect did not find a queue the call named.
    #[error(
        "{}{}",
        queue_not_found(queues, *certain, instance_id, error),
        changes_made(*done, *total)
    )]
    QueueNotFound {
        /// The queues Connect's message names, or, when it names none, every queue of the call.
        queues: Vec<String>,
        /// Whether Connect's message named them (else they are the candidates).
        certain: bool,
        /// The plain instance ID.
        instance_id: String,
        /// Connect's ResourceNotFoundException.
        error: ConnectError,
        /// How many changes were made before this call.
        done: usize,
        /// How many the update had.
        total: usize,
    },

    /// A replacement failed and the profile it had made could not be deleted again, or the one it
    /// had adopted could not be released.
    #[error(
        "{failure}. {} {left} could not be {} ({cause}); it carries the tag {OWNER_REQUEST_TAG}={marker}. {}",
        match origin { Origin::Created => "The new profile", Origin::Adopted => "The adopted profile" },
        match origin { Origin::Created => "removed", Origin::Adopted => "released" },
        match origin {
            Origin::Created => "Delete it by hand.".to_string(),
            Origin::Adopted => format!("Remove its {RESERVED_TAG_PREFIX} tags by hand."),
        }
    )]
    ReplacementLeftBehind {
        /// Why the replacement failed.
        failure: Box<Failure>,
        /// The profile left in the new instance: its ARN, or its name and instance when the
        /// Create's answer never came.
        left: String,
        /// Whether the replacement created it or adopted it.
        origin: Origin,
        /// The value of its request tag (this request's).
        marker: String,
        /// Why it could not be deleted or released.
        cause: String,
    },

    /// The deadline came first; the work was cancelled.
    #[error(
        "Ran out of time while {step} ({}). Retry the stack operation, or raise the function's Timeout.",
        .last_failure.as_deref().map_or_else(
            || "Amazon Connect too slow or throttling for longer than the function's timeout allows".to_string(),
            |last| format!("the last attempt: {last}")
        )
    )]
    OutOfTime {
        /// The step under way.
        step: String,
        /// Why the SDK's last attempt failed, when it did (its retries are otherwise unseen).
        last_failure: Option<String>,
    },

    /// The deadline came while a read was read again, for it did not show yet what was written
    /// moments ago (Connect's reads lag its writes): whether it is there could not be told in time.
    #[error(
        "Ran out of time while {step}: Amazon Connect did not show yet what was written moments ago (its reads lag its writes). Retry the stack operation, or raise the function's Timeout."
    )]
    NotShownYet {
        /// The step under way.
        step: String,
    },

    /// The work panicked: a bug.
    #[error(
        "Internal error while {step}: {message}. This is a bug in the routing-profile-resource function; retrying the stack operation may get past it."
    )]
    Internal {
        /// The step under way.
        step: String,
        /// The panic's message.
        message: String,
    },

    /// The event is not a custom-resource request (it said where to answer, though).
    #[error(transparent)]
    Malformed(#[from] MalformedEvent),
}

/// What a profile that is not this resource's carries, as the Reasons say it.
fn carries(holder: Option<&OtherMarker>) -> String {
    let named = |value: &Option<String>| value.clone().unwrap_or_else(|| "(none)".to_string());
    match holder {
        None => {
            "carries no ownership marker (it was made in the Connect console or by another tool)"
                .to_string()
        }
        Some(other) => format!(
            "carries the marker of another resource: stack {}, logical id {}",
            named(&other.stack_id),
            named(&other.logical_id)
        ),
    }
}

/// The first sentence of [`Failure::QueueNotFound`].
fn queue_not_found(
    queues: &[String],
    certain: bool,
    instance_id: &str,
    error: &ConnectError,
) -> String {
    let list = queues.join(", ");
    match (certain, queues.len()) {
        (true, 1) => format!(
            "Queue {list} was not found in instance {instance_id} ({error}). Every queue in DefaultOutboundQueueId, QueueConfigs and ManualAssignmentQueueConfigs must exist in that instance."
        ),
        (true, _) => format!(
            "Queues {list} were not found in instance {instance_id} ({error}). Every queue in DefaultOutboundQueueId, QueueConfigs and ManualAssignmentQueueConfigs must exist in that instance."
        ),
        (false, _) => format!(
            "A queue or the instance was not found ({error}). The call named instance {instance_id} and queues {list}; each must exist in that instance."
        ),
    }
}

/// What a failure after `done` of `total` changes adds to the Reason.
fn changes_made(done: usize, total: usize) -> String {
    if done == 0 {
        String::new()
    } else {
        format!(
            " {done} of {total} changes were made before it; the next update or rollback completes them."
        )
    }
}

impl Failure {
    /// A write that failed after `done` of `total` planned changes: partly applied, unless it was
    /// the first.
    pub fn during_changes(error: ConnectError, done: usize, total: usize) -> Self {
        if done == 0 {
            Failure::Connect(error)
        } else {
            Failure::PartlyApplied { error, done, total }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connect::ErrorKind;
    use crate::properties::PropertyError;

    fn connect_error(operation: &'static str, kind: ErrorKind, detail: &str) -> ConnectError {
        ConnectError {
            operation,
            kind,
            detail: detail.to_string(),
            maybe_carried_out: false,
        }
    }

    fn throttled() -> ConnectError {
        connect_error(
            "UpdateRoutingProfileQueues",
            ErrorKind::Other,
            "ThrottlingException: Rate exceeded",
        )
    }

    // The Reasons as CloudFormation shows them, byte for byte: users search for them, the README
    // quotes them and the lint rules reuse them.
    #[test]
    fn every_reason_reads_as_before() {
        let invalid = Failure::from(PropertyErrors(vec![
            PropertyError {
                path: "Name".into(),
                problem: "is required".into(),
            },
            PropertyError {
                path: "Tags[0].Value".into(),
                problem: "is required".into(),
            },
        ]));
        assert_eq!(
            invalid.to_string(),
            "Invalid properties: Name: is required; Tags[0].Value: is required"
        );
        assert_eq!(
            Failure::from(throttled()).to_string(),
            "Amazon Connect UpdateRoutingProfileQueues failed: ThrottlingException: Rate exceeded"
        );
        assert_eq!(
            Failure::during_changes(throttled(), 4, 8).to_string(),
            "Amazon Connect UpdateRoutingProfileQueues failed: ThrottlingException: Rate exceeded after 4 of 8 changes were made; the next update or rollback completes them"
        );
        let taken = Failure::NameTaken {
            name: "Support".into(),
            instance_id: "i-1".into(),
            duplicate: connect_error(
                "CreateRoutingProfile",
                ErrorKind::Duplicate,
                "DuplicateResourceException: taken",
            ),
        };
        assert_eq!(
            taken.to_string(),
            "A routing profile named \"Support\" already exists in instance i-1 (DuplicateResourceException: taken), but it is not listed yet, so whose it is cannot be told. It is not changed: retry, or choose another Name."
        );
        let others = |holder: Option<OtherMarker>| Failure::NameTakenByOthers {
            name: "Support".into(),
            instance_id: "i-1".into(),
            arn: "arn:rp".into(),
            holder,
        };
        assert_eq!(
            others(None).to_string(),
            "A routing profile named \"Support\" already exists in instance i-1 (arn:rp) and carries no ownership marker (it was made in the Connect console or by another tool). It is not changed: set AdoptExisting: true to bring it under this resource, or choose another Name."
        );
        let theirs = OtherMarker {
            stack_id: Some("arn:stack/t/1".into()),
            logical_id: None,
        };
        assert_eq!(
            others(Some(theirs.clone())).to_string(),
            "A routing profile named \"Support\" already exists in instance i-1 (arn:rp) and carries the marker of another resource: stack arn:stack/t/1, logical id (none). It is not changed: choose another Name."
        );
        assert_eq!(
            Failure::NotOwned {
                arn: "arn:rp".into(),
                holder: None
            }
            .to_string(),
            "Routing profile arn:rp is not this resource's: it carries no ownership marker (it was made in the Connect console or by another tool). Nothing was changed. Check the PhysicalResourceId; to manage an existing profile, create a resource for it with AdoptExisting: true."
        );
        assert_eq!(
            Failure::NotOwned {
                arn: "arn:rp".into(),
                holder: Some(theirs.clone())
            }
            .to_string(),
            "Routing profile arn:rp is not this resource's: it carries the marker of another resource: stack arn:stack/t/1, logical id (none). Nothing was changed. Check the PhysicalResourceId: the resource its marker names manages this profile."
        );
        let elsewhere = |converged| Failure::AdoptedElsewhere {
            arn: "arn:rp".into(),
            holder: theirs.clone(),
            converged,
        };
        assert_eq!(
            elsewhere(false).to_string(),
            "Routing profile arn:rp was adopted by another resource at the same time: it now carries the marker of another resource: stack arn:stack/t/1, logical id (none). This request only marked it (TagResource), and the other resource's marker replaced that; nothing else was changed. The other resource's marker stays on it. A profile can be managed by one resource only: choose another Name, or remove one of the two resources (cfn-lint E9011 finds two in one template)."
        );
        assert!(
            elsewhere(true).to_string().contains(
                "logical id (none). This request had already brought the profile to its template, which the other resource's next update overwrites. The other resource's marker stays on it."
            )
        );
        assert_eq!(
            Failure::TooManyTagsToAdopt {
                arn: "arn:rp".into(),
                own: 49,
            }
            .to_string(),
            "Routing profile arn:rp has 49 tags of its own: Connect allows 50 per profile and the ownership marker takes 3, so a profile can be adopted with at most 47. It is not changed: remove 2 of its tags (in the Connect console, or with aws connect untag-resource), then retry."
        );
        let in_use = Failure::InUse {
            arn: "arn:rp".into(),
            in_use: connect_error(
                "DeleteRoutingProfile",
                ErrorKind::InUse,
                "ResourceInUseException: 3 users",
            ),
        };
        assert_eq!(
            in_use.to_string(),
            "Routing profile arn:rp is still assigned to users (ResourceInUseException: 3 users). Assign those users another routing profile, then delete the stack or resource again."
        );
        let left = |origin, marker: &str| Failure::ReplacementLeftBehind {
            failure: Box::new(Failure::during_changes(throttled(), 1, 3)),
            left: "arn:new".into(),
            origin,
            marker: marker.into(),
            cause: "DeleteRoutingProfile failed: InternalServiceException: oops".into(),
        };
        assert_eq!(
            left(Origin::Created, "r-1").to_string(),
            "Amazon Connect UpdateRoutingProfileQueues failed: ThrottlingException: Rate exceeded after 1 of 3 changes were made; the next update or rollback completes them. The new profile arn:new could not be removed (DeleteRoutingProfile failed: InternalServiceException: oops); it carries the tag cfn-custom-resource:request-id=r-1. Delete it by hand."
        );
        assert!(
            left(Origin::Adopted, "adopted:r-1")
                .to_string()
                .ends_with(". The adopted profile arn:new could not be released (DeleteRoutingProfile failed: InternalServiceException: oops); it carries the tag cfn-custom-resource:request-id=adopted:r-1. Remove its cfn-custom-resource: tags by hand.")
        );
        let earlier = |request_id: Option<&str>| Failure::NameTakenByEarlierRequest {
            name: "Support".into(),
            instance_id: "i-1".into(),
            arn: "arn:rp".into(),
            request_id: request_id.map(str::to_string),
        };
        assert_eq!(
            earlier(Some("r-0")).to_string(),
            "A routing profile named \"Support\" already exists in instance i-1 (arn:rp) with the marker of an earlier request of this resource (RequestId r-0), left behind by DeletionPolicy: Retain, by a Delete that failed, or by a Create or adoption that failed and was not rolled back. It is not changed: set AdoptExisting: true to adopt it, delete or rename it, or choose another Name."
        );
        assert!(
            earlier(None)
                .to_string()
                .contains("(before request ids were recorded)")
        );
        let renamed = Failure::NameTakenOnUpdate {
            name: "Sales".into(),
            instance_id: "i-1".into(),
            duplicate: connect_error(
                "UpdateRoutingProfileName",
                ErrorKind::Duplicate,
                "DuplicateResourceException: taken",
            ),
        };
        assert_eq!(
            renamed.to_string(),
            "Cannot rename the routing profile to \"Sales\": another routing profile in instance i-1 has that name (DuplicateResourceException: taken). Nothing was changed. Choose another Name, or rename the other profile."
        );
        let missing = |queues: &[&str], certain: bool, done: usize| Failure::QueueNotFound {
            queues: queues.iter().map(|q| q.to_string()).collect(),
            certain,
            instance_id: "i-1".into(),
            error: connect_error(
                "AssociateRoutingProfileQueues",
                ErrorKind::NotFound,
                "ResourceNotFoundException: Queue not found: q-9",
            ),
            done,
            total: 4,
        };
        assert_eq!(
            missing(&["q-9"], true, 0).to_string(),
            "Queue q-9 was not found in instance i-1 (AssociateRoutingProfileQueues failed: ResourceNotFoundException: Queue not found: q-9). Every queue in DefaultOutboundQueueId, QueueConfigs and ManualAssignmentQueueConfigs must exist in that instance."
        );
        assert!(
            missing(&["q-8", "q-9"], true, 2)
                .to_string()
                .contains("Queues q-8, q-9 were not found in instance i-1 (")
        );
        assert!(missing(&["q-8", "q-9"], true, 2).to_string().ends_with(
            " 2 of 4 changes were made before it; the next update or rollback completes them."
        ));
        assert!(
            missing(&["q-8", "q-9"], false, 0)
                .to_string()
                .starts_with("A queue or the instance was not found (AssociateRoutingProfileQueues failed: ResourceNotFoundException: Queue not found: q-9). The call named instance i-1 and queues q-8, q-9;")
        );
        assert_eq!(
            Failure::OutOfTime {
                step: "CreateRoutingProfile".into(),
                last_failure: None,
            }
            .to_string(),
            "Ran out of time while CreateRoutingProfile (Amazon Connect too slow or throttling for longer than the function's timeout allows). Retry the stack operation, or raise the function's Timeout."
        );
        assert_eq!(
            Failure::OutOfTime {
                step: "CreateRoutingProfile".into(),
                last_failure: Some(
                    "could not reach https://connect.us-east-1.amazonaws.com: Connection refused (os error 111)".into()
                ),
            }
            .to_string(),
            "Ran out of time while CreateRoutingProfile (the last attempt: could not reach https://connect.us-east-1.amazonaws.com: Connection refused (os error 111)). Retry the stack operation, or raise the function's Timeout."
        );
        assert_eq!(
            Failure::NotShownYet {
                step: "looking for a profile the request made".into(),
            }
            .to_string(),
            "Ran out of time while looking for a profile the request made: Amazon Connect did not show yet what was written moments ago (its reads lag its writes). Retry the stack operation, or raise the function's Timeout."
        );
        assert_eq!(
            Failure::Internal {
                step: "starting".into(),
                message: "boom".into()
            }
            .to_string(),
            "Internal error while starting: boom. This is a bug in the routing-profile-resource function; retrying the stack operation may get past it."
        );
        let malformed = crate::event::parse(&serde_json::json!({
            "RequestType": "Create",
            "ResponseURL": "https://example.com/r",
            "StackId": "s",
            "RequestId": "r",
            "LogicalResourceId": "l"
        }))
        .expect_err("no ResourceProperties");
        assert_eq!(
            Failure::from(malformed).to_string(),
            "not a CloudFormation custom resource request: ResourceProperties is missing"
        );
    }

    #[test]
    fn a_first_change_that_fails_is_a_plain_connect_failure() {
        assert!(matches!(
            Failure::during_changes(throttled(), 0, 8),
            Failure::Connect(ConnectError {
                operation: "UpdateRoutingProfileQueues",
                ..
            })
        ));
        assert!(matches!(
            Failure::during_changes(throttled(), 2, 8),
            Failure::PartlyApplied {
                done: 2,
                total: 8,
                ..
            }
        ));
    }
}
