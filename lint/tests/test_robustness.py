"""An editor runs cfn-lint on half-written templates: the rules must never fail on any shape."""

import random

from routing_profile_lint.template import check_properties

KEYS = [
    "InstanceId", "Name", "Description", "DefaultOutboundQueueId", "QueueConfigs",
    "ManualAssignmentQueueConfigs", "MediaConcurrencies", "Tags", "AgentAvailabilityTimer",
    "QueueReference", "QueueId", "Channel", "Priority", "Delay", "Concurrency",
    "CrossChannelBehavior", "BehaviorType", "Key", "Value", "x", 7,
]
LEAVES = [None, True, 0, 1, -1, 1.5, 2**70, "", "VOICE", "CHAT", "1", "q", "arn:aws:connect:r:a:instance/i/queue/q", "aws:x"]


def value(rng, depth):
    roll = rng.random()
    if depth > 3 or roll < 0.35:
        return rng.choice(LEAVES)
    if roll < 0.5:
        return rng.choice([
            {"Ref": "AWS::NoValue"},
            {"Ref": "P"},
            {"Fn::If": ["C", value(rng, depth + 1), value(rng, depth + 1)]},
            {"Fn::If": rng.choice([None, "C", ["C"], [1, 2, 3]])},
            {"Fn::Sub": rng.choice(["plain", "${P}", ["x", {}], 5])},
            {"Fn::Join": rng.choice([["", ["a", {"Ref": "P"}]], ["-", "ab"], [1, []], "x"])},
            {"Fn::GetAtt": ["R", "Arn"]},
        ])
    if roll < 0.75:
        return [value(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {rng.choice(KEYS): value(rng, depth + 1) for _ in range(rng.randrange(6))}


def test_arbitrary_properties_never_fail_and_every_finding_is_placed():
    rng = random.Random(11)
    base = ("Resources", "R", "Properties")
    for _ in range(3000):
        properties = value(rng, 0)
        for finding in check_properties(properties, base):
            assert finding.template_path[: len(base)] == base
            assert finding.message and ": " in finding.message
