"""The Plan: every AWS resource of an application as plain data (schemas/plan.schema.json).

A resource is ``{name, type, inputs, dependsOn, source, meta}``:

- ``name``: the stable logical name (the Pulumi resource name; never depends on order);
- ``type``: the Pulumi type token, e.g. ``aws:sagemaker/endpoint:Endpoint``;
- ``inputs``: the engine's camelCase property names. Values are plain JSON, or
  one of four expression forms the deploy adapter turns into Pulumi Outputs:
  ``{"ref": NAME, "attr": ATTR}`` another resource's output attribute,
  ``{"context": "accountId"|"callerArn"}`` a fact of the deploying account,
  ``{"fn::join": [SEP, [PART, ...]]}`` string concatenation,
  ``{"fn::toJSON": VALUE}`` a JSON document (IAM and OpenSearch policies) kept
  as data in the Plan so policies can read it without parsing strings;
- ``source``: the spec JSON pointer the resource comes from (findings point there);
- ``options``: Pulumi resource options (``deleteBeforeReplace``, ``replaceOnChanges``,
  ``ignoreChanges``, ``retainOnDelete``, ``protect``);
- ``meta``: facts for policy, cost and maturity that are not AWS inputs.

``fn::toJSON`` documents are serialized compactly (``","`` and ``":"``
separators) with keys in Plan order. A literal map shaped like an expression
(exactly ``{ref, attr}`` or ``{context}``, or a key starting with ``fn::``)
cannot be written as plain data; the compiler never emits one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

from llmops_iac.compile.tokens import TAGGABLE
from llmops_iac.spec.tree import copy_tree

PLAN_VERSION = 1
CONTEXT_KEYS = ("accountId", "callerArn")
_LOGICAL = re.compile(r"^[a-z][a-z0-9-]{0,127}$")


def _same(value: Any) -> Any:
    return value


def ref(name: str, attr: str) -> dict[str, str]:
    """Return a reference to output ``attr`` of resource ``name``."""
    return {"ref": name, "attr": attr}


def context(key: str) -> dict[str, str]:
    """Return a reference to a fact of the deploying account (``accountId``, ``callerArn``)."""
    if key not in CONTEXT_KEYS:
        raise ValueError(f"unknown context key {key}")
    return {"context": key}


def join(*parts: Any, sep: str = "") -> Any:
    """Return the concatenation of ``parts``; plain strings are joined now, expressions later."""
    flat: list[Any] = []
    for part in parts:
        if isinstance(part, str) and flat and isinstance(flat[-1], str) and not sep:
            flat[-1] += part
        else:
            flat.append(part)
    if all(isinstance(p, str) for p in flat):
        return sep.join(flat)
    return {"fn::join": [sep, flat]}


def to_json(value: Any) -> dict[str, Any]:
    """Return a JSON-document expression (serialized by the adapter once refs resolve)."""
    return {"fn::toJSON": value}


def is_expression(value: Any) -> bool:
    """Whether ``value`` is one of the Plan's expression forms."""
    return isinstance(value, dict) and len(value) in (1, 2) and (
        set(value) == {"ref", "attr"} or set(value) == {"context"} or set(value) in ({"fn::join"}, {"fn::toJSON"}))


def add_ref_names(values: Iterable[Any], found: set[str]) -> None:
    """Add to ``found`` the resource name of every ``{"ref", "attr"}`` expression inside ``values``.

    The same expressions ``refs_in`` yields, found with less work (the graph check walks
    every input of every resource on each compile): strings are skipped before any other
    test, and nothing is yielded or pushed on a stack. It recurses, once per nested dict
    or list; Plan inputs are as deep as the compiler builds them, never as deep as data.
    """
    for v in values:
        if type(v) is str:
            continue
        if isinstance(v, dict):
            if len(v) == 2 and "ref" in v and "attr" in v:
                found.add(v["ref"])
            else:
                add_ref_names(v.values(), found)
        elif isinstance(v, list):
            add_ref_names(v, found)


def refs_in(value: Any) -> Iterator[dict[str, str]]:
    """Yield every ``{"ref", "attr"}`` expression inside ``value``, in document order."""
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if len(node) == 2 and "ref" in node and "attr" in node:
                yield node
            else:
                stack.extend(reversed(node.values()))
        elif isinstance(node, list):
            stack.extend(reversed(node))


@dataclass
class Resource:
    """One planned AWS resource."""

    name: str
    type: str
    inputs: dict[str, Any]
    source: str
    depends_on: list[str] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)

    def to_data(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "type": self.type, "source": self.source, "inputs": self.inputs}
        if self.depends_on:
            out["dependsOn"] = sorted(self.depends_on)
        if self.options:
            out["options"] = self.options
        if self.meta:
            out["meta"] = self.meta
        return out


@dataclass
class Plan:
    """All resources and stack outputs of one application in one environment."""

    app: str
    environment: str
    region: str
    spec_file: str
    spec_hash: str
    tags: dict[str, str]
    resources: dict[str, Resource] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    collisions: list[tuple[str, str, str]] = field(default_factory=list, repr=False, compare=False)
    """(name, first source, second source) of each resource whose logical name was already taken: two spec
    sections whose names combine into one (guardrail ``g-version`` and the version of guardrail ``g``)."""
    _tags_cache: tuple[dict[str, str], dict[str, str]] | None = field(default=None, init=False, repr=False, compare=False)

    def add(self, name: str, type: str, inputs: dict[str, Any], source: str, *, depends_on: list[str] | tuple[str, ...] = (),
            meta: dict[str, Any] | None = None, options: dict[str, Any] | None = None) -> str:
        """Add a resource and return its logical name; tags are added for taggable types."""
        if not _LOGICAL.match(name):
            raise ValueError(f"logical name {name!r} is not lower-case kebab-case")
        if name in self.resources:  # the spec's fault, reported by compile_spec at both sections' lines
            self.collisions.append((name, self.resources[name].source, source))
            return name
        inputs = {k: v for k, v in inputs.items() if v is not None}
        if type in TAGGABLE:
            own = inputs.get("tags")
            inputs["tags"] = self._sorted_tags() if own is None else dict(sorted({**self.tags, **own}.items()))
        self.resources[name] = Resource(name, type, inputs, source, list(depends_on), dict(meta or {}), dict(options or {}))
        return name

    def _sorted_tags(self) -> dict[str, str]:
        """A new dict of the Plan's tags sorted by key; the sort is done once (again only if ``tags`` changes)."""
        cached = self._tags_cache
        if cached is None or cached[0] != self.tags:
            cached = self._tags_cache = (dict(self.tags), dict(sorted(self.tags.items())))
        return dict(cached[1])

    def get(self, name: str) -> Resource:
        return self.resources[name]

    def by_type(self, type: str) -> list[Resource]:
        return [r for r in self.resources.values() if r.type == type]

    def policy_data(self) -> dict[str, Any]:
        """The Plan as the policies read it: ``to_data`` without what no rule needs and every evaluation would
        pay to convert (a third of the engine's time is turning the input into OPA values). A resource's
        ``tags`` are left out when they are exactly the Plan's standard tags (``plan.tags``; a resource with
        tags of its own keeps them all); dashboard bodies and the stack outputs are left out. Shares the
        inputs with the Plan: read-only."""
        standard = self._sorted_tags()
        resources = []
        for name in sorted(self.resources):
            data = self.resources[name].to_data()
            inputs = data["inputs"]
            if inputs.get("tags") == standard or "dashboardBody" in inputs:
                data["inputs"] = {k: v for k, v in inputs.items()
                                  if not (k == "tags" and v == standard) and k != "dashboardBody"}
            resources.append(data)
        return {"planVersion": PLAN_VERSION, "app": self.app, "environment": self.environment, "region": self.region,
                "specFile": self.spec_file, "specHash": self.spec_hash, "tags": dict(self.tags), "resources": resources}

    def to_data(self, *, copy_values: bool = True) -> dict[str, Any]:
        """Return the Plan as JSON-ready data (schemas/plan.schema.json), in a stable order.

        ``copy_values=False`` shares the inputs and meta with the Plan (read-only use, e.g. a policy input).
        """
        return {
            "planVersion": PLAN_VERSION,
            "app": self.app,
            "environment": self.environment,
            "region": self.region,
            "specFile": self.spec_file,
            "specHash": self.spec_hash,
            "tags": dict(self.tags),
            "resources": [(copy_tree if copy_values else _same)(self.resources[n].to_data()) for n in sorted(self.resources)],
            "outputs": dict(sorted(self.outputs.items())),
        }


def plan_data(plan: Any) -> dict[str, Any]:
    """A Plan's data for reading (``to_data(copy_values=False)``: no copy of its inputs), or ``plan`` itself if it
    already is data. Callers must not change what they get: it is the Plan's own inputs and meta."""
    return plan.to_data(copy_values=False) if hasattr(plan, "to_data") else plan
