"""Shell scripts of CI steps, read as a shell would run them: which commands run, and whether each one's failure
fails the step (the maturity stage's CI evidence, llmops_iac/maturity/ci_workflows.py).

A script is split on unquoted operators (newlines, ``;``, ``&``, ``&&``, ``||``, ``|``, parentheses); comments
and here-document bodies are dropped; each simple command is then split into words with :mod:`shlex`. A command
*can fail the step* when nothing swallows its exit status:

- it is not inside ``if``/``while``/``for``/``case``/``{ }``/``( )`` (a condition, a loop or a branch that may not
  run: not analysed, so not credited), nor after ``||`` (it runs only when something failed);
- no ``|| true`` / ``|| :`` / ``|| exit 0`` / ``|| <anything but exit 1 or false>`` follows it;
- it is the last command of its pipeline, or ``pipefail`` is on; it is not negated (``!``) or sent to the
  background (``&``);
- ``errexit`` is on where it runs (``set -e``; GitHub's bash and sh run with it, ``set +e`` turns it off), or
  it is the script's last command (its status is the step's);
- the script defines no shell functions, aliases or traps (any of which can change what a command does).

Words inside ``echo``/``printf`` strings, comments and here-documents are never commands.
"""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import dataclass

_WRAPPERS = {"env", "time", "command", "exec", "nohup"}
_RUNNERS = {("uv", "run"), ("poetry", "run"), ("pipx", "run"), ("pdm", "run"), ("hatch", "run")}
_OPEN = {"if", "while", "until", "for", "case", "select", "{"}
_CLOSE = {"fi", "done", "esac", "}"}
_LEAD = {"then", "do", "else", "elif"}
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_REDIRECT = re.compile(r"^(?:[0-9]*|&)(?:>>?|<<?<?|>&|<&|>\|)")
_PYTHON = re.compile(r"^python(?:3(?:\.[0-9]+)?)?$")


@dataclass(frozen=True)
class Command:
    """One simple command of a script: its words (wrappers and assignments removed), where it is, and whether
    its failure fails the step (``reason`` says why not)."""

    line: int
    argv: tuple[str, ...]
    text: str
    effective: bool
    reason: str = ""


@dataclass
class _Segment:
    text: str
    line: int
    op: str  # the operator after it: "&&", "||", "|", "|&", ";", "&", "\n", "(", ")", "" at the end


def commands(script: str | list[tuple[str, int]], first_line: int = 1, *, errexit: bool = True,
             pipefail: bool = False) -> list[Command]:
    """The simple commands of ``script`` (its first line is line ``first_line`` of its file), in order.

    ``script`` may also be a list of (text, first line) chunks run one after another in one shell (GitLab's
    ``script:`` items): each command keeps its own file line."""
    chunks = [(script, first_line)] if isinstance(script, str) else script
    lines: list[int] = []
    for text, start in chunks:
        lines += [start + j for j in range(text.count("\n") + 1)]
    segments, problem = _split("\n".join(text for text, _ in chunks), 0)
    for seg in segments:
        seg.line = lines[min(seg.line, len(lines) - 1)] if lines else first_line
    out: list[Command] = []
    statements = _statements(segments)
    unsafe = problem or _unsafe(segments)
    opened_by: list[str] = []  # the open if/while/for/case/{ and ( around the current command
    ended = ""  # why nothing after this point runs (an unconditional exit)
    last = len(statements) - 1
    for index, (_, chain, background) in enumerate(statements):
        # chain: list of (pipeline: list[_Segment], operator after it)
        for k, (pipeline, _after) in enumerate(chain):
            for p, seg in enumerate(pipeline):
                words = _words(seg.text)
                if words is None:
                    out.append(Command(seg.line, (), seg.text.strip(), False, "cannot be split into words"))
                    continue
                while words and words[0] in _LEAD:
                    words = words[1:]
                if words and words[0] in _CLOSE:
                    if opened_by:
                        opened_by.pop()
                    continue
                opened = bool(words) and words[0] in _OPEN
                if opened:
                    opened_by.append(words[0])
                if opened and words[0] in ("if", "while", "until", "{"):
                    words = words[1:]  # the command after the keyword is the condition (or the group's first)
                negated = bool(words) and words[0] == "!"
                argv = _argv(words[1:] if negated else words)
                reason = unsafe or ended or _why_not(len(opened_by), k, chain, p, pipeline, negated, background,
                                                     errexit, pipefail, index == last)
                if not opened_by and argv[:1] == ("exit",) and len(chain) == 1 and len(pipeline) == 1 and not background:
                    ended = f"after the exit at line {seg.line}: it never runs"
                if not opened_by and argv[:1] == ("set",):
                    errexit, pipefail = _set(argv[1:], errexit, pipefail)
                if words or argv:
                    out.append(Command(seg.line, argv, seg.text.strip(), not reason, reason))
                if seg.op == "(":
                    opened_by.append("(")
                elif seg.op == ")" and opened_by and opened_by[-1] != "case":  # `pattern)` inside case closes nothing
                    opened_by.pop()
    return out


def _why_not(depth: int, k: int, chain: list, p: int, pipeline: list, negated: bool, background: bool,
             errexit: bool, pipefail: bool, last_statement: bool) -> str:
    if depth:
        return "inside a shell if/while/for/case block or subshell: it may not run, and its failure may not fail the step"
    if background:
        return "runs in the background (&): its exit status is never waited for"
    if negated:
        return "negated with !: its failure is a success"
    if p < len(pipeline) - 1 and not pipefail:
        return "piped into another command without pipefail: the pipeline's status is the last command's"
    if any(op == "||" for _, op in chain[:k]):
        return "runs only after || (when an earlier command failed)"
    if k and not last_statement:
        return "runs after &&: when an earlier command fails it is skipped, and the script goes on"
    after = chain[k][1]
    if after == "||":
        rescue = _words(" ".join(s.text for s in chain[k + 1][0])) if k + 1 < len(chain) else []
        if not (rescue and (rescue == ["false"] or (rescue[0] == "exit" and rescue[1:] != ["0"]))):
            shown = " ".join(rescue or ["…"])
            return f"followed by || {shown}: its failure is swallowed"
    if after == "&&" and not last_statement:
        return "followed by &&: with errexit the shell does not stop when it fails, and commands follow"
    if not errexit and not last_statement:
        return "errexit is off (set +e) and commands follow: its failure does not fail the step"
    return ""


def _unsafe(segments: list[_Segment]) -> str:
    for i, seg in enumerate(segments):
        words = _words(seg.text) or []
        if words[:1] == ["function"] or (seg.op == "(" and i + 1 < len(segments) and segments[i + 1].op == ")"
                                         and words and len(words) == 1):
            return f"the script defines a shell function (line {seg.line}): what a command runs cannot be told"
        if words[:1] in (["trap"], ["alias"]):
            return f"the script sets a {words[0]} (line {seg.line}): what a command's failure does cannot be told"
        head = list(words)
        while head and (head[0] in _LEADING or _ASSIGNMENT.match(head[0])):
            head = head[1:]
        if not head:
            continue
        if head[0] in _OPAQUE:
            return (f"the script runs `{head[0]}` (line {seg.line}): what it runs, or whether later commands run, "
                    "cannot be told")
        if head[0] == "exec" and _argv(head[1:]) and tool_args(_argv(head)) is None:
            return f"`exec` at line {seg.line} replaces the shell with another program: nothing after it runs"
        previous = segments[i - 1].op if i else ""
        if head[0] in ("exit", "return", "logout") and previous != "||" and (head is not words or previous in ("&&", "|")):
            return (f"an `{head[0]}` inside a condition or a chain (line {seg.line}): whether later commands run "
                    "cannot be told")
    return ""


_OPAQUE = {"eval", "builtin", "source", ".", "enable", "shopt"}
"""Commands that run text the reader cannot see, or change what later commands mean."""
_LEADING = {"then", "do", "else", "elif", "{", "!", "if", "while", "until", "time"}


def _set(args: list[str] | tuple[str, ...], errexit: bool, pipefail: bool) -> tuple[bool, bool]:
    args = list(args)
    i = 0
    while i < len(args):
        a = args[i]
        if a in ("-o", "+o") and i + 1 < len(args):
            if args[i + 1] == "errexit":
                errexit = a == "-o"
            elif args[i + 1] == "pipefail":
                pipefail = a == "-o"
            i += 2
            continue
        if re.match(r"^[-+][a-zA-Z]+$", a):
            on = a[0] == "-"
            if "e" in a:
                errexit = on
            if "o" in a and i + 1 < len(args):
                if args[i + 1] == "pipefail":
                    pipefail = on
                elif args[i + 1] == "errexit":
                    errexit = on
                i += 1
        i += 1
    return errexit, pipefail


def _words(text: str) -> list[str] | None:
    try:
        return shlex.split(text, comments=False, posix=True)
    except ValueError:
        return None


def _argv(words: list[str]) -> tuple[str, ...]:
    """The command's words without redirections, leading VAR=value assignments and wrappers (env, time, uv run…)."""
    out: list[str] = []
    skip = False
    for w in words:
        if skip:
            skip = False
            continue
        m = _REDIRECT.match(w)
        if m:
            skip = m.end() == len(w)  # `> file`: the target is the next word
            continue
        out.append(w)
    changed = True
    while out and changed:
        changed = False
        while out and _ASSIGNMENT.match(out[0]):
            out, changed = out[1:], True
        if out and os.path.basename(out[0]) in _WRAPPERS:
            out, changed = out[1:], True
            while out and out[0].startswith("-"):
                out = out[1:]
        if len(out) >= 2 and (os.path.basename(out[0]), out[1]) in _RUNNERS:
            out, changed = out[2:], True
    return tuple(out)


def tool_args(argv: tuple[str, ...]) -> tuple[str, ...] | None:
    """The arguments after `llmops-iac` (any path to it, or `python -m llmops_iac`), or None for another program."""
    if not argv:
        return None
    name = os.path.basename(argv[0])
    if name == "llmops-iac":
        # the installed console script: on PATH, or in a bin/ directory (.venv/bin, ~/.local/bin); a file of that
        # name elsewhere in the repository (./tools/llmops-iac) can be anything
        parent = os.path.dirname(argv[0])
        return argv[1:] if not parent or os.path.basename(parent) == "bin" else None
    if _PYTHON.match(name) and len(argv) >= 3 and argv[1] == "-m" and argv[2] == "llmops_iac":
        return argv[3:]
    return None


# ---- splitting a script into segments ------------------------------------------------------------------------------

def _split(script: str, first_line: int) -> tuple[list[_Segment], str]:
    """Split ``script`` on unquoted operators; drop comments and here-document bodies."""
    segments: list[_Segment] = []
    buf: list[str] = []
    start_line = first_line
    line = first_line
    quote = ""
    subst = 0  # depth of $( ... ) and backquotes: their operators belong to the word
    heredocs: list[str] = []
    i, n = 0, len(script)

    def emit(op: str) -> None:
        nonlocal buf, started
        started = False
        text = "".join(buf)
        if text.strip() or op in ("(", ")"):
            segments.append(_Segment(text, start_line, op))
        elif segments and op and not segments[-1].op.strip():
            segments[-1].op = op
        buf = []

    started = False  # whether the current segment has a non-blank character yet (its line is where it starts)
    while i < n:
        ch = script[i]
        if not started:
            if ch.isspace() and not quote:
                start_line = line + (ch == "\n")
            else:
                start_line, started = line, True
        if quote:
            buf.append(ch)
            if ch == "\\" and quote == '"' and i + 1 < n:
                buf.append(script[i + 1])
                line += script[i + 1] == "\n"
                i += 2
                continue
            if ch == "\n":
                line += 1
            if ch == quote:
                quote = ""
            i += 1
            continue
        if ch == "\\" and i + 1 < n:
            if script[i + 1] == "\n":  # line continuation
                line += 1
                i += 2
                continue
            buf.append(script[i:i + 2])
            i += 2
            continue
        if ch in "'\"":
            quote = ch
            buf.append(ch)
            i += 1
            continue
        if ch == "`":
            subst = 1 - subst if subst <= 1 else subst
            buf.append(ch)
            i += 1
            continue
        if script.startswith("$(", i):
            subst += 1
            buf.append("$(")
            i += 2
            continue
        if subst:
            if ch == ")":
                subst -= 1
            if ch == "\n":
                line += 1
            buf.append(ch)
            i += 1
            continue
        if ch == "#" and (not buf or buf[-1][-1:].isspace() or buf[-1][-1:] in ";&|()"):
            while i < n and script[i] != "\n":
                i += 1
            continue
        if script.startswith("<<", i) and not script.startswith("<<<", i):
            m = re.match(r"<<(-?)\s*(['\"]?)([^\s'\";&|<>()]+)\2", script[i:])
            if m:
                heredocs.append(m.group(3))
                buf.append(script[i:i + m.end()])
                i += m.end()
                continue
        if ch == "\n":
            emit("\n")
            line += 1
            i += 1
            if heredocs:
                i, line = _skip_heredocs(script, i, line, heredocs)
                heredocs = []
            continue
        two = script[i:i + 2]
        if two in ("&&", "||", "|&", ";;"):
            emit(two if two != ";;" else ";")
            i += 2
            continue
        if two in (">&", "<&", "&>"):
            buf.append(two)
            i += 2
            continue
        if ch in ";&|()":
            emit(ch)
            i += 1
            continue
        buf.append(ch)
        i += 1
    emit("")
    problem = "an unclosed quote or command substitution: the script cannot be read" if quote or subst else ""
    return segments, problem


def _skip_heredocs(script: str, i: int, line: int, delimiters: list[str]) -> tuple[int, int]:
    for delimiter in delimiters:
        while i < len(script):
            end = script.find("\n", i)
            end = len(script) if end < 0 else end
            body = script[i:end]
            i, line = end + 1, line + 1
            if body.strip() == delimiter:
                break
    return i, line


def _statements(segments: list[_Segment]) -> list[tuple[int, list[tuple[list[_Segment], str]], bool]]:
    """Group segments into statements: (0, and-or chain of (pipeline, operator after it), sent to background)."""
    out: list[tuple[int, list[tuple[list[_Segment], str]], bool]] = []
    chain: list[tuple[list[_Segment], str]] = []
    pipeline: list[_Segment] = []
    for seg in segments:
        pipeline.append(seg)
        if seg.op in ("|", "|&"):
            continue
        if seg.op in ("&&", "||"):
            chain.append((pipeline, seg.op))
            pipeline = []
            continue
        chain.append((pipeline, ""))
        out.append((0, chain, seg.op == "&"))
        chain, pipeline = [], []
    if pipeline:
        chain.append((pipeline, ""))
    if chain:
        out.append((0, chain, False))
    return out
