//! The template's Properties, parsed into a [`Properties`] that cannot hold a value Connect would
//! reject. Every rule of the Connect API is checked here, before any call, and every problem is
//! reported with the property path and the offending value, in the user's terms.
//!
//! Input is what CloudFormation sends (every scalar a string) or what people write by hand in test
//! events (real numbers); both are accepted. IDs may be given as plain IDs or as ARNs.
//!
//! `reader` reads JSON and knows nothing of Connect; the rules live by shape in `ids`, `queues`,
//! `concurrency` and `tags`, and every limit they apply comes from [`crate::constraints`]. This
//! module lists the top-level properties and puts the parts together.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde_json::Value;

use crate::constraints;
use crate::model::{AgentAvailabilityTimer, ProfileState};

mod concurrency;
mod home;
mod ids;
mod queues;
mod reader;
mod tags;

pub use home::Home;
use reader::{Reader, optional};

/// The validated properties of one `Custom::RoutingProfile`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Properties {
    /// Plain instance ID (an instance ARN is reduced to its ID).
    pub instance_id: String,
    /// Everything else, as the profile should be.
    pub profile: ProfileState,
    /// `AdoptExisting`: a Create may take over a profile of this Name that no other resource
    /// owns, instead of refusing the taken name. Not part of the profile: a change writes nothing.
    pub adopt_existing: bool,
}

/// One problem with one property.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PropertyError {
    /// Where, e.g. `QueueConfigs[1].QueueReference.Channel`.
    pub path: String,
    /// What is wrong, naming the value.
    pub problem: String,
}

impl fmt::Display for PropertyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.problem)
    }
}

/// Every problem found in the properties.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct PropertyErrors(pub Vec<PropertyError>);

impl fmt::Display for PropertyErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        f.write_str(&lines.join("; "))
    }
}

/// Every property a `Custom::RoutingProfile` takes; any other is reported, with a suggestion.
const TOP_LEVEL: &[&str] = &[
    "ServiceToken",
    "ServiceTimeout",
    "InstanceId",
    "Name",
    "Description",
    "DefaultOutboundQueueId",
    "QueueConfigs",
    "ManualAssignmentQueueConfigs",
    "MediaConcurrencies",
    "Tags",
    "AgentAvailabilityTimer",
    "AdoptExisting",
];

/// Parses and validates `ResourceProperties`.
pub fn parse(properties: &Value) -> Result<Properties, PropertyErrors> {
    let mut r = Reader::default();
    let result = read(&mut r, properties);
    let errors = r.into_errors();
    match result {
        Some(properties) if errors.is_empty() => Ok(properties),
        _ => Err(PropertyErrors(errors)),
    }
}

/// [`parse`], and then every instance and queue ARN must be of the function's own Region and
/// account: the function can act nowhere else.
pub fn parse_at(properties: &Value, home: &Home) -> Result<Properties, PropertyErrors> {
    let parsed = parse(properties)?;
    match home::foreign_arns(properties, home) {
        errors if errors.is_empty() => Ok(parsed),
        errors => Err(PropertyErrors(errors)),
    }
}

/// Reads every property, recording each problem; `None` when any is wrong.
fn read(r: &mut Reader, value: &Value) -> Option<Properties> {
    let fields = r.object("ResourceProperties", value)?;
    r.known_fields("", fields, TOP_LEVEL);

    let instance_id = r
        .required("InstanceId", fields)
        .and_then(|v| ids::instance_id(r, "InstanceId", v));
    let name = r
        .required("Name", fields)
        .and_then(|v| r.string("Name", v, constraints::ROUTING_PROFILE_NAME));
    let description = r
        .required("Description", fields)
        .and_then(|v| r.string("Description", v, constraints::ROUTING_PROFILE_DESCRIPTION));
    let default_outbound_queue_id = r
        .required("DefaultOutboundQueueId", fields)
        .and_then(|v| ids::queue_id(r, "DefaultOutboundQueueId", v, instance_id.as_deref()));
    let queues = match optional(fields, "QueueConfigs") {
        Some(v) => queues::queue_configs(r, v, instance_id.as_deref()),
        None => Some(BTreeMap::new()),
    };
    let manual_queues = match optional(fields, "ManualAssignmentQueueConfigs") {
        Some(v) => queues::manual_queues(r, v, instance_id.as_deref()),
        None => Some(BTreeSet::new()),
    };
    let concurrency = r
        .required("MediaConcurrencies", fields)
        .and_then(|v| concurrency::media_concurrencies(r, v));
    let tags = match optional(fields, "Tags") {
        Some(v) => tags::tags(r, v),
        None => Some(BTreeMap::new()),
    };
    let agent_availability_timer = match optional(fields, "AgentAvailabilityTimer") {
        Some(v) => r.one_of("AgentAvailabilityTimer", v, &AgentAvailabilityTimer::ALL),
        None => Some(AgentAvailabilityTimer::default()),
    };
    let adopt_existing = match optional(fields, "AdoptExisting") {
        Some(v) => r.boolean("AdoptExisting", v),
        None => Some(false),
    };

    Some(Properties {
        instance_id: instance_id?,
        adopt_existing: adopt_existing?,
        profile: ProfileState {
            name: name?,
            description: description?,
            default_outbound_queue_id: default_outbound_queue_id?,
            queues: queues?,
            manual_queues: manual_queues?,
            concurrency: concurrency?,
            agent_availability_timer: agent_availability_timer?,
            tags: tags?,
        },
    })
}

/// Only `InstanceId` and `Name`, read by the same rules but ignoring every other property: what
/// a Delete needs to find the profile a failed Create may have made, whose properties may be
/// invalid in other ways. `None` when either is unusable.
pub fn identity(properties: &Value) -> Option<(String, String)> {
    let mut r = Reader::default();
    let fields = r.object("ResourceProperties", properties)?;
    let instance_id = r
        .required("InstanceId", fields)
        .and_then(|v| ids::instance_id(&mut r, "InstanceId", v));
    let name = r
        .required("Name", fields)
        .and_then(|v| r.string("Name", v, constraints::ROUTING_PROFILE_NAME));
    match (instance_id, name, r.into_errors().is_empty()) {
        (Some(instance_id), Some(name), true) => Some((instance_id, name)),
        _ => None,
    }
}

#[cfg(test)]
pub(crate) mod fixtures {
    //! A valid set of properties and ways to spoil it, shared by the rule modules' tests.
    use super::parse;
    use serde_json::{Value, json};

    pub(crate) const INSTANCE: &str = "5f0e8c1a-3b7d-4e2a-9c61-7d2b8e4f1a90";

    pub(crate) fn valid() -> Value {
        json!({
            "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:f",
            "ServiceTimeout": "300",
            "InstanceId": format!("arn:aws:connect:us-east-1:123456789012:instance/{INSTANCE}"),
            "Name": "Support Tier 1",
            "Description": "Agents answering tier-1 voice and chat",
            "DefaultOutboundQueueId": format!("arn:aws:connect:us-east-1:123456789012:instance/{INSTANCE}/queue/q-out"),
            "QueueConfigs": [
                { "QueueReference": { "QueueId": "q-voice", "Channel": "VOICE" }, "Priority": "1", "Delay": "0" },
                { "QueueReference": { "QueueId": "q-chat", "Channel": "CHAT" }, "Priority": 2, "Delay": 30 }
            ],
            "ManualAssignmentQueueConfigs": [
                { "QueueReference": { "QueueId": "q-task", "Channel": "TASK" } }
            ],
            "MediaConcurrencies": [
                { "Channel": "VOICE", "Concurrency": "1", "CrossChannelBehavior": { "BehaviorType": "ROUTE_ANY_CHANNEL" } },
                { "Channel": "CHAT", "Concurrency": 3 }
            ],
            "Tags": { "team": "support" },
            "AgentAvailabilityTimer": "TIME_SINCE_LAST_INBOUND"
        })
    }

    pub(crate) fn errors_of(properties: Value) -> Vec<String> {
        match parse(&properties) {
            Ok(p) => panic!("expected errors, parsed {p:?}"),
            Err(e) => e.0.iter().map(ToString::to_string).collect(),
        }
    }

    pub(crate) fn with(mut properties: Value, pointer: &str, value: Value) -> Value {
        *properties
            .pointer_mut(pointer)
            .unwrap_or_else(|| panic!("no {pointer}")) = value;
        properties
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::{INSTANCE, errors_of, valid, with};
    use super::*;
    use crate::model::{Channel, Concurrency, CrossChannelBehavior, Placement, QueueRef};
    use serde_json::json;

    #[test]
    fn identity_reads_instance_and_name_even_when_the_rest_is_invalid() {
        let broken = with(valid(), "/QueueConfigs/0/Priority", json!(0));
        let broken = with(broken, "/Tags", json!("not tags"));
        assert_eq!(
            identity(&broken),
            Some((INSTANCE.to_string(), "Support Tier 1".to_string()))
        );
        assert_eq!(identity(&with(valid(), "/Name", json!(""))), None);
        assert_eq!(
            identity(&with(valid(), "/InstanceId", json!("arn:nope"))),
            None
        );
        assert_eq!(identity(&json!([])), None);
    }

    #[test]
    fn parses_every_property_normalising_arns_and_numbers() {
        let p = parse(&valid()).expect("valid");
        assert_eq!(p.instance_id, INSTANCE);
        let profile = p.profile;
        assert_eq!(profile.name, "Support Tier 1");
        assert_eq!(profile.default_outbound_queue_id, "q-out");
        let voice = QueueRef {
            queue_id: "q-voice".into(),
            channel: Channel::Voice,
        };
        assert_eq!(
            profile.queues.get(&voice),
            Some(&Placement {
                priority: 1,
                delay: 0
            })
        );
        let chat = QueueRef {
            queue_id: "q-chat".into(),
            channel: Channel::Chat,
        };
        assert_eq!(
            profile.queues.get(&chat),
            Some(&Placement {
                priority: 2,
                delay: 30
            })
        );
        assert!(profile.manual_queues.contains(&QueueRef {
            queue_id: "q-task".into(),
            channel: Channel::Task
        }));
        assert_eq!(
            profile.concurrency.get(&Channel::Voice),
            Some(&Concurrency {
                max_contacts: Some(1),
                cross_channel: CrossChannelBehavior::RouteAnyChannel,
                workload_types: BTreeMap::new(),
            })
        );
        assert_eq!(
            profile
                .concurrency
                .get(&Channel::Chat)
                .map(|c| c.cross_channel),
            Some(CrossChannelBehavior::RouteCurrentChannelOnly)
        );
        assert_eq!(
            profile.tags.get("team").map(String::as_str),
            Some("support")
        );
        assert_eq!(
            profile.agent_availability_timer,
            AgentAvailabilityTimer::TimeSinceLastInbound
        );
    }

    #[test]
    fn optional_properties_take_connect_defaults() {
        let mut props = valid();
        let fields = props.as_object_mut().expect("object");
        for key in [
            "QueueConfigs",
            "ManualAssignmentQueueConfigs",
            "Tags",
            "AgentAvailabilityTimer",
        ] {
            fields.remove(key);
        }
        fields.insert("InstanceId".into(), json!(INSTANCE));
        let profile = parse(&props).expect("valid").profile;
        assert!(
            profile.queues.is_empty()
                && profile.manual_queues.is_empty()
                && profile.tags.is_empty()
        );
        assert_eq!(
            profile.agent_availability_timer,
            AgentAvailabilityTimer::TimeSinceLastActivity
        );
        let delay = with(
            valid(),
            "/QueueConfigs/0",
            json!({ "QueueReference": { "QueueId": "q", "Channel": "VOICE" }, "Priority": "5" }),
        );
        let profile = parse(&delay).expect("delay is optional").profile;
        assert!(
            profile
                .queues
                .values()
                .any(|p| p.priority == 5 && p.delay == 0)
        );
    }

    #[test]
    fn adopt_existing_is_a_boolean_as_cloudformation_sends_it() {
        assert!(!parse(&valid()).expect("valid").adopt_existing);
        for (given, adopt) in [
            (json!("true"), true),
            (json!("True"), true),
            (json!(true), true),
            (json!("false"), false),
            (json!(false), false),
            (Value::Null, false),
        ] {
            let props = with_field(valid(), "AdoptExisting", given.clone());
            assert_eq!(
                parse(&props).expect("valid").adopt_existing,
                adopt,
                "{given}"
            );
        }
        for bad in [json!("yes"), json!(1), json!(""), json!(["true"])] {
            let expected = format!("AdoptExisting: {} is not true or false", reader::show(&bad));
            assert_eq!(
                errors_of(with_field(valid(), "AdoptExisting", bad)),
                [expected]
            );
        }
    }

    fn with_field(mut props: Value, key: &str, value: Value) -> Value {
        props
            .as_object_mut()
            .expect("object")
            .insert(key.to_string(), value);
        props
    }

    #[test]
    fn reports_a_typo_with_a_suggestion() {
        let mut props = valid();
        let fields = props.as_object_mut().expect("object");
        let description = fields.remove("Description").expect("present");
        fields.insert("Descripton".into(), description);
        assert_eq!(
            errors_of(props),
            [
                "Descripton: unknown property (did you mean Description?)",
                "Description: is required"
            ]
        );
        let nested = with(
            valid(),
            "/MediaConcurrencies/1",
            json!({ "Channel": "CHAT", "Concurrency": 2, "Behavior": {} }),
        );
        assert_eq!(
            errors_of(nested),
            [
                "MediaConcurrencies[1].Behavior: unknown property; expected one of Channel, Concurrency, CrossChannelBehavior, WorkloadTypeConcurrencies"
            ]
        );
    }

    #[test]
    fn enforces_string_lengths() {
        let long_name = "n".repeat(128);
        assert_eq!(
            errors_of(with(valid(), "/Name", json!(long_name))),
            [format!(
                "Name: \"{}… must be 1-127 characters, not 128",
                "n".repeat(79)
            )]
        );
        assert!(parse(&with(valid(), "/Name", json!("n".repeat(127)))).is_ok());
        assert_eq!(
            errors_of(with(valid(), "/Description", json!(""))),
            ["Description: \"\" must be 1-250 characters, not 0"]
        );
        assert!(parse(&with(valid(), "/Description", json!("d".repeat(250)))).is_ok());
        assert!(
            errors_of(with(valid(), "/Description", json!("d".repeat(251))))[0]
                .starts_with("Description: \"ddd")
        );
    }

    #[test]
    fn reports_every_problem_at_once_and_survives_wrong_shapes() {
        let errors = errors_of(json!({
            "InstanceId": INSTANCE,
            "Name": "",
            "QueueConfigs": "q-voice",
            "MediaConcurrencies": [7]
        }));
        assert_eq!(
            errors,
            [
                "Name: \"\" must be 1-127 characters, not 0",
                "Description: is required",
                "DefaultOutboundQueueId: is required",
                "QueueConfigs: \"q-voice\" is not a list",
                "MediaConcurrencies[0]: 7 is not an object",
            ]
        );
        assert_eq!(
            errors_of(json!(["not", "an", "object"])),
            ["ResourceProperties: [\"not\",\"an\",\"object\"] is not an object"]
        );
    }
}

#[cfg(test)]
mod fuzz {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            any::<f64>().prop_map(|n| json!(n)),
            ".{0,12}".prop_map(Value::String),
            prop_oneof![
                Just("VOICE"),
                Just("CHAT"),
                Just("1"),
                Just("arn:aws:connect:r:a:instance/i/queue/q")
            ]
            .prop_map(|s| Value::String(s.to_string())),
        ];
        leaf.prop_recursive(4, 64, 6, |inner| {
            let key = prop_oneof![
                Just("InstanceId"),
                Just("Name"),
                Just("Description"),
                Just("DefaultOutboundQueueId"),
                Just("QueueConfigs"),
                Just("ManualAssignmentQueueConfigs"),
                Just("MediaConcurrencies"),
                Just("Tags"),
                Just("QueueReference"),
                Just("QueueId"),
                Just("Channel"),
                Just("Priority"),
                Just("Delay"),
                Just("Concurrency"),
                Just("CrossChannelBehavior"),
                Just("BehaviorType"),
                Just("WorkloadTypeConcurrencies"),
                Just("WorkloadType"),
                Just("CrossChannelWorkloadBehavior"),
                Just("ChannelWorkloadBehaviorType"),
                Just("Key"),
                Just("Value"),
                Just("AgentAvailabilityTimer"),
                Just("x"),
            ]
            .prop_map(str::to_string);
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map(key, inner, 0..8)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn arbitrary_json_never_panics_and_every_error_names_a_path(value in json_value()) {
            if let Err(errors) = parse(&value) {
                prop_assert!(!errors.0.is_empty());
                for error in &errors.0 {
                    prop_assert!(!error.path.is_empty() && !error.problem.is_empty());
                }
            }
        }

        #[test]
        fn arbitrary_events_never_panic(value in json_value()) {
            let _ = crate::event::parse(&value);
        }
    }
}
