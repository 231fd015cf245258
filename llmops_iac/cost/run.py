"""One call per command, for the CLI: load → compile → (live prices) → estimate, and the two kinds of diff."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from llmops_iac.cost.diff import PlanDiff, diff, load_at_revision
from llmops_iac.cost.estimate import Assumptions, Estimate, estimate


@dataclass
class CostRun:
    loaded: Any
    plan: Any
    estimate: Estimate

    def diagnostics(self) -> list[Any]:
        """GPU misfits (errors), underuse and unknown models (warnings) as Diagnostics at their spec lines."""
        from llmops_iac.cost.gpu import diagnostics

        return diagnostics(self.estimate.gpu, self.loaded)


def _prices(plan: Any, live: bool, session: Any, pricing_client: Any):
    if not live:
        return None
    from llmops_iac.cost.live import live_prices

    return live_prices(plan, client=pricing_client, session=session)


def cost(path: str, *, stack: str | None = None, stacks_directory: str | None = None, environment: str | None = None,
         live: bool = False, session: Any = None, pricing_client: Any = None, split: str | None = None,
         assumptions: Assumptions | None = None) -> CostRun:
    """``llmops-iac cost FILE [--stack S] [--live-prices] [--split each|even]``."""
    from llmops_iac.compile import compile_spec
    from llmops_iac.spec.validate import load_spec

    loaded = load_spec(path, stack=stack, stacks_directory=stacks_directory, environment=environment)
    plan = compile_spec(loaded)
    prices = _prices(plan, live, session, pricing_client)
    return CostRun(loaded, plan, estimate(plan, loaded, prices=prices, split=split, assumptions=assumptions))


def diff_files(base_path: str, head_path: str, *, stack: str | None = None, environment: str | None = None,
               split: str | None = None, ignore_keys: tuple[str, ...] = ()) -> PlanDiff:
    """``llmops-iac diff BASE_FILE HEAD_FILE``: two spec files (e.g. two environments or a copy)."""
    base = cost(base_path, stack=stack, environment=environment, split=split)
    head = cost(head_path, stack=stack, environment=environment, split=split)
    return diff(base.plan, head.plan, base.estimate, head.estimate, base_label=base_path, head_label=head_path,
                ignore_keys=ignore_keys)


def diff_revision(rev: str, path: str, *, stack: str | None = None, environment: str | None = None,
                  split: str | None = None, ignore_keys: tuple[str, ...] = ()) -> PlanDiff:
    """``llmops-iac diff --base REV FILE``: the spec at git revision ``rev`` against the working tree."""
    _, base_plan, base_est = load_at_revision(rev, path, stack=stack, environment=environment,
                                              estimate_kwargs={"split": split} if split else None)
    head = cost(path, stack=stack, environment=environment, split=split)
    return diff(base_plan, head.plan, base_est, head.estimate, base_label=rev, head_label="working tree",
                ignore_keys=ignore_keys)
