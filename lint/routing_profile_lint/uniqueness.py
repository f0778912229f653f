"""One routing profile, one resource: two `Custom::RoutingProfile` of a template with the same
InstanceId and Name.

Connect keeps a Name unique in an instance, so the two would name one profile. Without AdoptExisting
the second Create fails (the Name is taken by the first's profile); with it, both may adopt the same
profile at once and both answer SUCCESS, the function's checks after its writes notwithstanding:
the race is closed only by not writing it. An InstanceId given as an ARN is compared by the ID it
holds, as the function calls Connect with it.

Each pair of resources is resolved in the condition scenarios in which both exist (their own
Conditions true, each Fn::If of their InstanceId and Name followed into both branches); a value
known only at deploy time is skipped. The same InstanceId and Name in two stacks is beyond one
template, and beyond this rule.
"""

from .arn import parse_arn
from .properties import debug
from .template import Finding, conditions_in, resolve, routing_profiles, scenarios

SAME_PROFILE = "same-profile"


def check_template(cfn):
    """A finding for every Custom::RoutingProfile whose InstanceId and Name an earlier one has."""
    resources = [
        (name, resource)
        for name, resource in routing_profiles(cfn)
        if isinstance(resource["Properties"], dict)
    ]
    findings = []
    for j, (name, resource) in enumerate(resources):
        for earlier, other in resources[:j]:
            where = _shared(cfn, resource, other)
            if where is not None:
                identity, name_path = where
                findings.append(
                    Finding(
                        ("Resources", name, "Properties") + name_path,
                        SAME_PROFILE,
                        f"Name: {debug(identity[1])} in instance {debug(identity[0])} is also the Name of "
                        f"{earlier}: Connect keeps a Name unique in an instance, so both resources "
                        "would manage one routing profile (with AdoptExisting both may adopt it "
                        "at once); give each resource its own Name",
                    )
                )
                break
    return findings


def _shared(cfn, resource, other):
    """The (instance, Name) both resources take in some scenario where both exist, with the path
    of `resource`'s Name node in it; None when there is no such scenario."""
    nodes = [_identity_nodes(resource), _identity_nodes(other)]
    names = conditions_in([node for pair in nodes for node in pair])
    wanted = [r.get("Condition") for r in (resource, other)]
    wanted = [c for c in wanted if isinstance(c, str)]
    for scenario in _both_exist(cfn, names, wanted):
        where = {}
        ours = _identity(nodes[0], scenario, where)
        if ours is not None and ours == _identity(nodes[1], scenario, {}):
            return ours, where[()]
    return None


def _identity_nodes(resource):
    properties = resource["Properties"]
    return properties.get("InstanceId"), properties.get("Name")


def _identity(nodes, scenario, where):
    """(instance ID, Name) as the function would read them, or None when either is not known or
    not usable; `where[()]` gets the Name node's path below Properties."""
    instance_node, name_node = nodes
    instance = resolve(instance_node, scenario)
    name = resolve(name_node, scenario, ("Name",), where=where)
    if not isinstance(instance, str) or not isinstance(name, str):
        return None
    if instance.startswith("arn:"):
        arn = parse_arn(instance)
        if arn is None or arn.resource is not None:
            return None
        instance = arn.instance_id
    return instance, name


def _both_exist(cfn, names, resource_conditions):
    """Scenarios over `names` in which every one of `resource_conditions` holds."""
    everything = list(dict.fromkeys([*names, *resource_conditions]))
    for scenario in scenarios(cfn, everything):
        if all(scenario.get(condition, True) for condition in resource_conditions):
            yield scenario

