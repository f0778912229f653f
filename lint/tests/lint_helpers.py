"""Running cfn-lint with the plugin, as `cfn-lint --append-rules lint/rules/ -- FILE` does, and
finding a node's line and column on its own (not with the plugin's code) to check locations."""

import pathlib
import re

from cfnlint.config import ConfigMixIn
from cfnlint.runner import Runner

RULES = pathlib.Path(__file__).resolve().parents[1] / "rules"


def lint(path, *options):
    """Every cfn-lint match for one template file, the plugin's included."""
    config = ConfigMixIn(["--append-rules", str(RULES), *options, "--", str(path)])
    return list(Runner(config).run())


def ours(matches):
    """The plugin's matches as (rule id, line, column, message), in order."""
    return sorted(
        (m.rule.id, m.linenumber, m.columnnumber, m.message)
        for m in matches
        if re.fullmatch(r"[EW]9\d{3}", m.rule.id)
    )


def segments(where):
    """The function's path (`QueueConfigs[1].Channel`, `Tags.some.key`) as keys and indices."""
    if where == "ResourceProperties":
        return []
    if where.startswith("Tags."):
        return ["Tags", where[len("Tags.") :]]
    out = []
    for part in where.split("."):
        name, *indices = re.split(r"\[(\d+)\]", part)
        out.append(name)
        out.extend(int(i) for i in indices if i != "")
    return out


def node_location(properties_parent, path):
    """(line, column), 1-based, of the deepest node of `["Properties", *path]` that exists under a
    decoded resource: a key's own position for a key, an item's for a list index."""
    node = properties_parent
    mark = None
    for segment in ["Properties", *path]:
        if isinstance(node, dict) and segment in node:
            key = next(k for k in node if k == segment)
            mark, node = key.start_mark, node[segment]
        elif isinstance(node, list) and isinstance(segment, int) and segment < len(node):
            node = node[segment]
            mark = node.start_mark
        else:
            break
    return mark.line + 1, mark.column + 1
