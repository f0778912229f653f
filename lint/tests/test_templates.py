"""The plugin on whole templates: the repository's, the example, negative templates whose
`# expect: RULE` comments name what must be reported on their line, intrinsic functions and
conditions, SAM, JSON, and the command line itself."""

import collections
import json
import pathlib
import re
import subprocess
import sys

import pytest
from cfnlint.decode import decode

from lint_helpers import RULES, lint, ours
from routing_profile_lint import constraints, properties, retention, template, timeouts, uniqueness

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parents[1]
NEGATIVE = sorted((HERE / "templates").glob("*.yaml"))
CLEAN = [REPO / "template.yaml", *sorted((REPO / "examples").glob("*.yaml"))]


def expected(path):
    """(line, rule id) for each `# expect: ID ...` comment in a template."""
    found = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        comment = re.search(r"#\s*expect:\s*(.*)$", line)
        if comment:
            found.extend((number, rule) for rule in comment.group(1).split())
    return sorted(found)


@pytest.mark.parametrize("path", NEGATIVE, ids=[p.name for p in NEGATIVE])
def test_negative_templates_report_each_mistake_on_its_line(path):
    assert expected(path), "a negative template names what it expects"
    got = sorted((line, rule) for rule, line, _, _ in ours(lint(path)))
    assert got == expected(path)


@pytest.mark.parametrize("path", CLEAN, ids=[p.name for p in CLEAN])
def test_repository_templates_lint_clean(path):
    assert lint(path) == []


def test_the_repository_templates_example_profile_is_checked(tmp_path):
    # template.yaml writes its example in the long form (AWS::CloudFormation::CustomResource), as
    # the Serverless Application Repository requires; the rules still check it.
    text = (REPO / "template.yaml").read_text(encoding="utf-8")
    assert "Type: AWS::CloudFormation::CustomResource" in text
    broken = text.replace("          Concurrency: 2\n", "          Concurrency: 12\n", 1)
    assert broken != text
    found = [(rule, message) for rule, _, _, message in lint_text(tmp_path, broken)]
    assert found == [("E9005", 'MediaConcurrencies[1].Concurrency: "12" must be between 1 and 10')]


def test_only_a_long_form_custom_resource_of_a_routing_profiles_shape_is_one():
    resource = {
        "Type": template.LONG_FORM_TYPE,
        "Properties": {"ServiceToken": "t", "InstanceId": "i", "DefaultOutboundQueueId": "q", "MediaConcurrencies": []},
    }
    assert template.is_routing_profile(resource)
    assert template.is_routing_profile({"Type": template.RESOURCE_TYPE, "Properties": {}})
    for key in template.LONG_FORM_SHAPE:
        partial = {k: v for k, v in resource["Properties"].items() if k != key}
        assert not template.is_routing_profile({**resource, "Properties": partial}), key
    assert not template.is_routing_profile({**resource, "Type": "Custom::Other"})
    assert not template.is_routing_profile({**resource, "Properties": {"Fn::If": ["C", {}, {}]}})
    assert not template.is_routing_profile({"Type": template.LONG_FORM_TYPE})


def test_the_example_uses_the_resource_as_teams_do():
    decoded, _ = decode(str(REPO / "examples" / "contact-centre.yaml"))
    profiles = [r for r in decoded["Resources"].values() if r["Type"] == template.RESOURCE_TYPE]
    assert len(profiles) >= 3
    assert decoded["Parameters"] and decoded["Conditions"]
    text = json.dumps(decoded)
    for function in ("Fn::If", "Fn::Sub", "Fn::Join", "Fn::GetAtt", "Fn::ImportValue", "AWS::NoValue"):
        assert function in text, function


@pytest.mark.parametrize("path", CLEAN + NEGATIVE, ids=[p.name for p in CLEAN + NEGATIVE])
def test_json_templates_report_the_same(path, tmp_path):
    # The decoded template is the long form of every short form (!Ref -> {"Ref": ...}).
    decoded, _ = decode(str(path))
    as_json = tmp_path / (path.stem + ".json")
    as_json.write_text(json.dumps(decoded, indent=1), encoding="utf-8")
    from_yaml = [(rule, message) for rule, _, _, message in ours(lint(path))]
    from_json = [(rule, message) for rule, _, _, message in ours(lint(as_json))]
    assert from_json == from_yaml


def test_messages_are_the_functions_with_cloudformations_strings():
    found = {(rule, line, column): message for rule, line, column, message in ours(lint(HERE / "templates" / "new-user.yaml"))}
    assert found == {
        ("E9001", 6, 5): "Description: is required",
        ("E9002", 11, 7): "Descripton: unknown property (did you mean Description?)",
        ("E9004", 14, 47): 'QueueConfigs[0].QueueReference.Channel: "FAX" is not one of VOICE, CHAT, TASK, EMAIL',
    }
    every = {message for _, _, _, message in ours(lint(HERE / "templates" / "every-rule.yaml"))}
    # A number in a template reaches the function as a string, and its answer quotes it.
    assert 'QueueConfigs[0].Priority: "100" must be between 1 and 99' in every
    assert 'MediaConcurrencies[1].Concurrency: "12" must be between 1 and 10' in every


def lint_text(tmp_path, text, *options, name="t.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return ours(lint(path, *options))


HEAD = """
Parameters:
  P: { Type: String }
  N: { Type: Number }
Conditions:
  C: !Equals [!Ref P, x]
Resources:
  Queue:
    Type: AWS::Connect::Queue
    Properties: { InstanceArn: !Ref P, HoursOfOperationArn: !Ref P, Name: q }
  R:
    Type: Custom::RoutingProfile
    Properties:
      ServiceToken: !ImportValue token
      ServiceTimeout: 600
"""


def test_unknown_values_are_never_reported(tmp_path):
    text = HEAD + """
      InstanceId: !Ref P
      Name: !Sub "${P} name"
      Description: !Join ["", [!Ref P, " agents"]]
      DefaultOutboundQueueId: !GetAtt Queue.QueueArn
      QueueConfigs:
        - QueueReference: { QueueId: !Ref Queue, Channel: !Ref P }
          Priority: !Ref N
          Delay: !Select [0, [!Ref N]]
        - !Ref P
        - QueueReference: !If [C, !Ref P, { QueueId: !Ref P, Channel: CHAT }]
          Priority: !FindInMap [M, !Ref P, priority]
      ManualAssignmentQueueConfigs: !Ref P
      MediaConcurrencies:
        - { Channel: !Ref P, Concurrency: !Ref N, CrossChannelBehavior: !Ref P }
        - !ImportValue concurrency
      AgentAvailabilityTimer: !Ref P
      Tags:
        - !Ref P
        - { Key: !Ref P, Value: !Ref P }
        - { Key: team, Value: !Base64 x }
"""
    assert lint_text(tmp_path, text) == []


def test_literals_among_intrinsics_are_still_checked(tmp_path):
    text = HEAD + """
      InstanceId: !Ref P
      Name: !Sub "n"
      Description: !Join ["", [a, b]]
      DefaultOutboundQueueId: !Ref Queue
      QueueConfigs:
        - QueueReference: { QueueId: !Ref Queue, Channel: !Sub FAX }
          Priority: !Ref N
        - QueueReference: { QueueId: !Ref Queue, Channel: !Join ["", [VO, ICE]] }
          Priority: 0
      MediaConcurrencies:
        - { Channel: !Ref P, Concurrency: 11 }
      Tags:
        - { Key: !Join [":", [aws, x]], Value: !Ref P }
"""
    assert [(rule, message) for rule, _, _, message in lint_text(tmp_path, text)] == [
        ("E9004", 'QueueConfigs[0].QueueReference.Channel: "FAX" is not one of VOICE, CHAT, TASK, EMAIL'),
        ("E9005", 'QueueConfigs[1].Priority: "0" must be between 1 and 99'),
        ("E9005", 'MediaConcurrencies[0].Concurrency: "11" must be between 1 and 10'),
        ("E9010", 'Tags[0]: key "aws:x" must not start with "aws:" (reserved by AWS)'),
    ]


def test_both_branches_of_fn_if_are_checked_at_their_nodes(tmp_path):
    text = HEAD + """
      InstanceId: i-1
      Name: n
      Description: d
      DefaultOutboundQueueId: !If [C, q 1, "q:2"]
      MediaConcurrencies:
        Fn::If:
          - C
          - [{ Channel: VOICE, Concurrency: 1 }]
          - []
"""
    found = lint_text(tmp_path, text)
    assert found == [
        ("E9001", 25, 13, "MediaConcurrencies: must list at least one channel, e.g. [{ Channel: VOICE, Concurrency: 1 }]"),
        ("E9007", 20, 39, "DefaultOutboundQueueId: \"q 1\" is neither an ID (1-100 characters, no '/', ':' or spaces) nor an ARN"),
        ("E9007", 20, 44, "DefaultOutboundQueueId: \"q:2\" is neither an ID (1-100 characters, no '/', ':' or spaces) nor an ARN"),
    ]


def test_no_value_removes_keys_and_items_as_cloudformation_does(tmp_path):
    text = HEAD + """
      InstanceId: i-1
      Name: n
      Description: !If [C, d, !Ref AWS::NoValue]
      DefaultOutboundQueueId: q
      QueueConfigs:
        - !If [C, { QueueReference: { QueueId: a, Channel: CHAT }, Priority: 1 }, !Ref AWS::NoValue]
        - { QueueReference: { QueueId: b, Channel: CHAT }, Priority: 0 }
      MediaConcurrencies: [{ Channel: CHAT, Concurrency: 1 }]
"""
    # A key removed by NoValue is missing at the branch that removes it. Without the first item
    # the second is QueueConfigs[0]: the answer names whichever applies.
    assert lint_text(tmp_path, text) == [
        ("E9001", 19, 31, "Description: is required"),
        ("E9005", 23, 60, 'QueueConfigs[0].Priority: "0" must be between 1 and 99'),
        ("E9005", 23, 60, 'QueueConfigs[1].Priority: "0" must be between 1 and 99'),
    ]


def test_ignore_checks_silences_one_rule(tmp_path):
    path = HERE / "templates" / "every-rule.yaml"
    rules = collections.Counter(rule for rule, *_ in ours(lint(path, "--ignore-checks", "E9005")))
    assert "E9005" not in rules and rules["E9004"] == 1


def test_the_command_line_reports_file_line_and_column():
    cfn_lint = pathlib.Path(sys.executable).with_name("cfn-lint")
    template_path = HERE / "templates" / "new-user.yaml"
    run = subprocess.run(
        [str(cfn_lint), "--append-rules", str(RULES), "--", str(template_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 2, run.stderr
    assert "E9002 Descripton: unknown property (did you mean Description?)" in run.stdout
    assert f"{template_path}:11:7" in run.stdout


def test_every_kind_is_one_rule_in_the_custom_range():
    from cfnlint.helpers import load_plugins

    rules = load_plugins(str(RULES))
    kinds = collections.Counter(kind for rule in rules for kind in rule.kinds)
    assert set(kinds) == {
        *properties.KINDS,
        uniqueness.SAME_PROFILE,
        timeouts.MISSING,
        timeouts.NOT_ABOVE,
        retention.NOT_RETAINED,
    }
    assert all(count == 1 for count in kinds.values())
    for rule in rules:
        assert re.fullmatch(r"E90\d\d", rule.id) or re.fullmatch(r"W90\d\d", rule.id), rule.id
    assert len({rule.id for rule in rules}) == len(rules)


def test_the_tag_budget_comes_from_one_place():
    assert constraints.USER_TAGS == constraints.TAG_MAP.max - len(constraints.MARKER_TAGS) == 47
    problems = properties.check({"Tags": {f"k{i}": "v" for i in range(48)}})
    assert "48 tags given; at most 47 are allowed (50 per profile, 3 used by this function's ownership marker)" in [
        p.text for p in problems
    ]


def test_constraints_are_the_tables():
    table = json.loads(constraints.TABLE_PATH.read_text(encoding="utf-8"))
    shapes, documented = table["shapes"], table["documented"]
    for name, value in [
        ("RoutingProfileName", constraints.ROUTING_PROFILE_NAME),
        ("RoutingProfileDescription", constraints.ROUTING_PROFILE_DESCRIPTION),
        ("Priority", constraints.PRIORITY),
        ("Delay", constraints.DELAY),
        ("TagKey", constraints.TAG_KEY),
        ("TagMap", constraints.TAG_MAP),
    ]:
        assert (shapes[name]["min"], shapes[name]["max"]) == (value.min, value.max), name
    assert shapes["TagValue"]["max"] == constraints.TAG_VALUE.max
    assert tuple(shapes["Channel"]["enum"]) == constraints.CHANNEL
    assert documented["ConcurrencyPerChannel"]["rule"]["VOICE"] == {"min": 1, "max": 1}
    assert constraints.CONCURRENCY_PER_CHANNEL["VOICE"] == constraints.Range(1, 1)
    assert constraints.CONCURRENCY_ANY_CHANNEL == constraints.Range(1, 10)
    assert constraints.MANUAL_ASSIGNMENT_CHANNELS == tuple(documented["ManualAssignmentChannels"]["rule"])


@pytest.mark.parametrize(
    "key, allowed",
    [("team", True), ("Kostenstelle Ä", True), ("部门", True), ("a_b.c:d/e=f+g-h@i", True), ("v²", True),
     ("cost#center", False), ("a*b", False), ("tab\there", False), ("emoji😀", False)],
)
def test_tag_key_alphabet_is_connects_pattern(key, allowed):
    import regex

    full = regex.fullmatch(constraints.TAG_KEY_PATTERN, key) is not None
    per_character = all(constraints.TAG_KEY_CHARACTER.fullmatch(ch) for ch in key)
    assert full == per_character == allowed


def test_tag_key_characters_are_read_as_the_parser_reads_them():
    import regex

    # A combining vowel sign Unicode calls alphabetic (Mc): Rust's is_alphabetic, which the parser
    # uses for \p{L}, admits it, and so does the port; Connect's pattern itself would not.
    key = "\u0915\u093f"
    assert regex.fullmatch(constraints.TAG_KEY_PATTERN, key) is None
    assert all(constraints.TAG_KEY_CHARACTER.fullmatch(ch) for ch in key)


def test_resource_metadata_silences_a_rule_on_that_resource(tmp_path):
    text = (HERE / "templates" / "every-rule.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "  NoTimeout:\n    Type: Custom::RoutingProfile\n",
        "  NoTimeout:\n    Type: Custom::RoutingProfile\n"
        "    Metadata: { cfn-lint: { config: { ignore_checks: [W9001] } } }\n",
    )
    rules = [rule for rule, *_ in lint_text(tmp_path, text)]
    assert "W9001" not in rules and len(rules) == len(expected(HERE / "templates" / "every-rule.yaml")) - 1


ADOPTING = """
Transform: AWS::LanguageExtensions
Parameters:
  Stage: { Type: String }
  Policy: { Type: String }
Conditions:
  Prod: !Equals [!Ref Stage, prod]
Resources:
  R:
    Type: Custom::RoutingProfile
    DeletionPolicy: DELETION
    UpdateReplacePolicy: REPLACE
    Properties:
      ServiceToken: !ImportValue token
      ServiceTimeout: 600
      InstanceId: i-1
      Name: n
      Description: d
      DefaultOutboundQueueId: q-out
      MediaConcurrencies: [{ Channel: VOICE, Concurrency: 1 }]
      AdoptExisting: true
"""


def adopting(tmp_path, deletion, replace):
    text = ADOPTING.replace("DELETION", deletion).replace("REPLACE", replace)
    return [(rule, line, message) for rule, line, _, message in lint_text(tmp_path, text)]


def test_adopting_without_retain_says_what_deletes_the_adopted_profile(tmp_path):
    assert adopting(tmp_path, "Delete", "Snapshot") == [
        ("W9003", 21, "AdoptExisting is true but DeletionPolicy is Delete: deleting the stack, removing this "
         "resource from the template, or rolling back the stack operation that added it deletes the adopted "
         "profile (an instance's default profile excepted); set DeletionPolicy: Retain to keep it"),
        ("W9003", 21, "AdoptExisting is true but UpdateReplacePolicy is Snapshot: a replacement (a change of "
         "InstanceId) deletes the adopted profile (an instance's default profile excepted); set "
         "UpdateReplacePolicy: Retain to keep it"),
    ]
    assert adopting(tmp_path, "RetainExceptOnCreate", "Retain") == [
        ("W9003", 21, "AdoptExisting is true but DeletionPolicy is RetainExceptOnCreate: rolling back the stack "
         "operation that added this resource deletes the adopted profile (an instance's default profile "
         "excepted); set DeletionPolicy: Retain to keep it"),
    ]
    assert adopting(tmp_path, "Retain", "Retain") == []


def test_policies_made_by_intrinsics_are_followed_into_each_branch_or_skipped(tmp_path):
    # Fn::If (AWS::LanguageExtensions): the branch that deletes is reported; a Ref to a parameter
    # is known only at deploy time.
    found = adopting(tmp_path, "!If [Prod, Retain, Delete]", "!Ref Policy")
    assert [message.split(":")[0] for _, _, message in found] == [
        "AdoptExisting is true but DeletionPolicy is Delete"
    ]
    assert adopting(tmp_path, "!Ref Policy", "!If [Prod, Retain, Retain]") == []
    assert adopting(tmp_path, "!If [Prod, Retain, !Ref AWS::NoValue]", "Retain") == [
        ("W9003", 21, retention._DELETION.format(policy="not set")),
    ]


def test_two_resources_of_one_instance_and_name_are_reported_with_the_first(tmp_path):
    path = HERE / "templates" / "same-profile.yaml"
    message = (
        'Name: "Support" in instance "i-1" is also the Name of Support: Connect keeps a Name unique in '
        "an instance, so both resources would manage one routing profile (with AdoptExisting both may "
        "adopt it at once); give each resource its own Name"
    )
    found = [(rule, line, text) for rule, line, _, text in ours(lint(path))]
    assert found == [(rule, line, message) for line, rule in expected(path)]
    # Two resources that never exist together are fine; without their Conditions they clash.
    text = path.read_text(encoding="utf-8").replace("    Condition: NotProd\n", "")
    clashes = [message for rule, _, _, message in lint_text(tmp_path, text) if rule == "E9011"]
    assert len(clashes) == 3
    assert 'Name: "Shared" in instance "i-1" is also the Name of InProd:' in clashes[1]
