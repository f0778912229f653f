"""The shared corpus, tests/corpus/*.json, read as tests/corpus.rs reads it."""

import copy
import json
import pathlib

REPO = pathlib.Path(__file__).resolve().parents[2]
CORPUS = REPO / "tests" / "corpus"


def cases():
    """Every case, in file and case order, as dicts with their `file` added."""
    found = []
    for path in sorted(CORPUS.glob("*.json")):
        for case in json.loads(path.read_text(encoding="utf-8"))["cases"]:
            found.append({**case, "file": path.name})
    return found


def properties(case):
    """The property set a case describes: `properties`, or `base` with `set` and `remove`."""
    if "properties" in case:
        value = copy.deepcopy(case["properties"])
    else:
        value = _base(case["base"])
    for pointer, item in case.get("set", []):
        parent, last = _split(value, pointer)
        if isinstance(parent, list):
            index = int(last)
            if index == len(parent):
                parent.append(copy.deepcopy(item))
            else:
                parent[index] = copy.deepcopy(item)
        else:
            parent[last] = copy.deepcopy(item)
    for pointer in case.get("remove", []):
        parent, last = _split(value, pointer)
        del parent[last]
    return value


def problems(case, field="problems"):
    """`[(path, message)]` of a case's problems (or of its `pending` ones)."""
    return [(p["path"], p["message"]) for p in case.get(field, [])]


def _base(base):
    file, _, field = base.partition("#")
    event = json.loads((REPO / file).read_text(encoding="utf-8"))
    return event[field or "ResourceProperties"]


def _split(root, pointer):
    *parents, last = pointer.split("/")[1:]
    node = root
    for part in parents:
        part = _unescape(part)
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node, _unescape(last)


def _unescape(part):
    return part.replace("~1", "/").replace("~0", "~")
