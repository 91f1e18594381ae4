"""Dotted paths (``a.b.c``) into nested dictionaries, as configuration keys and template
placeholders name them."""

from __future__ import annotations

from typing import Any


def set_path(data: dict, dotted: str, value: Any, *, keep_existing: bool = False) -> None:
    """Set ``data[a][b][c] = value`` for ``"a.b.c"``, creating (or replacing non-dict) parents.

    ``keep_existing`` leaves a value already there untouched.
    """
    node = data
    *parents, leaf = dotted.split(".")
    for part in parents:
        child = node.get(part)
        if not isinstance(child, dict):
            child = {}
            node[part] = child
        node = child
    if keep_existing:
        node.setdefault(leaf, value)
    else:
        node[leaf] = value
