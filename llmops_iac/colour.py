"""Colour on a terminal: when standard output (or error) gets it, and how a text report is painted.

When (https://no-color.org, https://force-color.org, clig.dev), first rule that applies:

1. ``NO_COLOR`` set to anything but the empty string: no colour, whatever else is set;
2. ``FORCE_COLOR`` set to ``0``, ``false``, ``no`` or ``off``: no colour;
3. ``FORCE_COLOR`` set to anything else non-empty: colour, even into a pipe or a file (CI logs that render it);
4. ``TERM=dumb``: no colour;
5. otherwise colour exactly when the stream is a terminal.

Only text meant for a person is painted: the text reports of validate, check, policy check, cost, diff, preflight,
verify and maturity, and the --quiet lines. JSON, SARIF, JUnit, markdown and GitHub annotations never are, and
neither is a file written with --output (files are rendered before painting and written as rendered).

How: ``paint(text, kind)`` wraps words the renderers already wrote (ok/FAIL, error/warning/note, diff marks) in
ANSI styles; it never adds, removes or reorders a character of the text, so the painted report with its escape
sequences removed is the plain report. Values echoed from inputs cannot inject escapes of their own (the
renderers escape control characters: llmops_iac.report.escape), so every escape in the output is one of these.
"""

from __future__ import annotations

import os
import re
from typing import Any, Callable

_OFF = ("0", "false", "no", "off")


def enabled(stream: Any) -> bool:
    """Whether text written to ``stream`` is coloured (the rules above)."""
    if os.environ.get("NO_COLOR", ""):
        return False
    force = os.environ.get("FORCE_COLOR", "")
    if force:
        return force.strip().lower() not in _OFF
    if os.environ.get("TERM", "") == "dumb":
        return False
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no stream, or a closed one
        return False


_CODES = {"red": 31, "green": 32, "yellow": 33, "blue": 34, "magenta": 35, "cyan": 36}


def style(text: str, colour: str, bold: bool = False, dim: bool = False) -> str:
    """``text`` in ``colour`` (bold or dim), reset after it."""
    codes = ([1] if bold else []) + ([2] if dim else []) + ([_CODES[colour]] if colour else [])
    return f"\x1b[{';'.join(map(str, codes))}m{text}\x1b[0m"


SEVERITY = {"error": ("red", True), "warning": ("yellow", False), "note": ("cyan", False), "waived": ("magenta", False)}
STATUS = {"FAIL": ("red", True), "ok": ("green", False), "PASS": ("green", False), "WARN": ("yellow", False),
          "SKIP": ("blue", False)}
DIFF = {"+": "green", "-": "red", "~": "yellow", "+-": "magenta", "$": "cyan"}


def _word(table: dict[str, tuple[str, bool]]) -> Callable[[re.Match[str]], str]:
    def sub(m: re.Match[str]) -> str:
        colour, bold = table[m.group("w")]
        return m.group("pre") + style(m.group("w"), colour, bold=bold)
    return sub


_SEVERITY_WORD = _word(SEVERITY)
_STATUS_WORD = _word(STATUS)

# (pattern, replacement) per kind of text, applied to each line in order; the patterns anchor where the renderers
# put the word, so a file name or message that happens to contain one is left alone.
_DIAGNOSTIC = (re.compile(r"^(?P<pre>\s*\S[^\n]*?:\d+(?::\d+)?: |\s*\S+: )(?P<w>error|warning|note)(?=\[)"),
               _SEVERITY_WORD)
_RULES: dict[str, list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]]] = {
    "report": [
        (re.compile(r"^(?P<pre>)(?P<w>FAIL|ok)(?= )"), _STATUS_WORD),
        (re.compile(r"^(?P<pre>  )(?P<w>error|warning|note|waived)(?=  )"), _SEVERITY_WORD),
        _DIAGNOSTIC,
    ],
    "quiet": [_DIAGNOSTIC],
    "cost": [
        _DIAGNOSTIC,
        (re.compile(r"(?P<pre>: )(?P<w>OVER BUDGET)"), lambda m: m.group("pre") + style(m.group("w"), "red", bold=True)),
    ],
    "checks": [(re.compile(r"^(?P<pre>)(?P<w>PASS|WARN|FAIL|SKIP)(?=  )"), _STATUS_WORD)],
    "diff": [(re.compile(r"^  (?P<w>\+-|\+|-|~|\$) .*$"), lambda m: style(m.group(0), DIFF[m.group("w")]))],
    "maturity": [(re.compile(r"(?<=\S)(?P<pre>  )(?P<w>ok|below target)(?=  |$)"),
                  lambda m: m.group("pre") + style(m.group("w"), "green" if m.group("w") == "ok" else "red"))],
}
KINDS = tuple(_RULES)


def paint(text: str, kind: str) -> str:
    """``text`` with the words of its ``kind`` (one of KINDS) coloured; the characters themselves unchanged."""
    rules = _RULES[kind]
    lines = text.split("\n")
    for i, line in enumerate(lines):
        for pattern, replace in rules:
            line = pattern.sub(replace, line, count=1)
        lines[i] = line
    return "\n".join(lines)


ANSI = re.compile(r"\x1b\[[0-9;]*m")


def strip(text: str) -> str:
    """``text`` without the styles ``paint`` adds."""
    return ANSI.sub("", text)
