"""`diff` says replace where Pulumi would: a property the provider forces new, replaceOnChanges, a reference to a
replaced resource. The attacker's case is a change that destroys a resource shown as a harmless "change"."""

from __future__ import annotations

import copy
import shutil

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


def _edited_plan(tmp_path, old, new, name="self-hosted-llama", env="prod"):
    """The Plan of an example spec with ``old`` replaced by ``new`` (a spec edit, not a Plan edit)."""
    text = (EXAMPLES / f"{name}.yaml").read_text()
    assert old in text
    (tmp_path / f"{name}.yaml").write_text(text.replace(old, new, 1))
    for sub in ("prompts", "evaluation"):
        if (EXAMPLES / sub).exists():
            shutil.copytree(EXAMPLES / sub, tmp_path / sub)
    return D.strip_spec_hash(compile_spec(load_spec(str(tmp_path / f"{name}.yaml"), environment=env)))


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
    base = _plan()
    head = _edited_plan(tmp_path, "maxConcurrentRequests: 4", "maxConcurrentRequests: 8")
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


ROLLBACK = "rollbackAlarms: [invocation-5xx, model-latency]"


def test_dropping_the_rollback_alarms_replaces_the_endpoint(tmp_path):
    """deployment_config.auto_rollback_configuration is an SDKv2 ForceNew block: adding or removing it deletes the
    serving endpoint, and its fixed name cannot exist twice, so the endpoint is down until the new one is in service.
    The table written from memory called this a harmless change."""
    base, head = _plan(), _edited_plan(tmp_path, ROLLBACK, "rollbackAlarms: []")
    for d in (D.diff(base, head), D.diff(head, base)):  # removed, and added back
        endpoint = next(c for c in d.changes if c.type == T.SM_ENDPOINT)
        assert endpoint.kind == "replaced" and endpoint.order == "delete-before-replace"
        assert endpoint.replace == ["deploymentConfig.autoRollbackConfiguration is added or removed, which forces a new "
                                    "resource (terraform-provider-aws@033616433b62 internal/service/sagemaker/endpoint.go)"]
        assert "+- " + endpoint.name in D.render_text(d)


def test_a_change_inside_the_rollback_alarms_updates_the_endpoint(tmp_path):
    """The block's own fields are not ForceNew: the SDK gives ForceNew to the block's size only, so an alarm less
    (or a replaced alarm behind a reference) is an update; reporting replace would cry wolf."""
    base, head = _plan(), _edited_plan(tmp_path, ROLLBACK, "rollbackAlarms: [invocation-5xx]")
    endpoint = next(c for c in D.diff(base, head).changes if c.type == T.SM_ENDPOINT)
    assert endpoint.kind == "changed" and endpoint.replace == []
    alarm = next(r for r in base["resources"] if r["name"] == "endpoint-llama3-8b-alarm-model-latency")
    renamed = copy.deepcopy(base)
    next(r for r in renamed["resources"] if r["name"] == alarm["name"])["inputs"]["name"] += "-x"
    d = D.diff(base, renamed)
    assert _change(d, alarm["name"]).kind == "replaced"
    assert not [c for c in d.changes if c.type == T.SM_ENDPOINT]  # its reference stays inside the block: no cascade


def test_moving_a_resource_to_another_region_replaces_it():
    """v6 injects ``region`` into every regional resource and forces a new one when it changes."""
    base = _plan("minimal", None)
    head, name = _edit(base, T.KMS_KEY, lambda i: i.update(region="eu-central-1"))
    change = _change(D.diff(base, head), name)
    assert change.kind == "replaced"
    assert change.replace == ["region forces a new resource (terraform-provider-aws@00a35305dc1b internal/service/kms/key.go)"]


def test_dropping_a_vector_bucket_encryption_block_is_no_replace_but_changing_it_is():
    """encryption_configuration is RequiresReplaceIfConfigured: the table from memory replaced on any change."""
    base = _plan("support-assistant", "prod")
    dropped, name = _edit(base, T.S3_VECTOR_BUCKET, lambda i: i.pop("encryptionConfigurations"))
    assert _change(D.diff(base, dropped), name).kind == "changed"
    rekeyed, name = _edit(base, T.S3_VECTOR_BUCKET, lambda i: i["encryptionConfigurations"][0].update(
        kmsKeyArn="arn:aws:kms:us-east-1:111122223333:key/another"))
    change = _change(D.diff(base, rekeyed), name)
    assert change.kind == "replaced"
    assert change.replace == ["encryptionConfigurations.kmsKeyArn forces a new resource when set "
                              "(terraform-provider-aws@108f85fd2bfc internal/service/s3vectors/vector_bucket.go)"]


def test_an_input_the_source_read_does_not_have_is_taken_to_replace():
    """deletionProtectionEnabled is in the installed class, not in the provider source read: unknown means strict."""
    base = _plan("minimal", None)
    head, name = _edit(base, T.LOG_GROUP, lambda i: i.update(deletionProtectionEnabled=True))
    assert _change(D.diff(base, head), name).replace == [
        "deletionProtectionEnabled forces a new resource (not in the provider source this table was read from: "
        "unknown, so taken to replace)"]


def test_a_knowledge_base_takes_a_new_role_in_place_but_not_a_new_store():
    base = _plan("support-assistant", "prod")
    role, name = _edit(base, T.KNOWLEDGE_BASE, lambda i: i.update(roleArn="arn:aws:iam::111122223333:role/other"))
    assert _change(D.diff(base, role), name).kind == "changed"
    store, name = _edit(base, T.KNOWLEDGE_BASE, lambda i: i["storageConfiguration"].update(type="OPENSEARCH_SERVERLESS"))
    assert _change(D.diff(base, store), name).replace[0].startswith(
        "storageConfiguration.type forces a new resource (terraform-provider-aws@stored internal/service/bedrockagent/")
