//! The shared corpus (`tests/corpus/*.json`): property sets, valid and invalid, each with what
//! `properties::parse` answers, path and problem text exactly. The cfn-lint plugin's tests
//! (`lint/tests/`) run the same files, so the plugin cannot drift from the parser: a disagreement
//! fails one side or the other.
//!
//! A case is `properties`, or a `base` with `set` ([JSON pointer, value] pairs, applied in order)
//! and `remove` (pointers). A base is a property set named in some file's `bases` (`create`), or an
//! event's: `events/x.json` for its ResourceProperties, `events/x.json#OldResourceProperties`. `problems` is the parser's answer; `pending`
//! lists what the plugin reports beyond it because Connect rejects it and the parser does not check
//! it yet (the day the parser does, its answer gains them and this test says to move them).

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use routing_profile_resource::properties::parse;
use serde_json::{Map, Value, json};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every corpus file, by name, in name order.
fn corpus() -> Vec<(String, Value)> {
    let dir = repo().join("tests/corpus");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let text = fs::read_to_string(&path).expect("a readable corpus file");
            let value = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()));
            let name = path.file_name().expect("a file name").to_string_lossy();
            (name.into_owned(), value)
        })
        .collect()
}

fn cases(file: &Value) -> Vec<Value> {
    file["cases"].as_array().cloned().unwrap_or_default()
}

/// The named property sets of every corpus file.
fn bases() -> Map<String, Value> {
    corpus()
        .into_iter()
        .filter_map(|(_, file)| file["bases"].as_object().cloned())
        .flatten()
        .collect()
}

/// The property set a case describes.
fn properties(case: &Value, bases: &Map<String, Value>) -> Value {
    let mut properties = match (&case["properties"], case["base"].as_str()) {
        (Value::Null, Some(base)) if base.starts_with("events/") => event_properties(base),
        (Value::Null, Some(base)) => bases
            .get(base)
            .cloned()
            .unwrap_or_else(|| panic!("{}: no base named {base}", case["name"])),
        (properties, None) => properties.clone(),
        _ => panic!("{}: properties or base, not both", case["name"]),
    };
    for pair in case["set"].as_array().into_iter().flatten() {
        let (pointer, value) = (pair[0].as_str().expect("a pointer"), &pair[1]);
        set(&mut properties, pointer, value.clone());
    }
    for pointer in case["remove"].as_array().into_iter().flatten() {
        let pointer = pointer.as_str().expect("a pointer");
        let (parent, last) = split(pointer);
        match properties.pointer_mut(parent) {
            Some(Value::Object(map)) => map.remove(&last),
            _ => panic!("{}: nothing to remove at {pointer}", case["name"]),
        };
    }
    properties
}

fn event_properties(base: &str) -> Value {
    let (file, field) = base.split_once('#').unwrap_or((base, "ResourceProperties"));
    let text = fs::read_to_string(repo().join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
    let event: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
    event
        .get(field)
        .cloned()
        .unwrap_or_else(|| panic!("{file} has no {field}"))
}

/// Sets the value at a JSON pointer: a key of an object (added if new) or an item of a list
/// (appended when the index is the list's length).
fn set(root: &mut Value, pointer: &str, value: Value) {
    let (parent, last) = split(pointer);
    match root.pointer_mut(parent) {
        Some(Value::Object(map)) => {
            map.insert(last, value);
        }
        Some(Value::Array(items)) => match last.parse::<usize>() {
            Ok(i) if i < items.len() => items[i] = value,
            Ok(i) if i == items.len() => items.push(value),
            _ => panic!("no list item {pointer}"),
        },
        _ => panic!("nothing to set at {pointer}"),
    }
}

fn split(pointer: &str) -> (&str, String) {
    let (parent, last) = pointer.rsplit_once('/').expect("a JSON pointer");
    (parent, last.replace("~1", "/").replace("~0", "~"))
}

fn listed(problems: &Value) -> Vec<(String, String)> {
    problems
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            let text = |k: &str| p[k].as_str().expect("path and message").to_string();
            (text("path"), text("message"))
        })
        .collect()
}

#[test]
fn the_parser_answers_every_case_as_the_corpus_says() {
    let bases = bases();
    let mut failures = Vec::new();
    let mut count = 0;
    for (file, content) in corpus() {
        for case in cases(&content) {
            count += 1;
            let name = format!("{file}: {}", case["name"]);
            let answer: Vec<(String, String)> = match parse(&properties(&case, &bases)) {
                Ok(_) => Vec::new(),
                Err(errors) => errors.0.into_iter().map(|e| (e.path, e.problem)).collect(),
            };
            let expected = listed(&case["problems"]);
            if answer != expected {
                failures.push(format!(
                    "{name}\n  parser: {}\n  corpus: {}",
                    json!(answer),
                    json!(expected)
                ));
            }
        }
    }
    assert!(count > 100, "only {count} cases: is tests/corpus/ there?");
    assert!(
        failures.is_empty(),
        "{} of {count} cases differ (the parser is right: fix the corpus and the plugin, \
         lint/routing_profile_lint/properties.py):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn corpus_cases_are_well_formed() {
    let mut names = BTreeSet::new();
    for (file, content) in corpus() {
        for case in cases(&content) {
            let name = case["name"].as_str().expect("a case has a name");
            assert!(
                names.insert(name.to_string()),
                "{file}: {name} is not unique"
            );
            let problems = listed(&case["problems"]);
            let outcome = case["outcome"].as_str();
            let expected = if problems.is_empty() {
                "valid"
            } else {
                "invalid"
            };
            assert_eq!(outcome, Some(expected), "{file}: {name}'s outcome");
            for (path, message) in problems.iter().chain(&listed(&case["pending"])) {
                assert!(!path.is_empty() && !message.is_empty(), "{file}: {name}");
            }
        }
    }
}

#[test]
fn every_event_is_in_the_corpus() {
    let bases: BTreeSet<String> = corpus()
        .iter()
        .flat_map(|(_, content)| cases(content))
        .filter_map(|case| case["base"].as_str().map(str::to_string))
        .collect();
    for entry in fs::read_dir(repo().join("events")).expect("events/") {
        let path = entry.expect("an entry").path();
        let file = format!(
            "events/{}",
            path.file_name().expect("a name").to_string_lossy()
        );
        let event: Value =
            serde_json::from_str(&fs::read_to_string(&path).expect("readable")).expect("JSON");
        for field in ["ResourceProperties", "OldResourceProperties"] {
            if event.get(field).is_none() {
                continue;
            }
            let base = if field == "ResourceProperties" {
                file.clone()
            } else {
                format!("{file}#{field}")
            };
            assert!(
                bases.contains(&base),
                "{base} is in no corpus case (tests/corpus/events.json)"
            );
        }
    }
    assert!(Path::new(&repo().join("tests/corpus/events.json")).exists());
}
