//! Connect's rules for what this function sends, by the names of Connect's service model.
//!
//! The table itself is `model/connect-constraints.json`, extracted from the published service
//! model (botocore's Connect service JSON, pinned in `model/requirements.txt`) by
//! `model/extract.py`; the emulator and the cfn-lint rules read that file directly. The constants
//! here are the same values in a form the parser can use without reading a file at cold start,
//! and the test at the bottom fails if any of them differs from the table.

/// A string's length in characters, inclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Length {
    /// Fewest characters.
    pub min: usize,
    /// Most characters.
    pub max: usize,
}

/// An integer's range, inclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Range {
    /// Smallest value.
    pub min: i64,
    /// Largest value.
    pub max: i64,
}

/// `InstanceId`: 1-100 characters.
pub const INSTANCE_ID: Length = Length { min: 1, max: 100 };
/// `RoutingProfileName`: 1-127 characters.
pub const ROUTING_PROFILE_NAME: Length = Length { min: 1, max: 127 };
/// `RoutingProfileDescription`: 1-250 characters.
pub const ROUTING_PROFILE_DESCRIPTION: Length = Length { min: 1, max: 250 };
/// `Priority`: 1-99, lower is handled first.
pub const PRIORITY: Range = Range { min: 1, max: 99 };
/// `Delay`: 0-9999 seconds.
pub const DELAY: Range = Range { min: 0, max: 9999 };
/// `Concurrency` as the model states it (0-10 for any channel); see [`CONCURRENCY_PER_CHANNEL`].
pub const CONCURRENCY: Range = Range { min: 0, max: 10 };
/// `WorkloadTypeConcurrencyType`: 1-10 contacts of one workload type.
pub const WORKLOAD_TYPE_CONCURRENCY: Range = Range { min: 1, max: 10 };
/// `WorkloadTypeConcurrencies`: 1-5 entries per channel.
pub const WORKLOAD_TYPE_CONCURRENCIES: Length = Length { min: 1, max: 5 };
/// `TagKey`: 1-128 characters of [`TAG_KEY_PATTERN`].
pub const TAG_KEY: Length = Length { min: 1, max: 128 };
/// `TagKey`'s pattern in the model; [`is_tag_key_char`] is its character class.
pub const TAG_KEY_PATTERN: &str = r"^(?!aws:)[\p{L}\p{Z}\p{N}_.:/=+\-@]*$";
/// `TagValue`: at most 256 characters.
pub const TAG_VALUE: Length = Length { min: 0, max: 256 };
/// `TagMap`: at most 50 tags on a resource, and per TagResource call.
pub const TAG_MAP: Length = Length { min: 1, max: 50 };
/// `TagKeyList`: at most 50 keys per UntagResource call.
pub const TAG_KEY_LIST: Length = Length { min: 1, max: 50 };
/// `RoutingProfileQueueConfigList` (and the manual-assignment list): 1-10 per call.
pub const QUEUE_CONFIGS_PER_CALL: Length = Length { min: 1, max: 10 };
/// `MaxResult100`: page size of the List calls for a profile's queues.
pub const MAX_RESULT_100: Range = Range { min: 1, max: 100 };
/// `MaxResult1000`: page size of ListRoutingProfiles.
pub const MAX_RESULT_1000: Range = Range { min: 1, max: 1000 };
/// `Channel`.
pub const CHANNEL: [&str; 4] = ["VOICE", "CHAT", "TASK", "EMAIL"];
/// `BehaviorType`.
pub const BEHAVIOR_TYPE: [&str; 2] = ["ROUTE_CURRENT_CHANNEL_ONLY", "ROUTE_ANY_CHANNEL"];
/// `ChannelWorkloadBehaviorType`.
pub const CHANNEL_WORKLOAD_BEHAVIOR_TYPE: [&str; 3] = [
    "ROUTE_CURRENT_CHANNEL_CURRENT_WORKLOADTYPE_ONLY",
    "ROUTE_CURRENT_CHANNEL_ANY_WORKLOADTYPE_ONLY",
    "ROUTE_ANY_CHANNEL_ANY_WORKLOAD_TYPE",
];
/// `AgentAvailabilityTimer`.
pub const AGENT_AVAILABILITY_TIMER: [&str; 2] =
    ["TIME_SINCE_LAST_ACTIVITY", "TIME_SINCE_LAST_INBOUND"];

/// Documented, not in the model: each channel's concurrency (VOICE exactly 1, others 1-10).
pub const CONCURRENCY_PER_CHANNEL: [(&str, Range); 4] = [
    ("VOICE", Range { min: 1, max: 1 }),
    ("CHAT", Range { min: 1, max: 10 }),
    ("TASK", Range { min: 1, max: 10 }),
    ("EMAIL", Range { min: 1, max: 10 }),
];
/// Documented, not in the model: each channel's concurrency per workload type (VOICE exactly 1,
/// CHAT and TASK 1-10; EMAIL, which the reference does not name, keeps the model's 1-10).
pub const WORKLOAD_TYPE_CONCURRENCY_PER_CHANNEL: [(&str, Range); 4] = [
    ("VOICE", Range { min: 1, max: 1 }),
    ("CHAT", Range { min: 1, max: 10 }),
    ("TASK", Range { min: 1, max: 10 }),
    ("EMAIL", Range { min: 1, max: 10 }),
];
/// Documented, not in the model: channels a manual-assignment queue may have.
pub const MANUAL_ASSIGNMENT_CHANNELS: [&str; 3] = ["CHAT", "TASK", "EMAIL"];
/// Documented, not in the model: queue references per DisassociateRoutingProfileQueues call,
/// routed and manual-assignment together.
pub const DISASSOCIATE_REFERENCES_PER_CALL: usize = 10;

/// Whether `c` is in `TagKey`'s character class: letters, separators, digits and `_.:/=+-@`.
///
/// `\p{L}` is the Unicode letter categories and `\p{Z}` the separators. Rust's `char` has no
/// category lookup: `is_alphabetic` stands for `\p{L}` (it also admits the few combining marks
/// Unicode calls alphabetic, which Connect would then reject itself), `is_numeric` is exactly
/// `\p{N}`, and the separators are listed (they are few and fixed).
pub fn is_tag_key_char(c: char) -> bool {
    const SEPARATORS: &[char] = &[
        ' ', '\u{a0}', '\u{1680}', '\u{2000}', '\u{2001}', '\u{2002}', '\u{2003}', '\u{2004}',
        '\u{2005}', '\u{2006}', '\u{2007}', '\u{2008}', '\u{2009}', '\u{200a}', '\u{2028}',
        '\u{2029}', '\u{202f}', '\u{205f}', '\u{3000}',
    ];
    c.is_alphabetic() || c.is_numeric() || SEPARATORS.contains(&c) || "_.:/=+-@".contains(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn table() -> Value {
        serde_json::from_str(include_str!("../model/connect-constraints.json"))
            .expect("model/connect-constraints.json is JSON")
    }

    fn shape(name: &str) -> Value {
        table()["shapes"][name].clone()
    }

    fn bounds(name: &str) -> (Option<i64>, Option<i64>) {
        let s = shape(name);
        (s["min"].as_i64(), s["max"].as_i64())
    }

    fn enumeration(name: &str) -> Vec<String> {
        serde_json::from_value(shape(name)["enum"].clone()).expect("an enum")
    }

    #[test]
    fn lengths_and_ranges_are_the_models() {
        let lengths = [
            ("InstanceId", INSTANCE_ID),
            ("RoutingProfileName", ROUTING_PROFILE_NAME),
            ("RoutingProfileDescription", ROUTING_PROFILE_DESCRIPTION),
            ("WorkloadTypeConcurrencies", WORKLOAD_TYPE_CONCURRENCIES),
            ("TagKey", TAG_KEY),
            ("TagMap", TAG_MAP),
            ("TagKeyList", TAG_KEY_LIST),
            ("RoutingProfileQueueConfigList", QUEUE_CONFIGS_PER_CALL),
            (
                "RoutingProfileManualAssignmentQueueConfigList",
                QUEUE_CONFIGS_PER_CALL,
            ),
        ];
        for (name, Length { min, max }) in lengths {
            assert_eq!(bounds(name), (Some(min as i64), Some(max as i64)), "{name}");
        }
        // TagValue has no minimum in the model.
        assert_eq!(bounds("TagValue"), (None, Some(TAG_VALUE.max as i64)));
        let ranges = [
            ("Priority", PRIORITY),
            ("Delay", DELAY),
            ("Concurrency", CONCURRENCY),
            ("WorkloadTypeConcurrencyType", WORKLOAD_TYPE_CONCURRENCY),
            ("MaxResult100", MAX_RESULT_100),
            ("MaxResult1000", MAX_RESULT_1000),
        ];
        for (name, Range { min, max }) in ranges {
            assert_eq!(bounds(name), (Some(min), Some(max)), "{name}");
        }
    }

    #[test]
    fn enums_and_the_tag_key_pattern_are_the_models() {
        assert_eq!(enumeration("Channel"), CHANNEL);
        assert_eq!(enumeration("BehaviorType"), BEHAVIOR_TYPE);
        assert_eq!(
            enumeration("ChannelWorkloadBehaviorType"),
            CHANNEL_WORKLOAD_BEHAVIOR_TYPE
        );
        assert_eq!(
            enumeration("AgentAvailabilityTimer"),
            AGENT_AVAILABILITY_TIMER
        );
        assert_eq!(shape("TagKey")["pattern"], TAG_KEY_PATTERN);
    }

    #[test]
    fn documented_rules_are_the_tables() {
        let documented = &table()["documented"];
        let per_channel = [
            ("ConcurrencyPerChannel", CONCURRENCY_PER_CHANNEL),
            (
                "WorkloadTypeConcurrencyPerChannel",
                WORKLOAD_TYPE_CONCURRENCY_PER_CHANNEL,
            ),
        ];
        for (name, ranges) in per_channel {
            let rule = documented[name]["rule"]
                .as_object()
                .expect("a rule per channel");
            assert_eq!(rule.len(), ranges.len(), "{name}");
            for (channel, Range { min, max }) in ranges {
                let range = &rule[channel];
                assert_eq!(
                    (range["min"].as_i64(), range["max"].as_i64()),
                    (Some(min), Some(max)),
                    "{name} {channel}"
                );
            }
        }
        // Documented ranges narrow the model's; they never widen them.
        for (_, range) in WORKLOAD_TYPE_CONCURRENCY_PER_CHANNEL {
            assert!(range.min >= WORKLOAD_TYPE_CONCURRENCY.min);
            assert!(range.max <= WORKLOAD_TYPE_CONCURRENCY.max);
        }
        for (_, range) in CONCURRENCY_PER_CHANNEL {
            assert!(range.min >= CONCURRENCY.min && range.max <= CONCURRENCY.max);
        }
        assert_eq!(
            documented["ManualAssignmentChannels"]["rule"],
            serde_json::json!(MANUAL_ASSIGNMENT_CHANNELS)
        );
        assert_eq!(
            documented["DisassociateReferencesPerCall"]["rule"]["max"],
            DISASSOCIATE_REFERENCES_PER_CALL
        );
    }

    #[test]
    fn tag_key_characters_follow_the_pattern() {
        for key in [
            "team",
            "cost-center",
            "a_b.c:d/e=f+g-h@i",
            "Kostenstelle Ä",
            "部门",
            "v2",
        ] {
            assert!(key.chars().all(is_tag_key_char), "{key}");
        }
        for key in ["cost#center", "a*b", "tab\there", "new\nline", "emoji😀"] {
            assert!(!key.chars().all(is_tag_key_char), "{key}");
        }
        // The approximation's one known difference (lint/ follows it): a combining vowel sign
        // Unicode calls alphabetic is admitted here, and Connect would reject the key itself.
        assert!(is_tag_key_char('\u{93f}'));
    }
}
