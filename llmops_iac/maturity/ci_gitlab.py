"""GitLab CI (.gitlab-ci.yml) and AWS CodeBuild (buildspec.yml) read as structure.

GitLab: jobs (hidden `.jobs` are templates, `extends:` is followed), `script:`/`before_script:` (bash with errexit
and pipefail, as the runner runs them), `rules:` (the first rule whose `if:` holds decides; `when: never` and
`when: manual` keep the job from running on its own), `only:`/`except:`, `workflow: rules:`, `when:` and
`allow_failure:`. `include:`d files are not read: what they add is unknown, so it is no evidence.

CodeBuild: `phases.*.commands` (each command is checked by CodeBuild; `on-failure: CONTINUE` and `finally:` cannot
fail the build). What starts a build (a webhook on pull requests, a push) is configured in the CodeBuild project,
outside the repository: a buildspec alone never shows a trigger, so it is never evidence of a gate.
"""

from __future__ import annotations

from typing import Any

import yaml

from llmops_iac.maturity import ci_conditions as cond
from llmops_iac.maturity import ci_yaml
from llmops_iac.maturity.ci_model import MANUAL, MERGE, PULL_REQUEST, SCHEDULE, CiFile, Run, Trigger, script_runs

RESERVED = {"image", "services", "stages", "types", "before_script", "after_script", "variables", "cache", "include",
            "default", "workflow", "pages:deploy", "spec"}
_EVENTS = {  # kind -> (CI_PIPELINE_SOURCE, the predefined variables of such a pipeline)
    PULL_REQUEST: ("merge_request_event", {"CI_MERGE_REQUEST_ID": cond.UNKNOWN, "CI_MERGE_REQUEST_IID": cond.UNKNOWN,
                                           "CI_COMMIT_BRANCH": None, "CI_COMMIT_TAG": None,
                                           "CI_DEFAULT_BRANCH": cond.DEFAULT_BRANCH}),
    MERGE: ("push", {"CI_COMMIT_BRANCH": cond.DEFAULT_BRANCH, "CI_DEFAULT_BRANCH": cond.DEFAULT_BRANCH,
                     "CI_COMMIT_REF_NAME": cond.DEFAULT_BRANCH, "CI_COMMIT_TAG": None, "CI_MERGE_REQUEST_ID": None,
                     "CI_MERGE_REQUEST_IID": None}),
    MANUAL: ("web", {"CI_COMMIT_TAG": None, "CI_MERGE_REQUEST_ID": None, "CI_MERGE_REQUEST_IID": None,
                     "CI_DEFAULT_BRANCH": cond.DEFAULT_BRANCH}),
    SCHEDULE: ("schedule", {"CI_COMMIT_TAG": None, "CI_MERGE_REQUEST_ID": None, "CI_MERGE_REQUEST_IID": None,
                            "CI_DEFAULT_BRANCH": cond.DEFAULT_BRANCH}),
}
_ONLY_REFS = {"merge_requests": (PULL_REQUEST,), "branches": (MERGE,), "main": (MERGE,), "master": (MERGE,),
              "web": (MANUAL,), "schedules": (SCHEDULE,), "pushes": (MERGE,)}


def _load(text: str, path: str, system: str) -> tuple[Any, CiFile | None]:
    try:
        doc = ci_yaml.load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return None, CiFile(path, system, notes=((mark.line + 1 if mark else 0, f"not valid YAML: {str(exc).splitlines()[0]}"),))
    if not isinstance(doc, ci_yaml.YMap):
        return None, CiFile(path, system, notes=((1, "not a mapping of jobs"),))
    return doc, None


def read_gitlab(text: str, path: str) -> CiFile:
    doc, failed = _load(text, path, "gitlab-ci")
    if failed:
        return failed
    notes: list[tuple[int, str]] = []
    if "include" in doc:
        notes.append((doc.line_of("include"), "include: files are not read: the jobs they add are no evidence"))
    workflow = doc.get("workflow") if isinstance(doc.get("workflow"), dict) else {}
    # a job without its own before_script runs `default: before_script:` (or the old top-level one) first
    default = doc.get("default") if isinstance(doc.get("default"), ci_yaml.YMap) else None
    inherited = (default, "before_script") if default is not None and "before_script" in default else \
        (doc, "before_script") if "before_script" in doc else None
    runs: list[Run] = []
    for name, job in doc.items():
        if not isinstance(name, str) or name in RESERVED or name.startswith(".") or not isinstance(job, ci_yaml.YMap):
            continue
        job = _extended(doc, job, 0)
        runs += _job(name, job, doc.line_of(name), workflow, notes, inherited)
    return CiFile(path, "gitlab-ci", runs=tuple(runs), notes=tuple(notes))


def _extended(doc: ci_yaml.YMap, job: ci_yaml.YMap, depth: int) -> ci_yaml.YMap:
    """The job with the keys of the templates it `extends:` (its own keys win)."""
    parents = job.get("extends")
    if not parents or depth > 10:
        return job
    merged = ci_yaml.YMap()
    merged.line, merged.lines = job.line, {}
    for parent in [parents] if isinstance(parents, str) else parents if isinstance(parents, list) else []:
        base = doc.get(str(parent))
        if isinstance(base, ci_yaml.YMap):
            base = _extended(doc, base, depth + 1)
            merged.update(base)
            merged.lines.update(base.lines)
    merged.update(job)
    merged.lines.update(job.lines)
    return merged


def _decide(rules: Any, kind: str, default: str = "on_success") -> tuple[str | None, int, tuple[str, ...] | None]:
    """The `when:` the first matching rule gives a pipeline of ``kind`` (None: no rule matches, the job is not
    added); a rule whose `if:` cannot be decided is taken as matching (its `when:` decides, strictly)."""
    source, variables = _EVENTS[kind]
    variables = {"CI_PIPELINE_SOURCE": source, **variables}
    for i, rule in enumerate(rules if isinstance(rules, list) else []):
        if not isinstance(rule, dict):
            continue
        verdict = cond.gitlab(rule.get("if"), variables)
        if verdict is False:
            continue
        when = str(rule.get("when", default))
        if default in ("never", "manual") and when not in ("never", "manual"):
            when = default  # the job's own when: manual/never holds whatever a rule says (strictly)
        line = rules.lines[i] if isinstance(rules, ci_yaml.YList) else 0
        if verdict is None and when not in ("never", "manual"):
            return f"undecided: if: {rule.get('if')}", line, None
        return when, line, _changes(rule.get("changes"))
    return None, getattr(rules, "line", 0), None


def _changes(value: Any) -> tuple[str, ...] | None:
    """A rule's `changes:` patterns (it matches only when a changed file matches one), None without it."""
    if isinstance(value, dict):
        value = value.get("paths")
    if value is None:
        return None
    return tuple(str(v) for v in value) if isinstance(value, list) else (str(value),)


def _job(name: str, job: ci_yaml.YMap, line: int, workflow: dict[str, Any], notes: list[tuple[int, str]],
         inherited: tuple[ci_yaml.YMap, str] | None = None) -> list[Run]:
    triggers: list[Trigger] = []
    dropped: list[tuple[str, str]] = []
    job_when = str(job.get("when", "on_success"))
    for kind in (PULL_REQUEST, MERGE, MANUAL, SCHEDULE):
        if "rules" in workflow:
            wf_when, wf_line, _ = _decide(workflow["rules"], kind)
            if wf_when is None or wf_when == "never" or wf_when.startswith("undecided"):
                dropped.append((kind, f"workflow: rules do not run {kind} pipelines (line {wf_line})"))
                continue
        changes = None
        if "rules" in job:
            when, at, changes = _decide(job["rules"], kind, job_when)
            if when is None:
                continue
            if when.startswith("undecided"):
                dropped.append((kind, f"job {name}: rule {when[len('undecided: '):]} cannot be decided from the file (line {at})"))
                continue
        else:
            when, at = job_when, job.line_of("when", line)
            if not _only_except(job, kind):
                continue
        if when == "never":
            dropped.append((kind, f"job {name}: when: never on {kind} pipelines (line {at})"))
        elif when == "manual":
            if kind == MANUAL:
                triggers.append(Trigger(MANUAL, "manual job", at))
            else:
                dropped.append((kind, f"job {name}: when: manual (line {at}): it runs only when someone starts it"))
                triggers.append(Trigger(MANUAL, "manual job", at))
        else:
            triggers.append(Trigger(kind, f"{kind} pipeline", at, paths=changes))
    triggers = list({(t.kind, t.event): t for t in triggers}.values())
    cannot = ""
    failure = job.get("allow_failure")
    if failure is True or isinstance(failure, dict):
        cannot = f"job {name}: allow_failure: {failure} (line {job.line_of('allow_failure')}): its failure does not fail the pipeline"
    chunks: list[tuple[str, int]] = []
    if "before_script" not in job and inherited is not None:
        owner, key = inherited
        chunks += _lines(owner.get(key), owner.line_of(key, line))
    for key in ("before_script", "script"):
        chunks += _lines(job.get(key), job.line_of(key, line))
    runs = script_runs(chunks, line, name, ".", errexit=True, pipefail=True, cannot_fail=cannot) if chunks else []
    if "trigger" in job:
        notes.append((job.line_of("trigger"), f"job {name} triggers another pipeline: its jobs are not read"))
    dropped = list(dict.fromkeys(dropped))
    return [Run(r.kind, r.line, r.text, r.job, r.paths, r.stacks, r.reason, tuple(triggers), tuple(dropped)) for r in runs]


def _only_except(job: ci_yaml.YMap, kind: str) -> bool:
    """Whether `only:`/`except:` (refs) let a pipeline of ``kind`` run the job (default: branches and tags)."""
    def refs(value: Any) -> list[str] | None:
        if value is None:
            return None
        if isinstance(value, dict):
            value = value.get("refs")
            if value is None:
                return []
        return [str(v) for v in value] if isinstance(value, list) else [str(value)]

    only, exc = refs(job.get("only")), refs(job.get("except"))
    allowed = {MERGE} if only is None else {k for r in only for k in _ONLY_REFS.get(r, ())}
    if only == [] and job.get("only") is not None:
        allowed = {MERGE}
    denied = {k for r in (exc or []) for k in _ONLY_REFS.get(r, ())}
    return kind in allowed and kind not in denied


def _lines(value: Any, line: int) -> list[tuple[str, int]]:
    """A `script:` (a string or a list, nested lists flattened) as (command, line) chunks."""
    if isinstance(value, str):
        return [(value, ci_yaml.line_of(value, line))]
    if isinstance(value, list):
        out: list[tuple[str, int]] = []
        for i, item in enumerate(value):
            at = value.lines[i] if isinstance(value, ci_yaml.YList) else line
            out += _lines(item, at)
        return out
    return []


def read_codebuild(text: str, path: str) -> CiFile:
    doc, failed = _load(text, path, "codebuild")
    if failed:
        return failed
    notes = [(1, "what starts a CodeBuild build (pull-request webhooks, pushes) is configured outside the "
                 "repository: a buildspec never shows that the check gates pull requests or merges")]
    phases = doc.get("phases")
    runs: list[Run] = []
    if not isinstance(phases, ci_yaml.YMap):
        notes.append((doc.line_of("phases", 1), "no phases mapping"))
        return CiFile(path, "codebuild", notes=tuple(notes))
    for phase, body in phases.items():
        if not isinstance(body, ci_yaml.YMap):
            continue
        cannot = ""
        if str(body.get("on-failure", "ABORT")).upper().startswith("CONTINUE"):
            cannot = f"phase {phase}: on-failure: CONTINUE (line {body.line_of('on-failure')}): its failure does not fail the build"
        for key in ("commands", "finally"):
            why = cannot or (f"phase {phase}: finally: commands (line {body.line_of(key)}) run after the build's "
                             "verdict" if key == "finally" else "")
            for command, at in _lines(body.get(key), body.line_of(key)):
                runs += script_runs(command, at, f"phase {phase}", ".", errexit=False, cannot_fail=why)
    return CiFile(path, "codebuild", runs=tuple(runs), notes=tuple(notes))
