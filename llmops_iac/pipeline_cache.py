"""`check --cache DIR`: skip the stages for a spec whose inputs have not changed since the last run.

An entry is keyed by the sha256 of everything that can change a file's result:

- the spec file's bytes and its path as reported (the path is part of the output);
- the tool version, the command, the stack and stacks directory, the policy options
  (engine, profile, fail level, extra policy directories) and today's date (waivers expire);
- the policy catalogue: every module's path and source;
- the repository evidence the maturity stage reads (CI definitions, CODEOWNERS, stack files);
- the selected stack file, when ``--stack`` is given.

The files a spec references (prompts, datasets) are known only after loading it, so the
entry records each one's sha256 and a hit requires every one of them to be unchanged.
Entries are pickled FileResults written atomically; an unreadable or stale entry is a
miss, never an error. Only results without errors are stored (bad specs are rechecked).
"""

from __future__ import annotations

import datetime
import glob
import hashlib
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

from llmops_iac import __version__

_FORMAT = 1


def _file_hash(path: str) -> str | None:
    try:
        with open(path, "rb") as fh:
            return hashlib.sha256(fh.read()).hexdigest()
    except OSError:
        return None


class Cache:
    """A directory of pickled results keyed by content; safe to share between worker processes."""

    def __init__(self, directory: str, *, command: str, stack: str | None, stacks_dir: str | None, options: Any) -> None:
        self.directory = directory
        os.makedirs(directory, exist_ok=True)
        today = options.today or datetime.date.today()
        self._base = "\0".join(map(str, (
            _FORMAT, __version__, command, stack, stacks_dir and os.path.abspath(stacks_dir), options.engine,
            options.opa_url, options.profile, options.fail_level, options.policy_dirs, options.repo, today)))
        self._repos: dict[str, str] = {}
        self.hits = 0
        self.misses = 0

    def bind_catalogue(self, catalogue: Any) -> None:
        digest = hashlib.sha256()
        for name in sorted(catalogue.modules):
            digest.update(name.encode() + b"\0" + catalogue.modules[name].encode() + b"\0")
        for name in sorted(getattr(catalogue, "data", {}) or {}):
            digest.update(repr((name, catalogue.data[name])).encode())
        self._base += "\0catalogue=" + digest.hexdigest()

    def _repo_fingerprint(self, spec_path: str) -> str:
        from llmops_iac.maturity.codeowners import LOCATIONS
        from llmops_iac.maturity.repo import CI_FILES, STACK_FILES, repo_root

        root = repo_root(spec_path)
        key = str(root)
        if key not in self._repos:
            digest = hashlib.sha256(key.encode())
            if root is not None:
                patterns = [p for p, _ in CI_FILES] + list(LOCATIONS) + list(STACK_FILES)
                for pattern in patterns:
                    for path in sorted(glob.glob(os.path.join(str(root), pattern))):
                        digest.update(f"{path}\0{_file_hash(path)}\0".encode())
            self._repos[key] = digest.hexdigest()
        return self._repos[key]

    def _key(self, path: str) -> str | None:
        from llmops_iac.spec.validate import display_path

        spec_hash = _file_hash(path)
        if spec_hash is None:
            return None
        parts = [self._base, display_path(path), os.path.abspath(path), spec_hash, self._repo_fingerprint(path)]
        return hashlib.sha256("\0".join(parts).encode()).hexdigest()

    def _entry(self, key: str) -> str:
        return os.path.join(self.directory, key[:2], key + ".pickle")

    def get(self, path: str) -> Any:
        key = self._key(path)
        if key is None:
            return None
        try:
            with open(self._entry(key), "rb") as fh:
                deps, result = pickle.load(fh)
        except Exception:  # noqa: BLE001 - a missing, partial or stale entry is a miss
            self.misses += 1
            return None
        if any(_file_hash(dep) != digest for dep, digest in deps):
            self.misses += 1
            return None
        self.hits += 1
        result.timings = {"cache": 0.0}
        return result

    def put(self, path: str, result: Any, loaded: Any) -> None:
        """Store ``result`` for ``path``; ``loaded`` (the spec as the stages saw it) names the files it read."""
        if not result.ok or loaded is None:
            return
        key = self._key(path)
        if key is None:
            return
        base = Path(loaded.source_path).resolve().parent
        refs: list[Any] = []
        for data in _every_environment(loaded):  # a prompt only an environment names is an input too
            spec = data.get("spec") or {}
            refs += [p.get("file") for p in (spec.get("prompts") or {}).values()]
            refs += [d.get("file") for d in ((spec.get("evaluation") or {}).get("datasets") or {}).values()]
        deps = [(str(base / ref), _file_hash(str(base / ref))) for ref in sorted(set(refs)) if ref]
        if result.loaded is not None:
            result.loaded.__dict__.pop("spec", None)  # cached view of ``data``; rebuilt on demand
        entry = self._entry(key)
        try:
            os.makedirs(os.path.dirname(entry), exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=os.path.dirname(entry), suffix=".tmp")
            with os.fdopen(fd, "wb") as fh:
                pickle.dump((deps, result), fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, entry)
        except OSError:
            pass  # a cache that cannot be written only costs time


def _every_environment(loaded: Any) -> list[dict[str, Any]]:
    """The spec's data as judged and as each declared environment resolves it (the files they name)."""
    from llmops_iac.errors import SpecError

    out = [loaded.data]
    for name in loaded.declared_environments:
        try:
            out.append(loaded.view(name).data)
        except SpecError:
            continue  # not checked in this run (a --stack run judges one environment); its files are not inputs
    return out
