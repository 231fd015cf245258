"""Serving-container image URIs: the offline resolver agrees with sagemaker-core and needs none of it.

The resolver reads sagemaker-core's config vendored in llmops_iac/compile/data/sagemaker_core/; the test
extra installs the same sagemaker-core version, which these tests read (never import, except for the
differential test's ``retrieve``) to hold the vendored files and the resolver to it.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import logging
import subprocess
import sys

import pytest
from packaging.version import Version

from llmops_iac.compile import images
from llmops_iac.compile.images import Image, ImageError, resolve, versions
from tests.conftest import ROOT, sagemaker_core_config

GPU, CPU = "ml.g5.2xlarge", "ml.c6i.xlarge"
# (spec framework, instance type, sagemaker-core key the resolver must choose)
CASES = [
    ("tgi", GPU, "huggingface-llm"),
    ("lmi", GPU, "djl-lmi"),
    ("vllm", GPU, "vllm"),
    ("tei", "ml.g5.xlarge", "huggingface-tei"),
    ("tei", CPU, "huggingface-tei-cpu"),
    ("tei", "ml.m5.xlarge", "huggingface-tei-cpu"),
]
REQUIRED_REGIONS = {"us-east-1", "us-west-2", "eu-west-1", "ap-southeast-1", "cn-north-1"}
ISOLATED_PREFIXES = ("us-iso-", "us-isob-", "us-isof-", "eu-isoe-")


def config(key: str) -> dict:
    """The inference section of the installed sagemaker-core's JSON for ``key`` (read independently)."""
    data = json.loads(sagemaker_core_config(key + ".json").read_bytes())
    return data["inference"] if "versions" not in data else data


def python(code: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *kwargs.pop("flags", []), "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=kwargs.pop("cwd", ROOT),
        **kwargs,
    )


# --- (1) differential: every framework x every version (and alias) x every region -------------------


@pytest.fixture(scope="module")
def retrieve():
    """sagemaker.core.image_uris.retrieve, imported only here (it costs ~2 s).

    retrieve() rebuilds botocore's endpoint resolver from endpoints.json on every
    call (~50 ms); caching that pure function keeps ~2,500 calls to a few seconds
    without changing any result.
    """
    from sagemaker.core import image_uris

    logging.getLogger("sagemaker").setLevel(logging.ERROR)
    original = image_uris.utils._botocore_resolver
    image_uris.utils._botocore_resolver = functools.lru_cache(maxsize=None)(original)
    try:
        yield image_uris.retrieve
    finally:
        image_uris.utils._botocore_resolver = original


@pytest.mark.parametrize(("framework", "instance_type", "key"), CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_resolve_matches_sagemaker_core_retrieve(retrieve, framework, instance_type, key):
    cfg = config(key)
    all_regions = sorted({r for v in cfg["versions"].values() for r in v["registries"]} | {"xx-nowhere-1"})
    assert REQUIRED_REGIONS <= set(all_regions), "the bundled config lost a region this test promises"
    assert versions(framework, instance_type) == sorted(cfg["versions"], key=Version)
    aliases = {a: t for a, t in cfg.get("version_aliases", {}).items() if a != "latest"}
    compared = 0
    for version in [*cfg["versions"], *aliases]:
        concrete = aliases.get(version, version)
        registries = cfg["versions"][concrete]["registries"]
        for region in all_regions:
            if region.startswith(ISOLATED_PREFIXES):
                with pytest.raises(ImageError, match="isolated"):
                    resolve(framework, region, version, instance_type)
                continue
            if region not in registries:
                with pytest.raises(ValueError, match="Unsupported region"):
                    retrieve(key, region, version=version, instance_type=instance_type)
                with pytest.raises(ImageError, match=f"no image registry in {region}") as info:
                    resolve(framework, region, version, instance_type)
                assert "regions that have it: " in str(info.value)
                assert all(r in str(info.value) for r in registries if not r.startswith(ISOLATED_PREFIXES))
                continue
            expected = retrieve(key, region, version=version, instance_type=instance_type)
            got = resolve(framework, region, version, instance_type)
            assert got.uri == expected, (framework, version, region)
            assert got.framework_key == key
            assert got.version == concrete
            assert got.account == registries[region]
            assert got.uri.startswith(f"{got.account}.dkr.ecr.{region}.")
            assert f"/{got.repository}:{got.tag}" in got.uri
            compared += 1
    assert compared > 100


def test_china_and_govcloud_hosts():
    cn = resolve("tgi", "cn-north-1", None, GPU)
    assert ".dkr.ecr.cn-north-1.amazonaws.com.cn/" in cn.uri
    gov = resolve("lmi", "us-gov-west-1", None, GPU)
    assert ".dkr.ecr.us-gov-west-1.amazonaws.com/" in gov.uri


def test_default_lmi_matches_retrieve_latest(retrieve):
    """djl-lmi has a 'latest' alias: version=None follows it, as retrieve(version=None) does."""
    assert resolve("lmi", "us-east-1", None, GPU).uri == retrieve("djl-lmi", "us-east-1", instance_type=GPU)


# --- (2) newest-version selection ------------------------------------------------------------------


@pytest.mark.parametrize(("framework", "instance_type", "key"), CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_newest_version_is_pinned(framework, instance_type, key):
    cfg = config(key)
    releases = [Version(v) for v in cfg["versions"] if not Version(v).is_prerelease]
    newest = cfg.get("version_aliases", {}).get("latest") or str(max(releases))
    image = resolve(framework, "us-east-1", None, instance_type)
    assert image.version == newest
    assert image == resolve(framework, "us-east-1", newest, instance_type)


def test_alias_resolves_to_concrete_version():
    cfg = config("huggingface-llm")
    alias, target = next((a, t) for a, t in cfg["version_aliases"].items() if a != t)
    image = resolve("tgi", "us-east-1", alias, GPU)
    assert image.version == target
    assert image == resolve("tgi", "us-east-1", target, GPU)


def _fake_entry(version: str) -> dict:
    registries = {"us-east-1": "111122223333", "eu-west-1": "111122223333"}
    if version == "3.2.0":
        registries["cn-north-1"] = "444455556666"
    return {
        "registries": registries,
        "repository": "repo",
        "tag_prefix": f"t{version}",
        "py_versions": ["py311"],
        "container_version": {"gpu": "cu124"},
    }


FAKE = {
    "inference": {
        "processors": ["gpu"],
        "version_aliases": {"3.9": "3.9.9"},
        "versions": {v: _fake_entry(v) for v in ["3.9.9", "3.10.0", "4.0.0-rc1", "4.0.0.dev1", "3.2.0", "10.0.0b2"]},
    }
}


@pytest.fixture
def fake_config(monkeypatch):
    monkeypatch.setattr(images, "_load", lambda key: FAKE)


def test_newest_is_highest_semantic_release_not_prerelease(fake_config):
    image = resolve("tgi", "us-east-1", None, GPU)
    assert image.version == "3.10.0"  # numeric, not string, order; rc/dev/beta are skipped
    assert image.uri == "111122223333.dkr.ecr.us-east-1.amazonaws.com/repo:t3.10.0-gpu-py311-cu124"
    assert versions("tgi") == ["3.2.0", "3.9.9", "3.10.0", "4.0.0-rc1", "4.0.0.dev1", "10.0.0b2"]
    assert resolve("tgi", "us-east-1", "4.0.0-rc1", GPU).version == "4.0.0-rc1"  # pinned explicitly: allowed


def test_latest_alias_wins_when_present(monkeypatch):
    entry = {"registries": {"us-east-1": "1"}, "repository": "r"}
    fake = {"version_aliases": {"latest": "0.9.0"}, "versions": {"0.9.0": entry, "0.10.0": entry}}
    monkeypatch.setattr(images, "_load", lambda key: fake)
    assert resolve("lmi", "us-east-1", None, GPU).version == "0.9.0"


# --- (3) errors --------------------------------------------------------------------------------------


def test_unknown_version_lists_nearest_and_newest():
    known = versions("tgi")
    newest = resolve("tgi", "us-east-1", None, GPU).version
    with pytest.raises(ImageError) as info:
        resolve("tgi", "us-east-1", "2.5.0", GPU)
    message = str(info.value)
    assert isinstance(info.value, ValueError)
    assert message.startswith("tgi 2.5.0 is not known; nearest known: ")
    assert f"newest {newest}" in message
    below = [v for v in known if Version(v) < Version("2.5.0")][-1]
    above = [v for v in known if Version(v) > Version("2.5.0")][0]
    assert below in message and above in message
    assert "sagemaker-core 2." in message and ", vendored; a newer llmops-iac may know more: pip install -U llmops-iac" in message


def test_unknown_version_message_exact(fake_config):
    with pytest.raises(ImageError) as info:
        resolve("tgi", "us-east-1", "3.5", GPU)
    assert str(info.value).startswith("tgi 3.5 is not known; nearest known: 3.2.0, 3.9.9, 3.10.0; newest 3.10.0 (from ")


def test_region_without_the_version_names_regions_that_have_it(fake_config):
    with pytest.raises(ImageError) as info:
        resolve("tgi", "cn-north-1", "3.10.0", GPU)
    assert str(info.value) == (
        "tgi 3.10.0 (huggingface-llm) has no image registry in cn-north-1; "
        "regions that have it: eu-west-1, us-east-1; versions in cn-north-1: 3.2.0"
    )


@pytest.mark.parametrize("region", ["us-iso-east-1", "us-isob-east-1", "us-isof-south-1", "eu-isoe-west-1"])
def test_isolated_partitions_are_refused(region):
    with pytest.raises(ImageError, match=f"{region} is in an isolated AWS partition"):
        resolve("tgi", region, None, GPU)


@pytest.mark.parametrize(
    ("framework", "instance_type", "match"),
    [
        ("tgi", CPU, "tgi needs a GPU instance"),
        ("vllm", "ml.m5.xlarge", "vllm needs a GPU instance"),
        ("lmi", "ml.r5.xlarge", "lmi needs a GPU instance"),
        ("tgi", "ml.inf2.xlarge", "Neuron"),
        ("tei", "ml.trn1.2xlarge", "Neuron"),
        ("tei", "ml.c7g.xlarge", "Graviton"),
        ("tgi", "g5.2xlarge", "invalid SageMaker instance type"),
        ("tgi", "", "invalid SageMaker instance type"),
        ("triton", GPU, "unknown container framework 'triton'; known: tgi, lmi, vllm, tei"),
    ],
)
def test_bad_framework_or_instance(framework, instance_type, match):
    with pytest.raises(ImageError, match=match):
        resolve(framework, "us-east-1", None, instance_type)


def test_image_is_a_frozen_dataclass():
    image = resolve("tei", "us-east-1", None, CPU)
    assert dataclasses.is_dataclass(image)
    assert [f.name for f in dataclasses.fields(Image)] == ["uri", "framework_key", "version", "repository", "account"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        image.uri = "x"  # type: ignore[misc]
    assert image.framework_key == "huggingface-tei-cpu" and image.repository == "tei-cpu"


def test_resolves_without_sagemaker_core(tmp_path):
    """With site-packages off sys.path (so no sagemaker-core), every framework resolves, and no file of
    sagemaker-core's is opened: the resolver reads only its vendored copy."""
    code = (
        "import sys\n"
        "opened = []\n"
        "sys.addaudithook(lambda event, args: opened.append(str(args[0])) if event == 'open' else None)\n"
        "from llmops_iac.compile.images import resolve\n"
        "sys.path[:] = [p for p in sys.path if 'site-packages' not in p and 'dist-packages' not in p]\n"
        "for fw, it in [('tgi', 'ml.g5.2xlarge'), ('lmi', 'ml.g5.2xlarge'), ('vllm', 'ml.g5.2xlarge'),\n"
        "               ('tei', 'ml.g5.xlarge'), ('tei', 'ml.c6i.xlarge')]:\n"
        "    print('URI', resolve(fw, 'us-east-1', None, it).uri)\n"
        "print('SAGEMAKER', [p for p in opened if 'sagemaker/core' in p or 'sagemaker_core-' in p])\n"
        "print('VENDORED', sorted({p.rsplit('/', 1)[1] for p in opened if 'data/sagemaker_core/' in p}))\n"
    )
    result = python(code, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("URI ") == 5 and ".dkr.ecr.us-east-1.amazonaws.com/" in result.stdout
    assert "SAGEMAKER []" in result.stdout, result.stdout
    assert ("VENDORED ['djl-lmi.json', 'huggingface-llm.json', 'huggingface-tei-cpu.json', 'huggingface-tei.json', "
            "'vllm.json']") in result.stdout, result.stdout


# --- (4) the vendored config: sagemaker-core's files, unchanged, with version and licence ------------------------

VENDORED = ROOT / "llmops_iac" / "compile" / "data" / "sagemaker_core"


def test_vendored_config_is_the_installed_sagemaker_cores_byte_for_byte():
    """The test extra pins the vendored version: the differential test above then compares like with like.

    A failure here after bumping the pin means: run llmops_iac/compile/data/sagemaker_core/refresh.py."""
    from importlib.metadata import version

    source = json.loads((VENDORED / "source.json").read_text(encoding="utf-8"))
    assert source["distribution"] == "sagemaker-core" and source["licence"] == "Apache-2.0"
    assert source["version"] == version("sagemaker-core"), "refresh the vendored config (its README says how)"
    keys = {*images.FRAMEWORKS.values(), *images._CPU_KEYS.values()}
    on_disk = sorted(p.name for p in (VENDORED / "image_uri_config").iterdir())
    assert on_disk == sorted(source["files"]) == sorted(f"{k}.json" for k in keys)  # exactly what the resolver reads
    for name, digest in source["files"].items():
        data = (VENDORED / "image_uri_config" / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == digest, name
        assert data == sagemaker_core_config(name).read_bytes(), name
    assert (VENDORED / "LICENSE").read_text(encoding="utf-8").lstrip().startswith("Apache License")
    assert "Amazon.com, Inc. or its affiliates" in (VENDORED / "NOTICE").read_text(encoding="utf-8")
    readme = (VENDORED / "README.md").read_text(encoding="utf-8")
    assert readme.startswith(f"# Vendored from sagemaker-core {source['version']}\n")
    assert readme.count(source["version"]) >= 2 and "refresh.py" in readme


def test_vendored_config_ships_in_the_wheel():
    """hatch's wheel takes every file under llmops_iac/ that git does not ignore: nothing may ignore these."""
    ignored = subprocess.run(["git", "check-ignore", "--no-index", *map(str, VENDORED.rglob("*"))], cwd=ROOT,
                             capture_output=True, text=True)
    assert ignored.returncode == 1 and ignored.stdout == "", ignored.stdout


@pytest.mark.parametrize("damage", ["missing", "not-json"])
def test_a_damaged_vendored_config_is_an_image_error(tmp_path, monkeypatch, damage):
    (tmp_path / "image_uri_config").mkdir()
    if damage == "not-json":
        (tmp_path / "image_uri_config" / "huggingface-llm.json").write_text("{not json", encoding="utf-8")
    monkeypatch.setattr(images, "VENDORED", str(tmp_path))
    images._load.cache_clear()
    try:
        with pytest.raises(ImageError, match=r"cannot read llmops-iac's vendored image config .*huggingface-llm\.json.*"
                                             r"reinstall llmops-iac"):
            resolve("tgi", "us-east-1", None, GPU)
    finally:
        images._load.cache_clear()


# --- (5) no sagemaker import --------------------------------------------------------------------------


def test_resolve_does_not_import_sagemaker():
    code = (
        "import sys, time\n"
        "t = time.perf_counter()\n"
        "from llmops_iac.compile.images import resolve, versions, ImageError\n"
        "resolve('tgi', 'us-east-1', None, 'ml.g5.2xlarge')\n"
        "print('ms', (time.perf_counter() - t) * 1e3)\n"
        "for fw, it in [('lmi', 'ml.g5.2xlarge'), ('vllm', 'ml.p4d.24xlarge'), ('tei', 'ml.c6i.xlarge'), ('tei', 'ml.g5.xlarge')]:\n"
        "    resolve(fw, 'cn-north-1' if fw == 'lmi' else 'eu-west-1', None, it); versions(fw, it)\n"
        "for bad in [('tgi', 'us-east-1', '0.0.1'), ('vllm', 'cn-north-1', None), ('tgi', 'us-iso-east-1', None)]:\n"
        "    try:\n        resolve(*bad, 'ml.g5.2xlarge')\n    except ImageError:\n        pass\n"
        "print('loaded', sorted(m for m in sys.modules if m == 'sagemaker' or m.startswith('sagemaker.')))\n"
    )
    result = python(code, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert "loaded []" in result.stdout, result.stdout
