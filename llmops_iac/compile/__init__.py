"""Spec → Plan. Pure Python: never imports pulumi (tests/compile/test_purity.py checks)."""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

from llmops_iac.compile import bedrock, budgets, guardrails, knowledge, observability, prompts, sagemaker, security, vectorstores
from llmops_iac.compile.context import Ctx, spec_hash
from llmops_iac.compile.errors import CompileErrors
from llmops_iac.compile.naming import standard_tags
from llmops_iac.compile.plan import Plan, add_ref_names, refs_in
from llmops_iac.errors import InternalError

if TYPE_CHECKING:
    from llmops_iac.spec.validate import LoadedSpec


def compile_spec(loaded: "LoadedSpec") -> Plan:
    """Return the Plan of a loaded spec, or raise SpecError listing every unsupported combination."""
    app = loaded.spec
    env = loaded.environment or "default"
    digest = spec_hash(loaded.data)
    meta = app.metadata
    tags = standard_tags(meta.name, meta.owner, meta.cost_center, env, app.spec.maturity.target, digest, dict(meta.tags or {}))
    plan = Plan(app=meta.name, environment=env, region=app.spec.region, spec_file=loaded.path, spec_hash=digest, tags=tags)
    ctx = Ctx(app=app, data=loaded.data, plan=plan, environment=env, files=loaded.spec_files())
    errors = CompileErrors(loaded.source)
    ctx.kb_roles = {kb: knowledge.role_name(kb) for kb in app.spec.knowledge_bases}

    security.app_key(ctx)
    observability.compile_alarm_topic(ctx)
    guardrails.compile_guardrails(ctx)
    vectorstores.compile_vector_stores(ctx, errors)
    knowledge.compile_knowledge_bases(ctx)
    prompts.compile_prompts(ctx, errors)
    bedrock.compile_models(ctx)
    sagemaker.compile_sagemaker(ctx, errors)
    bedrock.compile_invocation_logging(ctx)
    budgets.compile_budget(ctx)
    observability.compile_alarms(ctx, errors)
    observability.compile_dashboard(ctx)
    bedrock.compile_invoke_role(ctx)
    errors.add_collisions(plan.collisions)
    errors.raise_if_any()
    check_graph(plan)
    return plan


def check_graph(plan: Plan) -> list[str]:
    """Return the resources in dependency order; raise InternalError on a dangling reference or a cycle.

    Either would be a compiler bug: a user's spec can't cause one.
    """
    resources = plan.resources
    users: dict[str, list[str]] = {n: [] for n in resources}  # resource -> the resources that depend on it
    indegree: dict[str, int] = {}
    for name, res in resources.items():
        deps = set(res.depends_on)
        add_ref_names((res.inputs,), deps)
        for d in deps:
            after = users.get(d)
            if after is None:
                missing = sorted(d for d in deps if d not in resources)
                raise InternalError(f"compiler bug: resource {name} refers to unknown resource(s) {', '.join(missing)}")
            after.append(name)
        indegree[name] = len(deps)
    targets: set[str] = set()
    add_ref_names(plan.outputs.values(), targets)
    if not resources.keys() >= targets:
        for key, value in plan.outputs.items():
            for r in refs_in(value):
                if r["ref"] not in resources:
                    raise InternalError(f"compiler bug: output {key} refers to unknown resource {r['ref']}")
    ready = deque(sorted(n for n, k in indegree.items() if k == 0))
    order: list[str] = []
    while ready:
        n = ready.popleft()
        order.append(n)
        after = users[n]
        if len(after) > 1:
            after.sort()
        for u in after:
            indegree[u] -= 1
            if indegree[u] == 0:
                ready.append(u)
    if len(order) != len(indegree):
        stuck = sorted(n for n, k in indegree.items() if k > 0)
        raise InternalError(f"compiler bug: dependency cycle among {', '.join(stuck[:8])}")
    return order
