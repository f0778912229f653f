//! Reading JSON the way the properties need it: each helper checks one shape (an object, a list, a
//! string of some length, a whole number in a range, one of a few names), records a
//! [`PropertyError`] with its path when the value does not fit, and goes on, so that every problem
//! is reported at once. Nothing here knows Connect; the rules that do are the sibling modules.

use serde_json::{Map, Value};

use super::PropertyError;
use crate::constraints::{Length, Range};

/// Collects the problems found while reading.
#[derive(Debug, Default)]
pub(super) struct Reader {
    errors: Vec<PropertyError>,
}

impl Reader {
    /// Records one problem at `path`.
    pub fn error(&mut self, path: &str, problem: impl Into<String>) {
        self.errors.push(PropertyError {
            path: path.to_string(),
            problem: problem.into(),
        });
    }

    /// Every problem recorded, in the order found.
    pub fn into_errors(self) -> Vec<PropertyError> {
        self.errors
    }

    /// The fields of an object.
    pub fn object<'v>(&mut self, path: &str, value: &'v Value) -> Option<&'v Map<String, Value>> {
        match value {
            Value::Object(fields) => Some(fields),
            other => {
                self.error(path, format!("{} is not an object", show(other)));
                None
            }
        }
    }

    /// The items of a list.
    pub fn list<'v>(&mut self, path: &str, value: &'v Value) -> Option<&'v Vec<Value>> {
        match value {
            Value::Array(items) => Some(items),
            other => {
                self.error(path, format!("{} is not a list", show(other)));
                None
            }
        }
    }

    /// Reports every field not in `known`, suggesting the known name it is closest to.
    pub fn known_fields(&mut self, path: &str, fields: &Map<String, Value>, known: &[&str]) {
        for key in fields.keys() {
            if known.contains(&key.as_str()) {
                continue;
            }
            let problem = match closest(key, known) {
                Some(suggestion) => format!("unknown property (did you mean {suggestion}?)"),
                None => format!("unknown property; expected one of {}", known.join(", ")),
            };
            self.error(&join(path, key), problem);
        }
    }

    /// A top-level field that must be present.
    pub fn required<'v>(&mut self, key: &str, fields: &'v Map<String, Value>) -> Option<&'v Value> {
        self.required_at("", key, fields)
    }

    /// A field of the object at `path` that must be present.
    pub fn required_at<'v>(
        &mut self,
        path: &str,
        key: &str,
        fields: &'v Map<String, Value>,
    ) -> Option<&'v Value> {
        let value = optional(fields, key);
        if value.is_none() {
            self.error(&join(path, key), "is required");
        }
        value
    }

    /// A string whose length in characters is within `length`.
    pub fn string(&mut self, path: &str, value: &Value, length: Length) -> Option<String> {
        let Value::String(text) = value else {
            self.error(path, format!("{} is not a string", show(value)));
            return None;
        };
        let len = text.chars().count();
        if !fits(len, length) {
            let Length { min, max } = length;
            self.error(
                path,
                format!("{} must be {min}-{max} characters, not {len}", show(value)),
            );
            return None;
        }
        Some(text.clone())
    }

    /// A string, number or boolean as text: tag values written by hand are often numbers.
    pub fn scalar(&mut self, path: &str, value: &Value) -> Option<String> {
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

    /// A boolean, given as CloudFormation sends it (`"true"`, `"false"`, in any letter case) or as
    /// people write it (`true`).
    pub fn boolean(&mut self, path: &str, value: &Value) -> Option<bool> {
        let parsed = match value {
            Value::Bool(b) => Some(*b),
            Value::String(text) if text.eq_ignore_ascii_case("true") => Some(true),
            Value::String(text) if text.eq_ignore_ascii_case("false") => Some(false),
            _ => None,
        };
        if parsed.is_none() {
            self.error(path, format!("{} is not true or false", show(value)));
        }
        parsed
    }

    /// An integer within `range`, given as CloudFormation sends it (`"1"`) or as people write it
    /// (`1`).
    pub fn integer(&mut self, path: &str, value: &Value, range: Range) -> Option<i32> {
        let parsed = match value {
            Value::Number(n) => n.as_i64(),
            Value::String(text) => text.parse::<i64>().ok(),
            _ => None,
        };
        let Some(n) = parsed else {
            self.error(path, format!("{} is not a whole number", show(value)));
            return None;
        };
        let Range { min, max } = range;
        if n < min || n > max {
            let expected = if min == max {
                format!("must be exactly {min}")
            } else {
                format!("must be between {min} and {max}")
            };
            self.error(path, format!("{} {expected}", show(value)));
            return None;
        }
        i32::try_from(n).ok()
    }

    /// One of `choices`, by its spelling.
    pub fn one_of<T: Copy>(
        &mut self,
        path: &str,
        value: &Value,
        choices: &[(&str, T)],
    ) -> Option<T> {
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
pub(super) fn optional<'v>(fields: &'v Map<String, Value>, key: &str) -> Option<&'v Value> {
    fields.get(key).filter(|v| !v.is_null())
}

/// The path of `key` inside the object at `path` (`""` is the top level).
pub(super) fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// Whether a length in characters is within `length`.
pub(super) fn fits(len: usize, length: Length) -> bool {
    (length.min..=length.max).contains(&len)
}

/// Names as a person lists alternatives: `A, B or C`.
pub(super) fn either(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [only] => (*only).to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// A value as it appeared in the event, cut short so a Reason stays readable.
pub(super) fn show(value: &Value) -> String {
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

    fn problems(read: impl FnOnce(&mut Reader)) -> Vec<String> {
        let mut reader = Reader::default();
        read(&mut reader);
        reader
            .into_errors()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn suggests_the_closest_known_name_or_lists_them_all() {
        let fields = json!({ "Nmae": 1, "Colour": 2, "Size": 3 });
        let fields = fields.as_object().expect("object");
        assert_eq!(
            problems(|r| r.known_fields("Item", fields, &["Name", "Size"])),
            [
                "Item.Colour: unknown property; expected one of Name, Size",
                "Item.Nmae: unknown property (did you mean Name?)",
            ]
        );
        assert_eq!(
            closest("descripton", &["Name", "Description"]),
            Some("Description")
        );
        assert_eq!(closest("Behavior", &["Channel", "Concurrency"]), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
    }

    #[test]
    fn required_fields_name_their_full_path_and_null_is_absent() {
        let fields = json!({ "A": null, "B": 1 });
        let fields = fields.as_object().expect("object");
        assert_eq!(
            problems(|r| {
                assert!(r.required("A", fields).is_none());
                assert!(r.required_at("X[0]", "C", fields).is_none());
                assert_eq!(r.required_at("X[0]", "B", fields), Some(&json!(1)));
            }),
            ["A: is required", "X[0].C: is required"]
        );
    }

    #[test]
    fn strings_are_measured_in_characters() {
        let length = Length { min: 1, max: 3 };
        assert_eq!(
            problems(|r| {
                assert_eq!(r.string("S", &json!("äöü"), length).as_deref(), Some("äöü"));
                assert!(r.string("S", &json!("abcd"), length).is_none());
                assert!(r.string("S", &json!(""), length).is_none());
                assert!(r.string("S", &json!(1), length).is_none());
            }),
            [
                "S: \"abcd\" must be 1-3 characters, not 4",
                "S: \"\" must be 1-3 characters, not 0",
                "S: 1 is not a string",
            ]
        );
    }

    #[test]
    fn integers_come_as_numbers_or_strings_within_their_range() {
        let range = Range { min: 1, max: 9 };
        assert_eq!(
            problems(|r| {
                assert_eq!(r.integer("N", &json!("9"), range), Some(9));
                assert_eq!(r.integer("N", &json!(1), range), Some(1));
                assert!(r.integer("N", &json!(10), range).is_none());
                assert!(r.integer("N", &json!("2.0"), range).is_none());
                assert!(
                    r.integer("N", &json!(2), Range { min: 1, max: 1 })
                        .is_none()
                );
                assert!(r.integer("N", &json!(null), range).is_none());
            }),
            [
                "N: 10 must be between 1 and 9",
                "N: \"2.0\" is not a whole number",
                "N: 2 must be exactly 1",
                "N: null is not a whole number",
            ]
        );
    }

    #[test]
    fn scalars_and_choices() {
        assert_eq!(
            problems(|r| {
                assert_eq!(r.scalar("T", &json!(42)).as_deref(), Some("42"));
                assert_eq!(r.scalar("T", &json!(true)).as_deref(), Some("true"));
                assert!(r.scalar("T", &json!([])).is_none());
                assert_eq!(r.one_of("E", &json!("B"), &[("A", 1), ("B", 2)]), Some(2));
                assert!(r.one_of("E", &json!("b"), &[("A", 1), ("B", 2)]).is_none());
                assert!(r.object("O", &json!([])).is_none());
                assert!(r.list("L", &json!({})).is_none());
            }),
            [
                "T: [] is not a string",
                "E: \"b\" is not one of A, B",
                "O: [] is not an object",
                "L: {} is not a list",
            ]
        );
    }

    #[test]
    fn long_values_are_cut_and_alternatives_read_as_a_sentence() {
        let long = show(&json!("x".repeat(100)));
        assert_eq!(long.chars().count(), 81);
        assert!(long.starts_with("\"xxx") && long.ends_with('…'));
        assert_eq!(show(&json!("short")), "\"short\"");
        assert_eq!(either(&["CHAT", "TASK", "EMAIL"]), "CHAT, TASK or EMAIL");
        assert_eq!(either(&["CHAT"]), "CHAT");
        assert_eq!(join("", "Name"), "Name");
        assert_eq!(join("Tags[0]", "Key"), "Tags[0].Key");
    }
}
