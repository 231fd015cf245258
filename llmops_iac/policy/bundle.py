"""``llmops-iac policy bundle``: the policies as an OPA bundle (a gzipped tar) for ``opa run --bundle``.

Layout::

    /.manifest                       {"revision": …, "roots": ["llmops", "llmops_catalog"]}
    /policies/<area>/<file>.rego      every non-test module, at the path it has in the catalogue
    /data.json                       {"llmops_catalog": {"rules": {ID: metadata}, "profiles": {name: …}}}

Roots: the first segment of every module's package (``llmops`` for the
built-ins; a ``--policy-dir`` package elsewhere adds its own) plus
``llmops_catalog`` for the data. OPA refuses a bundle whose modules or data
lie outside its roots, and lets no other bundle or Policy/Data API client
write inside them.

Why the metadata is at ``data.llmops_catalog`` and not under ``data.llmops``:
data and rules under one path merge silently in OPA (data at
``llmops.catalog`` would become part of a package ``llmops.catalog``'s
document, and a rule of the same name conflicts), and ``data.llmops`` — the
document llmops-iac evaluates for every spec — would carry the whole
catalogue in every answer and differ from the in-process engines'. A
separate root keeps ``data.llmops`` exactly the rules' results.

Deterministic: the same catalogue gives byte-identical bytes — entries
sorted, mtime 0, uid/gid 0 without names, mode 0644, gzip header mtime 0
and no file name, JSON with sorted keys. The revision defaults to
``sha256:`` + the first 16 hex digits of a hash of the entries (pass
``--revision "$(git describe --always --dirty)"`` to use git's). The file
is written atomically: a reader sees the old bundle or the new one.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import re
import tarfile
from typing import Any

from llmops_iac.errors import InternalError
from llmops_iac.policy.catalog import Catalogue, rule_data
from llmops_iac.report import write_atomic

DATA_ROOT = "llmops_catalog"
"""Root of the bundle's data document (data.llmops_catalog.rules / .profiles)."""

_PACKAGE = re.compile(r"^package\s+([A-Za-z_][\w.]*)", re.M)


def roots_of(catalogue: Catalogue) -> list[str]:
    """The manifest roots: every module's top-level package segment, and the data root."""
    roots = {DATA_ROOT}
    for path, source in catalogue.modules.items():
        m = _PACKAGE.search(source)
        if not m:
            raise InternalError(f"{path}: no package declaration; it cannot go into a bundle")
        top = m.group(1).split(".")[0]
        if top == DATA_ROOT:
            raise InternalError(f"{path}: package {m.group(1)} is under {DATA_ROOT}, the bundle's data root; rename it")
        roots.add(top)
    return sorted(roots)


def bundle_files(catalogue: Catalogue, revision: str | None = None) -> dict[str, bytes]:
    """The bundle's files: tar path (with its leading /) → bytes."""
    from llmops_iac.policy import profiles

    files: dict[str, bytes] = {}
    for path, source in sorted(catalogue.modules.items()):
        files["/" + _entry_path(path)] = source.encode("utf-8")
    profs = {name: {"description": p.description, "tiers": list(p.tiers), "waiverHorizonDays": p.waiver_horizon_days,
                    "rules": dict(sorted(p.rules.items()))}
             for name, p in sorted(profiles.load_all(catalogue).items())}
    data = {DATA_ROOT: {"rules": rule_data(catalogue), "profiles": profs}}
    files["/data.json"] = _json(data)
    roots = roots_of(catalogue)
    if revision is None:
        digest = hashlib.sha256()
        for name, content in sorted(files.items()):
            digest.update(name.encode() + b"\0" + hashlib.sha256(content).digest())
        digest.update(_json(roots))
        revision = "sha256:" + digest.hexdigest()[:16]
    files["/.manifest"] = _json({"revision": revision, "roots": roots})
    return files


def build_bundle(catalogue: Catalogue, path: str, revision: str | None = None) -> str:
    """Write the bundle to ``path`` atomically; return its revision."""
    files = bundle_files(catalogue, revision)
    payload = _targz(files)
    write_atomic(path, payload)
    return json.loads(files["/.manifest"])["revision"]


def _entry_path(module_path: str) -> str:
    """A module's path inside the bundle: its catalogue path (policies/…), relative and normalised."""
    parts = [p for p in module_path.replace("\\", "/").split("/") if p not in ("", ".")]
    if ".." in parts:
        raise InternalError(f"policy module path {module_path!r} leaves its directory")
    return "/".join(parts)


def _json(value: Any) -> bytes:
    return (json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _targz(files: dict[str, bytes]) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name in sorted(files):
            info = tarfile.TarInfo(name)
            info.size = len(files[name])
            info.mtime = 0
            info.mode = 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            info.type = tarfile.REGTYPE
            tar.addfile(info, io.BytesIO(files[name]))
    out = io.BytesIO()
    with gzip.GzipFile(filename="", fileobj=out, mode="wb", compresslevel=9, mtime=0) as gz:
        gz.write(raw.getvalue())
    return out.getvalue()
