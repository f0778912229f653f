"""cfn-lint rules for `Custom::RoutingProfile` (routing-profile-resource).

    cfn-lint --append-rules lint/rules/ -- template.yaml

Every rule and its wording is the function's own (a FAILED answer's `path: problem`), reported at
the template node of that path. The checks live in lint/routing_profile_lint/; this module only
sorts their findings into rule ids, so that each kind can be ignored or configured on its own.
"""

import pathlib
import sys

from cfnlint.rules import CloudFormationLintRule, RuleMatch

# cfn-lint loads this file by path, not as part of a package: make lint/ importable.
_LINT_DIR = str(pathlib.Path(__file__).resolve().parents[1])
if _LINT_DIR not in sys.path:
    sys.path.insert(0, _LINT_DIR)

from routing_profile_lint import properties, retention, template, timeouts, uniqueness  # noqa: E402

_SOURCE = "README.md#lint-your-templates"
_TAGS = ["resources", "custom", "connect"]


def _findings(cfn):
    """Every finding for the template, computed once however many rules ask."""
    cached = cfn.__dict__.get("_routing_profile_findings")
    if cached is None:
        cached = (
            template.check_template(cfn)
            + uniqueness.check_template(cfn)
            + timeouts.check_template(cfn)
            + retention.check_template(cfn)
        )
        cfn.__dict__["_routing_profile_findings"] = cached
    return cached


class _Reports:
    """What every rule below does: report the findings of its kinds. Not a CloudFormationLintRule
    itself, so cfn-lint does not load it as a rule of its own."""

    kinds = ()
    source_url = _SOURCE
    tags = _TAGS

    def match(self, cfn):
        return [
            RuleMatch(list(f.template_path), f.message)
            for f in _findings(cfn)
            if f.kind in self.kinds
        ]


class RequiredProperty(_Reports, CloudFormationLintRule):
    id = "E9001"
    shortdesc = "Custom::RoutingProfile required property"
    description = (
        "InstanceId, Name, Description, DefaultOutboundQueueId and MediaConcurrencies (with at "
        "least one channel) are required, and so are the fields of each list item; a channel "
        "gives its Concurrency, its WorkloadTypeConcurrencies or both"
    )
    kinds = (properties.REQUIRED,)


class UnknownProperty(_Reports, CloudFormationLintRule):
    id = "E9002"
    shortdesc = "Custom::RoutingProfile unknown property"
    description = "A property the resource does not have, with the closest name when it looks like a typo"
    kinds = (properties.UNKNOWN_PROPERTY,)


class WrongType(_Reports, CloudFormationLintRule):
    id = "E9003"
    shortdesc = "Custom::RoutingProfile value of the wrong type"
    description = "A string, whole number, true or false, list or object where the resource expects another"
    kinds = (properties.TYPE,)


class NotAllowedValue(_Reports, CloudFormationLintRule):
    id = "E9004"
    shortdesc = "Custom::RoutingProfile value not allowed"
    description = (
        "Channel, BehaviorType, ChannelWorkloadBehaviorType and AgentAvailabilityTimer take one of "
        "Connect's values"
    )
    kinds = (properties.ENUM,)


class OutOfRange(_Reports, CloudFormationLintRule):
    id = "E9005"
    shortdesc = "Custom::RoutingProfile number out of range"
    description = (
        "Priority 1-99, Delay 0-9999, Concurrency (when given) 1 for VOICE and 1-10 for other "
        "channels (of a channel and of each of its workload types), 1-5 WorkloadTypeConcurrencies "
        "per channel"
    )
    kinds = (properties.RANGE,)


class Length(_Reports, CloudFormationLintRule):
    id = "E9006"
    shortdesc = "Custom::RoutingProfile text length"
    description = (
        "Name 1-127 and Description 1-250 characters, IDs within their lengths, a WorkloadType "
        "that is not blank"
    )
    kinds = (properties.LENGTH,)


class IdOrArn(_Reports, CloudFormationLintRule):
    id = "E9007"
    shortdesc = "Custom::RoutingProfile ID or ARN"
    description = (
        "An ID (1-100 characters, no '/', ':' or spaces) or an ARN of the right kind whose IDs "
        "follow the same rule; a queue ARN must be of InstanceId's instance"
    )
    kinds = (properties.ID,)


class ListedTwice(_Reports, CloudFormationLintRule):
    id = "E9008"
    shortdesc = "Custom::RoutingProfile entry listed more than once"
    description = (
        "Each (queue, channel) pair, MediaConcurrencies channel, workload type of a channel and "
        "tag key at most once"
    )
    kinds = (properties.DUPLICATE,)


class ManualAssignmentChannel(_Reports, CloudFormationLintRule):
    id = "E9009"
    shortdesc = "Custom::RoutingProfile VOICE among manual-assignment queues"
    description = "Manual-assignment queues take CHAT, TASK or EMAIL contacts, never VOICE"
    kinds = (properties.MANUAL_CHANNEL,)


class TagRules(_Reports, CloudFormationLintRule):
    id = "E9010"
    shortdesc = "Custom::RoutingProfile tags"
    description = (
        "At most 47 tags (Connect's 50 less the function's ownership marker); keys 1-128 "
        "characters of Connect's alphabet, not starting with aws: or cfn-custom-resource:; "
        "values at most 256 characters"
    )
    kinds = (properties.TAGS,)


class SameProfile(_Reports, CloudFormationLintRule):
    id = "E9011"
    shortdesc = "Custom::RoutingProfile InstanceId and Name of another"
    description = (
        "Two Custom::RoutingProfile resources of one template with the same InstanceId (an ARN "
        "read as its ID) and Name would manage one routing profile: Connect keeps a Name unique "
        "in an instance"
    )
    kinds = (uniqueness.SAME_PROFILE,)


class ServiceTimeoutMissing(_Reports, CloudFormationLintRule):
    id = "W9001"
    shortdesc = "Custom::RoutingProfile without ServiceTimeout"
    description = "Without ServiceTimeout a lost answer holds the stack for an hour"
    kinds = (timeouts.MISSING,)


class ServiceTimeoutNotAbove(_Reports, CloudFormationLintRule):
    id = "W9002"
    shortdesc = "Custom::RoutingProfile ServiceTimeout not above the function's Timeout"
    description = (
        "When the ServiceToken's function is in the same template, ServiceTimeout must be above "
        "its Timeout or CloudFormation may give up on a request still being carried out"
    )
    kinds = (timeouts.NOT_ABOVE,)


class AdoptedNotRetained(_Reports, CloudFormationLintRule):
    id = "W9003"
    shortdesc = "Custom::RoutingProfile adopting without Retain"
    description = (
        "With AdoptExisting true, a profile made before the stack is deleted with the stack, when "
        "the resource is removed, on a rollback of the operation that added it, and on a "
        "replacement, unless DeletionPolicy and UpdateReplacePolicy are Retain"
    )
    kinds = (retention.NOT_RETAINED,)
