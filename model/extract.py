"""Writes model/connect-constraints.json: the rules of Amazon Connect's published service model
for every request this function sends, plus the few rules only Connect's documentation states.

The parser (src/constraints.rs checks itself against the file), the emulator and the cfn-lint
rules all read that one table, so they cannot drift from each other or from the model.

    python3 model/extract.py            # rewrite the table from the pinned botocore
    python3 model/extract.py --check    # fail if the table differs from what the model says

botocore is pinned in model/requirements.txt; its Connect service JSON is the same model the
Rust SDK (aws-sdk-connect) is generated from.
"""

import argparse
import gzip
import json
import pathlib
import sys

import botocore

HERE = pathlib.Path(__file__).resolve().parent
TABLE = HERE / "connect-constraints.json"

# Every Connect operation the function calls (src/connect/).
OPERATIONS = [
    "CreateRoutingProfile",
    "DescribeRoutingProfile",
    "DeleteRoutingProfile",
    "UpdateRoutingProfileName",
    "UpdateRoutingProfileConcurrency",
    "UpdateRoutingProfileDefaultOutboundQueue",
    "UpdateRoutingProfileAgentAvailabilityTimer",
    "UpdateRoutingProfileQueues",
    "AssociateRoutingProfileQueues",
    "DisassociateRoutingProfileQueues",
    "ListRoutingProfileQueues",
    "ListRoutingProfileManualAssignmentQueues",
    "ListRoutingProfiles",
    "TagResource",
    "UntagResource",
]

# Rules the model does not carry but Connect's API reference and administrator guide state.
DOCUMENTED = {
    "ConcurrencyPerChannel": {
        "rule": {"VOICE": {"min": 1, "max": 1}, "CHAT": {"min": 1, "max": 10},
                 "TASK": {"min": 1, "max": 10}, "EMAIL": {"min": 1, "max": 10}},
        "source": "https://docs.aws.amazon.com/connect/latest/APIReference/API_MediaConcurrency.html",
        "note": "When Concurrency is given: the model allows 0-10 for every channel; the reference "
                "gives VOICE 1 and the others 1-10. The model and the reference make Concurrency "
                "optional (only Channel is required) since WorkloadTypeConcurrencies exist; neither "
                "says what a channel given only workload types takes or reports, so a channel "
                "needs Concurrency or WorkloadTypeConcurrencies, and a channel reported with "
                "Concurrency 0 (or none) and no workload types is not enabled. "
                "UpdateRoutingProfileConcurrency takes the full set of channels agents can handle "
                "(API_UpdateRoutingProfileConcurrency.html: MediaConcurrencies, required), so a "
                "channel is disabled by sending the set without it.",
    },
    "WorkloadTypeConcurrencyPerChannel": {
        "rule": {"VOICE": {"min": 1, "max": 1}, "CHAT": {"min": 1, "max": 10},
                 "TASK": {"min": 1, "max": 10}, "EMAIL": {"min": 1, "max": 10}},
        "source": "https://docs.aws.amazon.com/connect/latest/APIReference/API_WorkloadTypeConcurrency.html",
        "note": "The model allows 1-10 (WorkloadTypeConcurrencyType) on every channel; the "
                "reference gives VOICE 1 and CHAT and TASK 1-10, and names no range for EMAIL, "
                "which keeps the model's.",
    },
    "ManualAssignmentChannels": {
        "rule": ["CHAT", "TASK", "EMAIL"],
        "source": "https://docs.aws.amazon.com/connect/latest/APIReference/API_RoutingProfileManualAssignmentQueueConfig.html",
        "note": "VOICE contacts cannot be picked by hand.",
    },
    "DisassociateReferencesPerCall": {
        "rule": {"max": 10},
        "source": "https://docs.aws.amazon.com/connect/latest/APIReference/API_DisassociateRoutingProfileQueues.html",
        "note": "Queue references per call, routed and manual-assignment together.",
    },
    "QueuesPerRoutingProfile": {
        "rule": {"default": 100},
        "source": "https://docs.aws.amazon.com/connect/latest/adminguide/amazon-connect-service-limits.html",
        "note": "An account quota that can be raised: never checked before calling; Connect "
                "answers LimitExceededException.",
    },
}

CONSTRAINT_KEYS = ("type", "min", "max", "pattern", "enum")


def load_model():
    root = pathlib.Path(botocore.__file__).parent / "data" / "connect"
    (version,) = [p for p in root.iterdir() if p.is_dir()]
    path = version / "service-2.json.gz"
    with gzip.open(path) if path.exists() else open(version / "service-2.json") as f:
        return json.load(f), f"botocore {botocore.__version__}, data/connect/{version.name}/service-2.json"


def reachable(model):
    """The request shapes of OPERATIONS and every shape they contain, with their constraints."""
    shapes = model["shapes"]
    out = {}
    todo = [model["operations"][op]["input"]["shape"] for op in OPERATIONS
            if "input" in model["operations"][op]]
    while todo:
        name = todo.pop()
        if name in out:
            continue
        shape = shapes[name]
        entry = {k: shape[k] for k in CONSTRAINT_KEYS if k in shape}
        if shape["type"] == "structure":
            entry["members"] = {m: v["shape"] for m, v in shape["members"].items()}
            entry["required"] = shape.get("required", [])
            todo.extend(entry["members"].values())
        elif shape["type"] == "list":
            entry["member"] = shape["member"]["shape"]
            todo.append(entry["member"])
        elif shape["type"] == "map":
            entry["key"] = shape["key"]["shape"]
            entry["value"] = shape["value"]["shape"]
            todo += [entry["key"], entry["value"]]
        out[name] = entry
    return dict(sorted(out.items()))


def table():
    model, source = load_model()
    return {
        "source": source,
        "operations": {op: model["operations"][op]["input"]["shape"] for op in OPERATIONS},
        "shapes": reachable(model),
        "documented": DOCUMENTED,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the table is out of date")
    args = parser.parse_args()
    text = json.dumps(table(), indent=1, ensure_ascii=False) + "\n"
    if args.check:
        if TABLE.read_text(encoding="utf-8") != text:
            sys.exit(f"{TABLE.name} differs from the pinned model: run python3 model/extract.py")
        print(f"{TABLE.name}: up to date")
    else:
        TABLE.write_text(text, encoding="utf-8")
        print(f"wrote {TABLE}")


if __name__ == "__main__":
    main()
