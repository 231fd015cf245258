"""Conditions of CI jobs, decided for one triggering event where the file alone can tell: GitHub Actions ``if:``
expressions and GitLab ``rules: - if:`` clauses.

Three answers: True, False, or None (unknown: the condition depends on something only the run knows, such as the
actor or a variable set in the project's settings). The maturity checks credit a job only when its condition is
True for the event; unknown is never credited.
"""

from __future__ import annotations

import re
from typing import Any, Callable

UNKNOWN: Any = object()
"""A value only the run knows."""


class _Default:
    """The repository's default branch: equal to itself, to `main` and to `master`."""

    def __eq__(self, other: object) -> bool:
        return other is self or other in ("main", "master", "refs/heads/main", "refs/heads/master")

    def __hash__(self) -> int:
        return 0


DEFAULT_BRANCH = _Default()
PR_REF = "refs/pull/"  # github.ref on pull-request events starts with this

_TOKEN = re.compile(r"""\s*(?:(?P<str>'(?:[^']|'')*'|"(?:[^"\\]|\\.)*")|(?P<regex>/(?:[^/\\]|\\.)*/[a-z]*)|"""
                    r"""(?P<op>==|!=|=~|!~|&&|\|\||<=|>=|[!()<>,\[\]])|(?P<word>[$A-Za-z0-9_.\-*{}]+))""")


def github(expression: Any, context: dict[str, Any]) -> bool | None:
    """Decide a GitHub Actions ``if:`` (with or without ``${{ }}``) for ``context`` (``github.*`` values)."""
    if isinstance(expression, bool):
        return expression
    if expression is None:
        return True
    if isinstance(expression, (int, float)):
        return bool(expression)
    text = str(expression).strip()
    m = re.fullmatch(r"\$\{\{(.*)\}\}", text, re.S)
    if m and "${{" not in m.group(1):
        text = m.group(1).strip()
    elif "${{" in text:
        return None  # a string with an embedded expression: always a non-empty string, but not what was meant
    funcs = {"always": True, "success": True, "failure": False, "cancelled": False}
    return _truth(_Parser(text, lambda name: _github_value(name, context), funcs, fold=True).parse())


def gitlab(expression: Any, variables: dict[str, Any]) -> bool | None:
    """Decide a GitLab ``rules: if:`` clause for ``variables`` (CI_* values; absent ones are unknown)."""
    if expression is None:
        return True
    return _truth(_Parser(str(expression), lambda name: _gitlab_value(name, variables), {}, fold=False).parse())


def _github_value(name: str, context: dict[str, Any]) -> Any:
    lowered = name.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered == "null":
        return None
    if re.fullmatch(r"-?[0-9]+(?:\.[0-9]+)?", name):
        return float(name)
    return context.get(lowered, UNKNOWN)


def _gitlab_value(name: str, variables: dict[str, Any]) -> Any:
    if name.startswith("$"):
        key = name[1:].strip("{}")
        return variables.get(key, UNKNOWN)
    if name == "null":
        return None
    return UNKNOWN


def _truth(value: Any) -> bool | None:
    if value is UNKNOWN:
        return None
    if isinstance(value, _Default):
        return True
    return bool(value)


class _Parser:
    """``or := and ('||' and)*``, ``and := not ('&&' not)*``, ``not := '!' not | cmp``,
    ``cmp := atom (op atom)?``, ``atom := '(' or ')' | string | regex | name | name '(' args ')'``."""

    def __init__(self, text: str, value: Callable[[str], Any], funcs: dict[str, bool], fold: bool) -> None:
        self.tokens: list[tuple[str, str]] = []
        pos = 0
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if not m or m.end() == pos:
                if text[pos:].strip():
                    self.tokens = [("bad", text[pos:])]
                break
            kind = m.lastgroup or "bad"
            self.tokens.append((kind, m.group(kind)))
            pos = m.end()
        self.i = 0
        self.value = value
        self.funcs = funcs
        self.fold = fold  # GitHub compares strings case-insensitively

    def parse(self) -> Any:
        if any(kind == "bad" for kind, _ in self.tokens) or not self.tokens:
            return UNKNOWN
        try:
            result = self._or()
        except (IndexError, ValueError, RecursionError):
            return UNKNOWN
        return result if self.i == len(self.tokens) else UNKNOWN

    def _peek(self) -> str:
        return self.tokens[self.i][1] if self.i < len(self.tokens) else ""

    def _or(self) -> Any:
        left = self._and()
        while self._peek() == "||":
            self.i += 1
            right = self._and()
            a, b = _truth(left), _truth(right)
            left = True if (a or b) else (UNKNOWN if a is None or b is None else False)
        return left

    def _and(self) -> Any:
        left = self._not()
        while self._peek() == "&&":
            self.i += 1
            right = self._not()
            a, b = _truth(left), _truth(right)
            left = False if (a is False or b is False) else (UNKNOWN if a is None or b is None else True)
        return left

    def _not(self) -> Any:
        if self._peek() == "!":
            self.i += 1
            inner = _truth(self._not())
            return UNKNOWN if inner is None else not inner
        return self._cmp()

    def _cmp(self) -> Any:
        left = self._atom()
        op = self._peek()
        if op in ("==", "!=", "=~", "!~", "<", ">", "<=", ">="):
            self.i += 1
            right = self._atom()
            if left is UNKNOWN or right is UNKNOWN:
                return UNKNOWN
            if op in ("==", "!="):
                same = _equal(left, right, self.fold)
                return same if same is UNKNOWN else (same if op == "==" else not same)
            if op in ("=~", "!~"):
                if not isinstance(left, str) or not isinstance(right, str) or not right.startswith("/"):
                    return UNKNOWN if left is not None else op == "!~"
                body, _, flags = right[1:].rpartition("/")
                try:
                    found = re.search(body, left, re.I if "i" in flags else 0) is not None
                except re.error:
                    return UNKNOWN
                return found if op == "=~" else not found
            return UNKNOWN
        return left

    def _atom(self) -> Any:
        kind, text = self.tokens[self.i]
        self.i += 1
        if text == "(":
            inner = self._or()
            if self._peek() != ")":
                raise ValueError("unclosed (")
            self.i += 1
            return inner
        if kind == "str":
            return text[1:-1].replace("''", "'") if text[0] == "'" else text[1:-1]
        if kind == "regex":
            return text
        if kind != "word":
            raise ValueError(f"unexpected {text}")
        if self._peek() == "(":  # a function call: its arguments are read and the answer is known for a few
            self.i += 1
            depth = 1
            while depth:
                tok = self.tokens[self.i][1]
                depth += tok == "("
                depth -= tok == ")"
                self.i += 1
            return self.funcs.get(text.lower(), UNKNOWN)
        return self.value(text)


def _equal(a: Any, b: Any, fold: bool) -> Any:
    if isinstance(a, _Default) or isinstance(b, _Default):
        return a == b if isinstance(a, _Default) else b == a
    if isinstance(a, str) and isinstance(b, str):
        if a == PR_REF or b == PR_REF:  # github.ref on a pull request: refs/pull/<n>/merge
            other = b if a == PR_REF else a
            return UNKNOWN if other.startswith(PR_REF) else False
        return a.lower() == b.lower() if fold else a == b
    return a == b
