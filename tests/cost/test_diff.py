"""Plan diff + cost delta, renderings for a pull request, and specs read at a git revision (a temporary repository)."""

from __future__ import annotations

import copy
import shutil
import subprocess

import pytest

from llmops_iac.compile import compile_spec
from llmops_iac.cost import diff as D
from llmops_iac.cost.estimate import POINTS, estimate
from llmops_iac.errors import UsageError
from llmops_iac.spec.validate import load_spec
from tests.conftest import EXAMPLES, ROOT


def loaded_plan(path, env=None):
    loaded = load_spec(str(path), environment=env)
    plan = compile_spec(loaded)
    return plan, estimate(plan, loaded)


def test_identical_plans_have_no_changes():
    plan, est = loaded_plan(EXAMPLES / "support-assistant.yaml")
    d = D.diff(plan, plan, est, est)
    assert d.empty and d.changes == [] and d.unchanged == len(plan.resources)
    assert "0 to add, 0 to change, 0 to replace, 0 to remove" in D.render_text(d)


def test_added_changed_removed_and_the_cost_delta():
    base, base_est = loaded_plan(EXAMPLES / "self-hosted-llama.yaml")
    head, head_est = loaded_plan(EXAMPLES / "self-hosted-llama.yaml", "dev")  # one variant, no autoscaling
    d = D.diff(base, head, base_est, head_est, base_label="default", head_label="dev")
    added = {c.name for c in d.of("added")}
    removed = {c.name for c in d.of("removed")}
    changed = {c.name: c for c in d.of("changed")}
    replaced = {c.name: c for c in d.of("replaced")}
    assert "endpoint-llama3-8b-model-primary" in added
    assert {"endpoint-llama3-8b-model-bf16-g5", "endpoint-llama3-8b-scaling-fp8-g6"} <= removed
    config = replaced["endpoint-llama3-8b-config"]  # SageMaker endpoint configurations are immutable
    assert "productionVariants" in config.keys and config.order == "create-before-delete"  # its name is hashed
    assert "limitAmount" in replaced["budget"].keys  # another environment: another budget name, which forces a new one
    for p in POINTS:
        assert d.delta[p] == pytest.approx(head_est.total[p] - base_est.total[p])
        assert sum(c.cost_delta[p] for c in d.changes + d.cost_only) == pytest.approx(d.delta[p], abs=0.01)
    data = d.to_dict()
    assert data["summary"] == {"added": len(added), "changed": len(changed), "replaced": len(replaced),
                               "removed": len(removed), "unchanged": d.unchanged}
    assert data["monthlyUsd"]["delta"]["expected"] < 0


def test_ignore_keys_hides_tag_only_changes():
    plan, est = loaded_plan(EXAMPLES / "minimal.yaml")
    other = copy.deepcopy(plan.to_data())
    for r in other["resources"]:
        if "tags" in r["inputs"]:
            r["inputs"]["tags"]["specHash"] = "000000000000"
    assert D.diff(plan, other).of("changed")
    assert not D.diff(plan, other, ignore_keys=("tags",)).of("changed")


def test_type_change_is_reported():
    plan, _ = loaded_plan(EXAMPLES / "minimal.yaml")
    other = copy.deepcopy(plan.to_data())
    other["resources"][0]["type"] = "aws:something/else:Else"
    change = D.diff(plan, other).of("replaced")[0]
    assert change.keys[0] == "type" and change.replace == ["type changes"]


def test_renderings_for_a_pull_request():
    base, base_est = loaded_plan(EXAMPLES / "support-assistant.yaml", "dev")
    head, head_est = loaded_plan(EXAMPLES / "support-assistant.yaml", "prod")
    d = D.diff(base, head, base_est, head_est, base_label="dev", head_label="prod")
    text = D.render_text(d)
    assert text.startswith("support-assistant (prod): dev → prod:")
    assert "monthly cost:" in text and "delta" in text
    md = D.render_markdown(d)
    assert md.startswith("### ") and "| monthly cost | dev | prod | delta |" in md and "<details>" in md
    assert f"{D._money(d.delta['expected'], signed=True)}" in md


# --- git revisions -------------------------------------------------------------------------------------------------

def git(repo, *args):
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com", "HOME": str(repo), "PATH": "/usr/bin:/bin:/usr/local/bin",
           "GIT_CONFIG_NOSYSTEM": "1"}
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True, env=env).stdout


@pytest.fixture
def repo(tmp_path):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    root = tmp_path / "repo"
    (root / "app").mkdir(parents=True)
    shutil.copy(EXAMPLES / "support-assistant.yaml", root / "app" / "assistant.yaml")
    shutil.copytree(EXAMPLES / "prompts", root / "app" / "prompts")
    shutil.copytree(EXAMPLES / "evaluation", root / "app" / "evaluation")
    shutil.copy(ROOT / "Pulumi.yaml", root / "Pulumi.yaml")
    (root / "stacks").mkdir()
    (root / "stacks" / "Pulumi.prod.yaml").write_text("config:\n  aws:region: us-east-1\n  llmops-iac:spec: app/assistant.yaml\n"
                                                       "  llmops-iac:environment: prod\n")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    return root


def test_a_spec_at_a_revision_comes_with_its_prompts_and_datasets(repo):
    spec = repo / "app" / "assistant.yaml"
    text = spec.read_text()
    spec.write_text(text.replace("requestsPerDay: 4000", "requestsPerDay: 8000"))
    (repo / "app" / "prompts" / "support-triage.txt").write_text("changed after the commit\n")
    with D.spec_at_revision("HEAD", str(spec)) as base_path:
        assert base_path != str(spec)
        assert "requestsPerDay: 4000" in open(base_path).read()
        base_dir = base_path.rsplit("/", 1)[0]
        assert open(f"{base_dir}/prompts/support-triage.txt").read() != "changed after the commit\n"
        loaded = load_spec(base_path)  # prompt and dataset references resolve at the revision
        assert loaded.data["spec"]["budgets"]["expectedTraffic"]["requestsPerDay"] == 4000


def test_diff_against_base_revision(repo):
    spec = repo / "app" / "assistant.yaml"
    spec.write_text(spec.read_text().replace("requestsPerDay: 4000", "requestsPerDay: 8000"))
    _, base_plan, base_est = D.load_at_revision("HEAD", str(spec))
    head_plan, head_est = loaded_plan(spec)
    d = D.diff(base_plan, head_plan, base_est, head_est, base_label="HEAD", head_label="working tree")
    assert {c.name for c in d.of("changed")} >= {"budget"}
    assert d.delta["expected"] > 1000  # twice the traffic
    assert d.delta["minimum"] == pytest.approx(0, abs=0.01)
    assert "(**+$" in D.render_markdown(d)


def test_a_stack_at_a_revision(repo):
    spec = repo / "app" / "assistant.yaml"
    loaded, plan, est = D.load_at_revision("HEAD", str(spec), stack="prod")
    assert loaded.environment == "prod" and plan.environment == "prod"


def test_revision_errors_are_usage_errors(repo, tmp_path):
    spec = repo / "app" / "assistant.yaml"
    with pytest.raises(UsageError, match="not a commit"):
        with D.spec_at_revision("no-such-branch", str(spec)):
            pass
    new = repo / "app" / "new.yaml"
    new.write_text("apiVersion: llmops-iac/v1\n")
    with pytest.raises(UsageError, match="does not exist at HEAD"):
        with D.spec_at_revision("HEAD", str(new)):
            pass
    outside = tmp_path / "outside.yaml"
    outside.write_text("x: 1\n")
    with pytest.raises(UsageError, match="not in a git repository"):
        with D.spec_at_revision("HEAD", str(outside)):
            pass


def test_run_helpers_for_the_cli(repo):
    from llmops_iac.cost import run

    spec = repo / "app" / "assistant.yaml"
    result = run.cost(str(spec), stack="prod")
    assert result.estimate.environment == "prod" and result.diagnostics() == []
    spec.write_text(spec.read_text().replace("monthlyUsd: 2500", "monthlyUsd: 9000"))
    d = run.diff_revision("HEAD", str(spec), ignore_keys=("tags",))
    assert [c.name for c in d.changes] == ["budget"] and d.changes[0].keys == ["limitAmount"]
    assert d.head_budget == 9000 and d.base_budget == 2500
    both = run.diff_files(str(EXAMPLES / "minimal.yaml"), str(spec), split="even")
    assert both.of("added") and both.of("removed")
