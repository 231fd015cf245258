"""The two engines: OPA in-process and an OPA server over real HTTP — same verdicts, fail closed.

The server is tests/policy/opa_server.py: a real HTTP server on 127.0.0.1 that evaluates with the real
OPA engine and can misbehave on request. Every fault must end as an EngineError (exit 3 through the
CLI), never as a pass. What the answer must hold is tests/policy/test_answers.py; regopy, which gives no
verdicts, is held to OPA by tests/policy/test_differential.py.
"""

from __future__ import annotations

import json
import time

import pytest

from llmops_iac.errors import EXIT_INPUT, EXIT_INTERNAL
from llmops_iac.policy import catalog
from llmops_iac.policy import engine as engine_module
from llmops_iac.policy.engine import EngineError, create
from llmops_iac.policy.reference import OpaEngine
from llmops_iac.policy.server import POLICY_PREFIX, OpaServerEngine
from tests.conftest import run_script
from tests.policy.opa_server import (differences, in_process_results, normalise, opa_server,  # noqa: F401
                                    policy_cases, refused_url, running)

CASES = policy_cases()
FAST = {"timeout": 2.0, "retries": 1, "backoff": 0.01}


@pytest.fixture(scope="module")
def cat():
    return catalog.load()


def server_engine(server, cat=None, **kwargs) -> OpaServerEngine:
    eng = OpaServerEngine(server.url, **{**FAST, **kwargs})
    if cat is not None:
        eng.load(cat.modules, {})
    return eng


# -- same results ------------------------------------------------------------------------------------------

def test_server_equals_the_in_process_engines(opa_server, cat):
    """Every example and rule fixture over HTTP: identical to OPA in-process. One load, one POST per input."""
    eng = server_engine(opa_server, cat)
    opa = in_process_results("opa")
    problems = []
    for case in CASES:
        served = eng.evaluate(case.document)
        if ("ok", served) != opa[case.id]:
            problems.append(f"{case.id}: the server's result differs from OPA in-process: "
                            + "; ".join(differences(served, opa[case.id][1])))
    assert not problems, "\n".join(problems)
    assert [s.method for s in opa_server.seen].count("POST") == len(CASES)
    assert len(CASES) > 4


def test_data_reaches_every_engine_alike(opa_server):
    modules = {"p/limits.rego": "package llmops.limits\nimport rego.v1\n\n"
                                "too_big contains n if {\n\tsome n in input.sizes\n\tn > data.llmops_catalog.max\n}\n"}
    data = {"llmops_catalog": {"max": 3}}
    doc = {"sizes": [1, 4, 5]}
    results = []
    for eng in (OpaEngine(), server_engine(opa_server)):
        eng.load(modules, data)
        results.append(normalise(eng.evaluate(doc)))
    assert results[0] == results[1] == {"limits": {"too_big": [4, 5]}}
    assert ("PUT", "/v1/data/llmops_catalog") in [(s.method, s.path) for s in opa_server.seen]


def test_no_data_no_data_write(opa_server, cat):
    server_engine(opa_server, cat)
    assert not [s for s in opa_server.seen if s.path.startswith("/v1/data/") and s.method == "PUT"]


# -- loading: order, stale and foreign modules, compile errors --------------------------------------------

LIB = "package llmops.zlib\nimport rego.v1\n\nflag(x) := {\"msg\": x}\n"
USER = "package llmops.a\nimport rego.v1\nimport data.llmops.zlib\n\nbad contains zlib.flag(\"hit\") if input.hit\n"


def test_a_module_pushed_before_the_one_it_calls_is_retried(opa_server):
    eng = server_engine(opa_server)
    eng.load({"a.rego": USER, "zz/lib.rego": LIB.replace("import rego.v1\n", "import rego.v1\nimport data.llmops.a\n")}, {})
    assert eng.evaluate({"hit": True})["a"]["bad"] == [{"msg": "hit"}]
    puts = [s.path for s in opa_server.seen if s.method == "PUT"]
    assert puts.count(f"/v1/policies/{POLICY_PREFIX}a.rego") == 2  # refused once (undefined function), then accepted


def test_modules_removed_from_the_catalogue_are_deleted(opa_server):
    eng = server_engine(opa_server)
    eng.load({"a.rego": USER, "lib.rego": LIB, "old.rego": "package llmops.old\nstale := true\n"}, {})
    assert "old" in eng.evaluate({})
    eng.load({"a.rego": USER, "lib.rego": LIB}, {})
    assert "old" not in eng.evaluate({})
    assert set(opa_server.policies) == {f"{POLICY_PREFIX}a.rego", f"{POLICY_PREFIX}lib.rego"}


def test_foreign_modules_under_llmops_fail_closed(opa_server, cat):
    opa_server.put_policy("someone-else.rego", "package llmops.extra\nimport rego.v1\nnoise := 1\n")
    opa_server.put_policy("unrelated.rego", "package authz\nallow := true\n")
    with pytest.raises(EngineError, match=r"someone-else\.rego \(package llmops\.extra\).*would change the verdict"):
        server_engine(opa_server, cat)


BROKEN = {"parse": ("broken/bad.rego", "package llmops.broken\nimport rego.v1\n\nx contains y if {\n\ty := [1,\n}\n", 6),
          "type": ("broken/bad.rego", "package llmops.broken\nimport rego.v1\n\nx contains y if {\n\ty := data.llmops.nope.f(1)\n}\n", 5)}


@pytest.mark.parametrize("kind", list(BROKEN))
@pytest.mark.parametrize("engine_name", ["opa", "opa-server"])
def test_a_module_that_does_not_compile_is_an_engine_error(opa_server, cat, engine_name, kind):
    path, source, line = BROKEN[kind]
    modules = {**cat.modules, path: source}
    eng = server_engine(opa_server) if engine_name == "opa-server" else create(engine_name)
    with pytest.raises(EngineError, match="do not compile") as info:
        eng.load(modules, {})
    assert f"{path}:{line}" in str(info.value)


@pytest.mark.parametrize("engine_args", [[], ["--engine", "opa"], ["--opa-url"]])
def test_cli_exits_2_on_a_policy_dir_module_that_does_not_compile(opa_server, tmp_path, invoke, engine_args):
    """The user's Rego (a --policy-dir) is input: exit 2 naming the file, since the built-ins compile without it."""
    (tmp_path / "bad.rego").write_text(BROKEN["parse"][1])
    args = engine_args + ([opa_server.url] if engine_args == ["--opa-url"] else [])
    result = invoke("check", "examples", "--policy-dir", str(tmp_path), *args)
    assert result.exit_code == EXIT_INPUT, result.output
    assert "do not compile" in result.stderr and "bad.rego" in result.stderr


@pytest.mark.parametrize("engine_args", [[], ["--opa-url"]])
def test_cli_exits_3_on_a_built_in_policy_that_does_not_compile(opa_server, tmp_path, invoke, monkeypatch, engine_args):
    """The tool's own policies not compiling is an engine failure, with or without a --policy-dir."""
    import shutil

    from llmops_iac.policy import catalog

    builtin = tmp_path / "policies"
    shutil.copytree(catalog.builtin_dir(), builtin)
    (builtin / "lib" / "bad.rego").write_text(BROKEN["parse"][1])
    monkeypatch.setattr(catalog, "builtin_dir", lambda: builtin)
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "ok.rego").write_text("package llmops.mine\nimport rego.v1\n\nx := 1\n")
    args = engine_args + ([opa_server.url] if engine_args == ["--opa-url"] else [])
    for extra in ([], ["--policy-dir", str(tmp_path / "mine")]):
        result = invoke("check", "examples/minimal.yaml", *extra, *args)
        assert result.exit_code == EXIT_INTERNAL, result.output
        assert "do not compile" in result.stderr and "bad.rego" in result.stderr


# -- faults: every one is an EngineError -------------------------------------------------------------------

FAULTS = {
    "stall": {"mode": "stall"},
    "trickle": {"mode": "trickle"},
    "reset": {"mode": "reset"},
    "http-500": {"mode": "status", "status": 500},
    "http-503": {"mode": "status", "status": 503},
    "http-400": {"mode": "status", "status": 400},
    "http-404": {"mode": "status", "status": 404},
    "malformed-json": {"mode": "malformed"},
    "partial-content-length": {"mode": "partial"},
    "partial-chunked": {"mode": "partial-chunked"},
    "missing-result": {"mode": "no-result"},
    "result-not-object": {"mode": "not-object"},
}
EXPECT = {"stall": "stalled", "trickle": "stalled", "reset": "connection failed", "http-500": "HTTP 500",
          "http-503": "HTTP 503", "http-400": "HTTP 400", "http-404": "HTTP 404", "malformed-json": "not JSON",
          "partial-content-length": "cut short", "partial-chunked": "cut short", "missing-result": "undefined",
          "result-not-object": "expected an object"}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_every_fault_while_evaluating_is_an_engine_error(opa_server, cat, fault):
    eng = server_engine(opa_server, cat)  # loading is not under test: a loaded machine may take longer than 0.5 s
    eng.timeout = 0.5
    opa_server.fault(**FAULTS[fault], methods={"POST"})
    start = time.monotonic()
    with pytest.raises(EngineError) as info:
        eng.evaluate(CASES[0].document)
    message = str(info.value)
    assert opa_server.url in message and "POST /v1/data/llmops" in message
    assert EXPECT[fault] in message
    assert time.monotonic() - start < 3  # timeout 0.5 s: the hard deadline holds even against a trickle


@pytest.mark.parametrize("fault", [f for f in FAULTS if f not in ("missing-result",)])
def test_every_fault_while_loading_is_an_engine_error(opa_server, cat, fault):
    opa_server.fault(**FAULTS[fault])
    start = time.monotonic()
    with pytest.raises(EngineError) as info:
        server_engine(opa_server, cat, timeout=0.5)
    assert opa_server.url in str(info.value)
    assert time.monotonic() - start < 5  # at most 1 + retries attempts, each within the timeout


def test_an_undefined_document_while_loading_is_an_engine_error(opa_server, cat):
    opa_server.fault("no-result", methods={"GET"}, path="/v1/data/")
    with pytest.raises(EngineError, match=r"data\.llmops is undefined"):
        server_engine(opa_server, cat)


def test_refused_connection_is_an_engine_error_after_bounded_retries():
    url = refused_url()
    eng = OpaServerEngine(url, timeout=1, retries=2, backoff=0.01)
    with pytest.raises(EngineError, match=r"connection refused.*after 3 attempts") as info:
        eng.load({"a.rego": "package llmops.a\n"}, {})
    assert url in str(info.value)


def test_a_server_that_goes_away_after_loading(cat):
    with running() as server:
        eng = server_engine(server, cat)
    with pytest.raises(EngineError, match="connection refused"):
        eng.evaluate(CASES[0].document)


def test_idempotent_calls_are_retried_on_5xx_and_evaluation_is_not(opa_server, cat):
    opa_server.fault("status", status=502, methods={"GET"}, times=1)
    eng = server_engine(opa_server, cat)  # the first GET fails, its retry succeeds
    assert [s.fault for s in opa_server.seen if s.method == "GET"][:2] == ["status", None]
    opa_server.fault("status", status=502, methods={"POST"}, times=1)
    with pytest.raises(EngineError, match="HTTP 502"):
        eng.evaluate(CASES[0].document)
    assert [s.method for s in opa_server.seen].count("POST") == 1  # a POST is never sent twice
    assert eng.evaluate(CASES[0].document)  # the fault was one-off


def test_retries_are_bounded(opa_server, cat):
    opa_server.fault("status", status=500, methods={"GET"})
    with pytest.raises(EngineError, match=r"HTTP 500.*after 3 attempts"):
        server_engine(opa_server, cat, retries=2)
    assert [s.method for s in opa_server.seen].count("GET") == 3


# -- authentication ----------------------------------------------------------------------------------------

def test_bearer_token_from_the_environment(cat, monkeypatch):
    secret = "s3cr3t-token-value"
    with running(token=secret) as server:
        monkeypatch.setenv("OPA_TOKEN", secret)
        eng = server_engine(server, cat)
        eng.evaluate(CASES[0].document)
        assert {s.authorization for s in server.seen} == {f"Bearer {secret}"}
        monkeypatch.setenv("OPA_TOKEN", "wrong-token-value")
        with pytest.raises(EngineError, match="refused the bearer token") as info:
            server_engine(server, cat)
        assert "wrong-token-value" not in str(info.value)
        monkeypatch.delenv("OPA_TOKEN")
        with pytest.raises(EngineError, match=r"HTTP 401.*set \$OPA_TOKEN"):
            server_engine(server, cat)


@pytest.mark.parametrize("url", ["ftp://127.0.0.1:8181", "127.0.0.1:8181", "http://user:hunter2@127.0.0.1:8181",
                                 "http://127.0.0.1:8181/?q=1", "http://127.0.0.1:notaport"])
def test_bad_urls_are_engine_errors_without_secrets(url):
    with pytest.raises(EngineError) as info:
        OpaServerEngine(url)
    assert "hunter2" not in str(info.value)


# -- one engine per process --------------------------------------------------------------------------------

def test_the_engine_is_created_and_loaded_once_and_evaluates_each_spec(opa_server, monkeypatch):
    from llmops_iac.pipeline import PolicyOptions, run

    calls = {"create": 0, "load": 0, "evaluate": 0}
    real_create = engine_module.create

    class Counting:
        def __init__(self, inner):
            self.inner, self.name = inner, inner.name

        def load(self, modules, data):
            calls["load"] += 1
            return self.inner.load(modules, data)

        def evaluate(self, input):
            calls["evaluate"] += 1
            return self.inner.evaluate(input)

    def create(*args, **kwargs):
        calls["create"] += 1
        return Counting(real_create(*args, **kwargs))

    monkeypatch.setattr(engine_module, "create", create)
    result = run("check", ["examples"], policy=PolicyOptions(opa_url=opa_server.url))
    judged = [f for f in result.files if f.policy is not None]
    assert len({f.path for f in judged}) == len(list(__import__("pathlib").Path("examples").glob("*.yaml"))) >= 4
    assert len(judged) > len({f.path for f in judged})  # every declared environment is judged
    assert calls == {"create": 1, "load": 1, "evaluate": len(judged)}
    assert {f.policy.engine for f in judged} == {"opa-server"}
    assert [s.method for s in opa_server.seen].count("POST") == len(judged)


# -- through the CLI ---------------------------------------------------------------------------------------

def _comparable(report_json: str) -> dict:
    data = json.loads(report_json)
    text = json.dumps(data).replace('"opa-server"', '"ENGINE"').replace('"opa"', '"ENGINE"')
    return json.loads(text)


def test_cli_with_opa_url_reports_what_the_in_process_engine_reports(opa_server, invoke):
    served = invoke("check", "examples", "--format", "json", "--opa-url", opa_server.url)
    local = invoke("check", "examples", "--format", "json", "--engine", "opa")
    assert served.exit_code == local.exit_code != EXIT_INTERNAL, served.stderr
    assert _comparable(served.stdout) == _comparable(local.stdout)


@pytest.mark.parametrize("fault", ["http-500", "malformed-json", "partial-content-length", "partial-chunked",
                                   "missing-result", "result-not-object", "reset"])
def test_cli_fails_closed_on_server_faults(opa_server, invoke, fault):
    opa_server.fault(**FAULTS[fault], methods={"POST"})
    result = invoke("check", "examples", "--opa-url", opa_server.url)
    assert result.exit_code == EXIT_INTERNAL, result.output
    assert f"llmops-iac: error: OPA server {opa_server.url}" in result.stderr
    assert EXPECT[fault] in result.stderr


def test_installed_cli_exits_3_when_the_server_is_down():
    url = refused_url()
    proc = run_script("check", "examples", "--opa-url", url, timeout=60)
    assert proc.returncode == EXIT_INTERNAL, proc.stdout + proc.stderr
    assert f"OPA server {url}" in proc.stderr and "connection refused" in proc.stderr


def test_installed_cli_against_the_server(opa_server):
    proc = run_script("check", "examples", "--opa-url", opa_server.url, timeout=60)
    assert proc.returncode in (0, 1), proc.stderr
    assert [s.method for s in opa_server.seen].count("POST") >= 4


def test_opa_url_from_the_environment(opa_server, monkeypatch):
    monkeypatch.setenv("OPA_URL", opa_server.url)
    assert isinstance(create(), OpaServerEngine)


def test_missing_opa_bindings_is_an_engine_error_with_the_install_command(monkeypatch):
    import builtins

    from llmops_iac.policy.reference import INSTALL

    real_import = builtins.__import__

    def no_opa(name, *args, **kwargs):
        if name.startswith("opa_bindings"):
            raise ImportError("No module named 'opa_bindings'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_opa)
    monkeypatch.delenv("OPA_URL", raising=False)
    with pytest.raises(EngineError) as info:
        create("opa")
    assert "pip install --no-deps --ignore-requires-python opa-golib-python-bindings==0.4.4" in str(info.value)
    assert INSTALL in str(info.value)
    with pytest.raises(EngineError, match="opa-golib-python-bindings"):
        create()  # the default: no fallback to another engine


def test_regopy_and_unknown_engine_names_are_usage_errors():
    from llmops_iac.errors import UsageError
    from llmops_iac.policy.engine import REGOPY_REFUSED

    with pytest.raises(UsageError) as info:
        create("regopy")
    assert str(info.value) == REGOPY_REFUSED
    with pytest.raises(UsageError, match="unknown policy engine 'rego-cpp'"):
        create("rego-cpp")


def test_every_engine_that_create_returns_is_real_opa(opa_server, monkeypatch):
    monkeypatch.delenv("OPA_URL", raising=False)
    assert isinstance(create(), OpaEngine) and isinstance(create("opa"), OpaEngine)
    assert isinstance(create(opa_url=opa_server.url), OpaServerEngine)
