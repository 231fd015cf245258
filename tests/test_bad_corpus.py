"""The bad-input corpus, grown past 300 cases (issue 7): generated mutations, stack files, CLI arguments.

Four families, each asserted the same way -- exit 2, a location (file:line, or the flag's name for a
CLI argument), a non-empty fix, no traceback, no hang:

* hand-written specs in tests/fixtures/bad/ (run by tests/test_bad_inputs.py, counted here);
* GENERATED mutations of every example, computed from schemas/llmapp.schema.json: for each property
  path an example uses, a wrong-typed value, a bad enum value, a value out of range, an unknown key
  next to it and a required key removed. Each mutation knows its JSON pointer; the line it must be
  reported at is found independently of llmops_iac (PyYAML's composer on the dumped text) and is the
  line of the pointer's key or of its value;
* stack files in tests/fixtures/bad_stacks/<case>/ (a spec + stacks/Pulumi.<stack>.yaml);
* CLI arguments: a bad flag or value for every command.

In-process cases are timed (< 5 s each); console-script cases have a subprocess timeout.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml
from click.testing import CliRunner

from llmops_iac.cli import cli
from llmops_iac.spec.load import load

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
BAD = ROOT / "tests" / "fixtures" / "bad"
BAD_STACKS = ROOT / "tests" / "fixtures" / "bad_stacks"
SCHEMA = json.loads((ROOT / "schemas" / "llmapp.schema.json").read_text(encoding="utf-8"))
MIN_CORPUS = 300
CASE_SECONDS = 5.0
HEADER = re.compile(r"^# expect: code=(?P<code>[A-Za-z0-9-]+) line=(?P<line>[0-9]+)\s*$")

# -- schema walking ------------------------------------------------------------------------------------------------


def _deref(node: dict) -> dict:
    while "$ref" in node:
        target = SCHEMA
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def _matches(cond: dict, data: Any) -> bool:
    """Whether ``data`` satisfies an ``if`` schema (the const/enum/required subset the spec schema uses)."""
    if not isinstance(data, dict):
        return False
    if any(k not in data for k in cond.get("required", [])):
        return False
    for key, sub in cond.get("properties", {}).items():
        if key not in data:
            continue
        if "const" in sub and data[key] != sub["const"]:
            return False
        if "enum" in sub and data[key] not in sub["enum"]:
            return False
    return True


def _resolve(node: dict, data: Any) -> dict:
    """Flatten $ref and allOf/if/then into one schema node for ``data`` (properties merged)."""
    node = _deref(node)
    out = {k: v for k, v in node.items() if k != "allOf"}
    out["properties"] = dict(node.get("properties", {}))
    for part in node.get("allOf", []):
        part = _deref(part)
        branch = None
        if "if" in part:
            branch = part.get("then") if _matches(part["if"], data) else part.get("else")
        else:
            branch = part
        if branch:
            branch = _resolve(branch, data)
            for key, sub in branch.get("properties", {}).items():
                out["properties"][key] = {**out["properties"].get(key, {}), **sub}
            for key in ("additionalProperties", "required"):
                if key in branch:
                    out[key] = branch[key] if key != "required" else sorted(set(out.get("required", [])) | set(branch[key]))
    return out


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _walk(data: Any, node: dict, pointer: str, path: str = "") -> Iterator[tuple[str, str, Any, dict]]:
    """Yield (pointer, schema path, value, resolved schema) for every value the schema describes.

    The schema path names map entries ``*`` (``/spec/models/*/modelId``), so that one example's
    several models of one provider give one case per property, not one per model.
    """
    node = _resolve(node, data)
    yield pointer, path, data, node
    if isinstance(data, dict):
        for key, value in data.items():
            sub, step = node["properties"].get(key), key
            if sub is None and isinstance(node.get("additionalProperties"), dict):
                sub, step = node["additionalProperties"], "*"
            if sub is None:
                continue
            if step == "*" and isinstance(value, dict) and "provider" in value:
                step = f"*{value['provider']}"
            yield from _walk(value, sub, f"{pointer}/{_escape(key)}", f"{path}/{step}")
    elif isinstance(data, list) and isinstance(node.get("items"), dict) and data:
        yield from _walk(data[0], node["items"], f"{pointer}/0", f"{path}/0")


def _wrong_type(node: dict) -> Any:
    types = node.get("type")
    types = [types] if isinstance(types, str) else (types or [])
    for candidate in ([1234567], "not-a-list-or-object", ["wrong"], True, 12345):
        if not any(_is(candidate, t) for t in types):
            return candidate
    return None


def _is(value: Any, type_name: str) -> bool:
    return {"string": isinstance(value, str), "integer": isinstance(value, int) and not isinstance(value, bool),
            "number": isinstance(value, (int, float)) and not isinstance(value, bool),
            "boolean": isinstance(value, bool), "array": isinstance(value, list),
            "object": isinstance(value, dict), "null": value is None}[type_name]


def _set(doc: Any, pointer: str, value: Any) -> None:
    parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]
    target = doc
    for part in parts[:-1]:
        target = target[int(part)] if isinstance(target, list) else target[part]
    if isinstance(target, list):
        target[int(parts[-1])] = value
    elif value is _DELETE:
        del target[parts[-1]]
    else:
        target[parts[-1]] = value


_DELETE = object()


def _mutations(data: dict) -> Iterator[tuple[str, str, str, Any, str]]:
    """Yield (kind, schema path, pointer, value-or-_DELETE, reported pointer) for one example's data."""
    for pointer, path, value, node in _walk(data, SCHEMA, ""):
        if not pointer or pointer.startswith("/spec/environments"):
            continue
        wrong = _wrong_type(node)
        if wrong is not None and node.get("type"):
            yield "type", path, pointer, wrong, pointer
        if "enum" in node and all(isinstance(e, str) for e in node["enum"]):
            yield "enum", path, pointer, "not-a-valid-choice", pointer
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if "minimum" in node:
                yield "minimum", path, pointer, node["minimum"] - 1, pointer
            if "exclusiveMinimum" in node:
                yield "exclusiveMinimum", path, pointer, node["exclusiveMinimum"], pointer
            if "maximum" in node:
                yield "maximum", path, pointer, node["maximum"] + 1, pointer
        if isinstance(value, dict) and node.get("additionalProperties") is False and node["properties"]:
            yield "unknown-key", path, f"{pointer}/zzUnknownKey", "surprise", f"{pointer}/zzUnknownKey"
        if isinstance(value, dict) and pointer.count("/") > 1:
            for required in node.get("required", []):
                if required in value and "default" not in _deref(node["properties"].get(required, {})):
                    yield "missing-key", f"{path}/{required}", f"{pointer}/{_escape(required)}", _DELETE, pointer


def _lines(text: str, pointer: str) -> set[int]:
    """The 1-based lines of ``pointer``'s key and value in ``text``, found by PyYAML's composer (not llmops_iac)."""
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    lines = {node.start_mark.line + 1}
    for part in [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]:
        if isinstance(node, yaml.SequenceNode):
            node = node.value[int(part)]
            lines = {node.start_mark.line + 1}
        else:
            for key, value in node.value:
                if key.value == part:
                    node, lines = value, {key.start_mark.line + 1, value.start_mark.line + 1}
                    break
            else:
                raise KeyError(pointer)
    return lines


def _dump(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=4096, default_flow_style=False)


def generated_cases() -> list[tuple[str, str, str, str]]:
    """Every generated case: (id, example name, yaml text, reported pointer), deterministic."""
    out = []
    seen: set[tuple[str, str]] = set()  # one case per (kind, schema path) over all examples
    for example in sorted(EXAMPLES.glob("*.yaml"), key=lambda p: (p.name != "minimal.yaml", p.name)):
        base = load(str(example)).data
        for kind, path, pointer, value, reported in _mutations(base):
            if (kind, path) in seen:
                continue
            seen.add((kind, path))
            data = copy.deepcopy(base)
            _set(data, pointer, value)
            out.append((f"{example.stem}:{kind}:{pointer}", example.name, _dump(data), reported))
    return out


GENERATED = generated_cases()


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    """A copy of examples/ (prompt and dataset files included) to write the mutated specs into."""
    root = tmp_path_factory.mktemp("mutations")
    shutil.copytree(EXAMPLES, root / "examples")
    return root / "examples"


def _timed_validate(*args: str):
    start = time.monotonic()
    result = CliRunner().invoke(cli, ["validate", *args])
    elapsed = time.monotonic() - start
    assert elapsed < CASE_SECONDS, f"took {elapsed:.1f} s"
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output and "internal error" not in result.output, result.output
    return result


@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.glob("*.yaml")))
def test_an_unmutated_dumped_example_is_valid(workdir, example):
    """The mutations start from a clean baseline: the example, dumped the same way, validates."""
    path = workdir / f"baseline-{example}"
    path.write_text(_dump(load(str(EXAMPLES / example)).data), encoding="utf-8")
    result = _timed_validate(str(path))
    assert result.exit_code == 0, result.output


def _names(file_field: str, path: Path) -> bool:
    """Whether a diagnostic's ``file`` names ``path``: relative to the current directory, or (a temporary file,
    outside it and any repository) as its directory and name; never absolute (llmops_iac/shown_paths.py)."""
    return not file_field.startswith("/") and (Path(file_field).resolve() == path.resolve()
                                               or file_field == f"{path.parent.name}/{path.name}")


@pytest.mark.parametrize("case", GENERATED, ids=[c[0] for c in GENERATED])
def test_generated_mutation_is_rejected_at_its_pointer(workdir, case):
    case_id, _example, text, reported = case
    path = workdir / ("mut-" + re.sub(r"[^A-Za-z0-9]+", "-", case_id)[:150] + ".yaml")
    path.write_text(text, encoding="utf-8")
    lines = _lines(text, reported)
    result = _timed_validate(str(path), "--format", "json")
    assert result.exit_code == 2, f"exit {result.exit_code}\n{text}\n{result.output}"
    diagnostics = [d for f in json.loads(result.stdout)["files"] for d in f["diagnostics"]]
    found = [d for d in diagnostics if d["line"] in lines and d["severity"] == "error"]
    assert found, f"nothing at {reported} (lines {sorted(lines)}); got " + "; ".join(
        f"{d['code']}@{d['line']} {d['pointer']} {d['message']}" for d in diagnostics)
    assert all(_names(d["file"], path) for d in found), [d["file"] for d in found]
    assert all(d["hint"].strip() for d in found), found
    text_result = _timed_validate(str(path))
    assert text_result.exit_code == 2
    assert any(f":{line}:" in text_result.stdout for line in lines), text_result.stdout


def test_generated_mutations_cover_every_kind_and_example():
    kinds = {c[0].split(":")[1] for c in GENERATED}
    assert kinds >= {"type", "enum", "minimum", "unknown-key", "missing-key"}, kinds
    assert {c[1] for c in GENERATED} == {p.name for p in EXAMPLES.glob("*.yaml")}


# -- stack files -----------------------------------------------------------------------------------------------------

STACK_HEADER = re.compile(r"^# expect: code=(?P<code>[A-Za-z0-9-]+) line=(?P<line>[0-9]+) file=(?P<file>\S+) stack=(?P<stack>\S+)\s*$")


def stack_cases() -> list[Path]:
    """Every case directory in tests/fixtures/bad_stacks: spec.yaml, stacks/Pulumi.<stack>.yaml and an ``expect`` file."""
    return sorted(p for p in BAD_STACKS.iterdir() if p.is_dir())


@pytest.mark.parametrize("case", stack_cases(), ids=lambda p: p.name)
def test_bad_stack_file_is_rejected_at_its_line(case: Path, monkeypatch):
    m = STACK_HEADER.match((case / "expect").read_text(encoding="utf-8").splitlines()[0])
    assert m, f"{case.name}/expect: '# expect: code=C line=N file=F stack=S'"
    monkeypatch.chdir(case)
    result = _timed_validate("spec.yaml", "--stack", m["stack"], "--stacks-dir", "stacks", "--format", "json")
    assert result.exit_code == 2, result.output
    diagnostics = [d for f in json.loads(result.stdout)["files"] for d in f["diagnostics"]]
    found = [d for d in diagnostics if d["code"] == m["code"] and d["line"] == int(m["line"])
             and Path(d["file"]) == Path(m["file"])]
    assert found, f"no {m['code']} at {m['file']}:{m['line']}; got {diagnostics}"
    assert found[0]["hint"].strip()
    text = _timed_validate("spec.yaml", "--stack", m["stack"], "--stacks-dir", "stacks")
    assert text.exit_code == 2 and f"{m['file']}:{m['line']}:" in text.stdout, text.stdout


# -- CLI arguments ---------------------------------------------------------------------------------------------------

EX = "examples/support-assistant.yaml"
CLI_CASES = [
 # (id, argv, flag)
 ("no-command-args-unknown", ["--bogus"], "--bogus"),
 ("unknown-command", ["valdate", EX], "valdate"),
 ("validate-no-files", ["validate"], "FILES"),
 ("validate-bad-format", ["validate", EX, "--format", "yaml"], "--format"),
 ("validate-format-missing-value", ["validate", EX, "--format"], "--format"),
 ("validate-unknown-flag", ["validate", EX, "--strict"], "--strict"),
 ("validate-output-unknown-format", ["validate", EX, "--output", "pdf=out.pdf"], "--output"),
 ("validate-output-empty-path", ["validate", EX, "--output", "json="], "--output"),
 ("validate-output-missing-dir", ["validate", EX, "--output", "/nonexistent-dir/x/report.json"], "--output"),
 ("validate-output-is-a-directory", ["validate", EX, "--output", "examples"], "--output"),
 ("validate-output-under-a-file", ["validate", EX, "--output", "README.md/report.json"], "--output"),
 ("validate-stack-bad-name", ["validate", EX, "--stack", "prod/../../etc"], "--stack"),
 ("validate-stack-unknown", ["validate", EX, "--stack", "prdo"], "prdo"),
 ("validate-stacks-dir-is-a-file", ["validate", EX, "--stack", "prod", "--stacks-dir", "README.md"], "--stacks-dir"),
 ("check-bad-format", ["check", "examples", "--format", "xml"], "--format"),
 ("check-bad-fail-level", ["check", "examples", "--fail-level", "fatal"], "--fail-level"),
 ("check-bad-engine", ["check", "examples", "--engine", "cedar"], "--engine"),
 ("check-policy-dir-is-a-file", ["check", "examples", "--policy-dir", "README.md"], "--policy-dir"),
 ("check-policy-dir-missing", ["check", "examples", "--policy-dir", "/nonexistent-policies"], "--policy-dir"),
 ("check-unknown-profile", ["check", "examples", "--profile", "no-such-profile"], "--profile"),
 ("check-jobs-not-a-number", ["check", "examples", "--jobs", "many"], "--jobs"),
 ("check-output-missing-dir", ["check", "examples", "--output", "json=/nonexistent-dir/r.json"], "--output"),
 ("check-output-bad-format", ["check", "examples", "--output", "html=r.html"], "--output"),
 ("check-output-through-a-missing-dir", ["check", EX, "--output", "json=no-such-dir/../r.json"], "--output"),
 ("check-output-twice", ["check", EX, "--output", "json=/tmp/llmops-iac-r.json", "--output", "sarif=/tmp/llmops-iac-r.json"], "--output"),
 ("check-cache-under-a-file", ["check", EX, "--cache", "README.md/cache"], "--cache"),
 ("check-cache-read-only", ["check", EX, "--cache", "/proc/llmops-iac-cache"], "--cache"),
 ("check-unknown-flag", ["check", "examples", "--fast"], "--fast"),
 ("check-stack-unknown", ["check", "examples", "--stack", "nope"], "nope"),
 ("plan-no-file", ["plan"], "FILE"),
 ("plan-two-files", ["plan", EX, EX], EX),
 ("plan-bad-format", ["plan", EX, "--format", "yaml"], "--format"),
 ("plan-out-missing-dir", ["plan", EX, "--out", "/nonexistent-dir/plan.json"], "--out"),
 ("plan-out-is-a-directory", ["plan", EX, "--out", "examples"], "--out"),
 ("plan-stack-unknown", ["plan", EX, "--stack", "staging"], "staging"),
 ("plan-unknown-flag", ["plan", EX, "--dry-run"], "--dry-run"),
 ("maturity-no-file", ["maturity"], "FILE"),
 ("maturity-fail-under-4", ["maturity", EX, "--no-repo", "--fail-under", "4"], "--fail-under"),
 ("maturity-fail-under-word", ["maturity", EX, "--no-repo", "--fail-under", "high"], "--fail-under"),
 ("maturity-bad-format", ["maturity", EX, "--no-repo", "--format", "pdf"], "--format"),
 ("maturity-repo-missing", ["maturity", EX, "--repo", "/nonexistent-repo"], "--repo"),
 ("maturity-repo-and-no-repo", ["maturity", EX, "--repo", ".", "--no-repo"], "--no-repo"),
 ("maturity-output-without-format", ["maturity", EX, "--no-repo", "--output", "report.txt"], "--output"),
 ("maturity-output-bad-format", ["maturity", EX, "--no-repo", "--output", "sarif=r.sarif"], "--output"),
 ("cost-no-file", ["cost"], "FILE"),
 ("cost-bad-split", ["cost", EX, "--split", "half"], "--split"),
 ("cost-bad-by", ["cost", EX, "--by", "team"], "--by"),
 ("cost-bad-format", ["cost", EX, "--format", "csv"], "--format"),
 ("cost-bad-fail-level", ["cost", EX, "--fail-level", "panic"], "--fail-level"),
 ("cost-output-missing-dir", ["cost", EX, "--output", "json=/nonexistent-dir/c.json"], "--output"),
 ("cost-stack-unknown", ["cost", EX, "--stack", "qa"], "qa"),
 ("diff-no-file", ["diff"], "FILE"),
 ("diff-bad-split", ["diff", EX, "--base", "HEAD", "--split", "x"], "--split"),
 ("diff-bad-format", ["diff", EX, "--base", "HEAD", "--format", "html"], "--format"),
 ("diff-base-unknown-revision", ["diff", EX, "--base", "no-such-rev-zz"], "--base"),
 ("diff-base-missing-value", ["diff", EX, "--base"], "--base"),
 ("preflight-no-file", ["preflight"], "FILE"),
 ("preflight-bad-format", ["preflight", EX, "--format", "sarif"], "--format"),
 ("preflight-bad-region", ["preflight", EX, "--region", "mars-1"], "--region"),
 ("preflight-bad-endpoint-url", ["preflight", EX, "--endpoint-url", "not a url"], "--endpoint-url"),
 ("verify-no-file", ["verify"], "FILE"),
 ("verify-bad-format", ["verify", EX, "--format", "junit"], "--format"),
 ("verify-bad-region", ["verify", EX, "--region", "Europe"], "--region"),
 ("verify-bad-endpoint-url", ["verify", EX, "--endpoint-url", "ftp://x"], "--endpoint-url"),
 ("schema-extra-argument", ["schema", "extra"], "extra"),
 ("schema-output-missing-dir", ["schema", "--output", "/nonexistent-dir/s.json"], "--output"),
 ("schema-output-is-a-directory", ["schema", "--output", "examples"], "--output"),
 ("schema-unknown-flag", ["schema", "--format", "yaml"], "--format"),
 ("policy-no-subcommand-bad", ["policy", "judge"], "judge"),
 ("policy-check-bad-fail-level", ["policy", "check", EX, "--fail-level", "x"], "--fail-level"),
 ("policy-check-bad-engine", ["policy", "check", EX, "--engine", "opal"], "--engine"),
 ("policy-check-policy-dir-missing", ["policy", "check", EX, "--policy-dir", "/nonexistent-policies"], "--policy-dir"),
 ("policy-check-bad-format", ["policy", "check", EX, "--format", "yaml"], "--format"),
 ("policy-test-policy-dir-missing", ["policy", "test", "--policy-dir", "/nonexistent-policies"], "--policy-dir"),
 ("policy-test-unknown-flag", ["policy", "test", "--coverage"], "--coverage"),
 ("policy-docs-policy-dir-is-a-file", ["policy", "docs", "--policy-dir", "README.md"], "--policy-dir"),
 ("policy-bundle-output-is-a-directory", ["policy", "bundle", "--output", "examples"], "--output"),
 ("policy-docs-output-under-a-file", ["policy", "docs", "--output", "README.md/rules.md"], "--output"),
 ("policy-bundle-unknown-flag", ["policy", "bundle", "--sign"], "--sign"),
]
_HINT = re.compile(r"Try 'llmops-iac|Did you mean|did you mean|[;:] .*\b(use|write|create|choose|name|stacks in|profiles|fetch|"
                   r"formats?|exclude|not a directory|is not one of|requires an argument|not a valid|given twice|writable)\b|fix:", re.S)


@pytest.mark.parametrize("case", CLI_CASES, ids=[c[0] for c in CLI_CASES])
def test_bad_cli_argument_exits_2_naming_the_flag(case, monkeypatch):
    _id, argv, flag = case
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("OPA_URL", raising=False)
    start = time.monotonic()
    result = CliRunner().invoke(cli, argv, prog_name="llmops-iac")
    assert time.monotonic() - start < CASE_SECONDS
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    out = result.output
    assert "Traceback" not in out and "internal error" not in out, out
    assert result.exit_code == 2, f"exit {result.exit_code}\n{out}"
    assert flag in out, f"{flag!r} not named:\n{out}"
    assert _HINT.search(out), f"no fix or hint:\n{out}"


SCRIPT_CLI_CASES = ["validate-bad-format", "check-bad-engine", "check-policy-dir-missing", "plan-out-missing-dir",
                    "maturity-fail-under-4", "cost-bad-split", "diff-base-unknown-revision", "preflight-bad-endpoint-url",
                    "verify-bad-region", "schema-output-is-a-directory", "policy-test-policy-dir-missing",
                    "policy-bundle-output-is-a-directory"]


@pytest.mark.parametrize("name", SCRIPT_CLI_CASES)
def test_bad_cli_argument_through_the_console_script(name):
    script = Path(sys.executable).parent / "llmops-iac"
    if not script.exists():
        pytest.skip("console script not installed")
    [(_id, argv, flag)] = [c for c in CLI_CASES if c[0] == name]
    proc = subprocess.run([str(script), *argv], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env={k: v for k, v in __import__("os").environ.items() if k != "OPA_URL"})
    out = proc.stdout + proc.stderr
    assert proc.returncode == 2, out
    assert "Traceback" not in out and flag in out and _HINT.search(out), out


# -- the whole corpus ------------------------------------------------------------------------------------------------


def test_the_corpus_holds_at_least_300_cases():
    hand = [p for p in BAD.iterdir() if p.is_file() and p.suffix in (".yaml", ".json")]
    counts = {"hand-written": len(hand), "generated": len(GENERATED), "stacks": len(stack_cases()), "cli": len(CLI_CASES)}
    assert sum(counts.values()) >= MIN_CORPUS, counts
    assert all(counts.values()), counts
