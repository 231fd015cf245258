"""GitHub Actions expressions (``${{ … }}`` and ``if:``), evaluated as the runner evaluates them.

Written from GitHub's documentation of the expression language ("Evaluate expressions in
workflows and actions"): literals (null, booleans, numbers, single-quoted strings with ''
for a quote), property dereference (``a.b``, ``a['b']``; a missing property is null),
``!`` ``<`` ``<=`` ``>`` ``>=`` ``==`` ``!=`` ``&&`` ``||`` with JavaScript-like results
(``a && b`` is ``a`` when ``a`` is falsy, else ``b``), loose equality (values of different
types are compared as numbers; strings compare ignoring case), and the functions an action
uses: contains, startsWith, endsWith, format, join, toJSON, fromJSON and the status checks
success, always, failure, cancelled. Context names and property names are case-insensitive.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any, Callable

TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<num>0x[0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<str>'(?:[^']|'')*')
  | (?P<op>==|!=|<=|>=|&&|\|\||[!<>()\[\].,*])
  | (?P<id>[A-Za-z_][A-Za-z0-9_-]*)
""", re.X)

STATUS_FUNCTIONS = ("success", "always", "failure", "cancelled")


class ExpressionError(ValueError):
    pass


@dataclass
class Tok:
    kind: str
    value: Any


def tokenize(text: str) -> list[Tok]:
    out, pos = [], 0
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if not m:
            raise ExpressionError(f"unexpected {text[pos:pos + 10]!r} in {text!r}")
        pos = m.end()
        kind = m.lastgroup
        if kind == "ws":
            continue
        raw = m.group()
        if kind == "num":
            out.append(Tok("lit", float(int(raw, 16)) if raw.startswith("0x") else float(raw)))
        elif kind == "str":
            out.append(Tok("lit", raw[1:-1].replace("''", "'")))
        elif kind == "id" and raw in ("true", "false", "null", "NaN", "Infinity"):
            out.append(Tok("lit", {"true": True, "false": False, "null": None, "NaN": math.nan,
                                   "Infinity": math.inf}[raw]))
        else:
            out.append(Tok(kind, raw))
    out.append(Tok("end", None))
    return out


def to_number(v: Any) -> float:
    if v is None:
        return 0.0
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str):
        s = v.strip()
        if not s:
            return 0.0
        try:
            return float(int(s, 16)) if s.lower().startswith("0x") else float(s)
        except ValueError:
            return math.nan
    return math.nan


def truthy(v: Any) -> bool:
    if v is None or v is False:
        return False
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return not (v == 0 or math.isnan(v))
    if isinstance(v, str):
        return v != ""
    return True


def to_string(v: Any) -> str:
    if v is None:
        return ""
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, float):
        if math.isnan(v):
            return "NaN"
        if math.isinf(v):
            return "Infinity" if v > 0 else "-Infinity"
        return str(int(v)) if v.is_integer() else repr(v)
    if isinstance(v, (dict, list)):
        return json.dumps(v, indent=2)
    return str(v)


def equal(a: Any, b: Any) -> bool:
    if isinstance(a, (dict, list)) or isinstance(b, (dict, list)):
        return a is b
    if type(a) is type(b) or (isinstance(a, (int, float)) and isinstance(b, (int, float))
                              and not isinstance(a, bool) and not isinstance(b, bool)):
        if isinstance(a, str):
            return a.casefold() == b.casefold()
        if isinstance(a, float) and math.isnan(a):
            return False
        return a == b
    x, y = to_number(a), to_number(b)
    return not (math.isnan(x) or math.isnan(y)) and x == y


def compare(a: Any, b: Any, op: str) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        x, y = a.casefold(), b.casefold()
    else:
        x, y = to_number(a), to_number(b)
        if math.isnan(x) or math.isnan(y):
            return False
    return {"<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y}[op]


def index(obj: Any, key: Any) -> Any:
    if isinstance(obj, dict):
        k = to_string(key).casefold()
        for name, value in obj.items():
            if name.casefold() == k:
                return value
        return None
    if isinstance(obj, list):
        n = to_number(key)
        return obj[int(n)] if not math.isnan(n) and n.is_integer() and 0 <= n < len(obj) else None
    return None


def _format(fmt: Any, *args: Any) -> str:
    text, out, i = to_string(fmt), [], 0
    while i < len(text):
        c = text[i]
        if c == "{" and text.startswith("{{", i):
            out.append("{")
            i += 2
        elif c == "}" and text.startswith("}}", i):
            out.append("}")
            i += 2
        elif c == "{":
            end = text.index("}", i)
            out.append(to_string(args[int(text[i + 1:end])]))
            i = end + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _contains(search: Any, item: Any) -> bool:
    if isinstance(search, list):
        return any(equal(x, item) for x in search)
    return to_string(item).casefold() in to_string(search).casefold()


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "contains": _contains,
    "startswith": lambda s, v: to_string(s).casefold().startswith(to_string(v).casefold()),
    "endswith": lambda s, v: to_string(s).casefold().endswith(to_string(v).casefold()),
    "format": _format,
    "join": lambda a, sep=",": to_string(sep).join(to_string(x) for x in a) if isinstance(a, list) else to_string(a),
    "tojson": lambda v: json.dumps(v, indent=2),
    "fromjson": lambda v: json.loads(to_string(v)),
}


class Parser:
    def __init__(self, text: str, contexts: dict[str, Any], status: dict[str, bool]):
        self.toks = tokenize(text)
        self.i = 0
        self.contexts = {k.casefold(): v for k, v in contexts.items()}
        self.status = status
        self.text = text

    def peek(self) -> Tok:
        return self.toks[self.i]

    def take(self, value: str | None = None) -> Tok:
        tok = self.toks[self.i]
        if value is not None and tok.value != value:
            raise ExpressionError(f"expected {value!r} in {self.text!r}, got {tok.value!r}")
        self.i += 1
        return tok

    def parse(self) -> Any:
        v = self.or_()
        if self.peek().kind != "end":
            raise ExpressionError(f"trailing {self.peek().value!r} in {self.text!r}")
        return v

    def or_(self) -> Any:
        v = self.and_()
        while self.peek().value == "||":
            self.take()
            rhs = self.and_()
            v = v if truthy(v) else rhs
        return v

    def and_(self) -> Any:
        v = self.eq()
        while self.peek().value == "&&":
            self.take()
            rhs = self.eq()
            v = rhs if truthy(v) else v
        return v

    def eq(self) -> Any:
        v = self.rel()
        while self.peek().value in ("==", "!="):
            op = self.take().value
            rhs = self.rel()
            v = equal(v, rhs) if op == "==" else not equal(v, rhs)
        return v

    def rel(self) -> Any:
        v = self.unary()
        while self.peek().value in ("<", "<=", ">", ">="):
            op = self.take().value
            v = compare(v, self.unary(), op)
        return v

    def unary(self) -> Any:
        if self.peek().value == "!":
            self.take()
            return not truthy(self.unary())
        return self.postfix()

    def postfix(self) -> Any:
        v = self.primary()
        while True:
            tok = self.peek()
            if tok.value == ".":
                self.take()
                name = self.take()
                if name.value == "*":
                    v = list(v.values()) if isinstance(v, dict) else (v if isinstance(v, list) else [])
                else:
                    v = index(v, name.value)
            elif tok.value == "[":
                self.take()
                key = self.or_()
                self.take("]")
                v = index(v, key)
            else:
                return v

    def primary(self) -> Any:
        tok = self.take()
        if tok.kind == "lit":
            return tok.value
        if tok.value == "(":
            v = self.or_()
            self.take(")")
            return v
        if tok.kind == "id":
            name = tok.value.casefold()
            if self.peek().value == "(":
                self.take()
                args = []
                while self.peek().value != ")":
                    args.append(self.or_())
                    if self.peek().value == ",":
                        self.take()
                self.take(")")
                if name in STATUS_FUNCTIONS:
                    return self.status[name]
                if name not in FUNCTIONS:
                    raise ExpressionError(f"unknown function {tok.value}() in {self.text!r}")
                return FUNCTIONS[name](*args)
            if name not in self.contexts:
                raise ExpressionError(f"unknown context {tok.value!r} in {self.text!r}")
            return self.contexts[name]
        raise ExpressionError(f"unexpected {tok.value!r} in {self.text!r}")


def evaluate(text: str, contexts: dict[str, Any], status: dict[str, bool] | None = None) -> Any:
    """The value of one expression (no ``${{ }}``)."""
    return Parser(text, contexts, status or {"success": True, "always": True, "failure": False,
                                             "cancelled": False}).parse()


TEMPLATE = re.compile(r"\$\{\{(.*?)\}\}", re.S)


def interpolate(text: Any, contexts: dict[str, Any]) -> Any:
    """A ``with:``/``env:`` value: each ``${{ expr }}`` replaced by the expression's value as a string."""
    if not isinstance(text, str):
        return text
    return TEMPLATE.sub(lambda m: to_string(evaluate(m.group(1).strip(), contexts)), text)


def condition(text: Any, contexts: dict[str, Any], status: dict[str, bool]) -> bool:
    """An ``if:``: with or without ``${{ }}``; without a status function it means ``success() && (…)``."""
    if text is None:
        text = "success()"
    if isinstance(text, bool):
        return text and status["success"]
    expr = str(text).strip()
    m = re.fullmatch(r"\$\{\{(.*)\}\}", expr, re.S)
    if m:
        expr = m.group(1).strip()
    if not re.search(r"\b(" + "|".join(STATUS_FUNCTIONS) + r")\s*\(", expr, re.I):
        expr = f"success() && ({expr})"
    return truthy(evaluate(expr, contexts, status))
