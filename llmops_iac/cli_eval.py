"""`llmops-iac eval`: evaluation results as evidence (issue #15 section 3).

``eval ingest`` reads what an established harness measured (an Amazon Bedrock evaluation job's output, promptfoo's
JSON output), ``eval run`` measures a golden dataset on a Bedrock model through Converse; both write a results file
(schemas/eval-results.schema.json) that `check --eval-results` and `maturity --eval-results` judge gates with, and
report each gate of the dataset with its measured value. The logic is in llmops_iac/evaluation/.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from llmops_iac.cli_common import INTERNAL_ERROR, _guard, _prepare, echo, exit_codes_help
from llmops_iac.errors import EXIT_FINDINGS, EXIT_OK, SpecError, UsageError

EVAL_EXIT_HELP = exit_codes_help({
    0: "every gate measured passed (gates not measured are listed)",
    1: "a measured gate failed its bound, or had cases the harness could not score",
    2: "usage or input error: bad spec, harness output or option (file:line)",
    3: INTERNAL_ERROR})


@click.group(name="eval", epilog=EVAL_EXIT_HELP)
def eval_group() -> None:
    """Evaluation results: ingest a harness's output or run a golden dataset, then judge the spec's gates.

    \b
    Example:
      llmops-iac eval ingest llmapp.yaml --harness promptfoo --input promptfoo.json --dataset support-golden --target assistant --environment prod --output eval/prod-golden.json
      llmops-iac check llmapp.yaml --eval-results eval/prod-golden.json
      llmops-iac eval run llmapp.yaml --dataset support-triage --target triage --environment prod --output eval/prod-triage.json
    """


def _spec(path: str, environment: str | None, stack: str | None, stacks_dir: str | None) -> tuple[Any, Any]:
    """The spec as ``environment`` resolves it, and its Plan (whose specHash the results record)."""
    from llmops_iac.compile import compile_spec
    from llmops_iac.spec.validate import load_spec

    loaded = load_spec(path, stack=stack, stacks_directory=stacks_dir)
    declared = list(loaded.declared_environments)
    if environment is None and stack is None and declared:
        raise UsageError(f"{path} declares environments ({', '.join(declared)}): name the one evaluated with "
                         "--environment (results count for the spec as that environment resolves it)")
    if environment is not None:
        if environment not in declared:
            raise UsageError(f"--environment {environment}: {path} declares {', '.join(declared) or 'no environments'}")
        loaded = loaded.view(environment)
    return loaded, compile_spec(loaded)


def _check_target(loaded: Any, target: str | None) -> None:
    if target is None:
        return
    spec = loaded.data.get("spec") or {}
    prompts = {f"{n}@{p.get('version')}" for n, p in (spec.get("prompts") or {}).items()}
    if target not in (spec.get("models") or {}) and target not in prompts:
        raise UsageError(f"--target {target}: not a model or a prompt id@version of the spec")


def _finish(doc: dict[str, Any], output: str, fmt: str, quiet: bool) -> None:
    import json

    from llmops_iac.evaluation.render import render
    from llmops_iac.evaluation.results import verdict
    from llmops_iac.report import write_atomic

    write_atomic(output, json.dumps(doc, indent=2) + "\n")
    if not (quiet and fmt == "text"):
        echo(render(doc, fmt, written=output), None)
    sys.exit(EXIT_OK if verdict(doc) else EXIT_FINDINGS)


_common = [
    click.argument("spec", type=click.Path(dir_okay=False)),
    click.option("--dataset", required=True, metavar="NAME", help="The spec's evaluation dataset the cases come from."),
    click.option("--target", default=None, metavar="TARGET",
                 help="The gate target measured: a model name or prompt id@version (default: the gates without one)."),
    click.option("--environment", default=None, metavar="ENV",
                 help="The environment whose view of the spec was evaluated (required when the spec declares environments)."),
    click.option("--stack", default=None, metavar="STACK", help="Resolve the spec as this stack deploys it."),
    click.option("--stacks-dir", default=None, metavar="DIR", type=click.Path(file_okay=False)),
    click.option("--output", "-o", "output", required=True, metavar="PATH", help="Write the results file here (JSON)."),
    click.option("--format", "fmt", type=click.Choice(("text", "json", "markdown")), default="text", show_default=True,
                 help="Report printed on standard output."),
    click.option("--quiet", "-q", is_flag=True, help="Print nothing with --format text; the exit code says it."),
]


def _options(func: Any) -> Any:
    for option in reversed(_common):
        func = option(func)
    return func


@eval_group.command(epilog=EVAL_EXIT_HELP)
@_options
@click.option("--harness", required=True, type=click.Choice(("bedrock", "promptfoo")),
              help="The output's format: bedrock (an evaluation job's *_output.jsonl) or promptfoo (eval -o results.json).")
@click.option("--input", "inputs", required=True, multiple=True, metavar="PATH",
              help="A harness output file (repeatable for a Bedrock job's several output files).")
@click.option("--provider", default=None, metavar="ID", help="promptfoo: the provider (id or label) whose results to take.")
@_guard
def ingest(spec: str, dataset: str, target: str | None, environment: str | None, stack: str | None,
           stacks_dir: str | None, output: str, fmt: str, quiet: bool, harness: str, inputs: tuple[str, ...],
           provider: str | None) -> None:
    """Ingest a harness's output for one dataset (and target) of SPEC; write the results file and report each gate.

    Metric names map to gate metrics through llmops_iac/evaluation/metric_map.yaml; a metric it does not list is
    reported as unmapped, never guessed. The harness's own pass/fail is never read: each gate's verdict is its
    measured value against the spec's bound.

    \b
    Example:
      llmops-iac eval ingest llmapp.yaml --harness bedrock --input job-output.jsonl --dataset contract-qa --target qa --environment prod --output eval/prod-contract-qa.json
    """
    from llmops_iac.evaluation import bedrock, promptfoo
    from llmops_iac.evaluation.inputs import every_problem
    from llmops_iac.evaluation.results import build

    guard = _prepare([(None, output)], specs=[spec], stacks_dir=stacks_dir)
    guard.refuse([(p, "a harness output") for p in inputs])
    if harness == "bedrock" and provider is not None:
        raise UsageError("--provider applies to promptfoo output only")
    if harness == "promptfoo" and len(inputs) > 1:
        raise UsageError("promptfoo: ingest one output file at a time (one per dataset and target)")
    try:
        loaded, plan = _spec(spec, environment, stack, stacks_dir)
        _check_target(loaded, target)
        samples = bedrock.parse(list(inputs)) if harness == "bedrock" else promptfoo.parse(inputs[0], provider)
        doc = build(loaded, plan, dataset=dataset, target=target, samples=samples)
    except SpecError as exc:
        raise every_problem(exc) from None
    _finish(doc, output, fmt, quiet)


@eval_group.command(epilog=EVAL_EXIT_HELP)
@_options
@click.option("--region", default=None, metavar="REGION", help="AWS Region to call (default: the spec's region).")
@click.option("--max-cases", type=click.IntRange(min=1), default=None, metavar="N", help="Run only the first N cases.")
@_guard
def run(spec: str, dataset: str, target: str | None, environment: str | None, stack: str | None,
        stacks_dir: str | None, output: str, fmt: str, quiet: bool, region: str | None, max_cases: int | None) -> None:
    """Run dataset NAME of SPEC on a Bedrock model through the Converse API; write the results file.

    It measures what it can honestly compute: correctness (the reference or expected answer contained in the
    response, or every expected JSON field equal), refusal-rate (red-team cases whose expected_behavior is a
    refusal), latency-p95-ms (Converse's own latencyMs) and cost-per-request-usd (usage tokens at the price
    table's rates). Faithfulness, relevance, context and toxicity gates need a judge: ingest a harness for those.
    Uses your AWS credentials; every call is billed by AWS.

    \b
    Example:
      llmops-iac eval run llmapp.yaml --dataset support-triage --target triage --environment prod --output eval/prod-triage.json
    """
    from llmops_iac.evaluation.converse import run_dataset
    from llmops_iac.evaluation.inputs import every_problem
    from llmops_iac.evaluation.results import build

    _prepare([(None, output)], specs=[spec], stacks_dir=stacks_dir)
    try:
        loaded, plan = _spec(spec, environment, stack, stacks_dir)
        _check_target(loaded, target)
        samples = run_dataset(loaded, dataset=dataset, target=target, region=region, max_cases=max_cases)
        doc = build(loaded, plan, dataset=dataset, target=target, samples=samples)
    except SpecError as exc:
        raise every_problem(exc) from None
    doc["harness"].update(samples.extra)
    _finish(doc, output, fmt, quiet)


def register(group: click.Group) -> None:
    """Add the `eval` group to ``group``; calling it again changes nothing."""
    existing = group.commands.get("eval")
    if existing is eval_group:
        return
    if existing is not None:
        raise RuntimeError("llmops-iac: a command named 'eval' is already registered")
    group.add_command(eval_group)
