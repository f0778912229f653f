//! `MediaConcurrencies`: one entry per channel the profile serves, at least one, each with how
//! many contacts of that channel an agent handles at once and what else they may be offered, and
//! optionally the same by workload type (`WorkloadTypeConcurrencies`). A channel gives its
//! `Concurrency`, its workload types, or both.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

use serde_json::{Map, Value};

use super::reader::{Reader, fits, optional, show};
use crate::constraints::{self, Length, Range};
use crate::model::{
    Channel, ChannelWorkloadBehavior, Concurrency, CrossChannelBehavior, WorkloadConcurrency,
};

/// The fields of one `MediaConcurrencies` entry.
const MEDIA_CONCURRENCY_FIELDS: &[&str] = &[
    "Channel",
    "Concurrency",
    "CrossChannelBehavior",
    "WorkloadTypeConcurrencies",
];
/// The fields of a `CrossChannelBehavior`.
const CROSS_CHANNEL_FIELDS: &[&str] = &["BehaviorType"];
/// The fields of one `WorkloadTypeConcurrencies` entry.
const WORKLOAD_TYPE_FIELDS: &[&str] = &[
    "WorkloadType",
    "Concurrency",
    "CrossChannelWorkloadBehavior",
];
/// The fields of a `CrossChannelWorkloadBehavior`.
const CROSS_CHANNEL_WORKLOAD_FIELDS: &[&str] = &["ChannelWorkloadBehaviorType"];

/// `MediaConcurrencies`: the enabled channels.
pub(super) fn media_concurrencies(
    r: &mut Reader,
    value: &Value,
) -> Option<BTreeMap<Channel, Concurrency>> {
    let items = r.list("MediaConcurrencies", value)?;
    if items.is_empty() {
        r.error(
            "MediaConcurrencies",
            "must list at least one channel, e.g. [{ Channel: VOICE, Concurrency: 1 }]",
        );
        return None;
    }
    let mut concurrency = BTreeMap::new();
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        let path = format!("MediaConcurrencies[{i}]");
        let Some(fields) = r.object(&path, item) else {
            ok = false;
            continue;
        };
        match media_concurrency(r, &path, fields) {
            Some((channel, settings)) => match concurrency.entry(channel) {
                Entry::Occupied(_) => {
                    r.error(
                        &format!("{path}.Channel"),
                        format!("{:?} is listed more than once", channel.as_str()),
                    );
                    ok = false;
                }
                Entry::Vacant(slot) => {
                    slot.insert(settings);
                }
            },
            None => ok = false,
        }
    }
    ok.then_some(concurrency)
}

/// One `MediaConcurrencies` entry.
fn media_concurrency(
    r: &mut Reader,
    path: &str,
    fields: &Map<String, Value>,
) -> Option<(Channel, Concurrency)> {
    r.known_fields(path, fields, MEDIA_CONCURRENCY_FIELDS);
    let channel = r
        .required_at(path, "Channel", fields)
        .and_then(|v| r.one_of(&format!("{path}.Channel"), v, &Channel::ALL));
    // The model makes Concurrency optional, for channels given by workload types; a channel with
    // neither would take no contacts at all, below every channel's documented minimum of 1.
    let by_workload_type = optional(fields, "WorkloadTypeConcurrencies").is_some();
    let max_contacts = match optional(fields, "Concurrency") {
        Some(v) => {
            let range = allowed(
                channel,
                constraints::CONCURRENCY,
                &constraints::CONCURRENCY_PER_CHANNEL,
            );
            r.integer(&format!("{path}.Concurrency"), v, range)
                .map(Some)
        }
        None if by_workload_type => Some(None),
        None => {
            r.error(
                &format!("{path}.Concurrency"),
                "is required when the channel has no WorkloadTypeConcurrencies",
            );
            None
        }
    };
    let cross_channel = match optional(fields, "CrossChannelBehavior") {
        Some(v) => cross_channel(r, &format!("{path}.CrossChannelBehavior"), v),
        None => Some(CrossChannelBehavior::default()),
    };
    let workload_types = match optional(fields, "WorkloadTypeConcurrencies") {
        Some(v) => workload_types(r, &format!("{path}.WorkloadTypeConcurrencies"), v, channel),
        None => Some(BTreeMap::new()),
    };
    Some((
        channel?,
        Concurrency {
            max_contacts: max_contacts?,
            cross_channel: cross_channel?,
            workload_types: workload_types?,
        },
    ))
}

/// The range Connect documents for `channel` in `per_channel`, within what the model allows;
/// for a channel that is itself wrong (already reported), what some channel allows, so that a
/// value no channel takes is reported too.
fn allowed(channel: Option<Channel>, model: Range, per_channel: &[(&str, Range)]) -> Range {
    let of_channel = channel.and_then(|channel| {
        per_channel
            .iter()
            .find(|(name, _)| *name == channel.as_str())
            .map(|(_, range)| *range)
    });
    let documented = of_channel.unwrap_or_else(|| Range {
        min: per_channel
            .iter()
            .map(|(_, r)| r.min)
            .min()
            .unwrap_or(model.min),
        max: per_channel
            .iter()
            .map(|(_, r)| r.max)
            .max()
            .unwrap_or(model.max),
    });
    Range {
        min: documented.min.max(model.min),
        max: documented.max.min(model.max),
    }
}

fn cross_channel(r: &mut Reader, path: &str, value: &Value) -> Option<CrossChannelBehavior> {
    let fields = r.object(path, value)?;
    r.known_fields(path, fields, CROSS_CHANNEL_FIELDS);
    let behavior = r.required_at(path, "BehaviorType", fields)?;
    r.one_of(
        &format!("{path}.BehaviorType"),
        behavior,
        &CrossChannelBehavior::ALL,
    )
}

/// `WorkloadTypeConcurrencies` of one channel: 1-5 entries, each workload type once.
fn workload_types(
    r: &mut Reader,
    path: &str,
    value: &Value,
    channel: Option<Channel>,
) -> Option<BTreeMap<String, WorkloadConcurrency>> {
    let items = r.list(path, value)?;
    let Length { min, max } = constraints::WORKLOAD_TYPE_CONCURRENCIES;
    if !fits(items.len(), constraints::WORKLOAD_TYPE_CONCURRENCIES) {
        let hint = if items.is_empty() {
            " (leave WorkloadTypeConcurrencies out for none)"
        } else {
            ""
        };
        r.error(
            path,
            format!(
                "lists {} workload types; a channel takes {min}-{max}{hint}",
                items.len()
            ),
        );
        return None;
    }
    let mut workload_types = BTreeMap::new();
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        let path = format!("{path}[{i}]");
        let Some(fields) = r.object(&path, item) else {
            ok = false;
            continue;
        };
        match workload_type(r, &path, fields, channel) {
            Some((name, settings)) => match workload_types.entry(name) {
                Entry::Occupied(slot) => {
                    let on = channel.map_or(String::new(), |c| format!(" for {}", c.as_str()));
                    r.error(
                        &format!("{path}.WorkloadType"),
                        format!("{:?} is listed more than once{on}", slot.key()),
                    );
                    ok = false;
                }
                Entry::Vacant(slot) => {
                    slot.insert(settings);
                }
            },
            None => ok = false,
        }
    }
    ok.then_some(workload_types)
}

/// One `WorkloadTypeConcurrencies` entry.
fn workload_type(
    r: &mut Reader,
    path: &str,
    fields: &Map<String, Value>,
    channel: Option<Channel>,
) -> Option<(String, WorkloadConcurrency)> {
    r.known_fields(path, fields, WORKLOAD_TYPE_FIELDS);
    // The model says only "string": any text Connect's workload types use, but not none at all.
    let name = r.required_at(path, "WorkloadType", fields).and_then(|v| {
        let path = format!("{path}.WorkloadType");
        match v {
            Value::String(text) if !text.trim().is_empty() => Some(text.clone()),
            Value::String(_) => {
                r.error(&path, format!("{} names no workload type", show(v)));
                None
            }
            other => {
                r.error(&path, format!("{} is not a string", show(other)));
                None
            }
        }
    });
    let max_contacts = r.required_at(path, "Concurrency", fields).and_then(|v| {
        let range = allowed(
            channel,
            constraints::WORKLOAD_TYPE_CONCURRENCY,
            &constraints::WORKLOAD_TYPE_CONCURRENCY_PER_CHANNEL,
        );
        r.integer(&format!("{path}.Concurrency"), v, range)
    });
    let cross_channel = match optional(fields, "CrossChannelWorkloadBehavior") {
        Some(v) => cross_channel_workload(r, &format!("{path}.CrossChannelWorkloadBehavior"), v),
        None => Some(ChannelWorkloadBehavior::default()),
    };
    Some((
        name?,
        WorkloadConcurrency {
            max_contacts: max_contacts?,
            cross_channel: cross_channel?,
        },
    ))
}

/// `CrossChannelWorkloadBehavior`: the model makes its one member optional, so `{}` is the default.
fn cross_channel_workload(
    r: &mut Reader,
    path: &str,
    value: &Value,
) -> Option<ChannelWorkloadBehavior> {
    let fields = r.object(path, value)?;
    r.known_fields(path, fields, CROSS_CHANNEL_WORKLOAD_FIELDS);
    match optional(fields, "ChannelWorkloadBehaviorType") {
        Some(v) => r.one_of(
            &format!("{path}.ChannelWorkloadBehaviorType"),
            v,
            &ChannelWorkloadBehavior::ALL,
        ),
        None => Some(ChannelWorkloadBehavior::default()),
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{errors_of, valid, with};
    use super::*;
    use crate::properties::parse;
    use serde_json::json;

    #[test]
    fn enforces_each_channels_concurrency() {
        let cases = [
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
    }

    #[test]
    fn every_channel_has_its_documented_range() {
        for (name, channel) in Channel::ALL {
            let documented = constraints::CONCURRENCY_PER_CHANNEL
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, range)| *range);
            let range = allowed(
                Some(channel),
                constraints::CONCURRENCY,
                &constraints::CONCURRENCY_PER_CHANNEL,
            );
            assert_eq!(Some(range), documented, "{name}");
        }
        let any_channel = allowed(
            None,
            constraints::CONCURRENCY,
            &constraints::CONCURRENCY_PER_CHANNEL,
        );
        assert_eq!(any_channel, Range { min: 1, max: 10 });
        let narrowed = allowed(
            Some(Channel::Chat),
            Range { min: 2, max: 4 },
            &constraints::CONCURRENCY_PER_CHANNEL,
        );
        assert_eq!(
            narrowed,
            Range { min: 2, max: 4 },
            "never wider than the model"
        );
        let bad_channel = with(
            valid(),
            "/MediaConcurrencies/1",
            json!({ "Channel": "FAX", "Concurrency": 0 }),
        );
        assert_eq!(
            errors_of(bad_channel),
            [
                "MediaConcurrencies[1].Channel: \"FAX\" is not one of VOICE, CHAT, TASK, EMAIL",
                "MediaConcurrencies[1].Concurrency: 0 must be between 1 and 10",
            ]
        );
    }

    #[test]
    fn rejects_a_channel_twice_and_an_empty_list() {
        let dup_channel = with(
            valid(),
            "/MediaConcurrencies/1",
            json!({ "Channel": "VOICE", "Concurrency": 1 }),
        );
        assert!(errors_of(dup_channel).contains(
            &"MediaConcurrencies[1].Channel: \"VOICE\" is listed more than once".to_string()
        ));
        assert_eq!(
            errors_of(with(valid(), "/MediaConcurrencies", json!([]))),
            [
                "MediaConcurrencies: must list at least one channel, e.g. [{ Channel: VOICE, Concurrency: 1 }]"
            ]
        );
    }

    #[test]
    fn cross_channel_behavior_defaults_to_the_current_channel_only() {
        let chat_with = |behavior| {
            with(
                valid(),
                "/MediaConcurrencies/1",
                json!({ "Channel": "CHAT", "Concurrency": 3, "CrossChannelBehavior": behavior }),
            )
        };
        let any = chat_with(json!({ "BehaviorType": "ROUTE_ANY_CHANNEL" }));
        let chat =
            |props| parse(&props).expect("valid").profile.concurrency[&Channel::Chat].clone();
        assert_eq!(
            chat(any).cross_channel,
            CrossChannelBehavior::RouteAnyChannel
        );
        assert_eq!(
            chat(valid()).cross_channel,
            CrossChannelBehavior::RouteCurrentChannelOnly
        );
        assert_eq!(
            errors_of(chat_with(json!({}))),
            ["MediaConcurrencies[1].CrossChannelBehavior.BehaviorType: is required"]
        );
    }

    fn chat_with_workloads(workloads: Value) -> Value {
        with(
            valid(),
            "/MediaConcurrencies/1",
            json!({ "Channel": "CHAT", "Concurrency": 3, "WorkloadTypeConcurrencies": workloads }),
        )
    }

    #[test]
    fn reads_workload_types_with_their_behavior() {
        let props = chat_with_workloads(json!([
            { "WorkloadType": "billing", "Concurrency": "2",
              "CrossChannelWorkloadBehavior": { "ChannelWorkloadBehaviorType": "ROUTE_ANY_CHANNEL_ANY_WORKLOAD_TYPE" } },
            { "WorkloadType": "sales", "Concurrency": 1 },
            { "WorkloadType": "returns", "Concurrency": 10, "CrossChannelWorkloadBehavior": {} }
        ]));
        let profile = parse(&props).expect("valid").profile;
        let chat = &profile.concurrency[&Channel::Chat];
        let expected = BTreeMap::from([
            (
                "billing".to_string(),
                WorkloadConcurrency {
                    max_contacts: 2,
                    cross_channel: ChannelWorkloadBehavior::RouteAnyChannelAnyWorkloadType,
                },
            ),
            (
                "returns".to_string(),
                WorkloadConcurrency {
                    max_contacts: 10,
                    cross_channel:
                        ChannelWorkloadBehavior::RouteCurrentChannelCurrentWorkloadTypeOnly,
                },
            ),
            (
                "sales".to_string(),
                WorkloadConcurrency {
                    max_contacts: 1,
                    cross_channel:
                        ChannelWorkloadBehavior::RouteCurrentChannelCurrentWorkloadTypeOnly,
                },
            ),
        ]);
        assert_eq!(chat.workload_types, expected);
        assert!(
            profile.concurrency[&Channel::Voice]
                .workload_types
                .is_empty()
        );
    }

    #[test]
    fn enforces_workload_type_rules_from_the_table() {
        let at = "MediaConcurrencies[1].WorkloadTypeConcurrencies";
        let six: Vec<Value> = (0..6)
            .map(|i| json!({ "WorkloadType": format!("w{i}"), "Concurrency": 1 }))
            .collect();
        let five = Value::Array(six[..5].to_vec());
        assert!(parse(&chat_with_workloads(five)).is_ok());
        let cases = [
            (
                json!([]),
                format!(
                    "{at}: lists 0 workload types; a channel takes 1-5 (leave WorkloadTypeConcurrencies out for none)"
                ),
            ),
            (
                Value::Array(six),
                format!("{at}: lists 6 workload types; a channel takes 1-5"),
            ),
            (
                json!({ "WorkloadType": "billing" }),
                format!("{at}: {{\"WorkloadType\":\"billing\"}} is not a list"),
            ),
            (
                json!([{ "WorkloadType": "billing", "Concurrency": 11 }]),
                format!("{at}[0].Concurrency: 11 must be between 1 and 10"),
            ),
            (
                json!([{ "WorkloadType": "billing", "Concurrency": "0" }]),
                format!("{at}[0].Concurrency: \"0\" must be between 1 and 10"),
            ),
            (
                json!([{ "WorkloadType": " ", "Concurrency": 1 }]),
                format!("{at}[0].WorkloadType: \" \" names no workload type"),
            ),
            (
                json!([{ "WorkloadType": 7, "Concurrency": 1 }]),
                format!("{at}[0].WorkloadType: 7 is not a string"),
            ),
            (
                json!([{ "Concurrency": 1 }]),
                format!("{at}[0].WorkloadType: is required"),
            ),
            (
                json!([{ "WorkloadType": "a", "Concurrency": 1 }, { "WorkloadType": "a", "Concurrency": 2 }]),
                format!("{at}[1].WorkloadType: \"a\" is listed more than once for CHAT"),
            ),
            (
                json!([{ "WorkloadType": "a", "Concurrency": 1,
                         "CrossChannelWorkloadBehavior": { "ChannelWorkloadBehaviorType": "ROUTE_ANY_CHANNEL" } }]),
                format!(
                    "{at}[0].CrossChannelWorkloadBehavior.ChannelWorkloadBehaviorType: \"ROUTE_ANY_CHANNEL\" is not one of ROUTE_CURRENT_CHANNEL_CURRENT_WORKLOADTYPE_ONLY, ROUTE_CURRENT_CHANNEL_ANY_WORKLOADTYPE_ONLY, ROUTE_ANY_CHANNEL_ANY_WORKLOAD_TYPE"
                ),
            ),
            (
                json!([{ "WorkloadType": "a", "Concurrency": 1, "Behavior": "x" }]),
                format!(
                    "{at}[0].Behavior: unknown property; expected one of WorkloadType, Concurrency, CrossChannelWorkloadBehavior"
                ),
            ),
        ];
        for (workloads, expected) in cases {
            assert_eq!(
                errors_of(chat_with_workloads(workloads.clone())),
                [expected],
                "{workloads}"
            );
        }
    }

    #[test]
    fn a_channel_may_be_given_by_its_workload_types_alone() {
        let only = |channel: &str, concurrency: i32| {
            json!({ "Channel": channel,
                    "WorkloadTypeConcurrencies": [{ "WorkloadType": "billing", "Concurrency": concurrency }] })
        };
        let props = with(
            with(valid(), "/MediaConcurrencies/1", only("CHAT", 4)),
            "/MediaConcurrencies/0",
            only("VOICE", 1),
        );
        let profile = parse(&props).expect("valid").profile;
        for channel in [Channel::Voice, Channel::Chat] {
            let read = &profile.concurrency[&channel];
            assert_eq!(read.max_contacts, None, "{channel:?}");
            assert_eq!(read.workload_types.len(), 1, "{channel:?}");
        }
        // Both given: each within its own documented range, and no relation between them is
        // required (Connect's documentation states none).
        let both = with(
            valid(),
            "/MediaConcurrencies/1",
            json!({ "Channel": "CHAT", "Concurrency": 1,
                    "WorkloadTypeConcurrencies": [{ "WorkloadType": "a", "Concurrency": 5 },
                                                  { "WorkloadType": "b", "Concurrency": 5 }] }),
        );
        let chat = parse(&both).expect("valid").profile.concurrency[&Channel::Chat].clone();
        assert_eq!(chat.max_contacts, Some(1));
        // Null is absent, as for every optional field.
        let null = with(
            valid(),
            "/MediaConcurrencies/1",
            json!({ "Channel": "CHAT", "Concurrency": null,
                    "WorkloadTypeConcurrencies": [{ "WorkloadType": "a", "Concurrency": 2 }] }),
        );
        assert!(parse(&null).is_ok());
    }

    #[test]
    fn a_channel_needs_its_concurrency_or_workload_types() {
        let neither = with(
            valid(),
            "/MediaConcurrencies/1",
            json!({ "Channel": "CHAT" }),
        );
        assert_eq!(
            errors_of(neither),
            [
                "MediaConcurrencies[1].Concurrency: is required when the channel has no WorkloadTypeConcurrencies"
            ]
        );
        // Workload types that are themselves wrong are reported once, not as a missing Concurrency.
        let empty = with(
            valid(),
            "/MediaConcurrencies/1",
            json!({ "Channel": "CHAT", "WorkloadTypeConcurrencies": [] }),
        );
        assert_eq!(
            errors_of(empty),
            [
                "MediaConcurrencies[1].WorkloadTypeConcurrencies: lists 0 workload types; a channel takes 1-5 (leave WorkloadTypeConcurrencies out for none)"
            ]
        );
        // Given, Concurrency keeps its documented range, with or without workload types.
        let zero = with(
            valid(),
            "/MediaConcurrencies/1",
            json!({ "Channel": "CHAT", "Concurrency": 0,
                    "WorkloadTypeConcurrencies": [{ "WorkloadType": "a", "Concurrency": 2 }] }),
        );
        assert_eq!(
            errors_of(zero),
            ["MediaConcurrencies[1].Concurrency: 0 must be between 1 and 10"]
        );
    }

    #[test]
    fn a_voice_workload_type_handles_one_contact() {
        let voice = with(
            valid(),
            "/MediaConcurrencies/0",
            json!({ "Channel": "VOICE", "Concurrency": 1,
                    "WorkloadTypeConcurrencies": [{ "WorkloadType": "callback", "Concurrency": 2 }] }),
        );
        assert_eq!(
            errors_of(voice),
            ["MediaConcurrencies[0].WorkloadTypeConcurrencies[0].Concurrency: 2 must be exactly 1"]
        );
        for (name, channel) in Channel::ALL {
            let documented = constraints::WORKLOAD_TYPE_CONCURRENCY_PER_CHANNEL
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, range)| *range);
            let range = allowed(
                Some(channel),
                constraints::WORKLOAD_TYPE_CONCURRENCY,
                &constraints::WORKLOAD_TYPE_CONCURRENCY_PER_CHANNEL,
            );
            assert_eq!(Some(range), documented, "{name}");
        }
    }
}
