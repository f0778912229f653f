"""The function's property rules, with its wording: a port of src/properties/.

`check(properties)` returns every problem the function's parser reports for the same JSON, in the
same order, as `Problem(path, text, kind)`, where `path` is a tuple of keys and list indices and
`Problem.where` formats it as the function does (`QueueConfigs[1].QueueReference.Channel`). The
corpus in tests/corpus/ holds both to the same answers.

Values are JSON-like Python values plus `Unknown`: what a template leaves to deploy time (a `Ref`,
an `Fn::GetAtt`...). A rule never reports an unknown value; rules that compare values (duplicates,
the instance of a queue ARN, the tag count) skip what they cannot know.

A rule the parser does not check yet but Connect rejects can be reported with `pending=True`: the
corpus lists it apart, so the day the parser adopts it, its wording is already fixed there. None is
pending today (the TagKey alphabet was, until the parser adopted it).

Adding a rule: one method call here where the parser makes it, with a `kind` (the rule id it is
reported under, lint/rules/routing_profile.py), and a corpus case in tests/corpus/.
"""

import json
import math
import unicodedata
from dataclasses import dataclass

from . import constraints as c
from .arn import parse_arn


class Unknown:
    """A value only known at deploy time; `raw` is the template's text of it, for display."""

    def __init__(self, raw=None):
        self.raw = raw

    def __repr__(self):
        return f"Unknown({self.raw!r})"


def is_unknown(value):
    """Whether `value` is only known at deploy time."""
    return isinstance(value, Unknown)


# Kinds of problem; each is one rule id of the plugin.
REQUIRED = "required"
UNKNOWN_PROPERTY = "unknown-property"
TYPE = "type"
ENUM = "enum"
RANGE = "range"
LENGTH = "length"
ID = "id"
DUPLICATE = "duplicate"
MANUAL_CHANNEL = "manual-channel"
TAGS = "tags"
KINDS = (REQUIRED, UNKNOWN_PROPERTY, TYPE, ENUM, RANGE, LENGTH, ID, DUPLICATE, MANUAL_CHANNEL, TAGS)


@dataclass(frozen=True)
class Problem:
    """One problem with one property, as the function words it."""

    path: tuple
    text: str
    kind: str
    pending: bool = False

    @property
    def where(self):
        """The path as the function writes it."""
        return format_path(self.path)

    def __str__(self):
        return f"{self.where}: {self.text}"


def format_path(path):
    """`("QueueConfigs", 1, "Priority")` -> `QueueConfigs[1].Priority`; `()` is the whole set."""
    if not path:
        return "ResourceProperties"
    out = str(path[0])
    for segment in path[1:]:
        out += f"[{segment}]" if isinstance(segment, int) else f".{segment}"
    return out


def check(properties):
    """Every problem with one `Custom::RoutingProfile`'s properties, in the parser's order."""
    parser = _Parser()
    parser.properties(properties)
    return parser.problems


TOP_LEVEL = (
    "ServiceToken",
    "ServiceTimeout",
    "InstanceId",
    "Name",
    "Description",
    "DefaultOutboundQueueId",
    "QueueConfigs",
    "ManualAssignmentQueueConfigs",
    "MediaConcurrencies",
    "Tags",
    "AgentAvailabilityTimer",
    "AdoptExisting",
)

# A failed value (the parser's `None`); a value that passed is returned as itself or as Unknown.
_FAILED = None
# A channel's Concurrency left out because its workload types give it (the parser's `Some(None)`).
_BY_WORKLOAD_TYPE = "by workload type"


class _Parser:
    def __init__(self):
        self.problems = []

    def error(self, path, kind, text, pending=False):
        self.problems.append(Problem(tuple(path), text, kind, pending))

    def properties(self, value):
        fields = self.object((), value)
        if fields is _FAILED or is_unknown(fields):
            return
        self.known_fields((), fields, TOP_LEVEL)

        instance_id = self.required((), "InstanceId", fields)
        if instance_id is not _FAILED:
            instance_id = self.instance_id(("InstanceId",), instance_id)
        name = self.required((), "Name", fields)
        if name is not _FAILED:
            self.string(("Name",), name, c.ROUTING_PROFILE_NAME)
        description = self.required((), "Description", fields)
        if description is not _FAILED:
            self.string(("Description",), description, c.ROUTING_PROFILE_DESCRIPTION)
        outbound = self.required((), "DefaultOutboundQueueId", fields)
        if outbound is not _FAILED:
            self.queue_id(("DefaultOutboundQueueId",), outbound, instance_id)
        queue_configs = optional(fields, "QueueConfigs")
        if queue_configs is not None:
            self.queue_configs(queue_configs, instance_id)
        manual = optional(fields, "ManualAssignmentQueueConfigs")
        if manual is not None:
            self.manual_queues(manual, instance_id)
        concurrencies = self.required((), "MediaConcurrencies", fields)
        if concurrencies is not _FAILED:
            self.media_concurrencies(concurrencies)
        tags = optional(fields, "Tags")
        if tags is not None:
            self.tags(tags)
        timer = optional(fields, "AgentAvailabilityTimer")
        if timer is not None:
            self.one_of(("AgentAvailabilityTimer",), timer, c.AGENT_AVAILABILITY_TIMER)
        adopt = optional(fields, "AdoptExisting")
        if adopt is not None:
            self.boolean(("AdoptExisting",), adopt)

    def queue_configs(self, value, instance_id):
        items = self.list(("QueueConfigs",), value)
        if items is _FAILED or is_unknown(items):
            return
        seen = set()
        for i, item in enumerate(items):
            path = ("QueueConfigs", i)
            fields = self.object(path, item)
            if fields is _FAILED or is_unknown(fields):
                continue
            self.known_fields(path, fields, ("QueueReference", "Priority", "Delay"))
            queue = self.required(path, "QueueReference", fields)
            if queue is not _FAILED:
                queue = self.queue_reference(path + ("QueueReference",), queue, instance_id)
            priority = self.required(path, "Priority", fields)
            if priority is not _FAILED:
                priority = self.integer(path + ("Priority",), priority, c.PRIORITY)
            delay = optional(fields, "Delay")
            if delay is not None:
                delay = self.integer(path + ("Delay",), delay, c.DELAY)
            else:
                delay = 0
            if _FAILED in (queue, priority, delay) or not _known_pair(queue):
                continue
            if queue in seen:
                self.duplicate_pair(path, queue)
            else:
                seen.add(queue)

    def manual_queues(self, value, instance_id):
        items = self.list(("ManualAssignmentQueueConfigs",), value)
        if items is _FAILED or is_unknown(items):
            return
        seen = set()
        for i, item in enumerate(items):
            path = ("ManualAssignmentQueueConfigs", i)
            fields = self.object(path, item)
            if fields is _FAILED or is_unknown(fields):
                continue
            self.known_fields(path, fields, ("QueueReference",))
            reference_path = path + ("QueueReference",)
            queue = self.required(path, "QueueReference", fields)
            if queue is not _FAILED:
                queue = self.queue_reference(reference_path, queue, instance_id)
            if queue is _FAILED or is_unknown(queue):
                continue
            channel = queue[1]
            if not is_unknown(channel) and channel not in c.MANUAL_ASSIGNMENT_CHANNELS:
                allowed = c.MANUAL_ASSIGNMENT_CHANNELS
                self.error(
                    reference_path + ("Channel",),
                    MANUAL_CHANNEL,
                    f"{debug(channel)} cannot be assigned manually; "
                    f"use {', '.join(allowed[:-1])} or {allowed[-1]}",
                )
                continue
            if not _known_pair(queue):
                continue
            if queue in seen:
                self.duplicate_pair(path, queue)
            else:
                seen.add(queue)

    def duplicate_pair(self, path, queue):
        queue_id, channel = queue
        self.error(
            path,
            DUPLICATE,
            f"queue {debug(queue_id)} on channel {channel} is listed more than once",
        )

    def queue_reference(self, path, value, instance_id):
        """`(queue ID, channel)`, either part possibly Unknown; Unknown when the whole is."""
        fields = self.object(path, value)
        if fields is _FAILED or is_unknown(fields):
            return fields
        self.known_fields(path, fields, ("QueueId", "Channel"))
        queue_id = self.required(path, "QueueId", fields)
        if queue_id is not _FAILED:
            queue_id = self.queue_id(path + ("QueueId",), queue_id, instance_id)
        channel = self.required(path, "Channel", fields)
        if channel is not _FAILED:
            channel = self.one_of(path + ("Channel",), channel, c.CHANNEL)
        if queue_id is _FAILED or channel is _FAILED:
            return _FAILED
        return (queue_id, channel)

    def media_concurrencies(self, value):
        items = self.list(("MediaConcurrencies",), value)
        if items is _FAILED or is_unknown(items):
            return
        if not items:
            self.error(
                ("MediaConcurrencies",),
                REQUIRED,
                "must list at least one channel, e.g. [{ Channel: VOICE, Concurrency: 1 }]",
            )
            return
        seen = set()
        for i, item in enumerate(items):
            path = ("MediaConcurrencies", i)
            fields = self.object(path, item)
            if fields is _FAILED or is_unknown(fields):
                continue
            self.known_fields(path, fields, MEDIA_CONCURRENCY_FIELDS)
            channel = self.required(path, "Channel", fields)
            if channel is not _FAILED:
                channel = self.one_of(path + ("Channel",), channel, c.CHANNEL)
            # Optional in the model, for a channel given by its workload types; with neither,
            # the channel would take no contacts, below every channel's documented minimum.
            concurrency = optional(fields, "Concurrency")
            if concurrency is not None:
                allowed = _of_channel(channel, c.CONCURRENCY_PER_CHANNEL, c.CONCURRENCY_ANY_CHANNEL)
                concurrency = self.integer(path + ("Concurrency",), concurrency, allowed)
            elif optional(fields, "WorkloadTypeConcurrencies") is None:
                self.error(
                    path + ("Concurrency",),
                    REQUIRED,
                    "is required when the channel has no WorkloadTypeConcurrencies",
                )
                concurrency = _FAILED
            else:
                concurrency = _BY_WORKLOAD_TYPE
            cross = optional(fields, "CrossChannelBehavior")
            if cross is not None:
                cross = self.cross_channel(path + ("CrossChannelBehavior",), cross)
            else:
                cross = "ROUTE_CURRENT_CHANNEL_ONLY"
            workloads = optional(fields, "WorkloadTypeConcurrencies")
            if workloads is not None:
                workloads = self.workload_types(path + ("WorkloadTypeConcurrencies",), workloads, channel)
            else:
                workloads = []
            if _FAILED in (channel, concurrency, cross, workloads) or is_unknown(channel):
                continue
            if channel in seen:
                self.error(path + ("Channel",), DUPLICATE, f"{debug(channel)} is listed more than once")
            else:
                seen.add(channel)

    def cross_channel(self, path, value):
        fields = self.object(path, value)
        if fields is _FAILED or is_unknown(fields):
            return fields
        self.known_fields(path, fields, ("BehaviorType",))
        behavior = self.required(path, "BehaviorType", fields)
        if behavior is _FAILED:
            return _FAILED
        return self.one_of(path + ("BehaviorType",), behavior, c.BEHAVIOR_TYPE)

    def workload_types(self, path, value, channel):
        """`WorkloadTypeConcurrencies` of one channel: 1-5 entries, each workload type once."""
        items = self.list(path, value)
        if items is _FAILED or is_unknown(items):
            return items
        allowed = c.WORKLOAD_TYPE_CONCURRENCIES
        if not allowed.min <= len(items) <= allowed.max:
            hint = " (leave WorkloadTypeConcurrencies out for none)" if not items else ""
            self.error(
                path,
                RANGE,
                f"lists {len(items)} workload types; a channel takes {allowed.min}-{allowed.max}{hint}",
            )
            return _FAILED
        ok = True
        seen = set()
        for i, item in enumerate(items):
            item_path = path + (i,)
            fields = self.object(item_path, item)
            if fields is _FAILED:
                ok = False
                continue
            if is_unknown(fields):
                continue
            name = self.workload_type(item_path, fields, channel)
            if name is _FAILED:
                ok = False
            elif is_unknown(name):
                continue
            elif name in seen:
                on = f" for {channel}" if isinstance(channel, str) else ""
                self.error(
                    item_path + ("WorkloadType",),
                    DUPLICATE,
                    f"{debug(name)} is listed more than once{on}",
                )
                ok = False
            else:
                seen.add(name)
        return items if ok else _FAILED

    def workload_type(self, path, fields, channel):
        """One entry: its workload type (Unknown if only known at deploy time), or failed."""
        self.known_fields(path, fields, WORKLOAD_TYPE_FIELDS)
        name = self.required(path, "WorkloadType", fields)
        if name is not _FAILED and not is_unknown(name):
            if not isinstance(name, str):
                self.error(path + ("WorkloadType",), TYPE, f"{show(name)} is not a string")
                name = _FAILED
            elif all(ch in _WHITE_SPACE for ch in name):
                self.error(path + ("WorkloadType",), LENGTH, f"{show(name)} names no workload type")
                name = _FAILED
        concurrency = self.required(path, "Concurrency", fields)
        if concurrency is not _FAILED:
            allowed = _of_channel(
                channel, c.WORKLOAD_TYPE_CONCURRENCY_PER_CHANNEL, c.WORKLOAD_TYPE_CONCURRENCY_ANY_CHANNEL
            )
            concurrency = self.integer(path + ("Concurrency",), concurrency, allowed)
        behavior = optional(fields, "CrossChannelWorkloadBehavior")
        if behavior is not None:
            behavior = self.cross_channel_workload(path + ("CrossChannelWorkloadBehavior",), behavior)
        else:
            behavior = _DEFAULT_WORKLOAD_BEHAVIOR
        if _FAILED in (concurrency, behavior):
            return _FAILED
        return name

    def cross_channel_workload(self, path, value):
        """`CrossChannelWorkloadBehavior`: its one member is optional in the model."""
        fields = self.object(path, value)
        if fields is _FAILED or is_unknown(fields):
            return fields
        self.known_fields(path, fields, ("ChannelWorkloadBehaviorType",))
        behavior = optional(fields, "ChannelWorkloadBehaviorType")
        if behavior is None:
            return _DEFAULT_WORKLOAD_BEHAVIOR
        return self.one_of(path + ("ChannelWorkloadBehaviorType",), behavior, c.CHANNEL_WORKLOAD_BEHAVIOR_TYPE)

    def tags(self, value):
        if is_unknown(value):
            return
        keys = set()
        # False once a tag key is only known at deploy time: the count is then unknown too.
        counted = True
        if isinstance(value, dict):
            # The map form: Tags: { team: support }.
            for key in sorted(value):
                path = ("Tags", key)
                text = self.scalar(path, value[key])
                if text is not _FAILED:
                    self.tag(path, key, text, keys)
        elif isinstance(value, list):
            # CloudFormation's list form: Tags: [{ Key: team, Value: support }].
            for i, item in enumerate(value):
                path = ("Tags", i)
                fields = self.object(path, item)
                if fields is _FAILED:
                    continue
                if is_unknown(fields):
                    counted = False
                    continue
                self.known_fields(path, fields, ("Key", "Value"))
                key = self.required(path, "Key", fields)
                if key is not _FAILED:
                    key = self.scalar(path + ("Key",), key)
                text = self.required(path, "Value", fields)
                if text is not _FAILED:
                    text = self.scalar(path + ("Value",), text)
                if key is _FAILED or text is _FAILED:
                    continue
                if is_unknown(key):
                    counted = False
                elif key in keys:
                    self.error(path + ("Key",), DUPLICATE, f"{debug(key)} is listed more than once")
                else:
                    self.tag(path, key, text, keys)
        else:
            self.error(
                ("Tags",),
                TYPE,
                f"{show(value)} is not a map of key to value or a list of {{Key, Value}}",
            )
            return
        if counted and len(keys) > c.USER_TAGS:
            self.error(
                ("Tags",),
                TAGS,
                f"{len(keys)} tags given; at most {c.USER_TAGS} are allowed ({c.TAG_MAP.max} per "
                f"profile, {len(c.MARKER_TAGS)} used by this function's ownership marker)",
            )

    def tag(self, path, key, text, keys):
        """Checks one tag; a good one is added to `keys`."""
        length = len(key)
        if length < c.TAG_KEY.min or length > c.TAG_KEY.max:
            problem = f"key {debug(key)} must be {c.TAG_KEY.min}-{c.TAG_KEY.max} characters, not {length}"
        elif key[: len(c.AWS_TAG_PREFIX)].lower() == c.AWS_TAG_PREFIX:
            problem = f"key {debug(key)} must not start with {debug(c.AWS_TAG_PREFIX)} (reserved by AWS)"
        elif key.startswith(c.RESERVED_TAG_PREFIX):
            problem = (
                f"key {debug(key)} must not start with {debug(c.RESERVED_TAG_PREFIX)} "
                "(this function's ownership marker)"
            )
        elif not_allowed := [ch for ch in key if not c.TAG_KEY_CHARACTER.fullmatch(ch)]:
            # Connect's TagKey pattern, each refused character once.
            shown = "".join(dict.fromkeys(not_allowed))
            problem = (
                f"key {debug(key)} has characters Connect does not allow in a tag key "
                f"({debug(shown)}): use letters, digits, spaces and _ . : / = + - @"
            )
        elif not is_unknown(text) and len(text) > c.TAG_VALUE.max:
            problem = f"value {show(text)} must be at most {c.TAG_VALUE.max} characters, not {len(text)}"
        else:
            keys.add(key)
            return
        self.error(path, TAGS, problem)

    def instance_id(self, path, value):
        """The plain instance ID (an instance ARN reduced to its ID), Unknown, or failed."""
        text = self.string(path, value, c.INSTANCE_ID_TEXT)
        if text is _FAILED or is_unknown(text):
            return text
        if text.startswith("arn:"):
            arn = parse_arn(text)
            if arn is not None and arn.resource is None:
                return self.arn_id(path, text, "instance", arn.instance_id)
            self.error(
                path,
                ID,
                f"{debug(text)} is not an Amazon Connect instance ARN "
                "(arn:aws:connect:REGION:ACCOUNT:instance/ID)",
            )
            return _FAILED
        return self.plain_id(path, text)

    def queue_id(self, path, value, instance_id):
        """The plain queue ID (a queue ARN of the profile's instance reduced to its ID)."""
        text = self.string(path, value, c.QUEUE_ID_TEXT)
        if text is _FAILED or is_unknown(text):
            return text
        if not text.startswith("arn:"):
            return self.plain_id(path, text)
        arn = parse_arn(text)
        if arn is not None and arn.resource is not None and arn.resource[0] == "queue":
            if self.arn_id(path, text, "instance", arn.instance_id) is _FAILED:
                return _FAILED
            if self.arn_id(path, text, "queue", arn.resource[1]) is _FAILED:
                return _FAILED
            if isinstance(instance_id, str) and instance_id != arn.instance_id:
                self.error(
                    path,
                    ID,
                    f"queue {debug(text)} belongs to instance {debug(arn.instance_id)}, "
                    f"not to InstanceId {debug(instance_id)}",
                )
                return _FAILED
            return arn.resource[1]
        self.error(
            path,
            ID,
            f"{debug(text)} is not an Amazon Connect queue ARN "
            "(arn:aws:connect:REGION:ACCOUNT:instance/ID/queue/ID)",
        )
        return _FAILED

    def plain_id(self, path, text):
        if not _is_id(text):
            self.error(path, ID, f"{debug(text)} is neither an ID ({_ID_RULE}) nor an ARN")
            return _FAILED
        return text

    def arn_id(self, path, arn, kind, text):
        """The ID of `kind` inside an ARN, held to the plain-ID rule: Connect is called with it."""
        if not _is_id(text):
            self.error(
                path,
                ID,
                f"{debug(arn)} holds the {kind} ID {debug(text)}, which is not an ID ({_ID_RULE})",
            )
            return _FAILED
        return text

    def object(self, path, value):
        if isinstance(value, dict) or is_unknown(value):
            return value
        self.error(path, TYPE, f"{show(value)} is not an object")
        return _FAILED

    def list(self, path, value):
        if isinstance(value, list) or is_unknown(value):
            return value
        self.error(path, TYPE, f"{show(value)} is not a list")
        return _FAILED

    def known_fields(self, path, fields, known):
        for key in sorted(fields):
            if key in known:
                continue
            suggestion = closest(key, known)
            if suggestion is not None:
                problem = f"unknown property (did you mean {suggestion}?)"
            else:
                problem = f"unknown property; expected one of {', '.join(known)}"
            self.error(path + (key,), UNKNOWN_PROPERTY, problem)

    def required(self, path, key, fields):
        value = optional(fields, key)
        if value is None:
            self.error(path + (key,), REQUIRED, "is required")
            return _FAILED
        return value

    def string(self, path, value, allowed):
        if is_unknown(value):
            return value
        if not isinstance(value, str):
            self.error(path, TYPE, f"{show(value)} is not a string")
            return _FAILED
        if not allowed.min <= len(value) <= allowed.max:
            self.error(
                path,
                LENGTH,
                f"{show(value)} must be {allowed.min}-{allowed.max} characters, not {len(value)}",
            )
            return _FAILED
        return value

    def scalar(self, path, value):
        """A string, number or boolean as text: tag values written by hand are often numbers."""
        if is_unknown(value) or isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            return show(value)
        self.error(path, TYPE, f"{show(value)} is not a string")
        return _FAILED

    def boolean(self, path, value):
        """A boolean as CloudFormation sends it ("true", "false", in any ASCII letter case) or as
        people write it (true)."""
        if is_unknown(value):
            return value
        parsed = parse_boolean(value)
        if parsed is None:
            self.error(path, TYPE, f"{show(value)} is not true or false")
            return _FAILED
        return parsed

    def integer(self, path, value, allowed):
        """An integer as CloudFormation sends it ("1") or as people write it (1)."""
        if is_unknown(value):
            return value
        n = None
        if isinstance(value, int) and not isinstance(value, bool):
            n = value if _I64_MIN <= value <= _I64_MAX else None
        elif isinstance(value, str):
            n = parse_i64(value)
        if n is None:
            self.error(path, TYPE, f"{show(value)} is not a whole number")
            return _FAILED
        if not allowed.min <= n <= allowed.max:
            if allowed.min == allowed.max:
                expected = f"must be exactly {allowed.min}"
            else:
                expected = f"must be between {allowed.min} and {allowed.max}"
            self.error(path, RANGE, f"{show(value)} {expected}")
            return _FAILED
        return n

    def one_of(self, path, value, choices):
        if is_unknown(value):
            return value
        if isinstance(value, str) and value in choices:
            return value
        self.error(path, ENUM, f"{show(value)} is not one of {', '.join(choices)}")
        return _FAILED


MEDIA_CONCURRENCY_FIELDS = ("Channel", "Concurrency", "CrossChannelBehavior", "WorkloadTypeConcurrencies")
WORKLOAD_TYPE_FIELDS = ("WorkloadType", "Concurrency", "CrossChannelWorkloadBehavior")
# What the parser reads when no behavior is given (src/model.rs, ChannelWorkloadBehavior's default).
_DEFAULT_WORKLOAD_BEHAVIOR = "ROUTE_CURRENT_CHANNEL_CURRENT_WORKLOADTYPE_ONLY"
_ID_RULE = f"{c.PLAIN_ID.min}-{c.PLAIN_ID.max} characters, no '/', ':' or spaces"


def _is_id(text):
    """A plain ID: within PLAIN_ID characters, none of them '/', ':' or white space."""
    return c.PLAIN_ID.min <= len(text) <= c.PLAIN_ID.max and not any(
        ch in _WHITE_SPACE or ch in "/:" for ch in text
    )


def _of_channel(channel, per_channel, any_channel):
    """The range of a known channel, or the widest when the channel is invalid or unknown."""
    return per_channel.get(channel, any_channel) if isinstance(channel, str) else any_channel


def _known_pair(queue):
    return not is_unknown(queue) and not any(is_unknown(part) for part in queue)


def optional(fields, key):
    """A present, non-null field (`AWS::NoValue` removes a key; hand-written events say null)."""
    return fields.get(key)


def parse_boolean(value):
    """The parser's `Reader::boolean`: a JSON boolean, or "true"/"false" compared ignoring ASCII
    case only (Rust's `eq_ignore_ascii_case`); None for anything else."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isascii():
        return {"true": True, "false": False}.get(value.lower())
    return None


_I64_MIN, _I64_MAX = -(2**63), 2**63 - 1
# Rust's `str::parse::<i64>`: an optional sign and ASCII digits, nothing else.
_ASCII_DIGITS = frozenset("0123456789")


def parse_i64(text):
    """`text.parse::<i64>()`: None unless an optionally signed run of ASCII digits in range."""
    digits = text[1:] if text[:1] in ("+", "-") else text
    if not digits or not set(digits) <= _ASCII_DIGITS:
        return None
    n = int(text)
    return n if _I64_MIN <= n <= _I64_MAX else None


# Rust's `char::is_whitespace` (Unicode White_Space), which Python's str.isspace is not quite.
_WHITE_SPACE = frozenset(
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u2028\u2029\u202f\u205f\u3000"
)


def show(value):
    """A value as serde_json prints it, cut at 80 characters as the function cuts it."""
    text = _json(value)
    if len(text) <= 80:
        return text
    return text[:80] + "…"


def _json(value):
    if is_unknown(value):
        return _json(value.raw)
    if isinstance(value, dict):
        # serde_json's Map is ordered by key.
        return "{" + ",".join(f"{_json(k)}:{_json(value[k])}" for k in sorted(value)) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_json(v) for v in value) + "]"
    if isinstance(value, float):
        return _float(value)
    return json.dumps(value, ensure_ascii=False)


def _float(value):
    # serde_json prints f64 with ryu: "1.5", "1e20", "1e-7"; non-finite numbers are not JSON.
    if not math.isfinite(value):
        return "null"
    text = repr(value)
    return text.replace("e+", "e")


def debug(text):
    """A string as Rust's `{:?}` prints it: quoted; quotes, backslashes and what Rust does not
    print as is (controls, format and private-use characters, separators other than the space,
    unassigned code points, combining marks) escaped."""
    out = []
    for ch in text:
        if ch in _DEBUG_ESCAPES:
            out.append(_DEBUG_ESCAPES[ch])
        elif ch != " " and unicodedata.category(ch) in _NOT_PRINTED:
            out.append(f"\\u{{{ord(ch):x}}}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


_DEBUG_ESCAPES = {"\0": "\\0", "\t": "\\t", "\n": "\\n", "\r": "\\r", '"': '\\"', "\\": "\\\\"}
# Rust's core::unicode::printable and Grapheme_Extend, by general category.
_NOT_PRINTED = frozenset(("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs", "Mn", "Me"))


def closest(name, known):
    """The known name closest to a misspelt one, if it is close enough to be a typo."""
    best = None
    for k in known:
        d = edit_distance(name.lower(), k.lower())
        if d <= max(3, len(k) // 4) and (best is None or d < best[0]):
            best = (d, k)
    return best[1] if best else None


def edit_distance(a, b):
    """Levenshtein distance in characters."""
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a):
        diagonal, row[0] = row[0], i + 1
        for j, cb in enumerate(b):
            substitution = diagonal + (ca != cb)
            diagonal = row[j + 1]
            row[j + 1] = min(substitution, row[j] + 1, row[j + 1] + 1)
    return row[len(b)]
