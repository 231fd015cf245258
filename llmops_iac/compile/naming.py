"""Deterministic AWS resource names within each service's limits, and the standard tags.

A physical name is ``<app>-<environment>-<part>…``; when that is too long for
the service it is cut and ends in a 6-character hash of the full name, so two
long names never collide and the same spec always yields the same name.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    """A service's naming rule: longest length, allowed pattern, and how to fold characters."""

    max_len: int
    pattern: str
    lower: bool = False
    separator: str = "-"


RULES: dict[str, Rule] = {
    # https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html
    "iam-role": Rule(64, r"^[\w+=,.@-]{1,64}$"),
    "iam-policy": Rule(128, r"^[\w+=,.@-]{1,128}$"),
    "kms-alias": Rule(250, r"^alias/[a-zA-Z0-9/_-]{1,244}$"),
    "log-group": Rule(512, r"^[\.\-_/#A-Za-z0-9]{1,512}$"),
    "alarm": Rule(255, r"^[^\x00-\x1f]{1,255}$"),
    "dashboard": Rule(255, r"^[A-Za-z0-9_-]{1,255}$"),
    "s3-bucket": Rule(63, r"^[a-z0-9](?!.*--x-s3$)[a-z0-9-]{1,61}[a-z0-9]$", lower=True),
    "s3-vector-bucket": Rule(63, r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$", lower=True),
    "s3-vector-index": Rule(63, r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", lower=True),
    "inference-profile": Rule(64, r"^[0-9a-zA-Z](?:[0-9a-zA-Z _-]{0,62}[0-9a-zA-Z])?$"),
    "guardrail": Rule(50, r"^[0-9a-zA-Z_-]{1,50}$"),
    "knowledge-base": Rule(100, r"^(?:[0-9a-zA-Z][_-]?){1,100}$"),
    "data-source": Rule(100, r"^(?:[0-9a-zA-Z][_-]?){1,100}$"),
    "prompt": Rule(100, r"^(?:[0-9a-zA-Z][_-]?){1,100}$"),
    "aoss-collection": Rule(32, r"^[a-z][a-z0-9-]{2,31}$", lower=True),
    "aoss-policy": Rule(32, r"^[a-z][a-z0-9-]{2,31}$", lower=True),
    "aoss-index": Rule(80, r"^[a-z][a-z0-9_-]{0,79}$", lower=True),
    "sagemaker": Rule(63, r"^[a-zA-Z0-9](?:-*[a-zA-Z0-9]){0,62}$"),
    "budget": Rule(100, r"^[^:\\]{1,100}$"),
    "sns-topic": Rule(256, r"^[A-Za-z0-9_-]{1,256}$"),
    "schedule": Rule(64, r"^[0-9a-zA-Z-_.]{1,64}$"),
}


_RUNS = re.compile(r"[-_]{2,}")
_NOT_SAGEMAKER = re.compile(r"[^a-zA-Z0-9-]")
# physical() runs ~30 times a compile: re.match(pattern, …) would look each pattern up in re's cache every time.
_compiled = functools.cache(re.compile)


def short_hash(text: str, n: int = 6) -> str:
    """Return the first ``n`` hex characters of the sha256 of ``text``."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:n]


def physical(kind: str, *parts: str, prefix: str = "") -> str:
    """Return the physical name for service ``kind`` made of ``parts`` (app, environment, …).

    ``prefix`` (e.g. ``alias/`` or ``/aws/bedrock/``) is kept whole and counted
    in the length. Raises ValueError if the result breaks the service's rule,
    which would be a compiler bug, never a user error.
    """
    rule = RULES[kind]
    body = rule.separator.join([p for p in parts if p])
    if rule.lower:
        body = body.lower()
    if kind in ("knowledge-base", "data-source", "prompt"):
        body = _RUNS.sub("-", body)
    if kind == "sagemaker":
        body = _NOT_SAGEMAKER.sub("-", body)
    room = rule.max_len - len(prefix)
    if len(body) > room:
        digest = short_hash(prefix + body)
        body = body[: room - len(digest) - 1].rstrip("-_.") + rule.separator + digest
    name = prefix + body
    if not _compiled(rule.pattern).match(name):
        raise ValueError(f"name {name!r} breaks the {kind} naming rule {rule.pattern}")
    return name


def standard_tags(app: str, owner: str, cost_center: str, environment: str, maturity_target: int, spec_hash: str,
                  extra: dict[str, str] | None = None) -> dict[str, str]:
    """Return the tags every taggable resource carries; ``app`` is the cost-allocation tag budgets filter on."""
    tags = dict(extra or {})
    tags.update({
        "app": app,
        "owner": owner,
        "costCenter": cost_center,
        "environment": environment,
        "maturityTarget": str(maturity_target),
        "specHash": spec_hash,
        "managedBy": "llmops-iac",
    })
    return tags
