//! Requests as `aws-sdk-connect` sends them: path labels, query and JSON body gathered into one
//! object of the operation's request members, and the typed form each operation reads.
//!
//! The typed forms hold only what the model requires as required; everything the rules check
//! (lengths, ranges, enums, list sizes) is checked on the gathered object first by
//! [`validate::request`](super::validate::request), so reading a typed form cannot fail on a
//! request the model accepts.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::error::{ApiResult, invalid_param, invalid_request};

/// Query parameters and the request members they carry.
const QUERY_MEMBERS: [(&str, &str); 3] = [
    ("maxResults", "MaxResults"),
    ("nextToken", "NextToken"),
    ("tagKeys", "tagKeys"),
];

/// One request's members, from wherever they travelled.
pub(super) struct Input {
    members: Value,
}

impl Input {
    /// Gathers labels, query and body. A body that is not a JSON object is
    /// `InvalidRequestException`; a `maxResults` that is not a number `InvalidParameterException`.
    pub(super) fn read(
        labels: Vec<(&'static str, String)>,
        query: &[(String, String)],
        body: &[u8],
    ) -> ApiResult<Input> {
        let mut members = if body.iter().all(u8::is_ascii_whitespace) {
            Map::new()
        } else {
            match serde_json::from_slice(body) {
                Ok(Value::Object(map)) => map,
                Ok(other) => {
                    return Err(invalid_request(format!(
                        "Malformed request: expected a JSON object, got {other}"
                    )));
                }
                Err(e) => return Err(invalid_request(format!("Malformed request: {e}"))),
            }
        };
        for (param, member) in QUERY_MEMBERS {
            let values: Vec<&str> = query
                .iter()
                .filter(|(k, _)| k == param)
                .map(|(_, v)| v.as_str())
                .collect();
            let value = match (param, values.as_slice()) {
                (_, []) => continue,
                ("tagKeys", all) => Value::from(all.to_vec()),
                ("maxResults", [.., raw]) => match raw.parse::<i64>() {
                    Ok(n) => Value::from(n),
                    Err(_) => {
                        return Err(invalid_param(format!(
                            "maxResults must be a number, got {raw}"
                        )));
                    }
                },
                (_, [.., last]) => Value::from(*last),
            };
            members.insert(member.to_string(), value);
        }
        for (member, value) in labels {
            members.insert(member.to_string(), Value::String(value));
        }
        Ok(Input {
            members: Value::Object(members),
        })
    }

    /// The members as one JSON object, for the rules.
    pub(super) fn members(&self) -> &Value {
        &self.members
    }

    /// The typed form of the request.
    pub(super) fn parse<T: DeserializeOwned>(&self) -> ApiResult<T> {
        T::deserialize(&self.members)
            .map_err(|e| invalid_request(format!("Malformed request: {e}")))
    }
}

/// `CreateRoutingProfile`.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct CreateRequest {
    pub(super) instance_id: String,
    pub(super) name: String,
    pub(super) description: String,
    pub(super) default_outbound_queue_id: String,
    pub(super) media_concurrencies: Vec<MediaConcurrencyIn>,
    pub(super) queue_configs: Option<Vec<QueueConfigIn>>,
    pub(super) manual_assignment_queue_configs: Option<Vec<ManualConfigIn>>,
    pub(super) tags: Option<BTreeMap<String, String>>,
    pub(super) agent_availability_timer: Option<String>,
}

/// Describe and Delete: the profile alone.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct ProfileRequest {
    pub(super) instance_id: String,
    pub(super) routing_profile_id: String,
}

/// `UpdateRoutingProfileName`.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct UpdateNameRequest {
    pub(super) instance_id: String,
    pub(super) routing_profile_id: String,
    pub(super) name: Option<String>,
    pub(super) description: Option<String>,
}

/// `UpdateRoutingProfileConcurrency`.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct UpdateConcurrencyRequest {
    pub(super) instance_id: String,
    pub(super) routing_profile_id: String,
    pub(super) media_concurrencies: Vec<MediaConcurrencyIn>,
}

/// `UpdateRoutingProfileDefaultOutboundQueue`.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct UpdateDefaultOutboundQueueRequest {
    pub(super) instance_id: String,
    pub(super) routing_profile_id: String,
    pub(super) default_outbound_queue_id: String,
}

/// `UpdateRoutingProfileAgentAvailabilityTimer`.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct UpdateTimerRequest {
    pub(super) instance_id: String,
    pub(super) routing_profile_id: String,
    pub(super) agent_availability_timer: String,
}

/// `UpdateRoutingProfileQueues` and `AssociateRoutingProfileQueues` (where both lists are
/// optional; Update requires `QueueConfigs` and has no manual list).
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct QueuesRequest {
    pub(super) instance_id: String,
    pub(super) routing_profile_id: String,
    pub(super) queue_configs: Option<Vec<QueueConfigIn>>,
    pub(super) manual_assignment_queue_configs: Option<Vec<ManualConfigIn>>,
}

/// `DisassociateRoutingProfileQueues`.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct DisassociateRequest {
    pub(super) instance_id: String,
    pub(super) routing_profile_id: String,
    pub(super) queue_references: Option<Vec<QueueReferenceIn>>,
    pub(super) manual_assignment_queue_references: Option<Vec<QueueReferenceIn>>,
}

/// `ListRoutingProfiles`.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct ListProfilesRequest {
    pub(super) instance_id: String,
    pub(super) max_results: Option<usize>,
    pub(super) next_token: Option<String>,
}

/// `ListRoutingProfileQueues` and `ListRoutingProfileManualAssignmentQueues`.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct ListQueuesRequest {
    pub(super) instance_id: String,
    pub(super) routing_profile_id: String,
    pub(super) max_results: Option<usize>,
    pub(super) next_token: Option<String>,
}

/// `TagResource`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct TagRequest {
    pub(super) resource_arn: String,
    pub(super) tags: BTreeMap<String, String>,
}

/// `UntagResource`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct UntagRequest {
    pub(super) resource_arn: String,
    pub(super) tag_keys: Vec<String>,
}

/// `ListTagsForResource`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ListTagsRequest {
    pub(super) resource_arn: String,
}

/// `MediaConcurrency`.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct MediaConcurrencyIn {
    pub(super) channel: String,
    pub(super) concurrency: Option<i64>,
    pub(super) cross_channel_behavior: Option<BehaviorIn>,
    pub(super) workload_type_concurrencies: Option<Vec<WorkloadTypeConcurrencyIn>>,
}

/// `WorkloadTypeConcurrency`.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct WorkloadTypeConcurrencyIn {
    pub(super) workload_type: String,
    pub(super) concurrency: i64,
    pub(super) cross_channel_workload_behavior: Option<WorkloadBehaviorIn>,
}

/// `CrossChannelWorkloadBehavior`: its one member is optional in the model.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct WorkloadBehaviorIn {
    pub(super) channel_workload_behavior_type: Option<String>,
}

/// `CrossChannelBehavior`.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct BehaviorIn {
    pub(super) behavior_type: String,
}

/// `RoutingProfileQueueReference`.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct QueueReferenceIn {
    pub(super) queue_id: String,
    pub(super) channel: String,
}

/// `RoutingProfileQueueConfig`.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct QueueConfigIn {
    pub(super) queue_reference: QueueReferenceIn,
    pub(super) priority: i64,
    pub(super) delay: i64,
}

/// `RoutingProfileManualAssignmentQueueConfig`.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct ManualConfigIn {
    pub(super) queue_reference: QueueReferenceIn,
}
