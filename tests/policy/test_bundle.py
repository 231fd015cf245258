"""The OPA bundle: read back, loaded into the real OPA engine, judges like the in-process engine; deterministic."""

from __future__ import annotations

import gzip
import json
import re
import tarfile

import pytest

from llmops_iac.errors import UsageError
from llmops_iac.policy import catalog
from llmops_iac.policy.bundle import DATA_ROOT, build_bundle, roots_of
from llmops_iac.policy.catalog import rule_data
from llmops_iac.policy.reference import OpaEngine
from llmops_iac.policy.server import OpaServerEngine
from tests.policy.opa_server import opa_server, policy_cases  # noqa: F401

PACKAGE = re.compile(r"^package\s+([\w.]+)", re.M)


@pytest.fixture(scope="module")
def cat():
    return catalog.load()


def read(path) -> dict[str, bytes]:
    with tarfile.open(path, "r:gz") as tar:
        members = tar.getmembers()
        assert all(m.isfile() and m.mtime == 0 and m.uid == 0 and m.gid == 0 and m.mode == 0o644 for m in members)
        assert [m.name for m in members] == sorted(m.name for m in members)
        return {m.name: tar.extractfile(m).read() for m in members}


def covered(path: str, roots: list[str]) -> bool:
    return any(path == r or path.startswith(r + ".") for r in roots)


def test_bundle_contents(cat, tmp_path):
    out = tmp_path / "bundle.tar.gz"
    revision = build_bundle(cat, str(out))
    files = read(out)
    manifest = json.loads(files["/.manifest"])
    assert manifest == {"revision": revision, "roots": roots_of(cat)}
    assert re.fullmatch(r"sha256:[0-9a-f]{16}", revision)
    rego = {name for name in files if name.endswith(".rego")}
    assert rego == {"/" + path for path in cat.modules}
    assert not any(name.endswith("_test.rego") for name in files)
    assert all(name.startswith("/policies/") for name in rego)
    data = json.loads(files["/data.json"])
    assert list(data) == [DATA_ROOT]
    assert data[DATA_ROOT]["rules"] == rule_data(cat)
    assert {"production", "staging", "development"} <= set(data[DATA_ROOT]["profiles"])
    assert data[DATA_ROOT]["profiles"]["production"]["tiers"] == ["production"]


def test_manifest_roots_cover_every_package_and_the_data(cat, tmp_path):
    out = tmp_path / "b.tar.gz"
    build_bundle(cat, str(out))
    files = read(out)
    roots = json.loads(files["/.manifest"])["roots"]
    for name, content in files.items():
        if name.endswith(".rego"):
            package = PACKAGE.search(content.decode()).group(1)
            assert covered(package, roots), f"{name}: package {package} is outside the roots {roots}"
    for key in json.loads(files["/data.json"]):
        assert covered(key, roots)
    for a in roots:  # OPA refuses overlapping roots
        assert not any(b != a and covered(b, [a]) for b in roots)


def test_rebuilding_gives_identical_bytes(cat, tmp_path):
    a, b = tmp_path / "a.tar.gz", tmp_path / "b.tar.gz"
    build_bundle(cat, str(a))
    build_bundle(catalog.load(), str(b))
    assert a.read_bytes() == b.read_bytes()
    header = a.read_bytes()[:10]
    assert header[4:8] == b"\0\0\0\0" and not header[3] & 0x08  # gzip mtime 0, no file name
    assert gzip.decompress(a.read_bytes())  # and it is a valid gzip stream


def test_revision_can_be_given_and_changes_with_content(cat, tmp_path):
    assert build_bundle(cat, str(tmp_path / "a.tar.gz"), revision="v1.2.3-4-gabc") == "v1.2.3-4-gabc"
    assert json.loads(read(tmp_path / "a.tar.gz")["/.manifest"])["revision"] == "v1.2.3-4-gabc"
    (tmp_path / "extra").mkdir()
    (tmp_path / "extra" / "x.rego").write_text("package llmops.extra\nimport rego.v1\nflag := true\n")
    assert build_bundle(catalog.load([str(tmp_path / "extra")]), str(tmp_path / "b.tar.gz")) != \
        build_bundle(cat, str(tmp_path / "c.tar.gz"))


def test_a_package_outside_llmops_adds_its_root(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "m.rego").write_text("package acme.rules\nimport rego.v1\nok := true\n")
    assert roots_of(catalog.load([str(tmp_path / "mine")])) == sorted(["acme", DATA_ROOT, "llmops"])


def test_the_bundle_judges_like_the_in_process_engine(cat, tmp_path):
    out = tmp_path / "bundle.tar.gz"
    build_bundle(cat, str(out))
    files = read(out)
    from_bundle = OpaEngine()
    from_bundle.load({name.lstrip("/"): content.decode() for name, content in files.items() if name.endswith(".rego")},
                     json.loads(files["/data.json"]))
    reference = OpaEngine()
    reference.load(cat.modules, {})
    try:
        for case in policy_cases()[:6]:
            assert from_bundle.evaluate(case.document) == reference.evaluate(case.document), case.id
    finally:
        from_bundle.close()
        reference.close()


def test_the_bundle_on_a_server_judges_the_same(cat, tmp_path, opa_server):
    out = tmp_path / "bundle.tar.gz"
    build_bundle(cat, str(out))
    files = read(out)
    served = OpaServerEngine(opa_server.url, timeout=5, retries=0)
    served.load({name.lstrip("/"): c.decode() for name, c in files.items() if name.endswith(".rego")},
                json.loads(files["/data.json"]))
    reference = OpaEngine()
    reference.load(cat.modules, {})
    try:
        case = policy_cases()[0]
        assert served.evaluate(case.document) == reference.evaluate(case.document)
        assert opa_server.query([DATA_ROOT, "rules"], None, False)[1] == rule_data(cat)
    finally:
        reference.close()


def test_the_write_is_atomic_and_checked(cat, tmp_path):
    with pytest.raises(UsageError, match="does not exist"):
        build_bundle(cat, str(tmp_path / "missing" / "b.tar.gz"))
    with pytest.raises(UsageError, match="is a directory"):
        build_bundle(cat, str(tmp_path))
    out = tmp_path / "b.tar.gz"
    out.write_bytes(b"old")
    build_bundle(cat, str(out))
    assert out.read_bytes()[:2] == b"\x1f\x8b"
    assert [p.name for p in tmp_path.iterdir()] == ["b.tar.gz"]


def test_cli_policy_bundle(tmp_path, invoke):
    out = tmp_path / "bundle.tar.gz"
    result = invoke("policy", "bundle", "--output", str(out))
    assert result.exit_code == 0, result.output
    assert "revision sha256:" in result.output and out.exists()
