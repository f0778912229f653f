"""The rules the plugin checks, in one place.

Connect's rules come from model/connect-constraints.json (extracted from Connect's published service
model by model/extract.py, the same table src/constraints.rs is checked against); the function's own
rules, which are not Connect's, are the constants at the bottom.
"""

import json
import pathlib
from dataclasses import dataclass

import regex

TABLE_PATH = pathlib.Path(__file__).resolve().parents[2] / "model" / "connect-constraints.json"


@dataclass(frozen=True)
class Range:
    """An inclusive range: characters for strings, values for integers, entries for lists."""

    min: int
    max: int


def _load(path=TABLE_PATH):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


_TABLE = _load()
_SHAPES = _TABLE["shapes"]
_DOCUMENTED = _TABLE["documented"]


def _range(shape, default_min=None):
    s = _SHAPES[shape]
    return Range(s.get("min", default_min), s["max"])


def _enum(shape):
    return tuple(_SHAPES[shape]["enum"])


# Connect's rules, by the model's shape names.
ROUTING_PROFILE_NAME = _range("RoutingProfileName")
ROUTING_PROFILE_DESCRIPTION = _range("RoutingProfileDescription")
PRIORITY = _range("Priority")
DELAY = _range("Delay")
CHANNEL = _enum("Channel")
BEHAVIOR_TYPE = _enum("BehaviorType")
CHANNEL_WORKLOAD_BEHAVIOR_TYPE = _enum("ChannelWorkloadBehaviorType")
AGENT_AVAILABILITY_TIMER = _enum("AgentAvailabilityTimer")
TAG_KEY = _range("TagKey")
TAG_VALUE = _range("TagValue", default_min=0)
TAG_MAP = _range("TagMap")
CONCURRENCY = _range("Concurrency")
# MediaConcurrencies[].WorkloadTypeConcurrencies: entries per channel, and each one's concurrency.
WORKLOAD_TYPE_CONCURRENCIES = _range("WorkloadTypeConcurrencies")
WORKLOAD_TYPE_CONCURRENCY = _range("WorkloadTypeConcurrencyType")



def _per_channel(rule, model):
    """A documented per-channel rule within the model's range, and the range for a channel that
    is not known (invalid, or an intrinsic function): the widest of any channel, within the model's.
    The parser's `allowed` (src/properties/concurrency.rs)."""
    ranges = {
        channel: Range(max(r["min"], model.min), min(r["max"], model.max))
        for channel, r in _DOCUMENTED[rule]["rule"].items()
    }
    widest = Range(
        max(min(r["min"] for r in _DOCUMENTED[rule]["rule"].values()), model.min),
        min(max(r["max"] for r in _DOCUMENTED[rule]["rule"].values()), model.max),
    )
    return ranges, widest


# Documented rules the model does not carry.
CONCURRENCY_PER_CHANNEL, CONCURRENCY_ANY_CHANNEL = _per_channel("ConcurrencyPerChannel", CONCURRENCY)
WORKLOAD_TYPE_CONCURRENCY_PER_CHANNEL, WORKLOAD_TYPE_CONCURRENCY_ANY_CHANNEL = _per_channel(
    "WorkloadTypeConcurrencyPerChannel", WORKLOAD_TYPE_CONCURRENCY
)
MANUAL_ASSIGNMENT_CHANNELS = tuple(_DOCUMENTED["ManualAssignmentChannels"]["rule"])

# TagKey's pattern is `^(?!aws:)[class]*$`: the "aws:" prefix is checked on its own (with its own
# wording), the class character by character so a problem can name the characters.
TAG_KEY_PATTERN = _SHAPES["TagKey"]["pattern"]
_PATTERN_SHAPE = regex.fullmatch(r"\^\(\?!aws:\)(\[.*\])\*\$", TAG_KEY_PATTERN)
if _PATTERN_SHAPE is None:
    raise RuntimeError(
        f"TagKey's pattern in {TABLE_PATH} changed shape ({TAG_KEY_PATTERN!r}); update lint/"
    )
# The class as the parser reads it (src/constraints.rs, `is_tag_key_char`): Rust's `is_alphabetic`
# stands for \p{L}, and it also admits the few combining marks Unicode calls alphabetic (which
# Connect then rejects itself). The port follows the parser, so the two agree on every key.
TAG_KEY_CHARACTER = regex.compile(_PATTERN_SHAPE.group(1).replace(r"\p{L}", r"\p{L}\p{Alphabetic}"))
AWS_TAG_PREFIX = "aws:"

# The function's own rules (src/properties/, src/model.rs), not Connect's.

# The ownership marker: tags the function adds to every profile it creates. They count against
# Connect's TagMap limit, so the user's budget is TAG_MAP.max minus their number.
MARKER_TAGS = (
    "cfn-custom-resource:stack-id",
    "cfn-custom-resource:logical-id",
    "cfn-custom-resource:request-id",
)
RESERVED_TAG_PREFIX = "cfn-custom-resource:"
USER_TAGS = TAG_MAP.max - len(MARKER_TAGS)

# A plain ID: 1-100 characters, none of them '/', ':' or white space (an ARN is the other form).
PLAIN_ID = Range(1, 100)
# The text of an InstanceId or a queue ID, ARN or plain, before it is read as one or the other.
INSTANCE_ID_TEXT = Range(1, 250)
QUEUE_ID_TEXT = Range(1, 350)

# Properties CloudFormation itself reads; the function ignores them.
CLOUDFORMATION_PROPERTIES = ("ServiceToken", "ServiceTimeout")
# CloudFormation waits this long for an answer when ServiceTimeout is not set.
DEFAULT_SERVICE_TIMEOUT = 3600
# A Lambda function's timeout when its template does not set one.
DEFAULT_LAMBDA_TIMEOUT = 3

assert all(
    m.startswith(RESERVED_TAG_PREFIX) for m in MARKER_TAGS
), "the marker's tags carry the reserved prefix"
