"""Control characters in echoed values, made visible: a value can't forge a report line or drive the terminal.

Text output quotes file names, messages, waiver reasons and other values that come from the input.
A line feed there would start a line of its own ("ok    examples/x.yaml"), and an ANSI escape
(``\\x1b[2J``) would clear the screen of whoever reads the report. ``controls`` writes each control
character as its escape (``\\n``, ``\\x1b``, ``\\u2028``); it adds no control character and leaves
backslashes alone, so text already escaped (a ``repr`` in a message) is not escaped twice.
"""

from __future__ import annotations

import re

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escaped(ch: str) -> str:
    return _NAMED.get(ch) or (f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")


def controls(text: str, keep: str = "") -> str:
    """``text`` with every control character (C0, DEL, C1, U+2028/2029) but those in ``keep`` escaped."""
    if _CONTROL.search(text) is None:
        return text
    return _CONTROL.sub(lambda m: m.group() if m.group() in keep else _escaped(m.group()), text)
