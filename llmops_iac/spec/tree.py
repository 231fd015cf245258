"""Copies of plain data trees (what the loader produces: dict, list, str, int, float, bool, None)."""

from __future__ import annotations

import copy
import marshal
from typing import Any


def copy_tree(value: Any) -> Any:
    """Return a deep copy of ``value``; ~10x faster than ``copy.deepcopy`` on loader output.

    marshal round-trips exactly the plain JSON/YAML types (keeping dict order and int/float/bool
    apart); anything else (a caller's own object) falls back to ``copy.deepcopy``.
    """
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    try:
        return marshal.loads(marshal.dumps(value))
    except ValueError:
        return copy.deepcopy(value)
