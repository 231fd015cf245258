"""Run a composite action's steps the way the GitHub Actions runner runs them, for tests.

Each ``run:`` step with ``shell: bash`` is written to a file under RUNNER_TEMP and run as
``bash --noprofile --norc -eo pipefail FILE`` (the runner's own invocation for bash: a
command that fails ends the step, and so does a failure anywhere in a pipeline). Before
that, ``${{ }}`` expressions in ``env:``, ``with:`` and ``working-directory`` are evaluated
(tests/action/expressions.py) against the ``inputs`` (the caller's ``with:`` over the
defaults), ``github`` (with ``event`` read from a pull_request payload written to
GITHUB_EVENT_PATH), ``steps`` (outputs, outcome, conclusion), ``runner`` and ``env`` contexts,
and ``if:`` conditions are judged with the status functions (a step that failed without
``continue-on-error`` makes ``success()`` false for the rest).

Each step gets fresh GITHUB_OUTPUT, GITHUB_ENV, GITHUB_PATH, GITHUB_STATE and
GITHUB_STEP_SUMMARY files; afterwards ``name=value`` and ``name<<DELIMITER`` lines become the
step's outputs or the environment of later steps, GITHUB_PATH lines go in front of PATH, and
the summaries are concatenated into the job summary. Composite steps do not get INPUT_*
variables (only JavaScript and Docker actions do), so neither do these.

``uses:`` steps run a stand-in given by the test (keyed by the action without its version):
``stand_in(with_, step_env) -> (outcome, outputs)``; every call is recorded. An action
without a stand-in is an error, never skipped silently.
"""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import yaml

from tests.action import expressions as ex

BASH = ["bash", "--noprofile", "--norc", "-eo", "pipefail"]
"""The runner's command for `shell: bash` (its {0} is the script file)."""
BASE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

StandIn = Callable[[dict[str, str], "StepEnv"], tuple[str, dict[str, str]]]


@dataclass
class StepEnv:
    """What a stand-in sees: the step's environment and a way to add to PATH (as core.addPath does)."""

    env: dict[str, str]
    workspace: Path
    added_path: list[str] = field(default_factory=list)

    def add_path(self, directory: str | Path) -> None:
        self.added_path.append(str(directory))


@dataclass
class StepRun:
    name: str
    id: str | None
    kind: str  # run | uses | skipped
    outcome: str = "skipped"  # success | failure | skipped
    conclusion: str = "skipped"
    returncode: int | None = None
    stdout: str = ""
    stderr: str = ""
    outputs: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    with_: dict[str, str] = field(default_factory=dict)
    argv: list[str] = field(default_factory=list)
    cwd: str = ""


@dataclass
class JobRun:
    steps: list[StepRun]
    outputs: dict[str, str]
    summary: str
    failed: bool

    def step(self, key: str) -> StepRun:
        found = [s for s in self.steps if key in (s.id, s.name)]
        assert found, f"no step {key!r}: {[s.id or s.name for s in self.steps]}"
        return found[0]

    @property
    def log(self) -> str:
        return "\n".join(f"--- {s.name} [{s.outcome}] rc={s.returncode}\n{s.stdout}{s.stderr}" for s in self.steps)


def parse_file_command(text: str) -> dict[str, str]:
    """``name=value`` and ``name<<DELIMITER`` … ``DELIMITER`` lines (GITHUB_OUTPUT, GITHUB_ENV)."""
    out: dict[str, str] = {}
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line.strip():
            continue
        eq, heredoc = line.find("="), line.find("<<")
        if heredoc > 0 and (eq < 0 or heredoc < eq):
            name, delimiter = line[:heredoc], line[heredoc + 2:]
            value = []
            while i < len(lines) and lines[i] != delimiter:
                value.append(lines[i])
                i += 1
            if i >= len(lines):
                raise ValueError(f"file command {name}: no closing {delimiter!r}")
            i += 1
            out[name] = "\n".join(value)
        elif eq > 0:
            out[line[:eq]] = line[eq + 1:]
        else:
            raise ValueError(f"invalid file command line {line!r}")
    return out


class CompositeRunner:
    """Runs one composite action (its action.yml) in a workspace, for one event."""

    def __init__(self, action_file: Path, workspace: Path, temp: Path, *, event_name: str = "pull_request",
                 event: dict[str, Any] | None = None, stand_ins: dict[str, StandIn] | None = None,
                 github: dict[str, Any] | None = None, home: Path | None = None, base_env: dict[str, str] | None = None):
        self.action_file = action_file
        self.action = yaml.safe_load(action_file.read_text(encoding="utf-8"))
        self.workspace = workspace
        self.temp = temp
        self.event_name = event_name
        self.event = event or {}
        self.stand_ins = stand_ins or {}
        self.calls: list[tuple[str, dict[str, str]]] = []
        self.home = home or temp / "home"
        self.extra_github = github or {}
        self.base_env = base_env or {}

    def _github(self, event_path: Path) -> dict[str, Any]:
        pr = self.event.get("pull_request") or {}
        ctx = {
            "event_name": self.event_name, "event": self.event, "event_path": str(event_path),
            "workspace": str(self.workspace), "action_path": str(self.action_file.parent),
            "repository": (self.event.get("repository") or {}).get("full_name", "acme/app"),
            "sha": "0" * 40, "ref": f"refs/pull/{pr.get('number', 0)}/merge" if pr else "refs/heads/main",
            "base_ref": (pr.get("base") or {}).get("ref", ""), "head_ref": (pr.get("head") or {}).get("ref", ""),
            "server_url": "https://github.com", "api_url": "https://api.github.com", "run_id": "1",
            "action": "__run", "token": "",
        }
        ctx.update(self.extra_github)
        return ctx

    def run(self, inputs: dict[str, str] | None = None) -> JobRun:
        self.temp.mkdir(parents=True, exist_ok=True)
        self.home.mkdir(parents=True, exist_ok=True)
        event_path = self.temp / "_github_workflow" / "event.json"
        event_path.parent.mkdir(parents=True, exist_ok=True)
        event_path.write_text(json.dumps(self.event), encoding="utf-8")
        declared = self.action.get("inputs") or {}
        unknown = set(inputs or {}) - set(declared)
        assert not unknown, f"inputs the action does not declare: {sorted(unknown)}"
        values = {name: str(spec.get("default", "")) for name, spec in declared.items()}
        values.update(inputs or {})
        github = self._github(event_path)
        runner = {"os": "Linux", "arch": "X64", "temp": str(self.temp), "tool_cache": str(self.temp / "_tool")}
        job_env = {
            "PATH": BASE_PATH, "HOME": str(self.home), "LANG": "C.UTF-8", "CI": "true", "GITHUB_ACTIONS": "true",
            "GITHUB_WORKSPACE": str(self.workspace), "GITHUB_EVENT_NAME": self.event_name,
            "GITHUB_EVENT_PATH": str(event_path), "GITHUB_REPOSITORY": github["repository"], "GITHUB_SHA": github["sha"],
            "GITHUB_REF": github["ref"], "GITHUB_BASE_REF": github["base_ref"], "GITHUB_HEAD_REF": github["head_ref"],
            "GITHUB_SERVER_URL": github["server_url"], "GITHUB_API_URL": github["api_url"], "GITHUB_RUN_ID": "1",
            "GITHUB_ACTION_PATH": github["action_path"], "RUNNER_OS": "Linux", "RUNNER_ARCH": "X64",
            "RUNNER_TEMP": str(self.temp), "RUNNER_TOOL_CACHE": runner["tool_cache"],
        }
        job_env.update(self.base_env)
        added_env: dict[str, str] = {}
        path_prefix: list[str] = []
        steps_ctx: dict[str, Any] = {}
        results: list[StepRun] = []
        summary: list[str] = []
        failed = False
        for index, step in enumerate(self.action["runs"]["steps"]):
            name = step.get("name") or step.get("uses") or f"step {index}"
            sid = step.get("id")
            env_ctx = {**job_env, **added_env}
            contexts = {"inputs": values, "github": github, "steps": steps_ctx, "runner": runner, "env": env_ctx}
            status = {"success": not failed, "always": True, "failure": failed, "cancelled": False}
            result = StepRun(name=name, id=sid, kind="run" if "run" in step else "uses")
            if not ex.condition(step.get("if"), contexts, status):
                result.kind = "skipped"
                results.append(result)
                if sid:
                    steps_ctx[sid] = {"outputs": {}, "outcome": "skipped", "conclusion": "skipped"}
                continue
            step_env = {k: ex.interpolate(v, contexts) for k, v in (step.get("env") or {}).items()}
            files = {n: self.temp / "_runner_file_commands" / f"{n.lower()}_{uuid.uuid4().hex}"
                     for n in ("GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_PATH", "GITHUB_STATE", "GITHUB_STEP_SUMMARY")}
            for f in files.values():
                f.parent.mkdir(parents=True, exist_ok=True)
                f.write_text("")
            env = {**job_env, **added_env, **{k: str(v) for k, v in step_env.items()}, **{k: str(v) for k, v in files.items()}}
            env["PATH"] = os.pathsep.join([*reversed(path_prefix), job_env["PATH"]])
            result.env = env
            if "run" in step:
                shell = step.get("shell")
                assert shell == "bash", f"{name}: only `shell: bash` is emulated (got {shell!r})"
                cwd = self.workspace / ex.interpolate(step.get("working-directory") or ".", contexts)
                script = self.temp / f"{uuid.uuid4()}.sh"
                script.write_text(step["run"], encoding="utf-8")
                result.argv = [*BASH, str(script)]
                result.cwd = str(cwd)
                proc = subprocess.run(result.argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
                result.returncode, result.stdout, result.stderr = proc.returncode, proc.stdout, proc.stderr
                outcome = "success" if proc.returncode == 0 else "failure"
            else:
                action = step["uses"].split("@")[0]
                assert action in self.stand_ins, f"{name}: no stand-in for {step['uses']}"
                result.with_ = {k: ex.interpolate(v, contexts) for k, v in (step.get("with") or {}).items()}
                self.calls.append((action, result.with_))
                step_io = StepEnv(env, self.workspace)
                outcome, outputs = self.stand_ins[action](result.with_, step_io)
                with open(files["GITHUB_OUTPUT"], "a", encoding="utf-8") as fh:
                    fh.writelines(f"{k}={v}\n" for k, v in outputs.items())
                with open(files["GITHUB_PATH"], "a", encoding="utf-8") as fh:
                    fh.writelines(f"{p}\n" for p in step_io.added_path)
            result.outputs = parse_file_command(files["GITHUB_OUTPUT"].read_text(encoding="utf-8"))
            added_env.update(parse_file_command(files["GITHUB_ENV"].read_text(encoding="utf-8")))
            path_prefix += [p for p in files["GITHUB_PATH"].read_text(encoding="utf-8").splitlines() if p.strip()]
            summary.append(files["GITHUB_STEP_SUMMARY"].read_text(encoding="utf-8"))
            result.outcome = outcome
            result.conclusion = "success" if outcome == "success" or step.get("continue-on-error") is True else "failure"
            if result.conclusion == "failure":
                failed = True
            if sid:
                steps_ctx[sid] = {"outputs": result.outputs, "outcome": result.outcome, "conclusion": result.conclusion}
            results.append(result)
        contexts = {"inputs": values, "github": github, "steps": steps_ctx, "runner": runner, "env": job_env}
        outputs = {name: ex.interpolate(spec.get("value", ""), contexts)
                   for name, spec in (self.action.get("outputs") or {}).items()}
        return JobRun(results, outputs, "".join(summary), failed)
