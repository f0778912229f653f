//! The constraints table, `model/connect-constraints.json`: Connect's service model for every
//! request the function sends (extracted by `model/extract.py`), plus the rules only Connect's
//! documentation states. The function's parser and the lint rules read the same file, so the
//! emulator cannot drift from them or from the model.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

const SOURCE: &str = include_str!("../../../model/connect-constraints.json");

/// The whole table, read once.
pub(super) fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        // A pattern of a form CharPattern does not read fails here too, at the first request,
        // rather than letting values be judged by half of it.
        serde_json::from_str(SOURCE)
            .unwrap_or_else(|e| panic!("model/connect-constraints.json: {e}"))
    })
}

/// The model's operations and shapes, and the documented rules.
#[derive(Deserialize)]
pub(super) struct Table {
    /// Operation name to its request shape.
    pub(super) operations: BTreeMap<String, String>,
    /// Shape name to shape.
    pub(super) shapes: BTreeMap<String, Shape>,
    /// Rules from Connect's documentation.
    pub(super) documented: Documented,
}

/// One shape of the model, with the constraints the extractor keeps.
#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub(super) enum Shape {
    /// A string: length in characters, a pattern, or one of an enum.
    String {
        min: Option<usize>,
        max: Option<usize>,
        #[serde(default, deserialize_with = "pattern_text")]
        pattern: Option<CharPattern>,
        #[serde(rename = "enum")]
        one_of: Option<Vec<String>>,
    },
    /// An integer range.
    Integer { min: Option<i64>, max: Option<i64> },
    /// A list of `member` shapes.
    List {
        min: Option<usize>,
        max: Option<usize>,
        member: String,
    },
    /// A map of `key` shapes to `value` shapes.
    Map {
        min: Option<usize>,
        max: Option<usize>,
        key: String,
        value: String,
    },
    /// Members by name, each naming its shape.
    Structure {
        members: BTreeMap<String, String>,
        required: Vec<String>,
    },
}

impl Table {
    /// The shape a name refers to; the extractor writes every shape it names.
    pub(super) fn shape(&self, name: &str) -> &Shape {
        self.shapes
            .get(name)
            .unwrap_or_else(|| panic!("model/connect-constraints.json has no shape {name}"))
    }

    /// An enum shape's values, in the model's order.
    pub(super) fn enum_values(&self, name: &str) -> &[String] {
        match self.shape(name) {
            Shape::String {
                one_of: Some(values),
                ..
            } => values,
            _ => panic!("model/connect-constraints.json: {name} is not an enum"),
        }
    }

    /// A list or map shape's largest size.
    pub(super) fn max_items(&self, name: &str) -> usize {
        match self.shape(name) {
            Shape::List { max: Some(max), .. } | Shape::Map { max: Some(max), .. } => *max,
            _ => panic!("model/connect-constraints.json: {name} has no maximum size"),
        }
    }
}

/// The table's `documented` section.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct Documented {
    /// Each channel's concurrency (VOICE exactly 1, the others 1-10).
    pub(super) concurrency_per_channel: Rule<BTreeMap<String, Bounds>>,
    /// Each channel's concurrency per workload type (VOICE exactly 1, the others 1-10).
    pub(super) workload_type_concurrency_per_channel: Rule<BTreeMap<String, Bounds>>,
    /// The channels a manual-assignment queue may have.
    pub(super) manual_assignment_channels: Rule<Vec<String>>,
    /// Queue references per DisassociateRoutingProfileQueues call, both lists together.
    pub(super) disassociate_references_per_call: Rule<Max>,
    /// The account quota of (queue, channel) pairs per profile, for each list.
    pub(super) queues_per_routing_profile: Rule<Quota>,
}

/// A documented rule; the source and note stay in the file for readers.
#[derive(Deserialize)]
pub(super) struct Rule<T> {
    pub(super) rule: T,
}

/// An inclusive range.
#[derive(Deserialize, Clone, Copy)]
pub(super) struct Bounds {
    pub(super) min: i64,
    pub(super) max: i64,
}

/// A largest number.
#[derive(Deserialize)]
pub(super) struct Max {
    pub(super) max: usize,
}

/// A quota's default.
#[derive(Deserialize)]
pub(super) struct Quota {
    pub(super) default: usize,
}

fn pattern_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<CharPattern>, D::Error> {
    let text: Option<String> = Deserialize::deserialize(d)?;
    text.map(|t| CharPattern::parse(&t).map_err(serde::de::Error::custom))
        .transpose()
}

/// A pattern of the one form the model uses for strings, `^(?!prefix)[class]*$`, as a prefix no
/// value may start with and a character class every character must be in.
#[derive(Debug, PartialEq)]
pub(super) struct CharPattern {
    /// The pattern as the model writes it.
    pub(super) text: String,
    pub(super) refused_prefix: Option<String>,
    class: Vec<ClassItem>,
}

#[derive(Debug, PartialEq)]
enum ClassItem {
    /// `\p{L}`, `\p{N}` or `\p{Z}`.
    Category(char),
    Char(char),
    Range(char, char),
}

impl CharPattern {
    /// Reads `^(?!prefix)[class]*$` (the lookahead optional); any other form is an error, so a new
    /// kind of pattern in the model is noticed instead of half applied.
    pub(super) fn parse(pattern: &str) -> Result<CharPattern, String> {
        let unsupported = || format!("{pattern} is not of the form ^(?!prefix)[class]*$");
        let rest = pattern.strip_prefix('^').ok_or_else(unsupported)?;
        let (refused_prefix, rest) = match rest.strip_prefix("(?!") {
            Some(look) => {
                let (prefix, rest) = look.split_once(')').ok_or_else(unsupported)?;
                (Some(prefix.to_string()), rest)
            }
            None => (None, rest),
        };
        let class = rest
            .strip_prefix('[')
            .and_then(|r| r.strip_suffix("]*$"))
            .ok_or_else(unsupported)?;
        let mut items = Vec::new();
        let mut chars = class.chars().peekable();
        while let Some(c) = chars.next() {
            let item = match c {
                '\\' => match chars.next() {
                    Some('p') => {
                        let name: String = chars.by_ref().take_while(|&c| c != '}').collect();
                        match name.as_str() {
                            "{L" => ClassItem::Category('L'),
                            "{N" => ClassItem::Category('N'),
                            "{Z" => ClassItem::Category('Z'),
                            _ => return Err(format!("unsupported category \\p{name}}}")),
                        }
                    }
                    Some(escaped) => ClassItem::Char(escaped),
                    None => return Err(unsupported()),
                },
                '[' | ']' | '^' => return Err(unsupported()),
                _ => ClassItem::Char(c),
            };
            // An unescaped '-' between two characters makes a range.
            let ranged = match (&item, chars.peek()) {
                (ClassItem::Char(from), Some('-')) => {
                    let mut ahead = chars.clone();
                    ahead.next();
                    match ahead.next() {
                        Some(to) if to != '\\' => {
                            chars = ahead;
                            Some(ClassItem::Range(*from, to))
                        }
                        _ => None,
                    }
                }
                _ => None,
            };
            items.push(ranged.unwrap_or(item));
        }
        Ok(CharPattern {
            text: pattern.to_string(),
            refused_prefix,
            class: items,
        })
    }

    /// Whether every character of `value` is in the class (the prefix is checked apart).
    pub(super) fn admits(&self, value: &str) -> bool {
        value
            .chars()
            .all(|c| self.class.iter().any(|item| item.admits(c)))
    }
}

impl ClassItem {
    fn admits(&self, c: char) -> bool {
        match *self {
            // Rust's char has no category lookup: `is_alphabetic` stands for \p{L} (it also admits
            // the few combining marks Unicode calls alphabetic), `is_numeric` is exactly \p{N}, and
            // the separators are few and fixed.
            ClassItem::Category('L') => c.is_alphabetic(),
            ClassItem::Category('N') => c.is_numeric(),
            ClassItem::Category(_) => SEPARATORS.contains(&c),
            ClassItem::Char(x) => c == x,
            ClassItem::Range(from, to) => (from..=to).contains(&c),
        }
    }
}

/// Unicode's separators, \p{Z}: Zs, Zl and Zp.
const SEPARATORS: &[char] = &[
    ' ', '\u{a0}', '\u{1680}', '\u{2000}', '\u{2001}', '\u{2002}', '\u{2003}', '\u{2004}',
    '\u{2005}', '\u{2006}', '\u{2007}', '\u{2008}', '\u{2009}', '\u{200a}', '\u{2028}', '\u{2029}',
    '\u{202f}', '\u{205f}', '\u{3000}',
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_reads_and_names_every_shape_it_uses() {
        let table = table();
        for request in table.operations.values() {
            let Shape::Structure { members, required } = table.shape(request) else {
                panic!("{request} is not a structure");
            };
            assert!(
                required.iter().all(|r| members.contains_key(r)),
                "{request}"
            );
        }
        // Table::shape panics on a name the table lacks.
        for shape in table.shapes.values() {
            let named: Vec<&String> = match shape {
                Shape::List { member, .. } => vec![member],
                Shape::Map { key, value, .. } => vec![key, value],
                Shape::Structure { members, .. } => members.values().collect(),
                _ => Vec::new(),
            };
            for name in named {
                let _ = table.shape(name);
            }
        }
        let Shape::String {
            one_of: Some(channels),
            ..
        } = table.shape("Channel")
        else {
            panic!("Channel is an enum");
        };
        for per_channel in [
            &table.documented.concurrency_per_channel.rule,
            &table.documented.workload_type_concurrency_per_channel.rule,
        ] {
            assert!(channels.iter().all(|c| per_channel.contains_key(c)));
        }
        assert_eq!(
            table.documented.disassociate_references_per_call.rule.max,
            10
        );
        assert_eq!(
            table.documented.queues_per_routing_profile.rule.default,
            100
        );
    }

    #[test]
    fn the_tag_key_pattern_reads_as_a_prefix_and_a_character_class() {
        let Shape::String {
            pattern: Some(key), ..
        } = table().shape("TagKey")
        else {
            panic!("TagKey has a pattern");
        };
        assert_eq!(key.refused_prefix.as_deref(), Some("aws:"));
        for ok in [
            "team",
            "cost-center",
            "a_b.c:d/e=f+g-h@i",
            "Kostenstelle Ä",
            "部门",
            "v2",
        ] {
            assert!(key.admits(ok), "{ok}");
        }
        for bad in [
            "cost#center",
            "a*b",
            "tab\there",
            "new\nline",
            "emoji😀",
            "a-b\\",
        ] {
            assert!(!key.admits(bad), "{bad}");
        }
    }

    #[test]
    fn patterns_of_another_form_are_refused_and_ranges_read() {
        assert!(CharPattern::parse("[a-z]+").is_err());
        assert!(CharPattern::parse(r"^[\p{Lu}]*$").is_err());
        let range = CharPattern::parse("^[a-c_]*$").expect("a range");
        assert_eq!(range.refused_prefix, None);
        assert!(range.admits("ab_c") && !range.admits("d") && !range.admits("-"));
    }
}
