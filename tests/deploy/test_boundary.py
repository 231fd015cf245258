"""Pulumi stays at the edge: only llmops_iac/deploy (and tests/deploy) import it; the offline path never loads it."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

PULUMI_MODULES = ("pulumi", "pulumi_aws", "pulumi_aws_native", "pulumi_policy")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("tree,allowed", [("llmops_iac", "llmops_iac/deploy"), ("tests", "tests/deploy")])
def test_only_the_deploy_folders_import_pulumi(tree, allowed):
    offenders = sorted(
        str(p.relative_to(ROOT)) for p in (ROOT / tree).rglob("*.py")
        if not p.is_relative_to(ROOT / allowed) and _imports(p) & set(PULUMI_MODULES))
    assert offenders == []


def test_validate_and_compile_never_load_pulumi():
    code = (
        "import sys\n"
        "import llmops_iac.cli\n"
        "from llmops_iac.spec.validate import load_spec\n"
        "from llmops_iac.compile import compile_spec\n"
        f"compile_spec(load_spec({str(ROOT / 'examples' / 'support-assistant.yaml')!r})).to_data()\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {PULUMI_MODULES!r}))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
