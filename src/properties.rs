//! The template's Properties, parsed into a [`Properties`] that cannot hold a value Connect would
//! reject. Every rule of the Connect API is checked here, before any call, and every problem is
//! reported with the property path and the offending value, in the user's terms.
//!
//! Input is what CloudFormation sends (every scalar a string) or what people write by hand in test
//! events (real numbers); both are accepted. IDs may be given as plain IDs or as ARNs.

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde_json::{Map, Value};

use crate::arn::{self, ConnectArn};
use crate::model::{
    AgentAvailabilityTimer, Channel, Concurrency, CrossChannelBehavior, Placement, ProfileState,
    QueueRef, RESERVED_TAG_PREFIX,
};

/// The validated properties of one `Custom::RoutingProfile`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Properties {
    /// Plain instance ID (an instance ARN is reduced to its ID).
    pub instance_id: String,
    /// Everything else, as the profile should be.
    pub profile: ProfileState,
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

/// Connect's per-resource tag limit.
pub const MAX_TAGS: usize = 50;
/// Tags this function adds itself (the ownership marker), which count against [`MAX_TAGS`].
pub const MARKER_TAGS: usize = 2;

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
];

/// Parses and validates `ResourceProperties`.
pub fn parse(properties: &Value) -> Result<Properties, PropertyErrors> {
    let mut p = Parser::default();
    let result = p.properties(properties);
    match result {
        Some(properties) if p.errors.is_empty() => Ok(properties),
        _ => Err(PropertyErrors(p.errors)),
    }
}

#[derive(Default)]
struct Parser {
    errors: Vec<PropertyError>,
}

impl Parser {
    fn error(&mut self, path: &str, problem: impl Into<String>) {
        self.errors.push(PropertyError {
            path: path.to_string(),
            problem: problem.into(),
        });
    }

    fn properties(&mut self, value: &Value) -> Option<Properties> {
        let fields = self.object("ResourceProperties", value)?;
        self.known_fields("", fields, TOP_LEVEL);

        let instance_id = self
            .required("InstanceId", fields)
            .and_then(|v| self.instance_id("InstanceId", v));
        let name = self
            .required("Name", fields)
            .and_then(|v| self.string("Name", v, 1, 127));
        let description = self
            .required("Description", fields)
            .and_then(|v| self.string("Description", v, 1, 250));
        let default_outbound_queue_id = self
            .required("DefaultOutboundQueueId", fields)
            .and_then(|v| self.queue_id("DefaultOutboundQueueId", v, instance_id.as_deref()));
        let queues = match optional(fields, "QueueConfigs") {
            Some(v) => self.queue_configs(v, instance_id.as_deref()),
            None => Some(BTreeMap::new()),
        };
        let manual_queues = match optional(fields, "ManualAssignmentQueueConfigs") {
            Some(v) => self.manual_queues(v, instance_id.as_deref()),
            None => Some(BTreeSet::new()),
        };
        let concurrency = self
            .required("MediaConcurrencies", fields)
            .and_then(|v| self.media_concurrencies(v));
        let tags = match optional(fields, "Tags") {
            Some(v) => self.tags(v),
            None => Some(BTreeMap::new()),
        };
        let agent_availability_timer = match optional(fields, "AgentAvailabilityTimer") {
            Some(v) => self.one_of("AgentAvailabilityTimer", v, &AgentAvailabilityTimer::ALL),
            None => Some(AgentAvailabilityTimer::default()),
        };

        Some(Properties {
            instance_id: instance_id?,
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

    fn queue_configs(
        &mut self,
        value: &Value,
        instance_id: Option<&str>,
    ) -> Option<BTreeMap<QueueRef, Placement>> {
        let items = self.list("QueueConfigs", value)?;
        let mut queues = BTreeMap::new();
        let mut ok = true;
        for (i, item) in items.iter().enumerate() {
            let path = format!("QueueConfigs[{i}]");
            let Some(fields) = self.object(&path, item) else {
                ok = false;
                continue;
            };
            self.known_fields(&path, fields, &["QueueReference", "Priority", "Delay"]);
            let queue = self
                .required_at(&path, "QueueReference", fields)
                .and_then(|v| {
                    self.queue_reference(&format!("{path}.QueueReference"), v, instance_id)
                });
            let priority = self
                .required_at(&path, "Priority", fields)
                .and_then(|v| self.integer(&format!("{path}.Priority"), v, 1, 99));
            // Delay defaults to 0 (route at once), as in the Connect console.
            let delay = match optional(fields, "Delay") {
                Some(v) => self.integer(&format!("{path}.Delay"), v, 0, 9999),
                None => Some(0),
            };
            match (queue, priority, delay) {
                (Some(queue), Some(priority), Some(delay)) => match queues.entry(queue) {
                    Entry::Occupied(taken) => {
                        self.duplicate_pair(&path, taken.key());
                        ok = false;
                    }
                    Entry::Vacant(slot) => {
                        slot.insert(Placement { priority, delay });
                    }
                },
                _ => ok = false,
            }
        }
        ok.then_some(queues)
    }

    fn manual_queues(
        &mut self,
        value: &Value,
        instance_id: Option<&str>,
    ) -> Option<BTreeSet<QueueRef>> {
        let items = self.list("ManualAssignmentQueueConfigs", value)?;
        let mut queues = BTreeSet::new();
        let mut ok = true;
        for (i, item) in items.iter().enumerate() {
            let path = format!("ManualAssignmentQueueConfigs[{i}]");
            let Some(fields) = self.object(&path, item) else {
                ok = false;
                continue;
            };
            self.known_fields(&path, fields, &["QueueReference"]);
            let reference_path = format!("{path}.QueueReference");
            let queue = self
                .required_at(&path, "QueueReference", fields)
                .and_then(|v| self.queue_reference(&reference_path, v, instance_id));
            match queue {
                Some(queue) if queue.channel == Channel::Voice => {
                    self.error(
                        &format!("{reference_path}.Channel"),
                        "\"VOICE\" cannot be assigned manually; use CHAT, TASK or EMAIL",
                    );
                    ok = false;
                }
                Some(queue) => {
                    if queues.contains(&queue) {
                        self.duplicate_pair(&path, &queue);
                        ok = false;
                    } else {
                        queues.insert(queue);
                    }
                }
                None => ok = false,
            }
        }
        ok.then_some(queues)
    }

    fn duplicate_pair(&mut self, path: &str, queue: &QueueRef) {
        self.error(
            path,
            format!(
                "queue {:?} on channel {} is listed more than once",
                queue.queue_id,
                queue.channel.as_str()
            ),
        );
    }

    fn queue_reference(
        &mut self,
        path: &str,
        value: &Value,
        instance_id: Option<&str>,
    ) -> Option<QueueRef> {
        let fields = self.object(path, value)?;
        self.known_fields(path, fields, &["QueueId", "Channel"]);
        let queue_id = self
            .required_at(path, "QueueId", fields)
            .and_then(|v| self.queue_id(&format!("{path}.QueueId"), v, instance_id));
        let channel = self
            .required_at(path, "Channel", fields)
            .and_then(|v| self.one_of(&format!("{path}.Channel"), v, &Channel::ALL));
        Some(QueueRef {
            queue_id: queue_id?,
            channel: channel?,
        })
    }

    fn media_concurrencies(&mut self, value: &Value) -> Option<BTreeMap<Channel, Concurrency>> {
        let items = self.list("MediaConcurrencies", value)?;
        if items.is_empty() {
            self.error(
                "MediaConcurrencies",
                "must list at least one channel, e.g. [{ Channel: VOICE, Concurrency: 1 }]",
            );
            return None;
        }
        let mut concurrency = BTreeMap::new();
        let mut ok = true;
        for (i, item) in items.iter().enumerate() {
            let path = format!("MediaConcurrencies[{i}]");
            let Some(fields) = self.object(&path, item) else {
                ok = false;
                continue;
            };
            self.known_fields(
                &path,
                fields,
                &["Channel", "Concurrency", "CrossChannelBehavior"],
            );
            let channel = self
                .required_at(&path, "Channel", fields)
                .and_then(|v| self.one_of(&format!("{path}.Channel"), v, &Channel::ALL));
            let max_contacts = match (channel, self.required_at(&path, "Concurrency", fields)) {
                (Some(Channel::Voice), Some(v)) => {
                    self.integer(&format!("{path}.Concurrency"), v, 1, 1)
                }
                (_, Some(v)) => self.integer(&format!("{path}.Concurrency"), v, 1, 10),
                (_, None) => None,
            };
            let cross_channel = match optional(fields, "CrossChannelBehavior") {
                Some(v) => self.cross_channel(&format!("{path}.CrossChannelBehavior"), v),
                None => Some(CrossChannelBehavior::default()),
            };
            match (channel, max_contacts, cross_channel) {
                (Some(channel), Some(max_contacts), Some(cross_channel)) => {
                    match concurrency.entry(channel) {
                        Entry::Occupied(_) => {
                            self.error(
                                &format!("{path}.Channel"),
                                format!("{:?} is listed more than once", channel.as_str()),
                            );
                            ok = false;
                        }
                        Entry::Vacant(slot) => {
                            slot.insert(Concurrency {
                                max_contacts,
                                cross_channel,
                            });
                        }
                    }
                }
                _ => ok = false,
            }
        }
        ok.then_some(concurrency)
    }

    fn cross_channel(&mut self, path: &str, value: &Value) -> Option<CrossChannelBehavior> {
        let fields = self.object(path, value)?;
        self.known_fields(path, fields, &["BehaviorType"]);
        let behavior = self.required_at(path, "BehaviorType", fields)?;
        self.one_of(
            &format!("{path}.BehaviorType"),
            behavior,
            &CrossChannelBehavior::ALL,
        )
    }

    fn tags(&mut self, value: &Value) -> Option<BTreeMap<String, String>> {
        let mut tags = BTreeMap::new();
        let mut ok = true;
        match value {
            // The map form: Tags: { team: support }.
            Value::Object(map) => {
                for (key, value) in map {
                    let path = format!("Tags.{key}");
                    match self.scalar(&path, value) {
                        Some(value) => ok &= self.tag(&path, key, value, &mut tags),
                        None => ok = false,
                    }
                }
            }
            // CloudFormation's list form: Tags: [{ Key: team, Value: support }].
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    let path = format!("Tags[{i}]");
                    let Some(fields) = self.object(&path, item) else {
                        ok = false;
                        continue;
                    };
                    self.known_fields(&path, fields, &["Key", "Value"]);
                    let key = self
                        .required_at(&path, "Key", fields)
                        .and_then(|v| self.scalar(&format!("{path}.Key"), v));
                    let value = self
                        .required_at(&path, "Value", fields)
                        .and_then(|v| self.scalar(&format!("{path}.Value"), v));
                    match (key, value) {
                        (Some(key), Some(value)) => {
                            if tags.contains_key(&key) {
                                self.error(
                                    &format!("{path}.Key"),
                                    format!("{key:?} is listed more than once"),
                                );
                                ok = false;
                            } else {
                                ok &= self.tag(&path, &key, value, &mut tags);
                            }
                        }
                        _ => ok = false,
                    }
                }
            }
            other => {
                self.error(
                    "Tags",
                    format!(
                        "{} is not a map of key to value or a list of {{Key, Value}}",
                        show(other)
                    ),
                );
                return None;
            }
        }
        if tags.len() > MAX_TAGS - MARKER_TAGS {
            self.error(
                "Tags",
                format!(
                    "{} tags given; at most {} are allowed ({MAX_TAGS} per profile, {MARKER_TAGS} used by this function's ownership marker)",
                    tags.len(),
                    MAX_TAGS - MARKER_TAGS
                ),
            );
            ok = false;
        }
        ok.then_some(tags)
    }

    fn tag(
        &mut self,
        path: &str,
        key: &str,
        value: String,
        tags: &mut BTreeMap<String, String>,
    ) -> bool {
        let key_len = key.chars().count();
        let problem = if key_len == 0 || key_len > 128 {
            Some(format!(
                "key {key:?} must be 1-128 characters, not {key_len}"
            ))
        } else if key.starts_with("aws:") {
            Some(format!(
                "key {key:?} must not start with \"aws:\" (reserved by AWS)"
            ))
        } else if key.starts_with(RESERVED_TAG_PREFIX) {
            Some(format!(
                "key {key:?} must not start with {RESERVED_TAG_PREFIX:?} (this function's ownership marker)"
            ))
        } else if value.chars().count() > 256 {
            Some(format!(
                "value {} must be at most 256 characters, not {}",
                show(&Value::String(value.clone())),
                value.chars().count()
            ))
        } else {
            None
        };
        match problem {
            Some(problem) => {
                self.error(path, problem);
                false
            }
            None => {
                tags.insert(key.to_string(), value);
                true
            }
        }
    }

    /// An instance ID, or the instance ARN reduced to its ID.
    fn instance_id(&mut self, path: &str, value: &Value) -> Option<String> {
        let text = self.string(path, value, 1, 250)?;
        if text.starts_with("arn:") {
            return match arn::parse(&text) {
                Some(ConnectArn {
                    instance_id,
                    resource: None,
                }) => Some(instance_id.to_string()),
                _ => {
                    self.error(
                        path,
                        format!(
                            "{text:?} is not an Amazon Connect instance ARN (arn:aws:connect:REGION:ACCOUNT:instance/ID)"
                        ),
                    );
                    None
                }
            };
        }
        self.plain_id(path, text)
    }

    /// A queue ID, or a queue ARN reduced to its ID; an ARN must be of the profile's instance.
    fn queue_id(&mut self, path: &str, value: &Value, instance_id: Option<&str>) -> Option<String> {
        let text = self.string(path, value, 1, 350)?;
        if !text.starts_with("arn:") {
            return self.plain_id(path, text);
        }
        match arn::parse(&text) {
            Some(ConnectArn {
                instance_id: queue_instance,
                resource: Some(("queue", queue_id)),
            }) => {
                if let Some(instance_id) = instance_id
                    && instance_id != queue_instance
                {
                    self.error(
                        path,
                        format!(
                            "queue {text:?} belongs to instance {queue_instance:?}, not to InstanceId {instance_id:?}"
                        ),
                    );
                    return None;
                }
                Some(queue_id.to_string())
            }
            _ => {
                self.error(
                    path,
                    format!(
                        "{text:?} is not an Amazon Connect queue ARN (arn:aws:connect:REGION:ACCOUNT:instance/ID/queue/ID)"
                    ),
                );
                None
            }
        }
    }

    fn plain_id(&mut self, path: &str, text: String) -> Option<String> {
        let bad = text.chars().count() > 100
            || text
                .chars()
                .any(|c| c.is_whitespace() || c == '/' || c == ':');
        if bad {
            self.error(
                path,
                format!(
                    "{text:?} is neither an ID (1-100 characters, no '/', ':' or spaces) nor an ARN"
                ),
            );
            return None;
        }
        Some(text)
    }

    fn object<'v>(&mut self, path: &str, value: &'v Value) -> Option<&'v Map<String, Value>> {
        match value {
            Value::Object(fields) => Some(fields),
            other => {
                self.error(path, format!("{} is not an object", show(other)));
                None
            }
        }
    }

    fn list<'v>(&mut self, path: &str, value: &'v Value) -> Option<&'v Vec<Value>> {
        match value {
            Value::Array(items) => Some(items),
            other => {
                self.error(path, format!("{} is not a list", show(other)));
                None
            }
        }
    }

    fn known_fields(&mut self, path: &str, fields: &Map<String, Value>, known: &[&str]) {
        for key in fields.keys() {
            if known.contains(&key.as_str()) {
                continue;
            }
            let at = if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            };
            let problem = match closest(key, known) {
                Some(suggestion) => format!("unknown property (did you mean {suggestion}?)"),
                None => format!("unknown property; expected one of {}", known.join(", ")),
            };
            self.error(&at, problem);
        }
    }

    fn required<'v>(&mut self, key: &str, fields: &'v Map<String, Value>) -> Option<&'v Value> {
        self.required_at("", key, fields)
    }

    fn required_at<'v>(
        &mut self,
        path: &str,
        key: &str,
        fields: &'v Map<String, Value>,
    ) -> Option<&'v Value> {
        let value = optional(fields, key);
        if value.is_none() {
            let at = if path.is_empty() {
                key.to_string()
            } else {
                format!("{path}.{key}")
            };
            self.error(&at, "is required");
        }
        value
    }

    fn string(&mut self, path: &str, value: &Value, min: usize, max: usize) -> Option<String> {
        let Value::String(text) = value else {
            self.error(path, format!("{} is not a string", show(value)));
            return None;
        };
        let len = text.chars().count();
        if len < min || len > max {
            self.error(
                path,
                format!("{} must be {min}-{max} characters, not {len}", show(value)),
            );
            return None;
        }
        Some(text.clone())
    }

    /// A string, number or boolean as text: tag values written by hand are often numbers.
    fn scalar(&mut self, path: &str, value: &Value) -> Option<String> {
        match value {
            Value::String(text) => Some(text.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            other => {
                self.error(path, format!("{} is not a string", show(other)));
                None
            }
        }
    }

    /// An integer given as CloudFormation sends it (`"1"`) or as people write it (`1`).
    fn integer(&mut self, path: &str, value: &Value, min: i64, max: i64) -> Option<i32> {
        let parsed = match value {
            Value::Number(n) => n.as_i64(),
            Value::String(text) => text.parse::<i64>().ok(),
            _ => None,
        };
        let Some(n) = parsed else {
            self.error(path, format!("{} is not a whole number", show(value)));
            return None;
        };
        if n < min || n > max {
            let range = if min == max {
                format!("must be exactly {min}")
            } else {
                format!("must be between {min} and {max}")
            };
            self.error(path, format!("{} {range}", show(value)));
            return None;
        }
        i32::try_from(n).ok()
    }

    fn one_of<T: Copy>(&mut self, path: &str, value: &Value, choices: &[(&str, T)]) -> Option<T> {
        let found = value
            .as_str()
            .and_then(|text| choices.iter().find(|(name, _)| *name == text));
        if found.is_none() {
            let names: Vec<&str> = choices.iter().map(|(name, _)| *name).collect();
            self.error(
                path,
                format!("{} is not one of {}", show(value), names.join(", ")),
            );
        }
        found.map(|(_, choice)| *choice)
    }
}

/// A present, non-null field: `AWS::NoValue` removes a key, hand-written events sometimes say null.
fn optional<'v>(fields: &'v Map<String, Value>, key: &str) -> Option<&'v Value> {
    fields.get(key).filter(|v| !v.is_null())
}

/// A value as it appeared in the event, cut short so a Reason stays readable.
fn show(value: &Value) -> String {
    const MAX: usize = 80;
    let text = value.to_string();
    if text.chars().count() <= MAX {
        text
    } else {
        let cut: String = text.chars().take(MAX).collect();
        format!("{cut}…")
    }
}

/// The known name closest to a misspelt one, if it is close enough to be a typo.
fn closest<'k>(name: &str, known: &[&'k str]) -> Option<&'k str> {
    known
        .iter()
        .map(|k| (edit_distance(&name.to_lowercase(), &k.to_lowercase()), *k))
        .filter(|(d, k)| *d <= 3.max(k.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const INSTANCE: &str = "5f0e8c1a-3b7d-4e2a-9c61-7d2b8e4f1a90";

    fn valid() -> Value {
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

    fn errors_of(properties: Value) -> Vec<String> {
        match parse(&properties) {
            Ok(p) => panic!("expected errors, parsed {p:?}"),
            Err(e) => e.0.iter().map(ToString::to_string).collect(),
        }
    }

    fn with(mut properties: Value, pointer: &str, value: Value) -> Value {
        *properties
            .pointer_mut(pointer)
            .unwrap_or_else(|| panic!("no {pointer}")) = value;
        properties
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
                max_contacts: 1,
                cross_channel: CrossChannelBehavior::RouteAnyChannel
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
    fn names_the_path_and_value_of_a_bad_enum() {
        let props = with(
            valid(),
            "/QueueConfigs/1/QueueReference/Channel",
            json!("FAX"),
        );
        assert_eq!(
            errors_of(props),
            [
                "QueueConfigs[1].QueueReference.Channel: \"FAX\" is not one of VOICE, CHAT, TASK, EMAIL"
            ]
        );
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
                "MediaConcurrencies[1].Behavior: unknown property; expected one of Channel, Concurrency, CrossChannelBehavior"
            ]
        );
    }

    #[test]
    fn enforces_numeric_ranges() {
        let cases = [
            (
                "/QueueConfigs/0/Priority",
                json!("0"),
                "QueueConfigs[0].Priority: \"0\" must be between 1 and 99",
            ),
            (
                "/QueueConfigs/0/Priority",
                json!(100),
                "QueueConfigs[0].Priority: 100 must be between 1 and 99",
            ),
            (
                "/QueueConfigs/0/Priority",
                json!("1.5"),
                "QueueConfigs[0].Priority: \"1.5\" is not a whole number",
            ),
            (
                "/QueueConfigs/0/Priority",
                json!("one"),
                "QueueConfigs[0].Priority: \"one\" is not a whole number",
            ),
            (
                "/QueueConfigs/0/Delay",
                json!("-1"),
                "QueueConfigs[0].Delay: \"-1\" must be between 0 and 9999",
            ),
            (
                "/QueueConfigs/0/Delay",
                json!(10000),
                "QueueConfigs[0].Delay: 10000 must be between 0 and 9999",
            ),
            (
                "/MediaConcurrencies/0/Concurrency",
                json!("2"),
                "MediaConcurrencies[0].Concurrency: \"2\" must be exactly 1",
            ),
            (
                "/MediaConcurrencies/1/Concurrency",
                json!("11"),
                "MediaConcurrencies[1].Concurrency: \"11\" must be between 1 and 10",
            ),
            (
                "/MediaConcurrencies/1/Concurrency",
                json!(0),
                "MediaConcurrencies[1].Concurrency: 0 must be between 1 and 10",
            ),
        ];
        for (pointer, value, expected) in cases {
            assert_eq!(
                errors_of(with(valid(), pointer, value)),
                [expected],
                "{pointer}"
            );
        }
        for ok in [json!("99"), json!(1), json!(50)] {
            assert!(parse(&with(valid(), "/QueueConfigs/0/Priority", ok)).is_ok());
        }
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
    fn rejects_duplicates_and_manual_voice() {
        let dup_queue = with(
            valid(),
            "/QueueConfigs/1",
            json!({ "QueueReference": { "QueueId": "q-voice", "Channel": "VOICE" }, "Priority": 3, "Delay": 0 }),
        );
        assert_eq!(
            errors_of(dup_queue),
            ["QueueConfigs[1]: queue \"q-voice\" on channel VOICE is listed more than once"]
        );
        let same_queue_other_channel = with(
            valid(),
            "/QueueConfigs/1/QueueReference/QueueId",
            json!("q-voice"),
        );
        assert!(parse(&same_queue_other_channel).is_ok());
        let dup_channel = with(
            valid(),
            "/MediaConcurrencies/1",
            json!({ "Channel": "VOICE", "Concurrency": 1 }),
        );
        assert!(errors_of(dup_channel).contains(
            &"MediaConcurrencies[1].Channel: \"VOICE\" is listed more than once".to_string()
        ));
        let manual_voice = with(
            valid(),
            "/ManualAssignmentQueueConfigs/0/QueueReference/Channel",
            json!("VOICE"),
        );
        assert_eq!(
            errors_of(manual_voice),
            [
                "ManualAssignmentQueueConfigs[0].QueueReference.Channel: \"VOICE\" cannot be assigned manually; use CHAT, TASK or EMAIL"
            ]
        );
        let manual_dup = with(
            valid(),
            "/ManualAssignmentQueueConfigs",
            json!([
                { "QueueReference": { "QueueId": "q-task", "Channel": "TASK" } },
                { "QueueReference": { "QueueId": "q-task", "Channel": "TASK" } }
            ]),
        );
        assert_eq!(
            errors_of(manual_dup),
            [
                "ManualAssignmentQueueConfigs[1]: queue \"q-task\" on channel TASK is listed more than once"
            ]
        );
        assert_eq!(
            errors_of(with(valid(), "/MediaConcurrencies", json!([]))),
            [
                "MediaConcurrencies: must list at least one channel, e.g. [{ Channel: VOICE, Concurrency: 1 }]"
            ]
        );
    }

    #[test]
    fn checks_ids_and_arns() {
        assert_eq!(
            errors_of(with(
                valid(),
                "/InstanceId",
                json!("arn:aws:connect:us-east-1:1:instance/i/queue/q")
            )),
            [
                "InstanceId: \"arn:aws:connect:us-east-1:1:instance/i/queue/q\" is not an Amazon Connect instance ARN (arn:aws:connect:REGION:ACCOUNT:instance/ID)"
            ]
        );
        let other_instance = "arn:aws:connect:us-east-1:123456789012:instance/other/queue/q-out";
        assert_eq!(
            errors_of(with(
                valid(),
                "/DefaultOutboundQueueId",
                json!(other_instance)
            )),
            [format!(
                "DefaultOutboundQueueId: queue \"{other_instance}\" belongs to instance \"other\", not to InstanceId \"{INSTANCE}\""
            )]
        );
        assert_eq!(
            errors_of(with(
                valid(),
                "/QueueConfigs/0/QueueReference/QueueId",
                json!("has space")
            )),
            [
                "QueueConfigs[0].QueueReference.QueueId: \"has space\" is neither an ID (1-100 characters, no '/', ':' or spaces) nor an ARN"
            ]
        );
        assert_eq!(
            errors_of(with(valid(), "/InstanceId", json!(7))),
            ["InstanceId: 7 is not a string"]
        );
    }

    #[test]
    fn accepts_both_tag_forms_and_enforces_tag_rules() {
        let list = with(
            valid(),
            "/Tags",
            json!([{ "Key": "team", "Value": "support" }, { "Key": "cost", "Value": 42 }]),
        );
        let tags = parse(&list).expect("list form").profile.tags;
        assert_eq!(tags.get("cost").map(String::as_str), Some("42"));
        assert_eq!(tags.len(), 2);
        let cases = [
            (
                json!({ "aws:cloudformation:x": "v" }),
                "Tags.aws:cloudformation:x: key \"aws:cloudformation:x\" must not start with \"aws:\" (reserved by AWS)",
            ),
            (
                json!({ "cfn-custom-resource:stack-id": "v" }),
                "Tags.cfn-custom-resource:stack-id: key \"cfn-custom-resource:stack-id\" must not start with \"cfn-custom-resource:\" (this function's ownership marker)",
            ),
            (
                json!([{ "Key": "", "Value": "v" }]),
                "Tags[0]: key \"\" must be 1-128 characters, not 0",
            ),
            (
                json!([{ "Key": "a", "Value": "1" }, { "Key": "a", "Value": "2" }]),
                "Tags[1].Key: \"a\" is listed more than once",
            ),
            (json!([{ "Key": "a" }]), "Tags[0].Value: is required"),
            (
                json!("team=support"),
                "Tags: \"team=support\" is not a map of key to value or a list of {Key, Value}",
            ),
        ];
        for (tags, expected) in cases {
            assert_eq!(
                errors_of(with(valid(), "/Tags", tags.clone())),
                [expected],
                "{tags}"
            );
        }
        let long_value = with(valid(), "/Tags", json!({ "k": "v".repeat(257) }));
        assert!(errors_of(long_value)[0].contains("must be at most 256 characters, not 257"));
        let too_many: Map<String, Value> = (0..49).map(|i| (format!("k{i}"), json!("v"))).collect();
        assert_eq!(
            errors_of(with(valid(), "/Tags", Value::Object(too_many))),
            [
                "Tags: 49 tags given; at most 48 are allowed (50 per profile, 2 used by this function's ownership marker)"
            ]
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
