"""Property tests: no input makes the loader or the CLI crash or hang.

(a) YAML-ish text built from YAML tokens goes through ``load.parse``: it returns
    (data, source map) or raises SpecError, nothing else.
(b) Valid specs (the minimal spec and every examples/*.yaml), structurally
    mutated and written with yaml.safe_dump, go through ``validate``: exit code
    0 or 2, never 3, never a traceback.
(c) Every example has a deadline, so a slow path fails the test; explicit
    worst-case inputs must finish within a wall-clock limit.

Hypothesis runs derandomized with no example database, so CI sees the same
examples on every run.
"""

from __future__ import annotations

import copy
import datetime
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from llmops_iac.cli import cli
from llmops_iac.errors import SpecError
from llmops_iac.spec.load import SourceMap, parse

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SCHEMA = json.loads((ROOT / "schemas" / "llmapp.schema.json").read_text(encoding="utf-8"))
MINIMAL = {"apiVersion": "llmops-iac/v1", "kind": "LLMApplication", "metadata": {"name": "x"}}

FUZZ = settings(derandomize=True, database=None, deadline=datetime.timedelta(seconds=5), print_blob=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.filter_too_much])


def _schema_words() -> tuple[list[str], list[str]]:
    """Every property name and every string enum/const value in the spec schema."""
    keys: set[str] = set()
    values: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for k, v in node.get("properties", {}).items():
                keys.add(k)
                walk(v)
            for e in node.get("enum", []):
                if isinstance(e, str):
                    values.add(e)
            if isinstance(node.get("const"), str):
                values.add(node["const"])
            for k, v in node.items():
                if k != "properties":
                    walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(SCHEMA)
    return sorted(keys), sorted(values)


SCHEMA_KEYS, SCHEMA_VALUES = _schema_words()

# -- (a) random YAML-ish text through the loader -------------------------------------------------------------------

_TOKENS = [
    ":", ": ", "-", "- ", "  ", "    ", "\n", "\n  ", "\n    ", "\t", "\r\n", "---", "\n---\n", "...", "#", " # c\n",
    "{", "}", "[", "]", ",", "?", "? ", "|", ">", "|-", "\"", "'", "\"q\"", "'q'", "\"\\u00e9\\x41\"", "\\",
    "&a ", "*a", "&b ", "*b", " *a ", "&a [*a]", "<<: *a", "<<", "!", "!!str ", "!!int ", "!!float ", "!!bool ",
    "!!null ", "!!binary ", "!!python/object:os.system ", "!Ref ", "!Sub ", "%YAML 1.1\n", "%TAG ! tag:x,2000:\n",
    "~", "null", "true", "false", "yes", "no", "on", "off", "y", "N", "0755", "0o17", "0x1F", "0b101", "1_000",
    "12:30", "1:20:30", "1e3", ".5", "-0", "+1", ".inf", "-.inf", ".nan", "=", "@", "`", "%", "2026-02-30",
    "é", "☃", "😀", "\u2028", "\u0085", "\ufeff", "\u200b", "ß", "日本語", "\x7f",
    # huge numbers, each fenced with whitespace so tokens never join into one >4300-digit integer
    # (that crash is held by tests/test_bad_inputs.py::test_huge_decimal_integer_is_an_input_error)
    " 1e400 ", " -1e400 ", " " + "9" * 400 + " ", " 0x" + "f" * 600 + " ", " " + "1" * 300 + ".5e-999 ",
    # deep nesting
    "[" * 70, "]" * 70, "{a: " * 70, "}" * 70, "- " * 70, "\n" + "".join("  " * i + "k:\n" for i in range(70)),
]

_token = st.one_of(
    st.sampled_from(_TOKENS),
    st.sampled_from(SCHEMA_KEYS),
    st.sampled_from(SCHEMA_VALUES),
    st.text(max_size=8),
)
yamlish = st.lists(_token, max_size=80).map("".join)


def _check_parse(text: str) -> None:
    try:
        result = parse(text, "fuzz.yaml")
    except SpecError as exc:
        assert exc.diagnostics, "SpecError without diagnostics"
        for d in exc.diagnostics:
            assert d.file == "fuzz.yaml"
            assert d.code and d.message and d.hint, d
            assert d.line >= 0 and d.col >= 0, d
        return
    data, source = result
    assert isinstance(source, SourceMap)
    assert data is None or isinstance(data, (dict, list, str, int, float, bool))


@settings(FUZZ, max_examples=400)
@given(yamlish)
def test_parse_returns_data_or_raises_spec_error(text: str):
    _check_parse(text)


@settings(FUZZ, max_examples=150)
@given(st.lists(st.sampled_from(SCHEMA_KEYS), min_size=1, max_size=12), st.data())
def test_parse_survives_indented_key_soup(keys: list[str], data):
    """Block-structured text: schema keys at random indentation with random YAML-ish values."""
    lines = []
    for key in keys:
        indent = data.draw(st.integers(0, 8), label="indent")
        value = data.draw(st.one_of(st.just(""), st.sampled_from(_TOKENS), st.sampled_from(SCHEMA_VALUES)), label="value")
        dash = data.draw(st.sampled_from(["", "- "]), label="dash")
        lines.append(" " * indent + dash + key + ":" + (" " + value if value else ""))
    _check_parse("\n".join(lines) + "\n")


@pytest.mark.parametrize("text", [
    "", "\n", "#", "---", "...", "\ufeff", "&a", "*a", "[" * 100_000, "{" * 100_000, "- " * 10_000 + "x",
    "a: " + "'" * 5, "? ", ": ", "!!", "%YAML 1.1", "\x00", "\x01: 1", "a: !!float 1e400", "a: &a [*a]",
])
def test_parse_edge_cases(text: str):
    _check_parse(text)


# -- (b) structural mutations of valid specs through the CLI -------------------------------------------------------


def _seeds() -> list[tuple[str, Any]]:
    seeds: list[tuple[str, Any]] = [("minimal-dict", MINIMAL)]
    for path in sorted(EXAMPLES.glob("*.yaml")):
        seeds.append((path.name, yaml.safe_load(path.read_text(encoding="utf-8"))))
    return seeds


SEEDS = _seeds()

_scalar = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**15), 10**15), st.floats(), st.text(max_size=30),
    st.sampled_from(SCHEMA_VALUES),
    st.sampled_from(["no", "on", "yes", "off", "0755", "12:30", "1_000", "", " ", "@", "x" * 300,
                     "prod", "chat", "us-east-1", "2026-02-30", "2026-12-31", "support-system@1", "../x"]),
)
json_values = st.recursive(
    _scalar,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.one_of(st.sampled_from(SCHEMA_KEYS), st.text(max_size=12)), children, max_size=4),
    max_leaves=12,
)
_new_key = st.one_of(st.sampled_from(SCHEMA_KEYS), st.text(max_size=16),
                     st.sampled_from(["x-extra", "modelID", "Provider", "metdata", "specs", "", "<<", "~", "1"]))


def _locations(node: Any, out: list[tuple[Any, Any]] | None = None) -> list[tuple[Any, Any]]:
    """Every (container, key-or-index) in ``node``, depth first."""
    out = [] if out is None else out
    if isinstance(node, dict):
        for key in list(node):
            out.append((node, key))
            _locations(node[key], out)
    elif isinstance(node, list):
        for i in range(len(node)):
            out.append((node, i))
            _locations(node[i], out)
    return out


def _containers(node: Any, kind: type) -> list[Any]:
    found = [node] if isinstance(node, kind) else []
    for parent, key in _locations(node):
        if isinstance(parent[key], kind):
            found.append(parent[key])
    return found


MUTATIONS = ("delete", "rename", "replace", "duplicate", "insert")


def _mutate(doc: Any, kind: str, data) -> Any:
    """Apply one mutation of ``kind`` to ``doc`` (in place where possible); return the document."""
    if kind == "replace" and data.draw(st.integers(0, 20), label="replace-root") == 0:
        return data.draw(json_values, label="root")
    locations = _locations(doc)
    if kind in ("delete", "replace", "rename"):
        if kind == "rename":
            locations = [(p, k) for p, k in locations if isinstance(p, dict)]
        if not locations:
            return doc
        parent, key = locations[data.draw(st.integers(0, len(locations) - 1), label="where")]
        if kind == "delete":
            del parent[key]
        elif kind == "replace":
            parent[key] = data.draw(json_values, label="value")
        else:
            old = key
            new = data.draw(st.one_of(_new_key, st.sampled_from([old.upper(), old[:-1], old + "s", old.lower()])),
                            label="new-key")
            items = [(new if k == old else k, v) for k, v in parent.items()]
            parent.clear()
            parent.update(items)
        return doc
    if kind == "duplicate":
        lists = [lst for lst in _containers(doc, list) if lst]
        if not lists:
            return doc
        lst = lists[data.draw(st.integers(0, len(lists) - 1), label="which-list")]
        item = lst[data.draw(st.integers(0, len(lst) - 1), label="item")]
        lst.insert(data.draw(st.integers(0, len(lst)), label="at"), copy.deepcopy(item))
        return doc
    maps = _containers(doc, dict)
    if not maps:
        return doc
    target = maps[data.draw(st.integers(0, len(maps) - 1), label="which-map")]
    target[data.draw(_new_key, label="unknown-key")] = data.draw(json_values, label="value")
    return doc


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    """A directory laid out like examples/ (its prompts and datasets), where mutated specs are written."""
    d = tmp_path_factory.mktemp("mutations")
    for sub in ("prompts", "evaluation"):
        if (EXAMPLES / sub).is_dir():
            shutil.copytree(EXAMPLES / sub, d / sub)
    return d


def _validate(path: Path):
    result = CliRunner().invoke(cli, ["validate", str(path), "--format", "json"])
    assert "Traceback" not in result.output, result.output
    assert "internal error" not in result.output, result.output
    assert result.exit_code in (0, 2), f"exit {result.exit_code}: {result.output[-2000:]}"
    if result.exception is not None:
        assert isinstance(result.exception, SystemExit), repr(result.exception)
    report = json.loads(result.stdout)
    assert report["ok"] == (result.exit_code == 0)
    for f in report["files"]:
        for d in f["diagnostics"]:
            assert d["code"] and d["message"], d
            assert d["hint"].strip(), f"no hint: {d}"
            assert isinstance(d["line"], int) and d["line"] >= 0, d
    return result


@pytest.mark.parametrize("name, seed", SEEDS, ids=[name for name, _ in SEEDS])
def test_seeds_round_trip_as_valid(name: str, seed: Any, workdir: Path):
    """The unmutated seeds, dumped by yaml.safe_dump, are valid: mutations start from a valid spec."""
    path = workdir / f"seed-{name}"
    path.write_text(yaml.safe_dump(seed, sort_keys=False, allow_unicode=True), encoding="utf-8")
    result = _validate(path)
    assert result.exit_code == 0, result.stdout


@settings(FUZZ, max_examples=200)
@given(st.sampled_from(range(len(SEEDS))), st.lists(st.sampled_from(MUTATIONS), min_size=1, max_size=3), st.data())
def test_mutated_specs_exit_0_or_2(workdir: Path, seed_index: int, kinds: list[str], data):
    doc = copy.deepcopy(SEEDS[seed_index][1])
    for kind in kinds:
        doc = _mutate(doc, kind, data)
    text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=data.draw(st.booleans(), label="unicode"))
    path = workdir / "mutated.yaml"
    path.write_text(text, encoding="utf-8")
    _validate(path)


@settings(FUZZ, max_examples=100)
@given(st.sampled_from(range(len(SEEDS))), st.data())
def test_mutated_specs_as_json_exit_0_or_2(workdir: Path, seed_index: int, data):
    """The same, written as JSON (the loader reads .json specs through the same path)."""
    doc = copy.deepcopy(SEEDS[seed_index][1])
    doc = _mutate(doc, data.draw(st.sampled_from(MUTATIONS), label="kind"), data)
    path = workdir / "mutated.json"
    path.write_text(json.dumps(doc, default=str, indent=data.draw(st.sampled_from([None, 2]), label="indent")),
                    encoding="utf-8")
    _validate(path)


# JSON's \uXXXX escapes (what json.dumps writes by default) must mean what the raw characters mean.
# Raw C0/C1 controls and U+FFFE/U+FFFF are left out: YAML forbids them unescaped, so only the escaped form loads.
_json_text = st.text(alphabet=st.characters(max_codepoint=0xFFFF, exclude_categories=("Cc", "Cs"),
                                            exclude_characters="\ufffe\uffff"), max_size=40)


@settings(FUZZ, max_examples=100)
@given(_json_text, _json_text)
def test_json_escaping_does_not_change_the_result(workdir: Path, description: str, owner: str):
    spec = {"apiVersion": "llmops-iac/v1", "kind": "LLMApplication",
            "metadata": {"name": "x", "description": description, "owner": owner}}
    results = []
    for ensure_ascii in (True, False):
        path = workdir / f"escaped-{ensure_ascii}.json"
        path.write_text(json.dumps(spec, ensure_ascii=ensure_ascii), encoding="utf-8")
        result = _validate(path)
        codes = [d["code"] for f in json.loads(result.stdout)["files"] for d in f["diagnostics"]]
        results.append((result.exit_code, codes))
    assert results[0] == results[1]


def test_json_surrogate_pair_escapes_are_read(workdir: Path):
    spec = {"apiVersion": "llmops-iac/v1", "kind": "LLMApplication",
            "metadata": {"name": "x", "description": "Support bot \U0001F600"}}
    path = workdir / "emoji.json"
    path.write_text(json.dumps(spec), encoding="utf-8")  # ensure_ascii=True: "\\ud83d\\ude00"
    assert "\\ud83d\\ude00" in path.read_text(encoding="utf-8")
    result = _validate(path)
    assert result.exit_code == 0, result.stdout


# -- (c) worst cases finish in bounded time -------------------------------------------------------------------------

WALL_CLOCK_LIMIT = 10.0  # seconds for one `validate` of a file under the 1 MiB cap


def _script() -> Path:
    path = Path(sys.executable).parent / "llmops-iac"
    if not path.exists():
        pytest.skip(f"console script not installed next to {sys.executable}")
    return path


def _run_bounded(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(_script()), "validate", str(path)], capture_output=True, text=True,
                          timeout=WALL_CLOCK_LIMIT)


@pytest.mark.parametrize("name, text", [
    ("deep-flow", "a: " + "[" * 500_000),
    ("deep-block", "".join("  " * i + "k:\n" for i in range(200))),
    ("alias-bomb", "a: &a [" + ", ".join(["x"] * 100) + "]\nb: [" + ", ".join(["*a"] * 5000) + "]\n"),
    ("many-keys", "".join(f"k{i}: {i}\n" for i in range(30_000))),
    ("long-string", "metadata:\n  description: \"" + "x" * 900_000 + "\"\n"),
])
def test_worst_case_inputs_finish_quickly(tmp_path: Path, name: str, text: str):
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    proc = _run_bounded(path)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr


def test_many_small_aliases_in_a_large_file_finish_quickly(tmp_path: Path):
    path = tmp_path / "aliases.yaml"
    path.write_text("x: [" + ",".join(["1"] * 100_000) + "]\na: &a [1]\nb: [" + ", ".join(["*a"] * 1000) + "]\n",
                    encoding="utf-8")
    assert path.stat().st_size < 1024 * 1024
    proc = _run_bounded(path)
    assert proc.returncode == 2
