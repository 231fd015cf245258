"""`check --cache DIR`: skip the stages for a spec whose inputs have not changed since the last run.

An entry is keyed by the sha256 of everything that can change a file's result:

- the spec file's bytes and its path as reported (the path is part of the output);
- the tool version, the command, the stack and stacks directory, the policy options
  (engine, profile, fail level, extra policy directories) and today's date (waivers expire);
- the policy catalogue: every module's path and source;
- the repository evidence the maturity stage reads (CI definitions, CODEOWNERS, stack files);
- the selected stack file, when ``--stack`` is given.

The files a spec references (prompts, datasets) are known only after loading it, so the
entry records each one's sha256 (in every environment judged) and a hit requires every one of
them to be unchanged, read again through the spec's file resolver (llmops_iac/spec/files.py): a
reference that has become a link outside the repository, a FIFO or a device is a miss, never
opened, and the stages report it.
Entries are pickled lists of FileResults (one per environment judged) written atomically; an
unreadable or stale entry is a miss, never an error. Entries are read with an unpickler that builds only
llmops-iac's own dataclasses (``_Unpickler``): a planted entry that names any other callable (``os.system``,
a function of this package) is a miss, never run. The cache directory is still trusted input, like
``--policy-dir``: whoever can write it can plant a result. In CI, restore it only from the branch's own runs. Only results without errors are stored
(bad specs are rechecked). The stack files in the spec's stacks directory are part of the key:
which stacks deploy a spec decides which environments are judged.
"""

from __future__ import annotations

import datetime
import glob
import hashlib
import os
import pickle
import stat
import tempfile
from typing import Any

from llmops_iac import __version__

_FORMAT = 3


_HASH_LIMIT = 64 * 1024 * 1024
"""Largest file hashed (the maturity stage reads no larger repository file); a larger one hashes as None."""


def _file_hash(path: str) -> str | None:
    """sha256 of a regular file, or None: a FIFO, device or socket is never read (opened non-blocking, then checked)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > _HASH_LIMIT:
            return None
        digest, left = hashlib.sha256(), _HASH_LIMIT + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            digest.update(chunk)
            left -= len(chunk)
        return digest.hexdigest() if left > 0 else None
    except OSError:
        return None
    finally:
        os.close(fd)


def _reference_hash(spec_path: str, what: str, ref: str) -> str | None:
    """The sha256 of a file the spec names, read as the stages read it; None when it may not be read."""
    from llmops_iac.spec.files import MAX_DATASET_BYTES, MAX_PROMPT_BYTES, FileRefError, SpecFiles

    try:
        raw = SpecFiles(spec_path).read(ref, what, MAX_PROMPT_BYTES if what == "prompt" else MAX_DATASET_BYTES)
    except FileRefError:
        return None
    return hashlib.sha256(raw).hexdigest()


class _Unpickler(pickle.Unpickler):
    """Builds only llmops-iac's dataclasses: a cache entry is data, and a planted one may not run code."""

    def find_class(self, module: str, name: str) -> Any:
        import dataclasses
        import importlib

        if module == "llmops_iac" or module.startswith("llmops_iac."):
            target = getattr(importlib.import_module(module), name, None)
            if isinstance(target, type) and dataclasses.is_dataclass(target):
                return target
        raise pickle.UnpicklingError(f"a cache entry may not name {module}.{name}")


def _file_digests(paths: Any) -> tuple[tuple[str, str | None], ...]:
    """(path, sha256) of each --eval-results file: a changed results file is a different run."""
    return tuple((os.path.abspath(p), _file_hash(p)) for p in paths)


class Cache:
    """A directory of pickled results keyed by content; safe to share between worker processes."""

    def __init__(self, directory: str, *, command: str, stack: str | None, stacks_dir: str | None, options: Any) -> None:
        self.directory = directory
        os.makedirs(directory, exist_ok=True)
        today = options.today or datetime.date.today()
        self._base = "\0".join(map(str, (
            _FORMAT, __version__, command, stack, stacks_dir and os.path.abspath(stacks_dir), options.engine,
            options.opa_url, options.profile, options.fail_level, options.policy_dirs, options.repo, today,
            _file_digests(getattr(options, "eval_results", ())))))
        self._repos: dict[str, str] = {}
        self._stacks_dir = stacks_dir
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

    def _stacks_fingerprint(self, spec_path: str) -> str:
        from llmops_iac.spec.stacks import stacks_dir

        directory = stacks_dir(spec_path, self._stacks_dir)
        key = "stacks:" + str(directory.resolve())
        if key not in self._repos:
            digest = hashlib.sha256(key.encode())
            for path in sorted(glob.glob(os.path.join(str(directory), "Pulumi.*"))):  # .yaml, and the names reported (.yml, .json)
                digest.update(f"{path}\0{_file_hash(path)}\0".encode())
            self._repos[key] = digest.hexdigest()
        return self._repos[key]

    def _key(self, path: str) -> str | None:
        from llmops_iac.spec.stdin import is_stdin
        from llmops_iac.spec.validate import display_path

        if is_stdin(path):  # a spec read from standard input is a new file every run: never cached
            return None
        spec_hash = _file_hash(path)
        if spec_hash is None:
            return None
        parts = [self._base, display_path(path), os.path.abspath(path), spec_hash, self._repo_fingerprint(path),
                 self._stacks_fingerprint(path)]
        return hashlib.sha256("\0".join(parts).encode()).hexdigest()

    def _entry(self, key: str) -> str:
        return os.path.join(self.directory, key[:2], key + ".pickle")

    def get(self, path: str) -> Any:
        key = self._key(path)
        if key is None:
            return None
        try:
            with open(self._entry(key), "rb") as fh:
                deps, result = _Unpickler(fh).load()
        except Exception:  # noqa: BLE001 - a missing, partial or stale entry is a miss
            self.misses += 1
            return None
        if any(_reference_hash(path, what, ref) != digest for what, ref, digest in deps):
            self.misses += 1
            return None
        self.hits += 1
        for r in result:
            r.timings = {"cache": 0.0}
        return result

    def put(self, path: str, result: list[Any], loaded: Any) -> None:
        """Store the results for ``path``; ``loaded`` (the spec as the stages saw it) names the files it read."""
        if not all(r.ok for r in result) or loaded is None:
            return
        key = self._key(path)
        if key is None:
            return
        refs: list[tuple[str, str]] = []
        for view in [loaded, *loaded._views.values()]:  # every environment judged may name other files
            spec = view.data.get("spec") or {}
            refs += [("prompt", p.get("file")) for p in (spec.get("prompts") or {}).values()]
            refs += [("dataset", d.get("file")) for d in ((spec.get("evaluation") or {}).get("datasets") or {}).values()]
        deps = [(what, ref, _reference_hash(path, what, ref)) for what, ref in sorted(set(refs)) if ref]
        if any(digest is None for _, _, digest in deps):
            return  # a file that cannot be read now is the stages' to report next time
        for r in result:
            if r.loaded is not None:
                r.loaded.__dict__.pop("spec", None)  # cached view of ``data``; rebuilt on demand
        entry = self._entry(key)
        try:
            os.makedirs(os.path.dirname(entry), exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=os.path.dirname(entry), suffix=".tmp")
            with os.fdopen(fd, "wb") as fh:
                pickle.dump((deps, result), fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, entry)
        except OSError:
            pass  # a cache that cannot be written only costs time

