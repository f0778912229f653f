//! Every way a request can fail, in the terms of the person who reads the stack's events. The
//! Reason CloudFormation shows is this type's `Display`, written here and nowhere else, so tests
//! match variants and the cfn-lint rules can reuse the same words.

use crate::connect::ConnectError;
use crate::event::MalformedEvent;
use crate::model::OWNER_REQUEST_TAG;
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

    /// The Name is taken in the instance by a profile this resource did not create.
    #[error(
        "A routing profile named {name:?} already exists in instance {instance_id} and was not created by this resource ({}). Choose another Name, or delete or rename the existing profile.",
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
    /// created: one left by `DeletionPolicy: Retain` or by a Delete that failed. Only a profile of
    /// this very request is adopted, so this one is neither adopted nor touched.
    #[error(
        "A routing profile named {name:?} already exists in instance {instance_id} ({arn}), created by an earlier request of this resource ({}) and left behind by DeletionPolicy: Retain or a Delete that failed. It is not adopted or changed: delete or rename it, or choose another Name.",
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

    /// A replacement failed and the profile it had made could not be deleted again.
    #[error(
        "{failure}. The new profile {left} could not be removed ({cause}); it carries the tag {OWNER_REQUEST_TAG}={request_id}. Delete it by hand."
    )]
    ReplacementLeftBehind {
        /// Why the replacement failed.
        failure: Box<Failure>,
        /// The profile left in the new instance: its ARN, or its name and instance when the
        /// Create's answer never came.
        left: String,
        /// The RequestId its marker names (this request's).
        request_id: String,
        /// Why it could not be deleted.
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
            "A routing profile named \"Support\" already exists in instance i-1 and was not created by this resource (DuplicateResourceException: taken). Choose another Name, or delete or rename the existing profile."
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
        let left = Failure::ReplacementLeftBehind {
            failure: Box::new(Failure::during_changes(throttled(), 1, 3)),
            left: "arn:new".into(),
            request_id: "r-1".into(),
            cause: "DeleteRoutingProfile failed: InternalServiceException: oops".into(),
        };
        assert_eq!(
            left.to_string(),
            "Amazon Connect UpdateRoutingProfileQueues failed: ThrottlingException: Rate exceeded after 1 of 3 changes were made; the next update or rollback completes them. The new profile arn:new could not be removed (DeleteRoutingProfile failed: InternalServiceException: oops); it carries the tag cfn-custom-resource:request-id=r-1. Delete it by hand."
        );
        let earlier = |request_id: Option<&str>| Failure::NameTakenByEarlierRequest {
            name: "Support".into(),
            instance_id: "i-1".into(),
            arn: "arn:rp".into(),
            request_id: request_id.map(str::to_string),
        };
        assert_eq!(
            earlier(Some("r-0")).to_string(),
            "A routing profile named \"Support\" already exists in instance i-1 (arn:rp), created by an earlier request of this resource (RequestId r-0) and left behind by DeletionPolicy: Retain or a Delete that failed. It is not adopted or changed: delete or rename it, or choose another Name."
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
