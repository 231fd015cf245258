"""What a CI pipeline file shows the maturity checks: each place it runs `llmops-iac check` or `pulumi up`, on which
triggers, from which file line, and whether that run can fail its job (llmops_iac/maturity/ci_github.py and
ci_gitlab.py read the files; ci_shell.py reads their scripts)."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field

from llmops_iac.maturity import ci_shell

PULL_REQUEST, MERGE, MANUAL, SCHEDULE, OTHER = "pull request", "merge", "manual", "schedule", "other"
"""Trigger kinds: a pull/merge request (or merge queue), a push to the default branch, a manual run, a schedule."""

CHECK_VALUE_OPTIONS = {"--format", "--output", "--stack", "--stacks-dir", "--fail-level", "--policy-dir", "--engine",
                       "--opa-url", "--profile", "-j", "--jobs", "--cache", "--base"}
CHECK_FLAGS = {"-q", "--quiet", "--timings"}
FAIL_LEVELS = ("error", "warning", "note")
"""`llmops-iac check`'s options (llmops_iac/cli.py): a run with another option stops with a usage error (exit 2)."""


@dataclass(frozen=True)
class Trigger:
    """An event that starts a job: its kind, the event as the file names it, where, and its path filters."""

    kind: str
    event: str
    line: int
    paths: tuple[str, ...] | None = None  # GitHub `paths:` (may hold !negations); None: no filter
    paths_ignore: tuple[str, ...] = ()

    def covers(self, path: str) -> bool:
        """Whether a change to ``path`` (repository-relative) starts this trigger."""
        if any(glob_match(p, path) for p in self.paths_ignore):
            return False
        if self.paths is None:
            return True
        hit = False
        for pattern in self.paths:
            if pattern.startswith("!"):
                if glob_match(pattern[1:], path):
                    hit = False
            elif glob_match(pattern, path):
                hit = True
        return hit


@dataclass(frozen=True)
class Run:
    """One `llmops-iac check` (or the Action) or `pulumi up` in a pipeline.

    ``paths`` (check) are repository-relative, ``stacks`` (deploy) are stack names; None when the file cannot
    tell (a variable, an unknown directory). ``reason`` says why the run cannot fail its job ("" when it can);
    ``triggers`` are the events on which the job and the step both run; ``dropped`` why other events don't count.
    """

    kind: str  # "check" | "deploy"
    line: int
    text: str
    job: str
    paths: tuple[str, ...] | None = None
    stacks: tuple[str, ...] | None = None  # deploy: the stacks it deploys; check: its --stack (None: without one)
    reason: str = ""
    triggers: tuple[Trigger, ...] = ()
    dropped: tuple[tuple[str, str], ...] = ()  # (trigger kind, why the run does not happen on it)


@dataclass(frozen=True)
class CiFile:
    """One CI pipeline definition: its runs of the check and of deployments, and notes (line, why) on what could
    not be read or is not evidence."""

    path: str
    system: str
    runs: tuple[Run, ...] = ()
    notes: tuple[tuple[int, str], ...] = field(default=())

    def of(self, kind: str) -> tuple[Run, ...]:
        return tuple(r for r in self.runs if r.kind == kind)


def glob_match(pattern: str, path: str) -> bool:
    """GitHub/GitLab path filter glob: ``*`` within a segment, ``**`` across segments, ``?`` one character."""
    pattern = pattern.lstrip("/")
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            if pattern.startswith("/", i):
                out[-1] = "(?:.*/)?"
                i += 1
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.fullmatch("".join(out), path) is not None


def covers(target: str, spec: str) -> bool:
    """Whether `llmops-iac check TARGET` (repository-relative) reads the spec: the file, a directory above it,
    or a glob matching it."""
    if target in (".", ""):
        return True
    if any(c in target for c in "*?["):
        return glob_match(target, spec)
    return spec == target or spec.startswith(target.rstrip("/") + "/")


def join(cwd: str | None, path: str) -> str | None:
    """``path`` as seen from directory ``cwd`` (repository-relative), or None when it cannot be told."""
    if cwd is None or "$" in path or path.startswith("~"):
        return None
    if path.startswith("/"):
        return None  # an absolute path on the runner: which checkout it is in cannot be told
    joined = posixpath.normpath(posixpath.join(cwd, path))
    return None if joined.startswith("..") else ("." if joined == "" else joined)


def check_paths(args: tuple[str, ...], cwd: str | None) -> tuple[tuple[str, ...] | None, str, tuple[str, ...] | None]:
    """The repository paths `llmops-iac check ARGS` (run in ``cwd``) judges, why it cannot fail the job ("" when
    it can: --help, an unknown option or a --fail-level outside error/warning/note never judges), and its --stack."""
    paths: list[str] = []
    stack: tuple[str, ...] | None = None
    i = 0
    while i < len(args):
        a = args[i]
        name, eq, value = a.partition("=")
        if a in ("-h", "--help", "--version"):
            return None, f"{a}: prints help and judges nothing", None
        if a.startswith("-") and a != "-":
            if name in CHECK_VALUE_OPTIONS:
                if not eq:
                    if i + 1 >= len(args):
                        return None, f"{name} has no value: the command stops with a usage error (exit 2)", None
                    value = args[i + 1]
                    i += 1
                if name == "--fail-level" and value not in FAIL_LEVELS:
                    return None, (f"--fail-level {value}: not one of {', '.join(FAIL_LEVELS)}, so it never judges "
                                  "(usage error) or cannot be told"), None
                if name == "--stack":
                    stack = (value,)
                i += 1
                continue
            if a in CHECK_FLAGS:
                i += 1
                continue
            return None, f"unknown option {name}: the command stops with a usage error (exit 2)", None
        if a == "-":
            return None, "reads a spec from standard input, not the repository's file", None
        paths.append(a)
        i += 1
    resolved = [join(cwd, p) for p in (paths or ["."])]
    if any(p is None for p in resolved):
        return None, "", stack
    return tuple(p for p in resolved if p is not None), "", stack


def pulumi_stacks(args: tuple[str, ...], selected: str | None) -> tuple[str, ...] | None:
    """The stack `pulumi ARGS` (an `up`) deploys: --stack/-s, else the one `pulumi stack select` chose; None
    when it cannot be told (a variable, or no stack named)."""
    stack = selected
    for i, a in enumerate(args):
        if a in ("--stack", "-s") and i + 1 < len(args):
            stack = args[i + 1]
        elif a.startswith("--stack="):
            stack = a.split("=", 1)[1]
    if not stack or "$" in stack:
        return None
    return (stack.rsplit("/", 1)[-1],)  # org/project/stack: the stack's name


def _subcommand(args: tuple[str, ...]) -> tuple[str, ...]:
    """Pulumi's subcommand words, skipping global options (-C DIR, --cwd DIR, --stack X, ...)."""
    words: list[str] = []
    skip = False
    for a in args:
        if skip:
            skip = False
            continue
        if a in ("-C", "--cwd", "-s", "--stack"):
            skip = True
            continue
        if a.startswith("-"):
            continue
        words.append(a)
    return tuple(words)


def script_runs(script: str | list[tuple[str, int]], first_line: int, job: str, cwd: str | None, *,
                errexit: bool = True, pipefail: bool = False, cannot_fail: str = "") -> list[Run]:
    """The check and deploy runs of a shell script; ``cannot_fail`` is why none of them can fail the job
    (continue-on-error, allow_failure...), if any."""
    text = script if isinstance(script, str) else "\n".join(t for t, _ in script)
    if "llmops" not in text and "pulumi" not in text:
        return []  # nothing this looks for: the shell reading is skipped
    runs: list[Run] = []
    selected: str | None = None
    for cmd in ci_shell.commands(script, first_line, errexit=errexit, pipefail=pipefail):
        argv = cmd.argv
        if not argv:
            continue
        if argv[0] in ("cd", "pushd", "popd"):  # a directory change that may not happen leaves the directory unknown
            cwd = join(cwd, argv[1]) if cmd.effective and argv[0] == "cd" and len(argv) == 2 else None
            continue
        args = ci_shell.tool_args(argv)
        if args is not None and args[:1] == ("check",):
            paths, why, stack = check_paths(args[1:], cwd)
            runs.append(Run("check", cmd.line, cmd.text, job, paths=paths, stacks=stack,
                            reason=cannot_fail or cmd.reason or why))
            continue
        if argv[0].rsplit("/", 1)[-1] == "pulumi":
            words = _subcommand(argv[1:])
            if words[:2] == ("stack", "select") and len(words) >= 3:
                selected = words[2] if cmd.effective else None
            elif words[:1] == ("up",):
                runs.append(Run("deploy", cmd.line, cmd.text, job, stacks=pulumi_stacks(argv[1:], selected),
                                reason=cannot_fail or cmd.reason))
    return runs
