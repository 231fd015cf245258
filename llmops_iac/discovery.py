"""Finding spec files: a file given is a spec; a directory is searched for files that declare themselves specs,
and for every spec a Pulumi stack deploys from inside it.

A FIFO, socket or device in a searched directory (or a symlink to one) is skipped without being opened.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Iterable

from llmops_iac.errors import UsageError

SPEC_SUFFIXES = (".yaml", ".yml", ".json")
_SPEC_MARK = re.compile(rb"(?m)^\s*[\"']?(?:kind[\"']?\s*:\s*[\"']?LLMApplication|apiVersion[\"']?\s*:\s*[\"']?llmops-iac/)")
_SKIP_DIRS = {".git", ".venv", "node_modules", "__pycache__", ".pulumi", "stacks"}


def expand(paths: Iterable[str], notes: list[str] | None = None, stacks_dir: str | None = None) -> tuple[list[str], list[str]]:
    """Return (spec files, skipped files) for ``paths``: files as given, directories searched.

    A directory contributes every .yaml/.yml/.json file below it that declares
    ``kind: LLMApplication`` or ``apiVersion: llmops-iac/…``, or is named llmapp*, except a JSON Schema document
    (``is_json_schema``: the one `llmops-iac schema --output` writes); the others are
    returned as skipped so the caller can say so. A FIFO, socket or device there
    (or a symlink to one) is skipped without being opened, and ``notes`` says why. A spec a stack deploys
    (its ``llmops-iac:spec``) that lies in the directory is a spec found, whatever its name, its first lines or
    the directory it is in (stacks/, a hidden one): ``pulumi up`` deploys it whether or not it looks like one.
    """
    from llmops_iac.file_kinds import skip_note, special_kind

    files: list[str] = []
    skipped: list[str] = []
    for path in paths:
        if not os.path.isdir(path):
            files.append(path)
            continue
        found = []
        projects: set[str] = set()
        for root, dirs, names in os.walk(path):
            dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.startswith("."))
            for name in sorted(names):
                if name in _PROJECT_FILES:
                    projects.add(root)
                if not name.endswith(SPEC_SUFFIXES):
                    continue
                full = os.path.join(root, name)
                kind = special_kind(full)
                if kind is not None:
                    skipped.append(full)
                    if notes is not None:
                        notes.append(skip_note(full, kind))
                elif _looks_like_spec(full):
                    found.append(full)
                else:
                    skipped.append(full)
        for full in _deployed_specs(path, projects, stacks_dir):
            if not any(os.path.realpath(full) == os.path.realpath(f) for f in found):
                found.append(full)
                skipped[:] = [s for s in skipped if os.path.realpath(s) != os.path.realpath(full)]
        if not found:
            raise UsageError(f"no LLMApplication specs in {path}: expected .yaml files with `kind: LLMApplication`")
        files.extend(found)
    return files, skipped


_PROJECT_FILES = ("Pulumi.yaml", "Pulumi.yml", "Pulumi.json")  # llmops_iac.spec.stacks.PROJECT_FILES (not imported: `check` FILE never needs it)


def _deployed_specs(directory: str, projects: set[str], stacks_dir: str | None) -> list[str]:
    """The spec files inside ``directory`` that a stack deploys: the stacks of the Pulumi project at or above it and
    of every project found inside it (or those in ``stacks_dir``), each ``llmops-iac:spec`` resolved as the Pulumi
    program resolves it (relative to the project), kept when it is a regular file under ``directory``."""
    from llmops_iac.spec.stacks import PROJECT, _project_dir, _stack_config_dir, _stack_files, config_value, project_file

    home = _project_dir(os.path.abspath(directory))
    homes = sorted(projects | ({home} if home is not None else set()))
    if stacks_dir:
        pairs = [(os.path.realpath(h), stacks_dir) for h in homes] or [(os.getcwd(), stacks_dir)]
    else:
        pairs = [(os.path.realpath(h), os.path.join(h, _stack_config_dir(project_file(h)))) for h in homes]
    inside = os.path.realpath(directory)
    out: list[str] = []
    for project, stacks in pairs:
        for stack_file in _stack_files(stacks):
            spec = config_value(_config_of(stack_file), f"{PROJECT}:spec")
            if not isinstance(spec, str) or not spec:
                continue
            target = os.path.realpath(os.path.join(project, spec))
            if os.path.commonpath([target, inside]) == inside and os.path.isfile(target) and target not in out:
                out.append(target)
    return [os.path.join(directory, os.path.relpath(t, inside)) for t in out]


def _config_of(stack_file: str) -> object:
    """The ``config`` mapping of a stack file, or None when it can't be read (the check of the spec reports it)."""
    from llmops_iac.errors import SpecError
    from llmops_iac.spec.load import parse, read_text

    try:
        data, _ = parse(read_text(stack_file)[0], stack_file)
    except (SpecError, OSError):
        return None
    return data.get("config") if isinstance(data, dict) else None


def _looks_like_spec(path: str) -> bool:
    """A spec by its first 64 KiB (``kind: LLMApplication`` or ``apiVersion: llmops-iac/…`` on a line of its own) or
    its name (``llmapp*``), unless it is a JSON Schema document (``is_json_schema``): the schema ``llmops-iac schema
    --output`` writes names LLMApplication and may be called llmapp.schema.json, yet is never a spec."""
    try:  # non-blocking: a file swapped for a FIFO since expand() looked is not waited on
        with open(os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0)), "rb") as fh:
            head = fh.read(64 * 1024)
            if _SCHEMA_HINT.search(head) and is_json_schema(head + fh.read(MAX_SCHEMA_BYTES - len(head) + 1)):
                return False
    except OSError:
        return True  # let the loader report why it can't be read
    return bool(_SPEC_MARK.search(head)) or Path(path).name.startswith("llmapp")


_SCHEMA_HINT = re.compile(rb'"\$schema"\s*:\s*"https?://json-schema\.org/')
MAX_SCHEMA_BYTES = 4 * 1024 * 1024
_SPEC_KEYS = ("apiVersion", "kind", "metadata", "spec")


def is_json_schema(raw: bytes) -> bool:
    """Whether ``raw`` is a JSON Schema document and nothing else: one JSON object whose ``$schema`` names a
    json-schema.org meta-schema and that has none of a spec's top-level keys (apiVersion, kind, metadata, spec).

    Such a file can never be a valid spec (a spec's top level allows only those four keys, and ``$schema`` is not
    one), so passing over it hides nothing a deploy could use; a file with any of the four is judged as a spec.
    """
    import json

    if len(raw) > MAX_SCHEMA_BYTES:
        return False
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return False
    if not isinstance(data, dict) or any(key in data for key in _SPEC_KEYS):
        return False
    meta = data.get("$schema")
    return isinstance(meta, str) and re.match(r"https?://json-schema\.org/", meta) is not None
