//! `MediaConcurrencies`: one entry per channel the profile serves, at least one, each with how
//! many contacts of that channel an agent handles at once and what else they may be offered.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

use serde_json::{Map, Value};

use super::reader::{Reader, optional};
use crate::constraints::{self, Range};
use crate::model::{Channel, Concurrency, CrossChannelBehavior};

/// The fields of one `MediaConcurrencies` entry.
const MEDIA_CONCURRENCY_FIELDS: &[&str] = &["Channel", "Concurrency", "CrossChannelBehavior"];
/// The fields of a `CrossChannelBehavior`.
const CROSS_CHANNEL_FIELDS: &[&str] = &["BehaviorType"];

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
    let max_contacts = r
        .required_at(path, "Concurrency", fields)
        .and_then(|v| r.integer(&format!("{path}.Concurrency"), v, allowed(channel)));
    let cross_channel = match optional(fields, "CrossChannelBehavior") {
        Some(v) => cross_channel(r, &format!("{path}.CrossChannelBehavior"), v),
        None => Some(CrossChannelBehavior::default()),
    };
    Some((
        channel?,
        Concurrency {
            max_contacts: max_contacts?,
            cross_channel: cross_channel?,
        },
    ))
}

/// The concurrency Connect documents for `channel`; for a channel that is itself wrong (already
/// reported), what some channel allows, so that a value no channel takes is reported too.
fn allowed(channel: Option<Channel>) -> Range {
    let per_channel = constraints::CONCURRENCY_PER_CHANNEL;
    let of_channel = channel.and_then(|channel| {
        per_channel
            .iter()
            .find(|(name, _)| *name == channel.as_str())
            .map(|(_, range)| *range)
    });
    of_channel.unwrap_or_else(|| Range {
        min: per_channel.iter().map(|(_, r)| r.min).min().unwrap_or(0),
        max: per_channel.iter().map(|(_, r)| r.max).max().unwrap_or(0),
    })
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
            assert_eq!(Some(allowed(Some(channel))), documented, "{name}");
        }
        assert_eq!(allowed(None), Range { min: 1, max: 10 });
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
        let chat = |props| parse(&props).expect("valid").profile.concurrency[&Channel::Chat];
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
}
