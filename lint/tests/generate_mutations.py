"""Writes tests/corpus/mutations.json: property sets made by mutating the events (their copies in
tests/corpus/bases.json) at random, seeded, each with the answer of the plugin's port of the parser.

The hand-written corpus has a case for each rule; this one throws many odd combinations at both
sides. The answers written here are the port's, and tests/integration/corpus.rs holds the parser to them, so a
combination where the two differ fails `cargo test`. After a rule changes, fix the parser, then the
port, then regenerate:

    cd lint && python tests/generate_mutations.py
"""

import json
import pathlib
import random
import sys

HERE = pathlib.Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

import corpus  # noqa: E402
from routing_profile_lint.properties import check  # noqa: E402

OUT = corpus.CORPUS / "mutations.json"
SEED = 20261125
COUNT = 400
# A second run over the bases with WorkloadTypeConcurrencies (added later, with their own seed so
# that the first 400 cases stayed as they were).
WORKLOAD_SEED = 20261126
WORKLOAD_COUNT = 150
# A third over the bases with a channel given by its workload types alone (no Concurrency), again
# with its own seed.
ALONE_SEED = 20261206
ALONE_COUNT = 60

INSTANCE = "5f0e8c1a-3b7d-4e2a-9c61-7d2b8e4f1a90"
ARN = f"arn:aws:connect:us-east-1:123456789012:instance/{INSTANCE}"
VALUES = [
    "", "FAX", "VOICE", "CHAT", "TASK", "EMAIL", "chat", "0", "1", "2", "10", "11", "99", "100",
    "-1", "+5", "1.5", " 1", "9999", "10000", "99999999999999999999", "a b", "a/b", "a:b", "q-1",
    "x" * 101, "n" * 128, "d" * 251, "v" * 257, "aws:x", "cfn-custom-resource:x", "cost#centre",
    ARN, f"{ARN}/queue/q-1", "arn:aws:connect:us-east-1:1:instance/other/queue/q-1",
    f"{ARN}/routing-profile/rp", "arn:aws:s3:::b", "ROUTE_ANY_CHANNEL", "TIME_SINCE_LAST_INBOUND",
    0, 1, 2, 11, 100, 10000, 1.0, 2.5, True, False, None, [], {}, ["a"], {"k": "v"},
    {"QueueReference": {"QueueId": "q-1", "Channel": "CHAT"}, "Priority": "1"},
    {"Channel": "VOICE", "Concurrency": "1"}, {"Key": "team", "Value": "x"},
]
NAMES = ["Descripton", "name", "Priorty", "Chanel", "Concurency", "Tag", "Extra", "Key", "Value"]
WORKLOAD_VALUES = VALUES + [
    " ", "billing", "ROUTE_ANY_CHANNEL_ANY_WORKLOAD_TYPE", "ROUTE_CURRENT_CHANNEL_ANY_WORKLOADTYPE_ONLY",
    {"WorkloadType": "billing", "Concurrency": "1"}, {"WorkloadType": "billing", "Concurrency": "2"},
    {"ChannelWorkloadBehaviorType": "ROUTE_ANY_CHANNEL"}, [{"WorkloadType": "x", "Concurrency": 1}] * 6,
]
WORKLOAD_NAMES = NAMES + ["WorkloadType", "WorkloadTypeConcurrencies", "CrossChannelWorkloadBehavior"]


def has_workloads(properties):
    """Whether a property set gives any channel WorkloadTypeConcurrencies."""
    channels = properties.get("MediaConcurrencies", [])
    return any(isinstance(m, dict) and "WorkloadTypeConcurrencies" in m for m in channels)


def workloads_alone(properties):
    """Whether a property set gives some channel by its WorkloadTypeConcurrencies alone."""
    channels = properties.get("MediaConcurrencies", [])
    return any(
        isinstance(m, dict) and "WorkloadTypeConcurrencies" in m and "Concurrency" not in m for m in channels
    )


def escape(key):
    """A key as a JSON pointer segment."""
    return str(key).replace("~", "~0").replace("/", "~1")


def pointers(value, prefix=""):
    """Every JSON pointer inside a value (the root excepted)."""
    found = []
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else []
    for key, child in items:
        pointer = f"{prefix}/{escape(key)}"
        found.append(pointer)
        found.extend(pointers(child, pointer))
    return found


def containers(value, prefix=""):
    """JSON pointers of every object and list inside a value, the root included."""
    found = [(prefix, value)] if isinstance(value, (dict, list)) else []
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else []
    for key, child in items:
        found.extend(containers(child, f"{prefix}/{escape(key)}"))
    return found


def mutate(rng, base, name, values=VALUES, names=NAMES):
    case = {"name": name, "about": "a random mutation", "base": base, "set": [], "remove": []}
    for _ in range(rng.randint(1, 3)):
        properties = corpus.properties(case)
        kept = {"set": list(case["set"]), "remove": list(case["remove"])}
        roll = rng.random()
        if roll < 0.55:
            case["set"].append([rng.choice(pointers(properties)), rng.choice(values)])
        elif roll < 0.75:
            pointer, container = rng.choice(containers(properties))
            if isinstance(container, dict):
                case["set"].append([f"{pointer}/{rng.choice(names)}", rng.choice(values)])
            else:
                item = container[rng.randrange(len(container))] if container else rng.choice(values)
                case["set"].append([f"{pointer}/{len(container)}", item])
        else:
            objects = [(p, c) for p, c in containers(properties) if isinstance(c, dict) and c]
            pointer, container = rng.choice(objects)
            case["remove"].append(f"{pointer}/{escape(rng.choice(sorted(container)))}")
        try:
            corpus.properties(case)
        except (KeyError, IndexError, TypeError, ValueError):
            # Sets apply before removals: a set that replaced what a removal reaches into is dropped.
            case.update(kept)
    if not case["remove"]:
        del case["remove"]
    problems = check(corpus.properties(case))
    case["outcome"] = "invalid" if any(not p.pending for p in problems) else "valid"
    case["problems"] = [{"path": p.where, "message": p.text} for p in problems if not p.pending]
    pending = [{"path": p.where, "message": p.text} for p in problems if p.pending]
    if pending:
        case["pending"] = pending
    return case


def main():
    rng = random.Random(SEED)
    # The frozen copies of the events (bases.json), so that editing an event changes no case.
    all_bases = corpus.bases()
    bases = sorted(name for name, value in all_bases.items() if not has_workloads(value))
    cases = [mutate(rng, rng.choice(bases), f"mutation-{i:03}") for i in range(COUNT)]
    rng = random.Random(WORKLOAD_SEED)
    bases = sorted(
        name for name, value in all_bases.items() if has_workloads(value) and not workloads_alone(value)
    )
    cases += [
        mutate(rng, rng.choice(bases), f"mutation-w{i:03}", WORKLOAD_VALUES, WORKLOAD_NAMES)
        for i in range(WORKLOAD_COUNT)
    ]
    rng = random.Random(ALONE_SEED)
    bases = sorted(name for name, value in all_bases.items() if workloads_alone(value))
    cases += [
        mutate(rng, rng.choice(bases), f"mutation-o{i:03}", WORKLOAD_VALUES, WORKLOAD_NAMES)
        for i in range(ALONE_COUNT)
    ]
    about = (
        "Random mutations of the events as copied in bases.json (lint/tests/generate_mutations.py, seeded), with the "
        "plugin's answers; tests/integration/corpus.rs holds the parser to them. `mutation-w` cases start from the bases with "
        "WorkloadTypeConcurrencies, `mutation-o` cases from those with a channel given by its workload types alone."
    )
    OUT.write_text(json.dumps({"about": about, "cases": cases}, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{OUT}: {len(cases)} cases, {sum(c['outcome'] == 'invalid' for c in cases)} invalid")


if __name__ == "__main__":
    main()
