"""What a change does to the infrastructure and the bill: Plan diff + cost delta, as text and Markdown.

``diff(base_plan, head_plan, base_estimate, head_estimate) -> PlanDiff``:
resources are matched by logical name (stable across reorderings, see the compiler);
*added* and *removed* are the names only one side has, *changed* those whose type or
inputs differ, with the top-level input keys that changed, and *replaced* those Pulumi
would delete and create rather than update (llmops_iac.cost.replacement: a property the
provider forces new, the resource's replaceOnChanges, or a reference to a replaced resource),
with the reasons and whether the new one is created first. The monthly cost delta is
given per range point (minimum / expected / maximum), in total and per resource.

``spec_at_revision(rev, path)`` materializes a spec as it was at a git revision
(``git show REV:path`` into a temporary directory, with the prompt and dataset files it
references, Pulumi.yaml and the stack files) so ``diff --base REV FILE`` can load,
compile and estimate both sides with the same code.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from llmops_iac.compile.plan import plan_data
from llmops_iac.cost.estimate import POINTS, Estimate
from llmops_iac.errors import UsageError

_RANGE0 = {p: 0.0 for p in POINTS}


@dataclass
class ResourceChange:
    name: str
    kind: str  # added | removed | changed | replaced
    type: str
    source: str = ""
    keys: list[str] = field(default_factory=list)  # changed top-level input keys ("type" when the type changed)
    cost_delta: dict[str, float] = field(default_factory=lambda: dict(_RANGE0))
    base_cost: dict[str, float] = field(default_factory=lambda: dict(_RANGE0))
    head_cost: dict[str, float] = field(default_factory=lambda: dict(_RANGE0))
    replace: list[str] = field(default_factory=list)  # why Pulumi replaces it (kind "replaced")
    order: str | None = None  # create-before-delete | delete-before-replace (kind "replaced", when known)

    def to_dict(self) -> dict[str, Any]:
        out = {"name": self.name, "change": self.kind, "type": self.type, "source": self.source, "changedKeys": self.keys,
               "monthlyUsd": {"base": _round(self.base_cost), "head": _round(self.head_cost),
                              "delta": _round(self.cost_delta)}}
        if self.kind == "replaced":
            out["replaceReasons"] = self.replace
            out["replaceOrder"] = self.order
        return out


@dataclass
class PlanDiff:
    base_label: str
    head_label: str
    app: str
    environment: str
    changes: list[ResourceChange]
    base_total: dict[str, float]
    head_total: dict[str, float]
    unchanged: int
    cost_only: list[ResourceChange] = field(default_factory=list)  # same inputs, different cost (traffic, prices)
    base_budget: float | None = None
    head_budget: float | None = None

    @property
    def delta(self) -> dict[str, float]:
        return {p: self.head_total[p] - self.base_total[p] for p in POINTS}

    def of(self, kind: str) -> list[ResourceChange]:
        return [c for c in self.changes if c.kind == kind]

    @property
    def empty(self) -> bool:
        return not self.changes and all(abs(v) < 0.005 for v in self.delta.values())

    def to_dict(self) -> dict[str, Any]:
        return {"diffVersion": 1, "base": self.base_label, "head": self.head_label, "app": self.app,
                "environment": self.environment,
                "summary": {"added": len(self.of("added")), "changed": len(self.of("changed")),
                            "replaced": len(self.of("replaced")), "removed": len(self.of("removed")),
                            "unchanged": self.unchanged},
                "monthlyUsd": {"base": _round(self.base_total), "head": _round(self.head_total), "delta": _round(self.delta)},
                "budget": {"base": self.base_budget, "head": self.head_budget},
                "resources": [c.to_dict() for c in self.changes],
                "costOnly": [c.to_dict() for c in self.cost_only]}


def _round(r: dict[str, float]) -> dict[str, float]:
    return {p: round(r[p] + 0.0, 2) for p in POINTS}


def _data(plan: Any) -> dict[str, Any]:
    if plan is None:
        return {"resources": []}
    return plan_data(plan)


def _costs(est: Estimate | None) -> dict[str, dict[str, float]]:
    if est is None:
        return {}
    return {r.name: r.monthly for r in est.resources}


def _total(est: Estimate | None) -> dict[str, float]:
    return dict(est.total) if est is not None else dict(_RANGE0)


def changed_keys(base: dict[str, Any], head: dict[str, Any]) -> list[str]:
    """Top-level keys of ``inputs`` that differ (tags included: a tag change is a change)."""
    keys = set(base) | set(head)
    return sorted(k for k in keys if base.get(k) != head.get(k))


def diff(base_plan: Any, head_plan: Any, base_estimate: Estimate | None = None, head_estimate: Estimate | None = None,
         *, base_label: str = "base", head_label: str = "head", ignore_keys: tuple[str, ...] = ()) -> PlanDiff:
    """Compare two Plans (and their estimates). ``ignore_keys`` drops input keys from the comparison
    (e.g. ``("tags",)`` to hide the specHash tag that every spec edit changes)."""
    base, head = _data(base_plan), _data(head_plan)
    b = {r["name"]: r for r in base.get("resources", [])}
    h = {r["name"]: r for r in head.get("resources", [])}
    bc, hc = _costs(base_estimate), _costs(head_estimate)
    from llmops_iac.cost import replacement

    changes: list[ResourceChange] = []
    cost_only: list[ResourceChange] = []
    unchanged = 0
    replaced: dict[str, list[str]] = {}
    for name in sorted(set(b) & set(h)):
        why = replacement.reasons(_without(b[name], ignore_keys), _without(h[name], ignore_keys))
        if why:
            replaced[name] = why
    replaced = replacement.cascade({n: r for n, r in h.items() if n in b}, replaced)
    for name in sorted(set(b) | set(h)):
        before, after = b.get(name), h.get(name)
        cb, ch = bc.get(name, dict(_RANGE0)), hc.get(name, dict(_RANGE0))
        delta = {p: ch[p] - cb[p] for p in POINTS}
        if before is None:
            changes.append(ResourceChange(name, "added", after["type"], after.get("source", ""), [], delta, cb, ch))
            continue
        if after is None:
            changes.append(ResourceChange(name, "removed", before["type"], before.get("source", ""), [], delta, cb, ch))
            continue
        bi = {k: v for k, v in before.get("inputs", {}).items() if k not in ignore_keys}
        hi = {k: v for k, v in after.get("inputs", {}).items() if k not in ignore_keys}
        keys = changed_keys(bi, hi)
        if before["type"] != after["type"]:
            keys = ["type"] + keys
        if name in replaced:
            changes.append(ResourceChange(name, "replaced", after["type"], after.get("source", ""), keys, delta, cb, ch,
                                          replaced[name], replacement.order(before, after)))
        elif keys:
            changes.append(ResourceChange(name, "changed", after["type"], after.get("source", ""), keys, delta, cb, ch))
        else:
            unchanged += 1
            if any(abs(v) >= 0.005 for v in delta.values()):
                cost_only.append(ResourceChange(name, "cost", after["type"], after.get("source", ""), [], delta, cb, ch))
    return PlanDiff(base_label, head_label, head.get("app") or base.get("app", ""),
                    head.get("environment") or base.get("environment", ""), changes, _total(base_estimate),
                    _total(head_estimate), unchanged, cost_only,
                    base_estimate.budget["monthlyUsd"] if base_estimate and base_estimate.budget else None,
                    head_estimate.budget["monthlyUsd"] if head_estimate and head_estimate.budget else None)


def _without(resource: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    if not keys:
        return resource
    return {**resource, "inputs": {k: v for k, v in (resource.get("inputs") or {}).items() if k not in keys}}


# ------------------------------------------------------------------------------------------------- rendering

def _money(x: float, signed: bool = False) -> str:
    if signed:
        sign = "+" if x > 0.004 else ("−" if x < -0.004 else "±")
        return f"{sign}${abs(x):,.2f}"
    return f"${x:,.2f}"


_MARK = {"added": "+", "removed": "-", "changed": "~", "replaced": "+-", "cost": "$"}


def render_text(d: PlanDiff) -> str:
    """A terminal summary: one line per added/changed/removed resource, then the cost delta."""
    out = [f"{d.app} ({d.environment}): {d.base_label} → {d.head_label}: {len(d.of('added'))} to add, "
           f"{len(d.of('changed'))} to change, {len(d.of('replaced'))} to replace, {len(d.of('removed'))} to remove, "
           f"{d.unchanged} unchanged"]
    for c in d.changes:
        cost = _money(c.cost_delta["expected"], signed=True) if any(abs(v) >= 0.005 for v in c.cost_delta.values()) else ""
        keys = f" ({', '.join(c.keys)})" if c.keys else ""
        out.append(f"  {_MARK[c.kind]} {c.name:<48} {c.type}{keys}" + (f"  {cost}/month" if cost else ""))
        if c.kind == "replaced":
            out.append(f"      replace{f' ({c.order})' if c.order else ''}: " + "; ".join(c.replace))
    for c in d.cost_only:
        out.append(f"  {_MARK['cost']} {c.name:<48} cost only  {_money(c.cost_delta['expected'], signed=True)}/month")
    out.append("monthly cost:      " + "".join(f"{p:>16}" for p in POINTS))
    out.append(f"  {d.base_label:<16}" + "".join(f"{_money(d.base_total[p]):>16}" for p in POINTS))
    out.append(f"  {d.head_label:<16}" + "".join(f"{_money(d.head_total[p]):>16}" for p in POINTS))
    out.append(f"  {'delta':<16}" + "".join(f"{_money(d.delta[p], signed=True):>16}" for p in POINTS))
    if d.head_budget is not None:
        pct = 100 * d.head_total["expected"] / d.head_budget if d.head_budget else 0
        out.append(f"budget {_money(d.head_budget)}/month: expected is {pct:.0f} % of it"
                   + (" (over budget)" if d.head_total["expected"] > d.head_budget else ""))
    return "\n".join(out) + "\n"


def render_markdown(d: PlanDiff) -> str:
    """A pull-request comment: summary, cost table, collapsible resource list."""
    delta = d.delta["expected"]
    arrow = "📈" if delta > 0.004 else ("📉" if delta < -0.004 else "➖")
    out = [f"### {arrow} llmops-iac: {d.app} ({d.environment})", "",
           f"**{len(d.of('added'))}** to add, **{len(d.of('changed'))}** to change, "
           f"**{len(d.of('replaced'))}** to replace, **{len(d.of('removed'))}** to remove "
           f"· expected monthly cost {_money(d.base_total['expected'])} → {_money(d.head_total['expected'])} "
           f"(**{_money(delta, signed=True)}**)", "",
           f"| monthly cost | {d.base_label} | {d.head_label} | delta |", "|---|---:|---:|---:|"]
    for p in POINTS:
        out.append(f"| {p} | {_money(d.base_total[p])} | {_money(d.head_total[p])} | {_money(d.delta[p], signed=True)} |")
    if d.head_budget is not None:
        over = d.head_total["expected"] > d.head_budget
        out += ["", f"Budget: {_money(d.head_budget)}/month" + (" — **expected cost is over budget**" if over else "")]
    if d.changes or d.cost_only:
        out += ["", f"<details><summary>Resources ({len(d.changes)} changed, {len(d.cost_only)} with a cost change only)"
                    "</summary>", "", "| | resource | type | changed inputs | expected Δ/month |", "|---|---|---|---|---:|"]
        for c in d.changes + d.cost_only:
            why = f" — **replace**{f' ({c.order})' if c.order else ''}: {'; '.join(c.replace)}" if c.kind == "replaced" else ""
            out.append(f"| {_MARK[c.kind]} | `{c.name}` | `{c.type.split(':')[-1]}` | {', '.join(f'`{k}`' for k in c.keys)}"
                       f"{why} | {_money(c.cost_delta['expected'], signed=True)} |")
        out += ["", "</details>"]
    out.append("")
    return "\n".join(out)


# ------------------------------------------------------------------------------------------------- git revisions

def _git(repo: Path, *args: str) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, timeout=60)
    except FileNotFoundError:
        raise UsageError("git is not installed: --base needs git to read the spec at a revision") from None


def _show(repo: Path, rev: str, rel: str) -> bytes | None:
    res = _git(repo, "show", f"{rev}:{rel}")
    return res.stdout if res.returncode == 0 else None


def _referenced_files(spec_data: dict[str, Any]) -> set[str]:
    """Prompt and dataset files a spec names, in its base and in every environment's overrides."""
    out: set[str] = set()

    def collect(spec: Any) -> None:
        if not isinstance(spec, dict):
            return
        for p in (spec.get("prompts") or {}).values():
            if isinstance(p, dict) and isinstance(p.get("file"), str):
                out.add(p["file"])
        for ds in ((spec.get("evaluation") or {}).get("datasets") or {}).values():
            if isinstance(ds, dict) and isinstance(ds.get("file"), str):
                out.add(ds["file"])

    spec = spec_data.get("spec") if isinstance(spec_data, dict) else None
    collect(spec)
    for env in ((spec or {}).get("environments") or {}).values():
        collect(env)
    return out


@contextlib.contextmanager
def spec_at_revision(rev: str, path: str, *, repo: str | None = None) -> Iterator[str]:
    """Yield the path of ``path`` as it was at git revision ``rev``, materialized with the files it references.

    The temporary tree mirrors the repository (same relative paths), so prompt and
    dataset references, Pulumi.yaml and ``stacks/`` resolve as they did at ``rev``.
    Raise UsageError when ``path`` is outside a git work tree or absent at ``rev``.
    """
    from llmops_iac.spec.load import parse

    spec = Path(path).resolve()
    start = Path(repo).resolve() if repo else spec.parent
    top = _git(start, "rev-parse", "--show-toplevel")
    if top.returncode != 0:
        raise UsageError(f"{path} is not in a git repository: --base needs one")
    root = Path(top.stdout.decode().strip()).resolve()
    if _git(root, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}").returncode != 0:
        raise UsageError(f"--base {rev}: not a commit in {root} (fetch it first, e.g. `git fetch origin {rev}`)")
    try:
        rel = spec.relative_to(root).as_posix()
    except ValueError:
        raise UsageError(f"{path} is outside the git repository {root}") from None
    text = _show(root, rev, rel)
    if text is None:
        raise UsageError(f"{rel} does not exist at {rev}: nothing to compare with (a new spec?)")
    with tempfile.TemporaryDirectory(prefix="llmops-iac-base-") as tmp:
        tmp_root = Path(tmp)

        def put(relpath: str, content: bytes) -> None:
            target = (tmp_root / relpath).resolve()
            if tmp_root.resolve() not in target.parents:
                return  # a reference escaping the repository is the validator's to report
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)

        put(rel, text)
        try:
            data, _ = parse(text.decode("utf-8", errors="replace"), rel)
        except Exception:  # the loader reports it properly when the spec is loaded
            data = {}
        spec_dir = Path(rel).parent
        for ref in sorted(_referenced_files(data)):
            ref_rel = os.path.normpath((spec_dir / ref).as_posix()).replace(os.sep, "/")
            if ref_rel.startswith(".."):
                continue
            content = _show(root, rev, ref_rel)
            if content is not None:
                put(ref_rel, content)
        for d in [spec_dir, *spec_dir.parents]:
            pulumi = _show(root, rev, (d / "Pulumi.yaml").as_posix())
            if pulumi is not None:
                prefix = "" if str(d) in ("", ".") else d.as_posix() + "/"
                put(prefix + "Pulumi.yaml", pulumi)
                listing = _git(root, "ls-tree", "-r", "--name-only", rev, "--", prefix or ".")
                for name in listing.stdout.decode().splitlines():
                    if Path(name).name.startswith("Pulumi.") and name.endswith(".yaml") and name != prefix + "Pulumi.yaml":
                        content = _show(root, rev, name)
                        if content is not None:
                            put(name, content)
                break
        yield str(tmp_root / rel)


def load_at_revision(rev: str, path: str, *, stack: str | None = None, environment: str | None = None,
                     repo: str | None = None, estimate_kwargs: dict[str, Any] | None = None):
    """Load, compile and estimate ``path`` as it was at ``rev``; return (LoadedSpec, Plan, Estimate).

    Everything that reads files (prompt hashes, dataset checks) runs while the revision's
    files exist; the results are plain data and outlive the temporary directory.
    """
    from llmops_iac.compile import compile_spec
    from llmops_iac.cost.estimate import estimate
    from llmops_iac.spec.validate import load_spec

    with spec_at_revision(rev, path, repo=repo) as base_path:
        loaded = load_spec(base_path, stack=stack, environment=environment)
        plan = compile_spec(loaded)
        est = estimate(plan, loaded, **(estimate_kwargs or {}))
    return loaded, plan, est


def strip_spec_hash(plan: Any) -> dict[str, Any]:
    """The Plan's data without the specHash tag, which every edit of the spec changes on every resource."""
    import copy

    data = copy.deepcopy(plan.to_data() if hasattr(plan, "to_data") else plan)
    for r in data.get("resources", []):
        tags = (r.get("inputs") or {}).get("tags")
        if isinstance(tags, dict):
            tags.pop("specHash", None)
    return data
