"""SageMaker serving-container image URIs, resolved offline from sagemaker-core's config, vendored.

``resolve(framework, region, version, instance_type)`` gives the ECR image URI of
the serving container for one of the spec's container frameworks. It returns
the same URI as ``sagemaker.core.image_uris.retrieve`` (a differential test
checks this for every version) but needs no ``sagemaker``: the five config files
it reads are vendored in ``compile/data/sagemaker_core/`` with their version,
licence and sha256 (its README says how to refresh them), so ``pip install
llmops-iac`` does not install sagemaker-core and its scipy/pandas stack.
Importing ``sagemaker.core`` takes about 2 s; this module reads one JSON file
(13–63 KB) in a few milliseconds.

Spec framework → sagemaker-core framework key:

=========  ==============================================================  =====================
spec       key                                                             repository (us-east-1)
=========  ==============================================================  =====================
``tgi``    ``huggingface-llm``                                              huggingface-pytorch-tgi-inference
``lmi``    ``djl-lmi``                                                      djl-inference
``vllm``   ``vllm`` (the AWS Deep Learning Container for vLLM)              vllm
``tei``    ``huggingface-tei`` on GPU, ``huggingface-tei-cpu`` on CPU       tei / tei-cpu
=========  ==============================================================  =====================

Why ``vllm`` means the AWS vLLM DLC and not vLLM served through ``djl-lmi``:
someone who asks for "vLLM on a SageMaker real-time endpoint" expects the vLLM
container. Its SageMaker variant (tags end in ``-sagemaker``) runs
``vllm serve`` behind SageMaker's ``/ping`` and ``/invocations`` contract. It is
configured with vLLM's own engine arguments (``SM_VLLM_*`` environment
variables), and **its version is the vLLM version**: ``version: 0.30.0`` means
vLLM 0.30.0. Serving vLLM through LMI would make ``vllm`` an alias of ``lmi``:
the same ``djl-inference`` image, with versions that are DJL/LMI releases
(0.38.0 = LMI 29.0.0) and not vLLM releases. Spec authors who want LMI's vLLM
backend already get it with ``framework: lmi``, which is LMI's default engine.
The cost of this choice: in the bundled config the newest ``vllm`` versions
are published in 35 commercial regions and not in China or GovCloud, while
``djl-lmi`` covers 44. For a China or GovCloud region, the region error lists
the versions that do exist there.

Rules:

- ``version=None`` selects the newest version: the config's ``latest`` alias when
  it has one (``djl-lmi``), otherwise the highest release version. Pre-releases
  (anything that is not all digits and dots) are never chosen. ``Image.version``
  always holds the concrete version, so the Plan records exactly what was pinned.
  Aliases in the config, such as ``3.3`` → ``3.3.6``, are resolved the same way.
- The instance type picks the processor. ``ml.g*`` and ``ml.p*`` are GPU,
  and ``ml.c*``, ``ml.m*``, ``ml.r*`` and similar are CPU. tgi, lmi and vllm need
  a GPU: their images are CUDA builds, and ``retrieve`` itself refuses CPU for tgi
  and vllm. tei picks its GPU or CPU image from the instance type. Inferentia and
  Trainium (``ml.inf*``, ``ml.trn*``) need Neuron images, which are not among
  these frameworks. Graviton CPU instances are refused for tei because the
  tei-cpu image is x86_64 only.
- Partitions: ``aws`` and ``aws-us-gov`` use ``amazonaws.com``, China uses
  ``amazonaws.com.cn``, and the European Sovereign Cloud (``eusc-*``) uses
  ``amazonaws.eu`` (all checked against ``retrieve``). The isolated partitions
  (``us-iso*``, ``eu-isoe-*``) raise ``ImageError``.

Every failure is an ``ImageError`` (a ``ValueError``) whose message says what is
known instead: the nearest and newest versions, or the regions that have the
version.
"""

from __future__ import annotations

import functools
import json
import os
import re
from dataclasses import dataclass

__all__ = ["FRAMEWORKS", "Image", "ImageError", "resolve", "versions", "framework_key"]

#: spec container framework → sagemaker-core key on GPU (tei switches to its -cpu key on CPU)
FRAMEWORKS: dict[str, str] = {
    "tgi": "huggingface-llm",
    "lmi": "djl-lmi",
    "vllm": "vllm",
    "tei": "huggingface-tei",
}
_CPU_KEYS = {"tei": "huggingface-tei-cpu"}

VENDORED = os.path.join(os.path.dirname(__file__), "data", "sagemaker_core")
"""sagemaker-core's config files, vendored: image_uri_config/, source.json (version, sha256), LICENSE, NOTICE."""
_RELEASE = re.compile(r"^\d+(?:\.\d+)*$")
_LEADING_NUMBERS = re.compile(r"^(\d+(?:\.\d+)*)(.*)$")
# sagemaker.core.common_utils.get_instance_type_family: "ml.<family>.<size>" or "ml_<family>"
_INSTANCE_FAMILY = re.compile(r"^ml[\._]([a-z\d\-]+)\.?\w*$")
_GRAVITON_FAMILY = re.compile(r"^[a-z]+\d+g[a-z]*$")  # c6g, c7gn, m6gd, r7g, ...
_ISOLATED_REGION = re.compile(r"^[a-z]{2}-iso[a-z]*-")  # us-iso-, us-isob-, us-isof-, eu-isoe-


class ImageError(ValueError):
    """No image URI for the request; the message names what is available instead."""


@dataclass(frozen=True)
class Image:
    """A resolved serving-container image.

    ``version`` is the concrete version (aliases and "newest" resolved), ``account``
    the ECR registry account, ``repository`` the ECR repository name, and
    ``framework_key`` the sagemaker-core framework key the URI came from.
    """

    uri: str
    framework_key: str
    version: str
    repository: str
    account: str

    @property
    def tag(self) -> str:
        """The image tag (the part of ``uri`` after the last ``:``)."""
        return self.uri.rsplit(":", 1)[1]


def resolve(framework: str, region: str, version: str | None, instance_type: str) -> Image:
    """Return the serving image for spec ``framework`` in ``region`` on ``instance_type``.

    ``version`` is a concrete version or an alias from the config. None selects the
    newest version. Raises ``ImageError`` for an unknown framework, version,
    region or instance type, or when a vendored config file is missing or unreadable.
    """
    key = framework_key(framework, instance_type)
    cfg = _scope(key)
    concrete = _concrete_version(framework, key, cfg, version)
    entry = cfg["versions"][concrete]
    host = _ecr_domain(region)
    registries = entry.get("registries") or {}
    account = registries.get(region)
    if account is None:
        raise ImageError(_region_message(framework, key, cfg, concrete, region))
    repository = entry["repository"]
    processor = _config_processor(cfg, entry, key)
    tag = "-".join(
        part
        for part in (
            entry.get("tag_prefix", concrete),
            processor if entry.get("processor_in_tag", True) else None,
            (entry.get("py_versions") or [None])[0],
            (entry.get("container_version") or {}).get(processor) if processor else None,
        )
        if part
    )
    uri = f"{account}.dkr.ecr.{region}.{host}/{repository}:{tag}"
    return Image(uri=uri, framework_key=key, version=concrete, repository=repository, account=account)


def versions(framework: str, instance_type: str | None = None) -> list[str]:
    """Return the concrete versions known for spec ``framework``, oldest first.

    For tei the list is that of the GPU image unless ``instance_type`` is a CPU instance.
    """
    key = framework_key(framework, instance_type) if instance_type else _base_key(framework)
    return _sorted_versions(_scope(key)["versions"])


def framework_key(framework: str, instance_type: str) -> str:
    """Return the sagemaker-core framework key for spec ``framework`` on ``instance_type``."""
    base = _base_key(framework)
    processor = _processor(instance_type)
    if processor == "gpu":
        return base
    if processor == "neuron":
        raise ImageError(
            f"{framework} has no image for {instance_type}: Inferentia/Trainium instances need "
            "Neuron containers, which llmops-iac does not resolve; choose an ml.g* or ml.p* GPU instance"
        )
    # CPU
    if framework in _CPU_KEYS:
        family = _INSTANCE_FAMILY.match(instance_type)[1]
        if _GRAVITON_FAMILY.match(family):
            raise ImageError(
                f"{framework} has no image for {instance_type}: the {_CPU_KEYS[framework]} image is "
                "x86_64 only and Graviton (ARM) instances cannot run it; choose e.g. ml.c6i.xlarge"
            )
        return _CPU_KEYS[framework]
    raise ImageError(
        f"{framework} needs a GPU instance (ml.g* or ml.p*): its image is a CUDA build, "
        f"and {instance_type} is a CPU instance"
    )


# --- internals ---------------------------------------------------------------------------------


def _base_key(framework: str) -> str:
    try:
        return FRAMEWORKS[framework]
    except (KeyError, TypeError):
        raise ImageError(
            f"unknown container framework {framework!r}; known: {', '.join(FRAMEWORKS)}"
        ) from None


def _processor(instance_type: str) -> str:
    """Return gpu, cpu or neuron for a SageMaker instance type (as sagemaker-core classifies it)."""
    match = _INSTANCE_FAMILY.match(instance_type) if isinstance(instance_type, str) else None
    if match is None:
        raise ImageError(f"invalid SageMaker instance type {instance_type!r}; expected e.g. ml.g5.2xlarge")
    family = match[1]
    if family.startswith(("inf", "trn")):
        return "neuron"
    if family[0] in ("g", "p"):
        return "gpu"
    return "cpu"


def _config_processor(cfg: dict, entry: dict, key: str) -> str | None:
    processors = cfg.get("processors") or entry.get("processors")
    if not processors:
        return None
    want = "cpu" if key.endswith("-cpu") else "gpu"
    if want not in processors:  # the config changed shape; refuse rather than guess
        raise ImageError(f"sagemaker-core's {key} config has no {want} image (processors: {processors})")
    return want


def _ecr_domain(region: str) -> str:
    """Return the DNS suffix of ECR in ``region``'s partition; refuse the isolated partitions."""
    if not isinstance(region, str) or not region:
        raise ImageError(f"invalid AWS region {region!r}")
    if _ISOLATED_REGION.match(region):
        raise ImageError(
            f"{region} is in an isolated AWS partition; llmops-iac does not resolve images there "
            "(their ECR hosts are not public): set the container image in your own pipeline"
        )
    if region.startswith("cn-"):
        return "amazonaws.com.cn"
    if region.startswith("eusc-"):
        return "amazonaws.eu"
    return "amazonaws.com"


def _concrete_version(framework: str, key: str, cfg: dict, version: str | None) -> str:
    known = cfg["versions"]
    aliases = cfg.get("version_aliases") or {}
    if version is None:
        newest = _newest(cfg)
        if newest is None:
            raise ImageError(f"sagemaker-core's {key} config has no release version of {framework}")
        return newest
    if not isinstance(version, str):
        raise ImageError(f"{framework} version must be a string, not {version!r}")
    if version in known:
        return version
    target = aliases.get(version)
    if target in known:
        return target
    raise ImageError(_version_message(framework, key, known, aliases, version))


def _newest(cfg: dict) -> str | None:
    """The config's ``latest`` alias if it names a release, else its highest release version."""
    known = cfg["versions"]
    latest = (cfg.get("version_aliases") or {}).get("latest")
    if latest in known and _RELEASE.match(latest):
        return latest
    return max((v for v in known if _RELEASE.match(v)), key=_version_key, default=None)


def _version_message(framework: str, key: str, known: dict, aliases: dict, version: str) -> str:
    ordered = _sorted_versions(known)
    newest = _newest({"versions": known, "version_aliases": aliases})
    wanted = _version_key(version)
    below = [v for v in ordered if _version_key(v) < wanted][-2:]
    above = [v for v in ordered if _version_key(v) > wanted][:2]
    nearest = below + above if wanted[0] else ordered[-4:]
    return (
        f"{framework} {version} is not known; nearest known: {', '.join(nearest)}; newest {newest or 'none'} "
        f"(from {_provenance(key)}; a newer llmops-iac may know more: pip install -U llmops-iac)"
    )


def _region_message(framework: str, key: str, cfg: dict, version: str, region: str) -> str:
    entry = cfg["versions"][version]
    having = sorted(r for r in (entry.get("registries") or {}) if not _ISOLATED_REGION.match(r))
    others = [
        v
        for v in _sorted_versions(cfg["versions"])
        if region in (cfg["versions"][v].get("registries") or {})
    ]
    there = f"; versions in {region}: {', '.join(others)}" if others else f"; no {framework} version is in {region}"
    return (
        f"{framework} {version} ({key}) has no image registry in {region}; "
        f"regions that have it: {', '.join(having)}{there}"
    )


def _version_key(version: str) -> tuple:
    """Sort key: numeric parts first; a pre-release sorts before its release; junk sorts first."""
    match = _LEADING_NUMBERS.match(version)
    if not match:
        return ((), 0, version)
    numbers = tuple(int(p) for p in match[1].split("."))
    suffix = match[2]
    return (numbers, 0 if suffix else 1, suffix)


def _sorted_versions(known) -> list[str]:
    return sorted(known, key=_version_key)


@functools.lru_cache(maxsize=None)
def _load(key: str) -> dict:
    """Return the parsed vendored config for sagemaker-core framework ``key`` (read once per process)."""
    path = os.path.join(VENDORED, "image_uri_config", key + ".json")
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError) as exc:  # a damaged install: fail closed, never guess an image
        raise ImageError(f"cannot read llmops-iac's vendored image config {path}: {exc}; reinstall llmops-iac") from None


def _scope(key: str) -> dict:
    """Return the inference section of a config (TGI/vLLM/TEI nest it; djl-* are flat)."""
    data = _load(key)
    cfg = data["inference"] if "inference" in data and "versions" not in data else data
    if not isinstance(cfg, dict) or not isinstance(cfg.get("versions"), dict) or not cfg["versions"]:
        raise ImageError(f"sagemaker-core's {key} image config has no inference versions")
    return cfg


def _provenance(key: str) -> str:
    """Name the config a version list came from (only on the error path)."""
    try:
        with open(os.path.join(VENDORED, "source.json"), encoding="utf-8") as handle:
            version = json.load(handle)["version"]
    except (OSError, ValueError, KeyError, TypeError):
        return f"sagemaker-core {key}.json, vendored"
    return f"sagemaker-core {version} {key}.json, vendored"
