//! `Tags`: as a map (`{ team: support }`) or as CloudFormation's list of `{Key, Value}`, within
//! Connect's tag rules and leaving room for this function's ownership marker.

use std::collections::BTreeMap;

use serde_json::Value;

use super::reader::{Reader, fits, show};
use crate::constraints::{TAG_KEY, TAG_MAP, TAG_VALUE, is_tag_key_char};
use crate::lifecycle::ownership::{MARKER_TAGS, RESERVED_TAG_PREFIX};

/// The fields of one entry of the list form.
const TAG_FIELDS: &[&str] = &["Key", "Value"];
/// The prefix `TagKey`'s pattern refuses ([`crate::constraints::TAG_KEY_PATTERN`]'s `(?!aws:)`).
const AWS_PREFIX: &str = "aws:";
/// The most tags a template may give: Connect's limit less the marker's.
const USER_TAGS: usize = TAG_MAP.max - MARKER_TAGS;

/// `Tags`, in either form.
pub(super) fn tags(r: &mut Reader, value: &Value) -> Option<BTreeMap<String, String>> {
    let mut tags = BTreeMap::new();
    let mut ok = true;
    match value {
        // The map form: Tags: { team: support }.
        Value::Object(map) => {
            for (key, value) in map {
                let path = format!("Tags.{key}");
                match r.scalar(&path, value) {
                    Some(value) => ok &= tag(r, &path, key, value, &mut tags),
                    None => ok = false,
                }
            }
        }
        // CloudFormation's list form: Tags: [{ Key: team, Value: support }].
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let path = format!("Tags[{i}]");
                let Some(fields) = r.object(&path, item) else {
                    ok = false;
                    continue;
                };
                r.known_fields(&path, fields, TAG_FIELDS);
                let key = r
                    .required_at(&path, "Key", fields)
                    .and_then(|v| r.scalar(&format!("{path}.Key"), v));
                let value = r
                    .required_at(&path, "Value", fields)
                    .and_then(|v| r.scalar(&format!("{path}.Value"), v));
                match (key, value) {
                    (Some(key), Some(value)) => {
                        if tags.contains_key(&key) {
                            r.error(
                                &format!("{path}.Key"),
                                format!("{key:?} is listed more than once"),
                            );
                            ok = false;
                        } else {
                            ok &= tag(r, &path, &key, value, &mut tags);
                        }
                    }
                    _ => ok = false,
                }
            }
        }
        other => {
            r.error(
                "Tags",
                format!(
                    "{} is not a map of key to value or a list of {{Key, Value}}",
                    show(other)
                ),
            );
            return None;
        }
    }
    if tags.len() > USER_TAGS {
        r.error(
            "Tags",
            format!(
                "{} tags given; at most {USER_TAGS} are allowed ({} per profile, {MARKER_TAGS} used by this function's ownership marker)",
                tags.len(),
                TAG_MAP.max,
            ),
        );
        ok = false;
    }
    ok.then_some(tags)
}

/// Adds one tag when its key and value follow the rules; reports it at `path` otherwise.
fn tag(
    r: &mut Reader,
    path: &str,
    key: &str,
    value: String,
    tags: &mut BTreeMap<String, String>,
) -> bool {
    match key_problem(key).or_else(|| value_problem(&value)) {
        Some(problem) => {
            r.error(path, problem);
            false
        }
        None => {
            tags.insert(key.to_string(), value);
            true
        }
    }
}

/// What is wrong with a tag key, if anything.
fn key_problem(key: &str) -> Option<String> {
    let len = key.chars().count();
    if !fits(len, TAG_KEY) {
        let (min, max) = (TAG_KEY.min, TAG_KEY.max);
        Some(format!(
            "key {key:?} must be {min}-{max} characters, not {len}"
        ))
    } else if key
        .get(..AWS_PREFIX.len())
        .is_some_and(|prefix| prefix.eq_ignore_ascii_case(AWS_PREFIX))
    {
        // The model's pattern refuses only "aws:", but AWS reserves the prefix in any letter case
        // (the tagging guide), and Connect answers "AWS:" with InvalidParameterException.
        Some(format!(
            "key {key:?} must not start with {AWS_PREFIX:?} (reserved by AWS)"
        ))
    } else if key.starts_with(RESERVED_TAG_PREFIX) {
        Some(format!(
            "key {key:?} must not start with {RESERVED_TAG_PREFIX:?} (this function's ownership marker)"
        ))
    } else {
        // Each refused character once, in the order it first appears.
        let mut refused = String::new();
        for c in key.chars().filter(|c| !is_tag_key_char(*c)) {
            if !refused.contains(c) {
                refused.push(c);
            }
        }
        (!refused.is_empty()).then(|| {
            format!(
                "key {key:?} has characters Connect does not allow in a tag key ({refused:?}): use letters, digits, spaces and _ . : / = + - @"
            )
        })
    }
}

/// What is wrong with a tag value, if anything.
fn value_problem(value: &str) -> Option<String> {
    let len = value.chars().count();
    (!fits(len, TAG_VALUE)).then(|| {
        format!(
            "value {} must be at most {} characters, not {len}",
            show(&Value::String(value.to_string())),
            TAG_VALUE.max
        )
    })
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{errors_of, valid, with};
    use super::*;
    use crate::properties::parse;
    use serde_json::{Map, json};

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
                json!({ "cost#center": "42" }),
                "Tags.cost#center: key \"cost#center\" has characters Connect does not allow in a tag key (\"#\"): use letters, digits, spaces and _ . : / = + - @",
            ),
            (
                json!([{ "Key": "a*b\tc*d", "Value": "v" }]),
                "Tags[0]: key \"a*b\\tc*d\" has characters Connect does not allow in a tag key (\"*\\t\"): use letters, digits, spaces and _ . : / = + - @",
            ),
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
        let too_many: Map<String, Value> = (0..48).map(|i| (format!("k{i}"), json!("v"))).collect();
        assert_eq!(
            errors_of(with(valid(), "/Tags", Value::Object(too_many))),
            [
                "Tags: 48 tags given; at most 47 are allowed (50 per profile, 3 used by this function's ownership marker)"
            ]
        );
    }

    #[test]
    fn keys_and_values_at_their_limits_pass() {
        let key = "k".repeat(TAG_KEY.max);
        let at_limits = with(
            valid(),
            "/Tags",
            json!({ key.clone(): "v".repeat(TAG_VALUE.max), "empty": "" }),
        );
        let tags = parse(&at_limits).expect("at the limits").profile.tags;
        assert_eq!(tags.len(), 2);
        let every_class = with(
            valid(),
            "/Tags",
            json!({ "Kostenstelle Ä_部门.v2:a/b=c+d-e@f\u{3000}": "v" }),
        );
        assert!(
            parse(&every_class).is_ok(),
            "letters, digits, separators, punctuation"
        );
        let too_long = format!("{key}k");
        assert_eq!(
            key_problem(&too_long),
            Some(format!(
                "key {too_long:?} must be 1-128 characters, not 129"
            ))
        );
        let most: Map<String, Value> = (0..USER_TAGS)
            .map(|i| (format!("k{i}"), json!("v")))
            .collect();
        assert!(parse(&with(valid(), "/Tags", Value::Object(most))).is_ok());
    }
}
