"""The shared corpus, tests/corpus/*.json, read as tests/integration/corpus.rs reads it: a case is
`properties`, or a `base` (named in some file's `bases`, or `events/x.json[#Field]`) with `set`
([pointer, value] pairs, in order) then `remove` (pointers)."""

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
        value = _copy(case["properties"])
    elif case["base"].startswith("events/"):
        value = _event(case["base"])
    else:
        value = _copy(_BASES[case["base"]])
    for pointer, item in case.get("set", []):
        parent, last = _split(value, pointer)
        if isinstance(parent, list):
            index = int(last)
            if index == len(parent):
                parent.append(_copy(item))
            else:
                parent[index] = _copy(item)
        else:
            parent[last] = _copy(item)
    for pointer in case.get("remove", []):
        parent, last = _split(value, pointer)
        del parent[last]
    return value


def _copy(value):
    """A copy that shares nothing, as the JSON text the case is stored as reads back: a deep copy
    would keep a list of one object repeated (`[{...}] * 6`) one object, changed through any of
    its places at once."""
    return json.loads(json.dumps(value))


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
