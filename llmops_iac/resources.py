"""Where the project's data files (schemas/, policies/) are, installed or in a checkout."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

_PACKAGE = Path(__file__).resolve().parent


def data_path(*parts: str) -> Path:
    """Return the path of a top-level data file, e.g. ``data_path("schemas", "llmapp.schema.json")``.

    A wheel carries the top-level folders inside the package (``llmops_iac/_data``,
    see pyproject.toml); a checkout or editable install reads them in place.
    """
    installed = _PACKAGE / "_data" / Path(*parts)
    if installed.exists():
        return installed
    return _PACKAGE.parent / Path(*parts)


@lru_cache(maxsize=None)
def load_json(*parts: str) -> Any:
    """Return the parsed JSON data file at ``parts`` (cached per process)."""
    with open(data_path(*parts), encoding="utf-8") as fh:
        return json.load(fh)


def safe_load_yaml(text: str) -> Any:
    """``yaml.safe_load`` through libyaml (CSafeLoader) when PyYAML was built with it: the same values,
    ~10x faster on the METADATA blocks, the maturity catalogue and CI workflows read at start-up.
    Specs never come here: they have their own strict loader (llmops_iac.spec.load)."""
    import yaml

    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 - a safe loader
