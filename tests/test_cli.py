"""The CLI: help, exit codes, formats, outputs, in-process and as the installed console script."""

from __future__ import annotations

import json

import click
import pytest
import yaml

from llmops_iac import pipeline_stages
from llmops_iac.cli import cli
from llmops_iac.errors import EXIT_INPUT, EXIT_INTERNAL, EXIT_OK
from tests.conftest import EXAMPLES, ROOT, example_files, run_script

VALID = str(EXAMPLES / "minimal.yaml")
BROKEN = "apiVersion: llmops-iac/v1\nkind: LLMApplication\nmetadata:\n  name: Bad_Name\n  owner: on\n"


def all_commands(group: click.Group, prefix=()):
    for name, command in group.commands.items():
        yield prefix + (name,), command
        if isinstance(command, click.Group):
            yield from all_commands(command, prefix + (name,))


@pytest.mark.parametrize("path", [p for p, _ in all_commands(cli)], ids=" ".join)
def test_every_command_has_help_with_an_example_and_exit_codes(invoke, path):
    result = invoke(*path, "--help")
    assert result.exit_code == 0
    assert "Example:" in result.output and "llmops-iac " + " ".join(path) in result.output
    assert "Exit codes:" in result.output


def test_top_level_help_lists_exit_codes(invoke):
    result = invoke("--help")
    assert "Example:" in result.output and "3    internal" in result.output


def test_validate_valid_and_invalid(invoke, write):
    assert invoke("validate", VALID).exit_code == EXIT_OK
    bad = write("bad.yaml", BROKEN)
    result = invoke("validate", str(bad))
    assert result.exit_code == EXIT_INPUT
    assert f"{bad.name}:4:9: error[pattern]" in result.output or f"{bad}:4:9: error[pattern]" in result.output
    assert "fix: quote it" in result.output


def test_json_format_is_machine_readable(invoke, write):
    bad = write("bad.yaml", BROKEN)
    result = invoke("validate", VALID, str(bad), "--format", "json")
    data = json.loads(result.output)
    assert data["ok"] is False and data["summary"] == {"specs": 2, "results": 2, "valid": 1, "invalid": 1, "errors": 2, "warnings": 0}
    diags = data["files"][1]["diagnostics"]
    assert [(d["line"], d["code"], d["pointer"]) for d in diags] == [(4, "pattern", "/metadata/name"), (5, "yaml11-trap", "/metadata/owner")]
    assert all(d["hint"] and d["constraint"] for d in diags)


def test_output_writes_several_formats(invoke, tmp_path):
    out_json, out_text = tmp_path / "r.json", tmp_path / "r.txt"
    result = invoke("validate", VALID, "--output", f"json={out_json}", "--output", str(out_text))
    assert result.exit_code == 0
    assert json.loads(out_json.read_text())["ok"] is True
    assert out_json.stat().st_mode & 0o777 == 0o644  # readable like any written file, not mkstemp's 0600
    assert out_text.read_text() == result.output
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".llmops-iac-")]  # no temporary left


@pytest.mark.parametrize("args,needle", [
    (["--output", "xml=r.xml"], "unknown format 'xml'"),
    (["--output", "json="], "names no file"),
    (["--format", "yaml"], "Invalid value for '--format'"),
])
def test_bad_options_exit_2(invoke, args, needle):
    result = invoke("validate", VALID, *args)
    assert result.exit_code == EXIT_INPUT and needle in result.output


@pytest.mark.parametrize("target,needle", [("missing-dir/r.json", "does not exist"), (".", "is a directory")])
def test_unwritable_output_exits_2_and_leaves_nothing(invoke, tmp_path, monkeypatch, target, needle):
    monkeypatch.chdir(tmp_path)
    result = invoke("validate", VALID, "--output", target)
    assert result.exit_code == EXIT_INPUT and needle in result.output
    assert list(tmp_path.iterdir()) == []


def test_internal_errors_fail_closed(invoke, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("engine exploded")

    monkeypatch.setattr(pipeline_stages, "load_spec", boom)
    result = invoke("validate", VALID)
    assert result.exit_code == EXIT_INTERNAL
    assert "internal error: RuntimeError: engine exploded" in result.output and "Traceback" not in result.output


def test_check_searches_directories_and_lists_skipped(invoke, tmp_path):
    (tmp_path / "app.yaml").write_text((EXAMPLES / "minimal.yaml").read_text())
    (tmp_path / "ci.yaml").write_text("on: push\njobs: {}\n")
    result = invoke("check", str(tmp_path))
    assert result.exit_code == 0
    assert "ok    " in result.output and "skipped 1" in result.output and "ci.yaml" in result.output


def test_check_without_specs_is_an_input_error(invoke, tmp_path):
    (tmp_path / "ci.yaml").write_text("jobs: {}\n")
    result = invoke("check", str(tmp_path))
    assert result.exit_code == EXIT_INPUT and "no LLMApplication specs" in result.output


def test_check_examples_passes(invoke):
    result = invoke("check", str(EXAMPLES))
    assert result.exit_code == 0, result.output
    envs = sum(max(1, len((yaml.safe_load(p.read_text())["spec"] or {}).get("environments") or {}))
               if "spec" in yaml.safe_load(p.read_text()) else 1 for p in example_files())
    assert f"{len(example_files())} spec(s) in {envs} environment(s): {envs} valid" in result.output


def test_schema_command_prints_the_published_schema(invoke, tmp_path):
    result = invoke("schema")
    assert json.loads(result.output) == json.loads((ROOT / "schemas" / "llmapp.schema.json").read_text())
    target = tmp_path / "s.json"
    assert invoke("schema", "--output", str(target)).exit_code == 0
    assert json.loads(target.read_text())["title"] == "LLMApplication"


def test_console_script_runs_as_a_subprocess(tmp_path):
    ok = run_script("check", "examples")
    assert ok.returncode == 0, ok.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text(BROKEN)
    result = run_script("validate", str(bad), "--format", "json")
    assert result.returncode == EXIT_INPUT and "Traceback" not in result.stderr
    assert json.loads(result.stdout)["summary"]["errors"] == 2
    usage = run_script("validate")
    assert usage.returncode == EXIT_INPUT and "Missing argument" in usage.stderr
    version = run_script("--version")
    assert version.returncode == 0 and "llmops-iac" in version.stdout


def test_stack_option_selects_overrides(invoke):
    result = invoke("validate", str(EXAMPLES / "support-assistant.yaml"), "--stack", "prod", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["files"][0]["environment"] == "prod"
    missing = invoke("validate", VALID, "--stack", "nope")
    assert missing.exit_code == EXIT_INPUT and "stack 'nope' not found" in missing.output
