"""AdoptExisting advice for `Custom::RoutingProfile`.

A resource that adopted a profile made before the stack owns it like one it created: every Delete
CloudFormation sends for it deletes the profile (the instance's default profile excepted, which
Connect never deletes: it is only released). CloudFormation sends that Delete when the stack is
deleted, when the resource leaves the template, and when the stack operation that added it rolls
back, unless DeletionPolicy is Retain; RetainExceptOnCreate still deletes on that rollback. A
replacement (a change of InstanceId) deletes the old profile unless UpdateReplacePolicy is Retain.

Each Fn::If is followed into both branches, as the property rules do; a value known only at deploy
time (a Ref to a parameter) is skipped.
"""

from .properties import parse_boolean
from .template import NO_VALUE, Finding, conditions_in, resolve, routing_profiles, scenarios

NOT_RETAINED = "adopt-not-retained"
# How a policy left out (CloudFormation's default, Delete) reads in a message.
_NOT_SET = "not set"

_DELETION = (
    "AdoptExisting is true but DeletionPolicy is {policy}: deleting the stack, removing this "
    "resource from the template, or rolling back the stack operation that added it deletes the "
    "adopted profile (an instance's default profile excepted); set DeletionPolicy: Retain to keep it"
)
_EXCEPT_ON_CREATE = (
    "AdoptExisting is true but DeletionPolicy is RetainExceptOnCreate: rolling back the stack "
    "operation that added this resource deletes the adopted profile (an instance's default profile "
    "excepted); set DeletionPolicy: Retain to keep it"
)
_REPLACEMENT = (
    "AdoptExisting is true but UpdateReplacePolicy is {policy}: a replacement (a change of "
    "InstanceId) deletes the adopted profile (an instance's default profile excepted); set "
    "UpdateReplacePolicy: Retain to keep it"
)


def check_template(cfn):
    """Retention findings for every Custom::RoutingProfile that adopts, in a cfn-lint Template."""
    findings = {}
    for name, resource in routing_profiles(cfn):
        properties = resource["Properties"]
        if not isinstance(properties, dict) or "AdoptExisting" not in properties:
            continue
        base = ("Resources", name, "Properties", "AdoptExisting")
        attributes = [resource.get(key, _NOT_SET) for key in ("DeletionPolicy", "UpdateReplacePolicy")]
        names = conditions_in([properties["AdoptExisting"], *attributes])
        condition = resource.get("Condition")
        for scenario in scenarios(cfn, names, condition if isinstance(condition, str) else None):
            where = {}
            adopt = resolve(properties["AdoptExisting"], scenario, base, where=where)
            if adopt is NO_VALUE or parse_boolean(adopt) is not True:
                continue
            for message in _messages(*(_policy(node, scenario) for node in attributes)):
                location = where[()]
                findings.setdefault((location, message), Finding(location, NOT_RETAINED, message))
    return list(findings.values())


def _policy(node, scenario):
    """The policy a scenario gives (`_NOT_SET` when NoValue removes it), None when not known."""
    value = resolve(node, scenario, stringify=False)
    if value is NO_VALUE:
        return _NOT_SET
    return value if isinstance(value, str) else None


def _messages(deletion, replacement):
    if deletion == "RetainExceptOnCreate":
        yield _EXCEPT_ON_CREATE
    elif deletion is not None and deletion != "Retain":
        yield _DELETION.format(policy=deletion)
    if replacement is not None and replacement != "Retain":
        yield _REPLACEMENT.format(policy=replacement)
