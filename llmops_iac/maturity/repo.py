"""Which repository a spec belongs to (the default evidence source of the maturity stage)."""

from __future__ import annotations

from pathlib import Path


def repo_root(spec_path: str) -> str | None:
    """Return the nearest directory at or above the spec that holds ``.git``, or None."""
    start = Path(spec_path).resolve().parent
    for d in [start, *start.parents]:
        if (d / ".git").exists():
            return str(d)
    return None
