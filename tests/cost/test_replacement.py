"""`diff` says replace where Pulumi would: a property the provider forces new, replaceOnChanges, a reference to a
replaced resource. The attacker's case is a change that destroys a resource shown as a harmless "change"."""

from __future__ import annotations

import copy

from llmops_iac.compile import compile_spec
from llmops_iac.compile import tokens as T
from llmops_iac.cost import diff as D
from llmops_iac.cost import replacement as R
from llmops_iac.spec.validate import load_spec
from tests.conftest import EXAMPLES


def _plan(name="self-hosted-llama", env="prod"):
    return D.strip_spec_hash(compile_spec(load_spec(str(EXAMPLES / f"{name}.yaml"), environment=env)))


def _edit(plan, resource_type, edit):
    head = copy.deepcopy(plan)
    target = next(r for r in head["resources"] if r["type"] == resource_type)
    edit(target["inputs"])
    return head, target["name"]


def _change(d, name):
    return next(c for c in d.changes if c.name == name)


def test_a_new_serving_image_on_a_model_is_a_replace_not_a_change():
    base = _plan()
    head, name = _edit(base, T.SM_MODEL, lambda i: i["primaryContainer"].update(image="evil.example/llm:latest"))
    d = D.diff(base, head)
    model = _change(d, name)
    assert model.kind == "replaced" and model.keys == ["primaryContainer"]
    assert model.replace[0].startswith("primaryContainer.image forces a new resource (terraform-provider-aws")
    assert model.order == "delete-before-replace"  # the same fixed name cannot exist twice
    config = next(c for c in d.changes if c.type == T.SM_ENDPOINT_CONFIG)  # it names the model: replaced too
    assert config.kind == "replaced" and "refers to " + name in config.replace[0]
    assert not [c for c in d.changes if c.type == T.SM_ENDPOINT]  # the endpoint itself updates in place
    assert d.to_dict()["summary"]["replaced"] == 2 and d.to_dict()["summary"]["changed"] == 0
    assert "+- " + name in D.render_text(d) and "**replace**" in D.render_markdown(d)


def test_a_model_whose_spec_changes_gets_a_new_hashed_name_and_is_created_first(tmp_path):
    text = (EXAMPLES / "self-hosted-llama.yaml").read_text()
    assert "maxConcurrentRequests: 4" in text
    edited = tmp_path / "self-hosted-llama.yaml"
    edited.write_text(text.replace("maxConcurrentRequests: 4", "maxConcurrentRequests: 8", 1))
    for sub in ("prompts", "evaluation"):
        if (EXAMPLES / sub).exists():
            import shutil

            shutil.copytree(EXAMPLES / sub, tmp_path / sub)
    base = _plan()
    head = D.strip_spec_hash(compile_spec(load_spec(str(edited), environment="prod")))
    d = D.diff(base, head)
    models = [c for c in d.changes if c.type == T.SM_MODEL and c.kind == "replaced"]
    assert models and all(c.order == "create-before-delete" for c in models)
    assert all(any(r.startswith("name forces a new resource") for r in c.replace) for c in models)


def test_a_kms_key_spec_is_a_replace_and_its_description_an_update():
    base = _plan("minimal", None)
    spec, name = _edit(base, T.KMS_KEY, lambda i: i.update(customerMasterKeySpec="RSA_4096"))
    assert _change(D.diff(base, spec), name).kind == "replaced"
    described, name = _edit(base, T.KMS_KEY, lambda i: i.update(description="another description"))
    change = _change(D.diff(base, described), name)
    assert change.kind == "changed" and change.replace == []


def test_a_guardrail_rename_is_an_update():
    """Bedrock's UpdateGuardrail renames in place: reporting replace here would cry wolf."""
    base = _plan("support-assistant", "prod")
    head, name = _edit(base, T.GUARDRAIL, lambda i: i.update(name=i["name"] + "-x"))
    assert _change(D.diff(base, head), name).kind == "changed"


def test_replace_on_changes_and_ignore_changes_are_honoured():
    base = _plan("support-assistant", "prod")
    head, name = _edit(base, T.PROMPT_VERSION, lambda i: i.update(description="v2"))
    assert "description is in replaceOnChanges" in _change(D.diff(base, head), name).replace[0] or \
        "description forces a new resource" in _change(D.diff(base, head), name).replace[0]
    llama = _plan()
    head, name = _edit(llama, T.SM_ENDPOINT_CONFIG,
                       lambda i: [v.update(initialInstanceCount=v["initialInstanceCount"] + 3)
                                  for v in i["productionVariants"]])
    change = _change(D.diff(llama, head), name)
    assert change.kind == "changed" and change.keys == ["productionVariants"]  # ignored by Pulumi: no replace


def test_tags_alone_never_replace_an_immutable_resource():
    base = _plan()
    head, name = _edit(base, T.SM_MODEL, lambda i: i["tags"].update(owner="someone-else"))
    assert _change(D.diff(base, head), name).kind == "changed"


def test_an_unknown_type_is_taken_to_replace():
    before = {"type": "aws:new/thing:Thing", "inputs": {"a": 1}}
    after = {"type": "aws:new/thing:Thing", "inputs": {"a": 2}}
    assert R.reasons(before, after) == ["a forces a new resource (unknown type: every change is taken to replace)"]


def test_paths_and_block_changes():
    assert R.changed_paths({"a": {"b": [1, {"c": 2}]}}, {"a": {"b": [1, {"c": 3}]}}) == [("a", "b", "c")]
    assert R.changed_paths({"a": [1]}, {"a": [1, 2]}) == [("a",)]
    assert R.changed_paths({"r": {"ref": "x", "attr": "arn"}}, {"r": {"ref": "y", "attr": "arn"}}) == [("r",)]
    before = {"type": T.AOSS_INDEX, "inputs": {"settings": {"index": {"knn": True}}}}
    after = {"type": T.AOSS_INDEX, "inputs": {"settings": {"index": {"knn": True}, "analysis": {"x": 1}}}}
    assert R.reasons(before, after)[0].startswith("settings.analysis forces a new resource")
    deeper = {"type": T.AOSS_INDEX, "inputs": {"settings": {"index": {"knn": True}, "analysis": {"x": 2}}}}
    assert R.reasons(after, deeper)[0].startswith("settings.analysis.x forces a new resource")
    whole = {"type": T.AOSS_INDEX, "inputs": {"settings": None}}
    assert R.reasons(before, whole)[0].startswith("settings.analysis forces a new resource")
