"""Every command's --help lists its own exit codes, and exactly the codes it can return (issue 14).

Walks every command (new ones included: a command missing from EXPECTED fails), parses its "Exit codes:" block,
and holds it to EXPECTED; then shows every listed code is returned by the command (a scenario per code: a real
run, or for 3 and 130 the library the command calls raising), and that a command which does not list 1 has no
path to it in its source.
"""

from __future__ import annotations

import inspect
import re

import click
import pytest
from click.testing import CliRunner

from llmops_iac.cli import cli
from tests.conftest import EXAMPLES, ROOT

MINIMAL = str(EXAMPLES / "minimal.yaml")
SUPPORT = str(EXAMPLES / "support-assistant.yaml")
FAILING = str(ROOT / "tests" / "fixtures" / "rules" / "LLM-GRD-001" / "fail.yaml")

ALL = {0, 1, 2, 3, 130}
NO_FINDINGS = {0, 2, 3, 130}
EXPECTED = {
    (): ALL,
    ("validate",): NO_FINDINGS,
    ("check",): ALL,
    ("plan",): NO_FINDINGS,
    ("maturity",): ALL,
    ("schema",): NO_FINDINGS,
    ("init",): NO_FINDINGS,
    ("policy",): ALL,
    ("policy", "check"): ALL,
    ("policy", "test"): ALL,
    ("policy", "docs"): ALL,
    ("policy", "bundle"): NO_FINDINGS,
    ("cost",): ALL,
    ("diff",): NO_FINDINGS,
    ("preflight",): ALL,
    ("verify",): ALL,
    ("eval",): ALL,
    ("eval", "ingest"): ALL,
    ("eval", "run"): ALL,
}


def walk(group: click.Group, prefix=()):
    yield prefix, group
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from walk(command, prefix + (name,))
        else:
            yield prefix + (name,), command


COMMANDS = dict(walk(cli))


def block(path: tuple[str, ...]) -> dict[int, str]:
    """The codes and meanings of the "Exit codes:" block of ``llmops-iac PATH --help``."""
    result = CliRunner().invoke(cli, [*path, "--help"], catch_exceptions=False)
    assert result.exit_code == 0
    text = result.output
    assert text.count("Exit codes:") == 1, f"{path}: one Exit codes block"
    lines = text.split("Exit codes:", 1)[1].split("\n")[1:]
    codes: dict[int, str] = {}
    indent = None
    for line in lines:
        m = re.match(r"^(\s+)(\d+)\s{2,}(\S.*)$", line)
        if m and indent in (None, len(m.group(1))):
            indent = len(m.group(1))
            codes[int(m.group(2))] = m.group(3)
        elif indent is not None and len(line) - len(line.lstrip()) > indent + 3 and line.strip():
            continue  # a meaning's continuation line, indented to the meaning's column
        else:
            break
    return codes


def test_every_command_is_expected():
    assert set(COMMANDS) == set(EXPECTED)


@pytest.mark.parametrize("path", sorted(EXPECTED), ids=lambda p: " ".join(p) or "llmops-iac")
def test_help_lists_exactly_the_codes_the_command_can_return(path):
    codes = block(path)
    assert set(codes) == EXPECTED[path], f"llmops-iac {' '.join(path)} --help lists {sorted(codes)}"
    assert all(len(meaning) >= 5 for meaning in codes.values())


def test_a_group_lists_what_its_commands_return():
    for path, command in COMMANDS.items():
        if isinstance(command, click.Group):
            children = {p: c for p, c in EXPECTED.items() if p[:len(path)] == path and p != path}
            assert EXPECTED[path] == set().union(*children.values()), path


# -- each listed code is returned -----------------------------------------------------------------------------------------

def _run(path, args, monkeypatch=None):
    return CliRunner().invoke(cli, [*path, *args], catch_exceptions=False)


def _failing_policy_dir(tmp_path):
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "sample.rego").write_text("package llmops.sample\n\nimport rego.v1\n\nbig := 1\n")
    (tmp_path / "p" / "sample_test.rego").write_text(
        "package llmops.sample_test\n\nimport rego.v1\n\nimport data.llmops.sample\n\ntest_fails if {\n\tsample.big == 2\n}\n")
    return str(tmp_path / "p")


def _report(ok: bool, command: str):
    from llmops_iac.aws.report import Check, CheckReport

    report = CheckReport(command, "app", "prod", "us-east-1")
    report.add(Check("region", "us-east-1", "pass" if ok else "fail", "answered" if ok else "not offered"))
    return lambda *a, **k: report


def scenarios(tmp_path, monkeypatch):
    """(path, args, code, setup) for every code of every leaf command, 3 and 130 excepted (see below)."""
    out = tmp_path / "out"
    out.mkdir()
    docs = out / "rules.md"
    docs.write_text("old\n")
    (out / "init-twice").mkdir()
    return [
        (("validate",), [MINIMAL], 0), (("validate",), ["missing.yaml"], 2),
        (("check",), [MINIMAL], 0), (("check",), [FAILING], 1), (("check",), ["missing.yaml"], 2),
        (("plan",), [MINIMAL], 0), (("plan",), ["missing.yaml"], 2),
        (("maturity",), [MINIMAL], 0), (("maturity",), [MINIMAL, "--fail-under", "3"], 1),
        (("maturity",), ["missing.yaml"], 2),
        (("schema",), [], 0), (("schema",), ["--output", str(out / "missing" / "s.json")], 2),
        (("init",), [str(out / "app")], 0), (("init",), [str(out / "app")], 2),
        (("policy", "check"), [MINIMAL], 0), (("policy", "check"), [FAILING], 1),
        (("policy", "check"), ["missing.yaml"], 2),
        (("policy", "test"), [], 0), (("policy", "test"), ["--policy-dir", _failing_policy_dir(tmp_path)], 1),
        (("policy", "test"), ["--policy-dir", str(out / "nope")], 2),
        (("policy", "docs"), ["--output", str(out / "new.md")], 0), (("policy", "docs"), ["--check", "--output", str(docs)], 1),
        (("policy", "docs"), ["--output", str(out)], 2),
        (("policy", "bundle"), ["--output", str(out / "b.tar.gz")], 0), (("policy", "bundle"), ["--output", str(out)], 2),
        (("cost",), [MINIMAL], 0), (("cost",), [SUPPORT, "--stack", "prod", "--fail-level", "warning"], 1),
        (("cost",), ["missing.yaml"], 2),
        (("diff",), [MINIMAL, SUPPORT], 0), (("diff",), [MINIMAL], 2),
        (("preflight",), [MINIMAL], 0, ("llmops_iac.aws.preflight.preflight", _report(True, "preflight"))),
        (("preflight",), [MINIMAL], 1, ("llmops_iac.aws.preflight.preflight", _report(False, "preflight"))),
        (("preflight",), ["missing.yaml"], 2),
        (("verify",), [MINIMAL], 0, ("llmops_iac.aws.verify.verify", _report(True, "verify"))),
        (("verify",), [MINIMAL], 1, ("llmops_iac.aws.verify.verify", _report(False, "verify"))),
        (("verify",), ["missing.yaml"], 2),
        (("eval", "ingest"), [*_INGEST, "--output", str(out / "e.json")], 0),
        (("eval", "ingest"), [*_INGEST, "--output", str(out / "e.json"), "--input", _BEDROCK, "--dataset", "support-golden"], 2),
        (("eval", "ingest"), [*_INGEST, "--output", str(out / "e.json")], 1, ("llmops_iac.evaluation.promptfoo.parse", _samples(0.0))),
        (("eval", "run"), [*_RUN, "--output", str(out / "r.json")], 0, ("llmops_iac.evaluation.converse.run_dataset", _samples(1.0))),
        (("eval", "run"), [*_RUN, "--output", str(out / "r.json")], 1, ("llmops_iac.evaluation.converse.run_dataset", _samples(0.0))),
        (("eval", "run"), ["missing.yaml", "--dataset", "x", "--output", str(out / "r.json")], 2),
    ]


_PROMPTFOO = str(ROOT / "tests" / "fixtures" / "eval" / "promptfoo" / "support-triage.json")
_BEDROCK = str(ROOT / "tests" / "fixtures" / "eval" / "bedrock" / "support-golden_output.jsonl")
_INGEST = [SUPPORT, "--environment", "prod", "--harness", "promptfoo", "--input", _PROMPTFOO, "--dataset", "support-triage",
           "--target", "support-triage@2"]
_RUN = [SUPPORT, "--environment", "prod", "--dataset", "support-triage", "--target", "support-triage@2"]


def _samples(value: float):
    from llmops_iac.evaluation.metrics import Samples

    def measured(*a, **k):
        samples = Samples(harness="promptfoo", version="0.107.4", sources=["x.json"], cases=12)
        for _ in range(12):
            samples.add("correctness", value)
        return samples
    return measured


# What each command calls that may fail unexpectedly: raising there must give 3 (RuntimeError) and 130 (Ctrl-C).
CALLS = {
    ("validate",): ("llmops_iac.pipeline.run", [MINIMAL]), ("check",): ("llmops_iac.pipeline.run", [MINIMAL]),
    ("plan",): ("llmops_iac.pipeline.run", [MINIMAL]), ("maturity",): ("llmops_iac.pipeline.run", [MINIMAL]),
    ("schema",): ("llmops_iac.spec.validate.schema", []), ("init",): ("llmops_iac.scaffold.scaffold", ["x"]),
    ("policy", "check"): ("llmops_iac.pipeline.run", [MINIMAL]),
    ("policy", "test"): ("llmops_iac.policy.testing.run_tests", []),
    ("policy", "docs"): ("llmops_iac.policy.docs.render", ["--check"]),
    ("policy", "bundle"): ("llmops_iac.policy.bundle.build_bundle", ["--output", "{tmp}/b.tar.gz"]),
    ("cost",): ("llmops_iac.cost.run.cost", [MINIMAL]), ("diff",): ("llmops_iac.cost.run.cost", [MINIMAL, SUPPORT]),
    ("preflight",): ("llmops_iac.aws.preflight.preflight", [MINIMAL]),
    ("verify",): ("llmops_iac.aws.verify.verify", [MINIMAL]),
    ("eval", "ingest"): ("llmops_iac.evaluation.promptfoo.parse", [*_INGEST, "--output", "{tmp}/e.json"]),
    ("eval", "run"): ("llmops_iac.evaluation.converse.run_dataset", [*_RUN, "--output", "{tmp}/r.json"]),
}


def test_every_listed_code_is_returned(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    seen: dict[tuple[str, ...], set[int]] = {p: set() for p, c in COMMANDS.items() if not isinstance(c, click.Group)}
    for path, args, code, *setup in scenarios(tmp_path, monkeypatch):
        with monkeypatch.context() as m:
            for target, replacement in setup:
                m.setattr(target, replacement)
            result = _run(path, args)
        assert result.exit_code == code, (path, args, result.output[-600:])
        seen[path].add(code)
    assert set(CALLS) == set(seen)
    for path, (target, args) in CALLS.items():
        for exc, code in ((RuntimeError("boom"), 3), (KeyboardInterrupt(), 130)):
            def boom(*a, exc=exc, **k):
                raise exc
            with monkeypatch.context() as m:
                m.setattr(target, boom)
                result = _run(path, [a.replace("{tmp}", str(tmp_path)) for a in args])
            assert result.exit_code == code, (path, exc, result.output[-600:])
            assert "Traceback" not in result.output
            seen[path].add(code)
    for path, codes in seen.items():
        assert codes == EXPECTED[path], f"llmops-iac {' '.join(path)}: returned {sorted(codes)}"


@pytest.mark.parametrize("path", [p for p, c in COMMANDS.items() if not isinstance(c, click.Group)], ids=" ".join)
def test_a_bad_option_is_2_for_every_command(path):
    result = _run(path, ["--no-such-option"])
    assert result.exit_code == 2


@pytest.mark.parametrize("path", [p for p in EXPECTED if 1 not in EXPECTED[p] and p], ids=" ".join)
def test_a_command_without_1_has_no_path_to_it(path):
    callback = COMMANDS[path].callback
    source = inspect.getsource(inspect.unwrap(callback))
    for token in ("EXIT_FINDINGS", "_exit_for", "_emit_checks", "exit(1)"):
        assert token not in source, f"llmops-iac {' '.join(path)} can exit 1 ({token}) but its help does not say so"
