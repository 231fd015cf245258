"""Pulumi mocks for the deploy tests: a fresh mock monitor, root stack and config for every test.

``pulumi.runtime.set_mocks`` installs a new MockMonitor each call, but the root
Stack (which holds ``pulumi.export`` values) lives in a ContextVar that
``set_mocks`` only fills when it is empty, and config lives in another
ContextVar. ``pulumi_mocks`` therefore calls ``settings.reset_options()``
(clears the root stack), ``set_all_config({})`` and then ``set_mocks`` with a
new recorder, so no test sees another's resources, outputs or config.
"""

from __future__ import annotations

import json
import math
from typing import Any, Callable

import pulumi
import pytest
from pulumi import _types
from pulumi.runtime import settings

ACCOUNT = "123456789012"
CALLER_ARN = f"arn:aws:iam::{ACCOUNT}:user/deployer"
PROJECT = "llmops-iac"


class RecordingMocks(pulumi.runtime.Mocks):
    """Records every new_resource and call; returns the inputs plus plausible values for every string output.

    Given the Plan being deployed (``plan``), each registration is also compared, as it arrives, with that
    resource's Plan inputs: ``args.inputs`` is what the SDK serialised, i.e. what the engine (and the provider)
    would receive. ``serialised`` records, per resource name, every difference (empty: none); see
    ``engine_view`` for the only transformations allowed between the Plan and the wire.
    """

    def __init__(self, plan: dict[str, Any] | None = None) -> None:
        self.created: list[pulumi.runtime.MockResourceArgs] = []
        self.calls: list[pulumi.runtime.MockCallArgs] = []
        self.ids: dict[str, str] = {}
        self.states: dict[str, dict[str, Any]] = {}
        self.planned = {r["name"]: r for r in plan["resources"]} if plan is not None else None
        self.serialised: dict[str, list[str]] = {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.created.append(args)
        if self.planned is not None and args.name in self.planned:
            wanted = engine_view(self.planned[args.name].get("inputs", {}), self)
            self.serialised[args.name] = differences(numbers_as_floats(args.inputs), wanted, f"{args.name}.inputs")
        state = {**args.inputs, **mock_outputs(args.typ, args.name, args.inputs)}
        rid = f"{args.name}-id"
        self.ids[args.name] = rid
        self.states[args.name] = state
        return rid, state

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:
        self.calls.append(args)
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {"accountId": ACCOUNT, "arn": CALLER_ARN, "userId": "AIDAMOCK", "id": ACCOUNT}
        raise AssertionError(f"unexpected invoke {args.token}")

    def by_name(self) -> dict[str, pulumi.runtime.MockResourceArgs]:
        """The recorded registrations by resource name (asserts each name registered once)."""
        names = [a.name for a in self.created]
        dupes = sorted({n for n in names if names.count(n) > 1})
        assert not dupes, f"registered more than once: {dupes}"
        return {a.name: a for a in self.created}


def mock_outputs(typ: str, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    """Plausible values for the string outputs a real create would fill in (``arn``, ``keyId``, ``version`` …)."""
    from llmops_iac.deploy.adapter import TYPES, type_info

    out: dict[str, Any] = {"name": inputs.get("name", name)}
    if typ not in TYPES:
        return out
    cls = type_info(typ).cls
    for prop, t in _types.resource_types(cls).items():
        if prop in inputs or t is not str:
            continue
        if prop == "arn" or prop.endswith("Arn"):
            out[prop] = f"arn:aws:mock::{ACCOUNT}:{typ.split(':')[-1].lower()}/{name}/{prop}"
        elif prop == "version":
            out[prop] = "1"
        else:
            out[prop] = f"{name}.{prop}"
    return out


def install_mocks(stack: str = "test", config: dict[str, str] | None = None,
                  plan: dict[str, Any] | None = None) -> RecordingMocks:
    """Install a fresh mock engine: new recorder, new root stack, only ``config``, not a preview.

    With ``plan``, every registration of a Plan resource is compared with its Plan inputs (``mocks.serialised``).
    """
    settings.reset_options()
    pulumi.runtime.set_all_config(dict(config or {}))
    mocks = RecordingMocks(plan)
    pulumi.runtime.set_mocks(mocks, project=PROJECT, stack=stack, preview=False)
    return mocks


@pytest.fixture
def pulumi_mocks() -> RecordingMocks:
    """A fresh mock engine for stack 'test' with empty config."""
    return install_mocks()


def run_program(program: Callable[[], Any]) -> dict[str, Any]:
    """Run ``program`` under the mocks until every registration and Output settles; return the resolved exports."""
    exports: dict[str, Any] = {}

    @pulumi.runtime.test
    def _run():
        program()
        outputs = settings.get_root_resource().outputs

        def keep(values: dict[str, Any]) -> None:
            exports.update(values)

        return pulumi.Output.from_input(dict(outputs)).apply(keep)

    _run()
    return exports


# --- expected values -------------------------------------------------------------------------------------------------

def expected(value: Any, mocks: RecordingMocks) -> Any:
    """Resolve a Plan value the way the engine should see it, from what the mocks returned (independent of the adapter)."""
    if isinstance(value, list):
        return [expected(v, mocks) for v in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"ref", "attr"}:
        if value["attr"] == "id":
            return mocks.ids[value["ref"]]
        return mocks.states[value["ref"]][value["attr"]]
    if set(value) == {"context"}:
        return {"accountId": ACCOUNT, "callerArn": CALLER_ARN}[value["context"]]
    if set(value) == {"fn::join"}:
        sep, parts = value["fn::join"]
        return sep.join(expected(p, mocks) for p in parts)
    if set(value) == {"fn::toJSON"}:
        return json.dumps(expected(value["fn::toJSON"], mocks), separators=(",", ":"))
    return {k: expected(v, mocks) for k, v in value.items()}


def engine_view(inputs: Any, mocks: RecordingMocks) -> Any:
    """A Plan resource's inputs as the engine must receive them, allowing only these transformations:

    - the adapter's: each expression becomes its value (``{ref, attr}`` the referenced resource's output,
      ``{context}`` the caller identity, ``fn::join`` the joined string, ``fn::toJSON`` compact JSON); top-level
      keys go camelCase → the class's Python argument → camelCase (identity for every class the compiler uses,
      tests/deploy/test_types.py);
    - the wire's: every number is a float (the engine's protobuf Struct has one number type).

    Nothing else: no key renamed, added or dropped (a None would be dropped: the Plan has none), no value changed.
    """
    return numbers_as_floats(expected(inputs, mocks))


def numbers_as_floats(value: Any) -> Any:
    """Ints as floats, and nothing else changed (bools stay bools)."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, list):
        return [numbers_as_floats(v) for v in value]
    if isinstance(value, dict):
        return {k: numbers_as_floats(v) for k, v in value.items()}
    return value


def differences(actual: Any, wanted: Any, where: str) -> list[str]:
    """Every place ``actual`` differs from ``wanted`` (kinds, keys, lengths, values), each with its path."""
    if isinstance(wanted, dict):
        if not isinstance(actual, dict):
            return [f"{where}: expected a mapping, got {actual!r}"]
        found = []
        if set(actual) != set(wanted):
            found.append(f"{where}: keys differ: missing {sorted(set(wanted) - set(actual))}, "
                         f"unexpected {sorted(set(actual) - set(wanted))}")
        return found + [d for k in wanted if k in actual for d in differences(actual[k], wanted[k], f"{where}.{k}")]
    if isinstance(wanted, list):
        if not isinstance(actual, list) or len(actual) != len(wanted):
            return [f"{where}: {actual!r} != {wanted!r}"]
        return [d for i, (a, w) in enumerate(zip(actual, wanted)) for d in differences(a, w, f"{where}[{i}]")]
    if type(actual) is not type(wanted) or actual != wanted:
        return [f"{where}: {actual!r} != {wanted!r}"]
    return []


def assert_serialised_unchanged(plan: dict[str, Any], mocks: RecordingMocks) -> None:
    """Every Plan resource was compared as it registered, and the engine received exactly its Plan inputs."""
    names = [r["name"] for r in plan["resources"]]
    assert set(mocks.serialised) == set(names), f"not compared at registration: {sorted(set(names) - set(mocks.serialised))}"
    found = [d for name in names for d in mocks.serialised[name]]
    assert found == [], "the SDK's serialisation changed Plan inputs:\n" + "\n".join(found)


def normalise(value: Any) -> Any:
    """Ints as floats (the mock monitor's protobuf Struct has one number type); None-valued keys dropped."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, list):
        return [normalise(v) for v in value]
    if isinstance(value, dict):
        return {k: normalise(v) for k, v in value.items() if v is not None}
    return value


def assert_same(actual: Any, wanted: Any, where: str) -> None:
    """Deep equality with a path in the message; JSON strings compared byte for byte (key order included)."""
    if isinstance(wanted, dict):
        assert isinstance(actual, dict), f"{where}: expected a mapping, got {actual!r}"
        assert set(actual) == set(wanted), (f"{where}: keys differ: missing {sorted(set(wanted) - set(actual))}, "
                                            f"unexpected {sorted(set(actual) - set(wanted))}")
        for k in wanted:
            assert_same(actual[k], wanted[k], f"{where}.{k}")
    elif isinstance(wanted, list):
        assert isinstance(actual, list) and len(actual) == len(wanted), f"{where}: {actual!r} != {wanted!r}"
        for i, (a, w) in enumerate(zip(actual, wanted)):
            assert_same(a, w, f"{where}[{i}]")
    elif isinstance(wanted, float) and isinstance(actual, float):
        assert math.isclose(actual, wanted), f"{where}: {actual!r} != {wanted!r}"
    else:
        assert actual == wanted, f"{where}: {actual!r} != {wanted!r}"


def assert_plan_deployed(plan: dict[str, Any], mocks: RecordingMocks, exports: dict[str, Any]) -> None:
    """Every Plan resource registered once, with its type token, exactly its inputs, after what it depends on."""
    registered = mocks.by_name()
    planned = {r["name"]: r for r in plan["resources"]}
    assert set(registered) == set(planned), (f"missing {sorted(set(planned) - set(registered))}, "
                                             f"unexpected {sorted(set(registered) - set(planned))}")
    position = {a.name: i for i, a in enumerate(mocks.created)}
    for name, res in planned.items():
        args = registered[name]
        assert args.typ == res["type"], f"{name}: registered as {args.typ}, planned {res['type']}"
        assert args.custom, f"{name}: not a custom resource"
        assert_same(normalise(args.inputs), normalise(expected(res["inputs"], mocks)), f"{name}.inputs")
        for dep in res.get("dependsOn", []):
            assert position[dep] < position[name], f"{name} registered before its dependsOn {dep}"
        for ref in _refs(res["inputs"]):
            assert position[ref] < position[name], f"{name} registered before {ref}, which it references"
    assert_same(normalise(exports), normalise(expected(plan.get("outputs", {}), mocks)), "outputs")


def _refs(value: Any) -> list[str]:
    if isinstance(value, dict):
        if set(value) == {"ref", "attr"}:
            return [value["ref"]]
        return [r for v in value.values() for r in _refs(v)]
    if isinstance(value, list):
        return [r for v in value for r in _refs(v)]
    return []


def pytest_collection_modifyitems(items):
    """pulumi_aws.s3 warns about its own deprecated V2 classes at import time; that is not ours to fix."""
    for item in items:
        if "tests/deploy/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.filterwarnings("ignore::DeprecationWarning:pulumi_aws"))


@pytest.fixture
def sagemaker_client(moto_url):
    import boto3

    client = boto3.client("sagemaker", region_name="us-east-1", endpoint_url=moto_url,
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    yield client
    for ep in client.list_endpoints()["Endpoints"]:
        client.delete_endpoint(EndpointName=ep["EndpointName"])


@pytest.fixture
def sagemaker_describe(sagemaker_client):
    """DescribeEndpoint against the moto server (never real AWS, never the metadata service)."""
    return lambda name: sagemaker_client.describe_endpoint(EndpointName=name)
