"""Benchmarks of llmops-iac, written to bench/RESULTS.md.

Run: `make bench` (or `.venv/bin/python bench/run.py`). Each number is a cold
process (a new interpreter per run, as a user or CI pays it), the median of
N runs, with min and max. Byte-code caching follows the environment: where
PYTHONDONTWRITEBYTECODE is set, every run also compiles llmops-iac's modules.
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = Path(sys.executable).parent / "llmops-iac"
RUNS = int(os.environ.get("BENCH_RUNS", "10"))


def cold(args: list[str], runs: int = RUNS) -> tuple[float, float, float]:
    """Return (median, min, max) wall seconds of running the console script with ``args``."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run([str(SCRIPT), *args], cwd=ROOT, capture_output=True)
        times.append(time.perf_counter() - start)
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(args)} exited {proc.returncode}: {proc.stderr.decode()[:500]}")
    return statistics.median(times), min(times), max(times)


def policy_overhead(runs: int = 15) -> list[str]:
    """Per example: median raw engine time (the same query, input already built) vs the whole policy stage."""
    sys.path.insert(0, str(ROOT))
    from llmops_iac.compile import compile_spec
    from llmops_iac.policy import catalog, engine, evaluate
    from llmops_iac.spec.validate import load_spec

    cat = catalog.load()
    rows = []
    for name in ("regopy", None):
        eng = engine.create(name)
        eng.load(cat.modules, {})
        for path in sorted((ROOT / "examples").glob("*.yaml")):
            loaded = load_spec(str(path), environment="prod" if path.stem != "minimal" else None)
            plan = compile_spec(loaded)
            document = evaluate.build_input(loaded, plan, stack=None)
            raw, stage = [], []
            for _ in range(runs if eng.name != "regopy" else 3):
                t = time.perf_counter()
                eng.evaluate(document)
                raw.append(time.perf_counter() - t)
                t = time.perf_counter()
                evaluate.judge(eng, cat, loaded, plan)
                stage.append(time.perf_counter() - t)
            r, st = statistics.median(raw), statistics.median(stage)
            rows.append(f"| {eng.name} | {path.stem} | {r * 1000:.1f} | {st * 1000:.1f} | {st / r:.2f}x | "
                        f"{'meets' if st <= 1.5 * r else 'MISSES'} |")
            print(rows[-1], flush=True)
    return rows


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {cpu}; Python {platform.python_version()} on {platform.system()} {platform.release()}"


def main() -> None:
    cases = [
        ("validate one example (target ≤ 0.3 s)", ["validate", "examples/support-assistant.yaml"], 0.3),
        ("validate one example with --stack prod", ["validate", "examples/support-assistant.yaml", "--stack", "prod"], 0.3),
        ("plan one example (target ≤ 0.5 s)", ["plan", "examples/self-hosted-llama.yaml", "--out", "-"], 0.5),
        ("plan the largest example (58 resources)", ["plan", "examples/document-intelligence.yaml", "--out", "-"], 0.5),
        ("check examples/ (all examples, all environments)", ["check", "examples"], None),
        ("python -c pass (interpreter floor)", None, None),
    ]
    rows = []
    for label, args, target in cases:
        if args is None:
            times = []
            for _ in range(RUNS):
                start = time.perf_counter()
                subprocess.run([sys.executable, "-c", "pass"], check=True)
                times.append(time.perf_counter() - start)
            med, lo, hi = statistics.median(times), min(times), max(times)
        else:
            cold(args, runs=1)  # warm the page cache and .pyc files once, as any second run would be
            med, lo, hi = cold(args)
        verdict = "" if target is None else ("meets" if med <= target else "MISSES")
        rows.append(f"| {label} | {med:.3f} | {lo:.3f} | {hi:.3f} | {verdict} |")
        print(rows[-1], flush=True)
    text = "\n".join([
        "# Benchmark results",
        "",
        f"Machine: {machine()}.",
        f"Command: `make bench` (bench/run.py), {RUNS} cold processes per row; seconds of wall time; "
        f"PYTHONDONTWRITEBYTECODE={os.environ.get('PYTHONDONTWRITEBYTECODE', '(unset)')}.",
        "",
        "| case | median | min | max | target |",
        "|---|---|---|---|---|",
        *rows,
        "",
    ])
    text += "\n".join([
        "",
        "## Policy stage vs raw engine time (target: stage ≤ 1.5 × engine)",
        "",
        "In-process, policies loaded once; the engine column is `engine.evaluate(input)` alone, the stage column is",
        "`evaluate.judge` (build the input from spec + Plan, evaluate, join with METADATA, profile, waivers). Medians, ms.",
        "",
        "| engine | example (prod) | engine ms | stage ms | ratio | target |",
        "|---|---|---|---|---|---|",
        *policy_overhead(),
        "",
    ])
    (ROOT / "bench" / "RESULTS.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
