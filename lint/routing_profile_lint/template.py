"""From a template's `Custom::RoutingProfile` to problems at template paths.

A resource's Properties are resolved once per condition scenario (each `Fn::If` takes one branch;
cfn-lint's condition solver drops impossible combinations) into the value the function would
receive: `Ref: AWS::NoValue` removes a key or list item, every scalar becomes a string as
CloudFormation sends it, `Fn::Sub` without variables and `Fn::Join` of literals are computed, and
any other intrinsic function is Unknown. The port of the parser checks that value, and each
problem is placed at the template node its path came from (in the branch the scenario took), or
at the nearest node that exists for a missing property.

Which resources are routing profiles: every `Custom::RoutingProfile`, and every
`AWS::CloudFormation::CustomResource` (the long form, the one type of custom resource the
Serverless Application Repository accepts, so `template.yaml`'s example is written so) whose
Properties name `InstanceId`, `DefaultOutboundQueueId` and `MediaConcurrencies`. The three are
required, so a complete routing profile always names them, and together they name no other custom
resource one is likely to meet. A long-form one that lacks any of them is taken for another custom
resource and not checked: write `Custom::RoutingProfile` where nothing requires the long form.
"""

import itertools
from dataclasses import dataclass

from .properties import Unknown, check

RESOURCE_TYPE = "Custom::RoutingProfile"
# Any custom resource's type, which the Serverless Application Repository requires instead.
LONG_FORM_TYPE = "AWS::CloudFormation::CustomResource"
# The properties that make a custom resource of the long form a routing profile (all of them).
LONG_FORM_SHAPE = ("InstanceId", "DefaultOutboundQueueId", "MediaConcurrencies")

# Beyond this many distinct conditions, only "all true" and "all false" are checked.
_MAX_FREE_CONDITIONS = 6


@dataclass(frozen=True)
class Finding:
    """A problem to report: where in the template (cfn-lint's path), which kind, the message."""

    template_path: tuple
    kind: str
    message: str
    pending: bool = False


class _NoValue:
    pass


NO_VALUE = _NoValue()


def resolve(node, scenario, template_path=(), value_path=(), where=None, stringify=True):
    """The value CloudFormation sends for `node` under `scenario` ({condition: bool}).

    `where` (if given) records, for each path in the value, the template path it came from.
    With `stringify`, scalars become strings as CloudFormation sends them.
    """
    if where is not None:
        where[value_path] = template_path
    if isinstance(node, dict):
        if len(node) == 1:
            (key, arg), = node.items()
            if key == "Fn::If":
                return _if(arg, scenario, template_path, value_path, where, stringify)
            if key == "Ref" and arg == "AWS::NoValue":
                return NO_VALUE
            if key == "Ref" or str(key).startswith("Fn::"):
                return _function(key, arg, node, scenario, stringify)
        out = {}
        for key, child in node.items():
            value = resolve(
                child, scenario, template_path + (key,), value_path + (str(key),), where, stringify
            )
            if value is not NO_VALUE:
                out[str(key)] = value
        return out
    if isinstance(node, list):
        out = []
        for i, child in enumerate(node):
            value = resolve(
                child, scenario, template_path + (i,), value_path + (len(out),), where, stringify
            )
            if value is not NO_VALUE:
                out.append(value)
        return out
    return scalar(node) if stringify else node


def scalar(value):
    """A template scalar as CloudFormation sends it to a custom resource: a string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    return value


def _if(arg, scenario, template_path, value_path, where, stringify):
    if not (isinstance(arg, list) and len(arg) == 3 and isinstance(arg[0], str)):
        return Unknown({"Fn::If": arg})
    branch = 1 if scenario.get(arg[0], True) else 2
    return resolve(
        arg[branch], scenario, template_path + ("Fn::If", branch), value_path, where, stringify
    )


def _function(key, arg, node, scenario, stringify):
    """An intrinsic function's value when the template alone fixes it, else Unknown."""
    if key == "Fn::Sub":
        text = arg[0] if isinstance(arg, list) and arg else arg
        if isinstance(text, str) and "${" not in text.replace("${!", ""):
            return text.replace("${!", "${")
    if key == "Fn::Join" and isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str):
        parts = resolve(arg[1], scenario, stringify=stringify)
        if isinstance(parts, list) and all(isinstance(p, str) for p in parts):
            return arg[0].join(parts)
    return Unknown(_plain(node))


def _plain(node):
    """A template node as plain JSON, for showing an unknown value."""
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    if isinstance(node, str):
        return str(node)
    return node


def conditions_in(node):
    """The condition names of every `Fn::If` in `node`, in order of appearance."""
    found = []
    if isinstance(node, dict):
        if len(node) == 1 and "Fn::If" in node:
            arg = node["Fn::If"]
            if isinstance(arg, list) and arg and isinstance(arg[0], str):
                found.append(str(arg[0]))
        for child in node.values():
            found.extend(conditions_in(child))
    elif isinstance(node, list):
        for child in node:
            found.extend(conditions_in(child))
    return list(dict.fromkeys(found))


def scenarios(cfn, names, resource_condition=None):
    """The condition scenarios to check: those cfn-lint's solver finds possible, with the
    resource's own Condition true."""
    if not names:
        return [{}]
    wanted = {name: {True, False} for name in names}
    if resource_condition:
        wanted[resource_condition] = {True}
    found = []
    if cfn is not None:
        try:
            found = list(cfn.conditions.build_scenarios(wanted))
        except Exception:  # an older cfn-lint, or a condition it cannot read: check them all
            found = []
    if found:
        return found
    if len(names) > _MAX_FREE_CONDITIONS:
        return [dict.fromkeys(names, True), dict.fromkeys(names, False)]
    return [dict(zip(names, values)) for values in itertools.product((True, False), repeat=len(names))]


def place(problem, where, base_path):
    """The template path of a problem: its node, or the nearest node above a missing one."""
    path = problem.path
    while path not in where and path:
        path = path[:-1]
    return base_path + where.get(path, ())


def check_properties(properties, base_path, cfn=None, resource_condition=None):
    """Findings for one resource's Properties node; `base_path` is the Properties node's path."""
    findings = {}
    for scenario in scenarios(cfn, conditions_in(properties), resource_condition):
        where = {}
        value = resolve(properties, scenario, where=where)
        if value is NO_VALUE:
            continue
        for problem in check(value):
            location = place(problem, where, base_path)
            # One report per node and problem, however many scenarios find it.
            key = (location, problem.kind, str(problem))
            findings.setdefault(key, Finding(location, problem.kind, str(problem), problem.pending))
    return list(findings.values())


def is_routing_profile(resource):
    """Whether a resource of the template is a routing profile (see the module doc)."""
    if not (isinstance(resource, dict) and "Properties" in resource):
        return False
    if resource.get("Type") == RESOURCE_TYPE:
        return True
    properties = resource["Properties"]
    return (
        resource.get("Type") == LONG_FORM_TYPE
        and isinstance(properties, dict)
        and all(key in properties for key in LONG_FORM_SHAPE)
    )


def routing_profiles(cfn):
    """`(logical id, resource)` for every routing profile with Properties: each
    Custom::RoutingProfile, and each AWS::CloudFormation::CustomResource shaped like one."""
    for name, resource in cfn.get_resources([RESOURCE_TYPE, LONG_FORM_TYPE]).items():
        if is_routing_profile(resource):
            yield str(name), resource


def check_template(cfn):
    """Every property finding for every Custom::RoutingProfile in a cfn-lint Template."""
    findings = []
    for name, resource in routing_profiles(cfn):
        condition = resource.get("Condition")
        findings.extend(
            check_properties(
                resource["Properties"],
                ("Resources", name, "Properties"),
                cfn,
                condition if isinstance(condition, str) else None,
            )
        )
    return findings

