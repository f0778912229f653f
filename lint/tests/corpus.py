"""The shared corpus, tests/corpus/*.json, read as tests/integration/corpus.rs reads it: a case is
`properties`, or a `base` (named in some file's `bases`, or `events/x.json[#Field]`) with `set`
([pointer, value] pairs, in order) then `remove` (pointers)."""

import copy
import json
import pathlib

REPO = pathlib.Path(__file__).resolve().parents[2]
CORPUS = REPO / "tests" / "corpus"


def _files():
    return [(p.name, json.loads(p.read_text(encoding="utf-8"))) for p in sorted(CORPUS.glob("*.json"))]


def cases():
    """Every case, in file and case order, as dicts with their `file` added."""
    return [{**case, "file": name} for name, content in _files() for case in content.get("cases", [])]


def bases():
    """The named property sets of every corpus file."""
    return {k: v for _, content in _files() for k, v in content.get("bases", {}).items()}


_BASES = bases()


def properties(case):
    """The property set a case describes: `properties`, or `base` with `set` and `remove`."""
    if "properties" in case:
        value = copy.deepcopy(case["properties"])
    elif case["base"].startswith("events/"):
        value = _event(case["base"])
    else:
        value = copy.deepcopy(_BASES[case["base"]])
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


def _event(base):
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
