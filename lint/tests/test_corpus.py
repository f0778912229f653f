"""The plugin against the shared corpus (tests/corpus/), which tests/integration/corpus.rs holds the Rust
parser to: first the port of the rules on each property set as it is, then cfn-lint with the
plugin on templates holding every set, in YAML, JSON and SAM, each problem at its node."""

import json

import pytest
from cfnlint.decode import decode_str

import corpus
from lint_helpers import lint, node_location, segments
from routing_profile_lint.properties import check

CASES = corpus.cases()


def test_corpus_is_there():
    assert len(CASES) > 100
    assert len({case["name"] for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_rules_answer_as_the_parser(case):
    found = check(corpus.properties(case))
    assert [(p.where, p.text) for p in found if not p.pending] == corpus.problems(case)
    assert [(p.where, p.text) for p in found if p.pending] == corpus.problems(case, "pending")


def _as_cloudformation_sends(value):
    """Whether a property set holds only strings (what CloudFormation sends any template as)."""
    if isinstance(value, dict):
        return all(_as_cloudformation_sends(v) for v in value.values())
    if isinstance(value, list):
        return all(_as_cloudformation_sends(v) for v in value)
    return isinstance(value, str)


# Property sets with numbers, booleans or nulls read differently from a template (where
# CloudFormation turns them into strings); the first test covers them.
TEMPLATE_CASES = [c for c in CASES if _as_cloudformation_sends(corpus.properties(c))]


def _template(transform=False):
    resources = {}
    for i, case in enumerate(TEMPLATE_CASES):
        resources[f"Case{i}"] = {"Type": "Custom::RoutingProfile", "Properties": corpus.properties(case)}
    template = {"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}
    if transform:
        template["Transform"] = "AWS::Serverless-2016-10-31"
    return template


def _yaml(template):
    # JSON is YAML; cfn-lint reads it with its YAML loader, and block style would not test more.
    import yaml

    return yaml.safe_dump(template, sort_keys=False, allow_unicode=True, width=10000)


FORMATS = {
    "yaml": lambda: ("corpus.yaml", _yaml(_template())),
    "json": lambda: ("corpus.json", json.dumps(_template(), indent=2, ensure_ascii=False)),
    "sam-yaml": lambda: ("corpus-sam.yaml", _yaml(_template(transform=True))),
}


@pytest.mark.parametrize("form", FORMATS)
def test_templates_report_every_problem_at_its_node(form, tmp_path):
    assert len(TEMPLATE_CASES) > 90
    name, text = FORMATS[form]()
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    decoded, errors = decode_str(text)
    assert not errors
    # The property rules, per resource: E9011 compares resources, and the corpus's share a Name.
    matches = [m for m in lint(path) if m.rule.id.startswith("E9") and m.rule.id != "E9011"]
    for i, case in enumerate(TEMPLATE_CASES):
        resource = f"Case{i}"
        got = sorted(
            (m.message, m.linenumber, m.columnnumber)
            for m in matches
            if m.path[:2] == ["Resources", resource]
        )
        expected = sorted(
            (f"{where}: {message}", *node_location(decoded["Resources"][resource], segments(where)))
            for where, message in corpus.problems(case) + corpus.problems(case, "pending")
        )
        assert got == expected, case["name"]
