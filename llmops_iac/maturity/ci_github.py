"""GitHub Actions workflows (.github/workflows/*.yml) read as structure: triggers (`on:` as a string, list or
map, with branch, type and path filters), jobs and steps with their `if:`, `continue-on-error`, shell,
working directory, `run:` scripts (ci_shell.py) and `uses:` of this project's Action or pulumi/actions."""

from __future__ import annotations

import re
from typing import Any

import yaml

from llmops_iac.maturity import ci_conditions as cond
from llmops_iac.maturity import ci_yaml
from llmops_iac.maturity.ci_model import (
    FAIL_LEVELS, MANUAL, MERGE, OTHER, PULL_REQUEST, SCHEDULE, CiFile, Run, Trigger, glob_match, join, script_runs,
)

SYSTEM = "github-actions"
ACTION = re.compile(r"^[A-Za-z0-9_.-]+/llmops-iac(?:@\S+)?$", re.I)
"""This project's Action as the README tells users to reference it: `uses: <owner>/llmops-iac@<ref>`
(action.yml at the repository root)."""
PULUMI_ACTION = re.compile(r"^pulumi/actions(?:@\S+)?$", re.I)
DEFAULT_BRANCHES = ("main", "master")
"""The default branch cannot be read from the repository's files: a push to one of these counts as a merge."""
_PR_EVENTS = ("pull_request", "pull_request_target", "merge_group")


def read(text: str, path: str) -> CiFile:
    try:
        doc = ci_yaml.load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return CiFile(path, SYSTEM, notes=((mark.line + 1 if mark else 0, f"not valid YAML: {str(exc).splitlines()[0]}"),))
    if not isinstance(doc, ci_yaml.YMap):
        return CiFile(path, SYSTEM, notes=((1, "not a workflow (a mapping with on: and jobs:)"),))
    notes: list[tuple[int, str]] = []
    key = "on" if "on" in doc else True
    triggers = _triggers(doc.get(key), doc.line_of(key), notes)
    if key not in doc:
        notes.append((1, "no on: key: the workflow never runs"))
    defaults = _run_defaults(doc, {"shell": None, "working-directory": "."})
    defaults["env"], defaults["env-line"] = doc.get("env"), doc.line_of("env")
    runs: list[Run] = []
    jobs = doc.get("jobs")
    if not isinstance(jobs, ci_yaml.YMap):
        notes.append((doc.line_of("jobs", 1), "no jobs mapping"))
        jobs = ci_yaml.YMap()
    named = {str(n): j for n, j in jobs.items() if isinstance(j, ci_yaml.YMap)}
    own = {n: _runs_on(j.get("if"), triggers, f"job {n}", j.line_of("if")) for n, j in named.items()}
    for name, job in jobs.items():
        if not isinstance(job, ci_yaml.YMap):
            notes.append((jobs.line_of(name), f"job {name} is not a mapping"))
            continue
        runs += _job(str(name), job, _needed(str(name), named, own, set()), defaults, notes)
    return CiFile(path, SYSTEM, runs=tuple(runs), notes=tuple(notes))


def _needed(name: str, jobs: dict[str, ci_yaml.YMap], own: dict[str, tuple[list[Trigger], list[tuple[str, str]]]],
            visiting: set[str]) -> tuple[list[Trigger], list[tuple[str, str]]]:
    """The triggers job ``name`` runs on: its own `if:`, and every job it `needs:` running too (a job whose
    needed job is skipped is skipped, unless its `if:` calls always())."""
    kept, dropped = own[name]
    job = jobs[name]
    needs = job.get("needs")
    needs = [needs] if isinstance(needs, str) else list(needs) if isinstance(needs, list) else []
    if "always()" in str(job.get("if", "")) or name in visiting:
        return kept, dropped
    kept, dropped = list(kept), list(dropped)
    for need in (str(n) for n in needs):
        if need not in own:
            dropped += [(t.kind, f"job {name} needs {need}, which is not a job of this workflow") for t in kept]
            kept = []
            continue
        their, why = _needed(need, jobs, own, visiting | {name})
        events = {t.event for t in their}
        dropped += [(t.kind, f"job {name} needs {need}, which does not run on {t.event}") for t in kept
                    if t.event not in events]
        kept = [t for t in kept if t.event in events]
    return kept, dropped


def _triggers(on: Any, line: int, notes: list[tuple[int, str]]) -> list[Trigger]:
    if isinstance(on, str):
        events: list[tuple[str, Any, int]] = [(on, None, line)]
    elif isinstance(on, ci_yaml.YList):
        events = [(str(e), None, on.lines[i]) for i, e in enumerate(on)]
    elif isinstance(on, ci_yaml.YMap):
        events = [(str(k), v, on.line_of(k)) for k, v in on.items()]
    else:
        return []
    out = []
    for event, cfg, at in events:
        cfg = cfg if isinstance(cfg, ci_yaml.YMap) else ci_yaml.YMap()
        kind, why = _kind(event, cfg)
        if why:
            notes.append((at, why))
        paths = cfg.get("paths")
        ignore = cfg.get("paths-ignore")
        out.append(Trigger(kind, event, at, paths=tuple(str(p) for p in paths) if isinstance(paths, list) else None,
                           paths_ignore=tuple(str(p) for p in ignore) if isinstance(ignore, list) else ()))
    return out


def _kind(event: str, cfg: ci_yaml.YMap) -> tuple[str, str]:
    if event in _PR_EVENTS:
        types = cfg.get("types")
        if isinstance(types, list) and "synchronize" not in types and event != "merge_group":
            return OTHER, f"{event} with types {list(types)}: new commits of a pull request (synchronize) do not run it"
        if not _branches_match(cfg):
            return OTHER, f"{event} only for branches that are not the default branch ({'/'.join(DEFAULT_BRANCHES)})"
        return PULL_REQUEST, ""
    if event == "push":
        if ("tags" in cfg or "tags-ignore" in cfg) and "branches" not in cfg and "branches-ignore" not in cfg:
            return OTHER, "push of tags only"
        return (MERGE, "") if _branches_match(cfg) else (OTHER, "push to branches other than the default branch")
    if event == "workflow_dispatch":
        return MANUAL, ""
    if event == "schedule":
        return SCHEDULE, ""
    return OTHER, ""


def _branches_match(cfg: ci_yaml.YMap) -> bool:
    """Whether the event's branch filters let the default branch through."""
    ignore = cfg.get("branches-ignore")
    if isinstance(ignore, list) and any(glob_match(str(p), b) for p in ignore for b in DEFAULT_BRANCHES):
        return False
    branches = cfg.get("branches")
    if not isinstance(branches, list):
        return branches is None
    for branch in DEFAULT_BRANCHES:
        hit = False
        for pattern in (str(p) for p in branches):
            if pattern.startswith("!"):
                hit = hit and not glob_match(pattern[1:], branch)
            elif glob_match(pattern, branch):
                hit = True
        if hit:
            return True
    return False


def _context(trigger: Trigger) -> dict[str, Any]:
    pr = trigger.kind == PULL_REQUEST
    ctx: dict[str, Any] = {"github.event_name": trigger.event}
    if trigger.event == "pull_request":
        ctx.update({"github.ref": cond.PR_REF, "github.event.pull_request": cond.UNKNOWN})
    elif trigger.kind == MERGE:
        ctx.update({"github.ref": cond.DEFAULT_BRANCH, "github.ref_name": cond.DEFAULT_BRANCH, "github.base_ref": "",
                    "github.head_ref": "", "github.event.pull_request": None})
    elif not pr:
        ctx.update({"github.base_ref": "", "github.head_ref": "", "github.event.pull_request": None})
    return ctx


def _runs_on(condition: Any, triggers: list[Trigger], what: str, line: int) -> tuple[list[Trigger], list[tuple[str, str]]]:
    """The triggers on which ``condition`` is true; and why the others are dropped."""
    kept, dropped = [], []
    for t in triggers:
        verdict = cond.github(condition, _context(t))
        if verdict:
            kept.append(t)
        elif verdict is False:
            dropped.append((t.kind, f"{what} if: {condition} is false on {t.event} (line {line})"))
        else:
            dropped.append((t.kind, f"{what} if: {condition} cannot be decided from the file on {t.event} (line {line})"))
    return kept, dropped


def _run_defaults(owner: ci_yaml.YMap, inherited: dict[str, Any]) -> dict[str, Any]:
    defaults = owner.get("defaults")
    run = defaults.get("run") if isinstance(defaults, dict) else None
    out = dict(inherited)
    if isinstance(run, dict):
        if "shell" in run:
            out["shell"] = run["shell"]
        if "working-directory" in run:
            out["working-directory"] = join(inherited["working-directory"], str(run["working-directory"])) \
                if inherited["working-directory"] is not None else None
    return out


def _cannot_fail(value: Any, what: str, line: int) -> str:
    if value is None or value is False:
        return ""
    if value is True:
        return f"{what} continue-on-error: true (line {line}): its failure does not fail the workflow"
    return f"{what} continue-on-error: {value} (line {line}) may be true: its failure may not fail the workflow"


def _job(name: str, job: ci_yaml.YMap, runs_on: tuple[list[Trigger], list[tuple[str, str]]],
         defaults: dict[str, Any], notes: list[tuple[int, str]]) -> list[Run]:
    if "uses" in job:
        notes.append((job.line_of("uses"), f"job {name} calls the reusable workflow {job['uses']}: its jobs are not read"))
        return []
    job_triggers, job_dropped = runs_on
    job_cannot = (_cannot_fail(job.get("continue-on-error"), f"job {name}", job.line_of("continue-on-error"))
                  or _env_hijack(defaults.get("env"), "the workflow", defaults.get("env-line", 0))
                  or _env_hijack(job.get("env"), f"job {name}", job.line_of("env")))
    settings = _run_defaults(job, defaults)
    steps = job.get("steps")
    if not isinstance(steps, ci_yaml.YList):
        return []
    runs: list[Run] = []
    rewired = ""  # a run: step that writes GITHUB_PATH or GITHUB_ENV changes what every later step runs
    for index, step in enumerate(steps):
        if not isinstance(step, ci_yaml.YMap):
            continue
        at = steps.lines[index]
        step_triggers, step_dropped = _runs_on(step.get("if"), job_triggers, "step", step.line_of("if"))
        cannot = (job_cannot or _cannot_fail(step.get("continue-on-error"), "step", step.line_of("continue-on-error"))
                  or _env_hijack(step.get("env"), "the step", step.line_of("env")) or rewired)
        found: list[Run] = []
        if "run" in step:
            found = _script(step, name, settings, cannot, notes)
        elif "uses" in step:
            found = _action(step, name, settings, cannot, at)
        runs += [Run(r.kind, r.line, r.text, r.job, r.paths, r.stacks, r.reason, tuple(step_triggers),
                     tuple(job_dropped + step_dropped)) for r in found]
        script = step.get("run")
        if not rewired and isinstance(script, str) and ("GITHUB_PATH" in script or "GITHUB_ENV" in script):
            rewired = (f"an earlier step writes GITHUB_PATH or GITHUB_ENV (line {step.line_of('run', at)}): which "
                       "program later steps run, or with what environment, cannot be told")
    return runs


def _shell(shell: Any) -> tuple[bool, bool] | None:
    """(errexit, pipefail) GitHub runs a `run:` script with, or None for a shell that is not sh or bash."""
    if shell is None:
        return True, False  # bash -e {0}
    text = str(shell).strip()
    if text == "bash":
        return True, True  # bash --noprofile --norc -eo pipefail {0}
    if text == "sh":
        return True, False  # sh -e {0}
    words = text.split()
    # a custom shell is read only as `bash|sh [options] {0}` with options that change no more than errexit,
    # pipefail, nounset and tracing: `bash -c true {0}` never runs the script at all
    if (len(words) >= 2 and words[0].rsplit("/", 1)[-1] in ("bash", "sh") and words[-1] == "{0}"
            and all(_SHELL_OPTION.match(w) for w in words[1:-1])):
        flags = "".join(w for w in words[1:-1] if w.startswith("-") and not w.startswith("--"))
        return "e" in flags, "pipefail" in text
    return None


_SHELL_OPTION = re.compile(r"^(-[euxo]+|--noprofile|--norc|pipefail|errexit|nounset|xtrace)$")
_ENV_HIJACK = ("PATH", "BASH_ENV", "ENV", "PYTHONPATH", "PYTHONSTARTUP", "PYTHONHOME", "LD_PRELOAD",
               "LD_LIBRARY_PATH", "SHELLOPTS", "BASHOPTS", "PROMPT_COMMAND", "IFS")


def _env_hijack(env: Any, what: str, line: int) -> str:
    """Why an `env:` that changes which program runs, or what the shell does first, proves nothing."""
    if not isinstance(env, dict):
        return ""
    bad = sorted(str(k) for k in env if str(k).upper() in _ENV_HIJACK or str(k).upper().startswith("BASH_FUNC_"))
    if not bad:
        return ""
    return (f"{what} sets {', '.join(bad)} in env: (line {line}): which program runs, or what the shell runs "
            "first, cannot be told")


def _script(step: ci_yaml.YMap, job: str, settings: dict[str, Any], cannot: str,
            notes: list[tuple[int, str]]) -> list[Run]:
    script = step["run"]
    line = ci_yaml.line_of(script, step.line_of("run"))
    shell = _shell(step.get("shell", settings["shell"]))
    if not isinstance(script, str):
        return []
    if shell is None:
        if "llmops-iac" in script or "llmops_iac" in script or "pulumi" in script:
            notes.append((line, f"a run: step in shell {step.get('shell', settings['shell'])} is not read as evidence"))
        return []
    wd = step.get("working-directory")
    cwd = settings["working-directory"] if wd is None else join(settings["working-directory"], str(wd)) \
        if settings["working-directory"] is not None else None
    return script_runs(str(script), line, job, cwd, errexit=shell[0], pipefail=shell[1], cannot_fail=cannot)


def _action(step: ci_yaml.YMap, job: str, settings: dict[str, Any], cannot: str, at: int) -> list[Run]:
    uses = str(step["uses"]).strip()
    line = step.line_of("uses", at)
    inputs = step.get("with") if isinstance(step.get("with"), dict) else {}
    if ACTION.match(uses):
        wd = inputs.get("working-directory", ".")
        cwd = join(".", str(wd))
        paths_text = str(inputs.get("paths", "."))
        paths = [join(cwd, p) for p in paths_text.split()] or [cwd]
        reason = cannot
        level = inputs.get("fail-level", "error")
        if not reason and str(level) not in FAIL_LEVELS:
            reason = f"fail-level: {level} is not one of {', '.join(FAIL_LEVELS)}: the Action never judges (or it cannot be told)"
        known = None if any(p is None for p in paths) else tuple(p for p in paths if p is not None)
        stack = str(inputs.get("stack", "") or "")
        return [Run("check", line, f"uses: {uses}", job, paths=known, stacks=(stack,) if stack else None, reason=reason)]
    if PULUMI_ACTION.match(uses) and str(inputs.get("command", "")).strip() == "up":
        stack = str(inputs.get("stack-name", "") or "")
        stacks = None if not stack or "$" in stack else (stack.rsplit("/", 1)[-1],)
        return [Run("deploy", line, f"uses: {uses} (command: up, stack-name: {stack or 'none'})", job, stacks=stacks,
                    reason=cannot)]
    return []
