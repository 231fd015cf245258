"""A schema written with `llmops-iac schema --output` is never read as a spec (issue 14): not by `check DIR`, not by
the pre-commit hooks' default file pattern. From the attacker's side: the schema written into the repository under
the name the help suggests (llmapp.schema.json) or another llmapp* name; and the other way round, a spec dressed
as a schema, which must still be judged.
"""

from __future__ import annotations

import json
import re

import pytest
import yaml

from llmops_iac.errors import EXIT_INPUT, EXIT_OK
from tests.conftest import EXAMPLES, ROOT

MINIMAL = (EXAMPLES / "minimal.yaml").read_text()


@pytest.fixture
def repo(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / "llmapp.yaml").write_text(MINIMAL)
    return tmp_path


@pytest.mark.parametrize("name", ["llmapp.schema.json", "llmapp-schema.json", "schemas/llmapp.schema.json",
                                  "llmapp.json", "app.llmapp.json", "llmapp.schema.yaml"])
def test_check_dir_lists_the_written_schema_as_skipped(invoke, repo, monkeypatch, name):
    monkeypatch.chdir(repo)
    (repo / name).parent.mkdir(parents=True, exist_ok=True)
    written = invoke("schema", "--output", name)
    assert written.exit_code == EXIT_OK, written.output
    result = invoke("check", ".", "--format", "json")
    assert result.exit_code == EXIT_OK, result.output
    data = json.loads(result.output)
    assert [f["file"] for f in data["files"]] == ["llmapp.yaml"] * len(data["files"])
    assert any(s.endswith(name) for s in data["skipped"]), data["skipped"]
    text = invoke("check", ".")
    assert "skipped 1" in text.output and name.rsplit("/", 1)[-1] in text.output


def test_check_dir_with_an_output_to_the_schema_name_is_not_refused_as_a_spec(invoke, repo, monkeypatch):
    """The output guard asks the same question (would `check DIR` take it for a spec?): the schema is not one."""
    monkeypatch.chdir(repo)
    invoke("schema", "--output", "llmapp.schema.json")
    result = invoke("check", ".", "--output", "text=llmapp.schema.json")
    assert result.exit_code == EXIT_OK, result.output


def test_a_spec_dressed_as_a_schema_is_still_judged(invoke, repo, monkeypatch):
    """`$schema` + every spec key: a spec (invalid: `$schema` is not a spec key), never skipped."""
    monkeypatch.chdir(repo)
    data = yaml.safe_load(MINIMAL)
    data["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    (repo / "llmapp.json").write_text(json.dumps(data))  # one line: no `kind:` line for the content mark
    result = invoke("check", ".", "--format", "json")
    assert result.exit_code == EXIT_INPUT
    judged = {f["file"] for f in json.loads(result.output)["files"]}
    assert "llmapp.json" in judged


def test_a_schema_a_stack_deploys_is_judged(invoke, repo, monkeypatch):
    """Whatever a stack deploys is a spec found: pulumi up would read it."""
    monkeypatch.chdir(repo)
    invoke("schema", "--output", "llmapp.schema.json")
    (repo / "Pulumi.yaml").write_text("name: app\nruntime: python\n")
    (repo / "Pulumi.dev.yaml").write_text("config:\n  llmops-iac:spec: llmapp.schema.json\n")
    result = invoke("check", ".", "--format", "json")
    assert result.exit_code == EXIT_INPUT
    assert "llmapp.schema.json" in {f["file"] for f in json.loads(result.output)["files"]}


def test_a_file_with_a_top_level_schema_key_can_never_be_a_valid_spec():
    """Why skipping a JSON Schema document hides nothing: the spec's top level allows only its four keys."""
    from llmops_iac.discovery import _SPEC_KEYS
    from llmops_iac.spec.validate import schema

    top = schema()
    assert top["additionalProperties"] is False and "patternProperties" not in top
    assert sorted(top["properties"]) == sorted(_SPEC_KEYS)
    assert set(top["required"]) <= set(_SPEC_KEYS)


# -- the pre-commit hooks -----------------------------------------------------------------------------------------------

def _hooks():
    return yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())


def _selected(hook: dict, path: str) -> bool:
    """pre-commit's file selection: `files` and `exclude` are Python regexes searched in the repository path."""
    return bool(re.search(hook.get("files", ""), path)) and not re.search(hook.get("exclude", "^$"), path)


@pytest.mark.parametrize("hook", _hooks(), ids=lambda h: h["id"])
@pytest.mark.parametrize("path", ["llmapp.schema.json", "schemas/llmapp.schema.json", "x/y/llmapp.schema.json",
                                  "app.llmapp.schema.json"])
def test_the_hooks_default_pattern_leaves_the_schema_out(hook, path):
    assert not _selected(hook, path)


@pytest.mark.parametrize("hook", _hooks(), ids=lambda h: h["id"])
@pytest.mark.parametrize("path", ["llmapp.yaml", "llmapp.yml", "llmapp.json", "specs/llmapp-prod.yaml",
                                  "svc/chat.llmapp.yaml", "chat.llmapp.json"])
def test_the_hooks_default_pattern_still_takes_specs(hook, path):
    assert _selected(hook, path)
