"""Plain scalars: what YAML 1.2 (the core schema, as specs are read) makes of them, and where
YAML 1.1 tools (PyYAML, many CI systems) would read them differently."""

from __future__ import annotations

import re
from typing import Any

# YAML 1.2 core schema (https://yaml.org/spec/1.2.2/#1032-tag-resolution).
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT10 = re.compile(r"^[-+]?[0-9]+$")
_INT8 = re.compile(r"^0o[0-7]+$")
_INT16 = re.compile(r"^0x[0-9a-fA-F]+$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_INF = re.compile(r"^[-+]?\.(?:inf|Inf|INF)$")
_NAN = re.compile(r"^\.(?:nan|NaN|NAN)$")

# Plain scalars that YAML 1.1 tools (PyYAML, many CI systems) read differently.
_BOOL11 = (re.compile(r"^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$"), "a boolean")
_OCTAL11 = (re.compile(r"^[-+]?0[0-9_]+$"), "an octal number")
_EXPONENT11 = (re.compile(r"^[-+]?(?:[0-9][0-9_]*)?\.?[0-9_]*[eE][-+]?[0-9]+$"), "a string (no exponent floats in YAML 1.1)")
_TRAPS: list[tuple[re.Pattern[str], str]] = [
    _BOOL11,
    _OCTAL11,
    (re.compile(r"^[-+]?0b[01_]+$"), "a binary number"),
    (re.compile(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$"), "a base-60 number"),
    _EXPONENT11,
    (re.compile(r"^[-+]?[0-9][0-9_]*_[0-9_]*(?:\.[0-9_]*)?$"), "a number with _ separators"),
    (re.compile(r"^=$"), "the YAML 1.1 value key"),
]

_TRAP_START = frozenset("yYnNoO-+0123456789.eE_=")
"""Every text a _TRAPS pattern matches starts with one of these: most scalars skip the patterns."""
_SPECIAL_START = frozenset("~nNtTfF-+.0123456789")
"""Every YAML 1.2 core-schema null, boolean, integer and float starts with one of these (or is empty)."""
SPECIAL_START = _SPECIAL_START | _TRAP_START
"""A plain scalar starting with none of these is a string that YAML 1.1 reads alike: resolve_plain returns
it and yaml11_meaning returns None."""
# Of the patterns, only these can match a text starting with a letter (or ~):
_BOOL11_START = frozenset("yYnNoO")  # _BOOL11 alone among the traps
_EXPONENT11_START = frozenset("eE")  # _EXPONENT11 alone among the traps
_NULL_START = frozenset("~nN")  # _NULL alone among the core-schema forms
_BOOL_START = frozenset("tTfF")  # the _BOOL words alone among the core-schema forms


def _ascii_digits(text: str) -> bool:
    """Whether ``text`` is one or more of 0-9 (str.isdigit alone also takes ² and other scripts' digits)."""
    return text.isdigit() and text.isascii()


def yaml11_meaning(text: str) -> str | None:
    """What a YAML 1.1 reader makes of plain scalar ``text`` when it differs from YAML 1.2 ("a boolean"…), else None."""
    if not text or text[0] not in _TRAP_START:
        return None
    first = text[0]
    if first in _BOOL11_START:
        pattern, meaning = _BOOL11
        return meaning if pattern.match(text) else None
    if first in _EXPONENT11_START:
        pattern, meaning = _EXPONENT11
        return meaning if pattern.match(text) else None
    if _ascii_digits(text):  # of the patterns only _OCTAL11 matches digits alone: a 0 and at least one more
        return _OCTAL11[1] if first == "0" and len(text) > 1 else None
    for pattern, meaning in _TRAPS:
        if pattern.match(text):
            return meaning
    return None


def resolve_plain(text: str) -> Any:
    """Resolve a plain scalar with the YAML 1.2 core schema."""
    if text:
        first = text[0]
        if first not in _SPECIAL_START:
            return text
        if first in _BOOL_START:
            return _BOOL.get(text, text)
        if first in _NULL_START:
            return None if _NULL.match(text) else text
        if _ascii_digits(text):
            return int(text, 10)
    if _NULL.match(text):
        return None
    if text in _BOOL:
        return _BOOL[text]
    if _INT10.match(text):
        return int(text, 10)
    if _INT8.match(text):
        return int(text[2:], 8)
    if _INT16.match(text):
        return int(text[2:], 16)
    if _FLOAT.match(text):
        return float(text)
    if _INF.match(text):
        return float("-inf") if text.startswith("-") else float("inf")
    if _NAN.match(text):
        return float("nan")
    return text
