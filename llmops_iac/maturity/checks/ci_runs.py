"""How the CI/CD checks judge pipeline runs (llmops_iac/maturity/ci_model.py): which `llmops-iac check` runs gate
the spec on which triggers, which stacks are production, and the located reasons a run is not evidence."""

from __future__ import annotations

import os
from pathlib import Path

from llmops_iac.maturity.checks.registry import FAIL, PASS, Result
from llmops_iac.maturity.checks.shared import _names
from llmops_iac.maturity.ci_model import Run, covers
from llmops_iac.maturity.evidence import PRODUCTION, Evidence, Item


def _gated(ev: Evidence, kinds: tuple[str, ...], what: str) -> Result:
    """PASS when a job triggered on ``kinds`` runs `llmops-iac check` (or the Action) on a path covering the spec
    in a step that can fail the job; each run found is an item, credited or with the reason it is not."""
    assert ev.repo is not None and ev.repo.spec_path is not None
    spec = ev.repo.spec_path
    credited: list[Item] = []
    rejected: list[Item] = []
    for ci in ev.repo.ci:
        for run in ci.of("check"):
            why = run.reason
            if not why and run.paths is None:
                why = "the path it checks cannot be told from the file (a variable or an unknown directory)"
            if not why and not any(covers(p, spec) for p in run.paths or ()):
                why = f"checks {_names(run.paths or ())}, which does not cover {spec}"
            if not why and run.stacks:
                why = _stack_problem(ev, run.stacks[0], run.paths or ())
            triggers = [t for t in run.triggers if t.kind in kinds]
            if not why and not triggers:
                why = _not_triggered(run, kinds, what)
            covering = [t for t in triggers if t.covers(spec)]
            if not why and not covering:
                t = triggers[0]
                why = f"its {t.event} trigger (line {t.line}) has path filters that leave out {spec}"
            if why:
                rejected.append(ev.repo_item(ci.path, run.line, f"{ci.system} job {run.job}: {run.text}: {why}"))
            else:
                t = covering[0]
                credited.append(ev.repo_item(ci.path, run.line, f"{ci.system} job {run.job} on {t.event} (line {t.line}):"
                                             f" {run.text}", paths=list(run.paths or ())))
    if credited:
        files = sorted({i.source.file for i in credited if i.source.file})
        verb = "runs" if len(files) == 1 else "run"
        return Result(PASS, f"{_names(files)} {verb} `llmops-iac check` on {spec} for {what}", tuple(credited))
    if not ev.repo.ci:
        return Result(FAIL, "no CI pipeline files found")
    return Result(FAIL, f"no CI job triggered by {what} runs `llmops-iac check` (or the llmops-iac Action) on {spec} "
                        "in a step that can fail the job" + _first(rejected), tuple(rejected + _notes(ev)))


def _not_triggered(run: Run, wanted: tuple[str, ...], what: str) -> str:
    kinds = sorted({t.kind for t in run.triggers})
    on = f"runs only on {', '.join(kinds)}" if kinds else "runs on no trigger"
    why = list(dict.fromkeys(text for kind, text in run.dropped if kind in wanted))
    return f"{on}, not on {what}" + (f" ({'; '.join(why[:2])})" if why else "")


def _first(rejected: list[Item]) -> str:
    if not rejected:
        return ""
    first = rejected[0]
    more = f"; and {len(rejected) - 1} more" if len(rejected) > 1 else ""
    return f" ({first.source.file}:{first.source.line}: {first.summary.split(': ', 1)[-1]}{more})"


def _notes(ev: Evidence) -> list[Item]:
    assert ev.repo is not None
    return [ev.repo_item(ci.path, line, f"{ci.system}: {note}") for ci in ev.repo.ci for line, note in ci.notes]


def _stack_problem(ev: Evidence, stack: str, paths: tuple[str, ...]) -> str:
    """Why a check run with ``--stack STACK`` does not judge the spec as production ("" when it does)."""
    if not stack or "$" in stack:
        return f"--stack {stack or '(empty)'} cannot be told from the file"
    tiers = deploying_stacks(ev)
    if stack in tiers and tiers[stack] != PRODUCTION:
        return f"--stack {stack} judges only its {tiers[stack]} environment, not production"
    assert ev.repo is not None
    if stack not in tiers and ev.repo.spec_path in paths:
        return f"--stack {stack} does not deploy {ev.repo.spec_path}: the command stops with a usage error (exit 2)"
    return ""


def production_stacks(ev: Evidence) -> list[str]:
    """The repository's stacks that deploy this spec to an environment judged as production."""
    return sorted(name for name, tier in deploying_stacks(ev).items() if tier == PRODUCTION)


def _read_by_a_project(path: Path, root: str) -> bool:
    """Whether Pulumi would read stack file ``path``: it is a file of the repository (not a link out of it) in the
    stack directory (stackConfigDir) of a Pulumi project of the repository. A stack file no project reads deploys
    nothing, whatever it says."""
    from llmops_iac.spec.stacks import _stack_config_dir, find_project_dir, project_file

    def inside(p: str) -> bool:
        return p == root or p.startswith(root.rstrip("/") + "/")

    real = os.path.realpath(path)
    project = find_project_dir(path.parent)
    if not inside(real) or project is None or not inside(os.path.realpath(project)):
        return False
    return os.path.realpath(project / _stack_config_dir(project_file(project))) == os.path.dirname(real)


def deploying_stacks(ev: Evidence) -> dict[str, str]:
    """The repository's stacks (stacks/Pulumi.<stack>.yaml, Pulumi.<stack>.yaml) that deploy this spec, with the
    tier each deploys it as (an environment of unknown tier is production: llmops_iac/spec/tiers.py). A stack file
    that does not load deploys nothing here (`check` reports it)."""
    from llmops_iac.errors import SpecError
    from llmops_iac.spec import stacks as st
    from llmops_iac.spec.tiers import declared_tier, effective_tier

    from llmops_iac.maturity.repo import memo

    assert ev.repo is not None
    cache = memo()
    key = ("deploying-stacks", (str(ev.repo.root), ev.loaded.source_path, ev.repo.stacks))
    if cache is not None and key in cache:
        return dict(cache[key])
    doc = ev.loaded.document.data
    found: dict[str, str] = {}
    root = os.path.realpath(ev.repo.root)
    for rel in ev.repo.stacks:
        path = ev.repo.root / rel
        name = path.name[len("Pulumi."):-len(".yaml")]
        if not _read_by_a_project(path, root):
            continue
        try:
            stack = st.load_stack(name, path.parent)
        except SpecError:
            continue
        if st.deploys(stack, ev.loaded.source_path):
            found[stack.name] = effective_tier(declared_tier(doc, stack.environment))
    if cache is not None:
        cache[key] = dict(found)
    return found
