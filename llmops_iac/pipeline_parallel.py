"""`check --jobs N`: the spec files split across worker processes started from a fork server.

Each worker loads the policy engine once and runs ``pipeline_stages._check_file`` over chunks of files;
the results come back in input order, identical to an in-process run. A worker that dies or
raises fails the whole run (exit 3): a file is never dropped.
"""

from __future__ import annotations

import contextlib
import os
from typing import Any, Callable, Iterator

from llmops_iac import pipeline_stages as per_file
from llmops_iac.pipeline_stages import FileResult, PolicyOptions
from llmops_iac.spec.validate import display_path

# Worker state of a parallel run: set once per worker process by _worker_init.
_WORKER: dict[str, Any] = {}


def _worker_init(stages: tuple[str, ...], stacks_dir: str | None, options: PolicyOptions,
                 catalogue: Any, store: Any) -> None:
    """Load the policy engine once per worker (the catalogue was loaded before the fork).

    A failure is kept and raised by the worker's first task, so it reaches the parent as that
    task's exception (exit 3 with its message) instead of a traceback printed by the pool.
    """
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it stops the pool
    snapshot = per_file._repository_snapshot(stages)  # a worker lives for one run: it reads each repository once, like the parent
    snapshot.__enter__()
    _WORKER["snapshot"] = snapshot  # kept: a dropped context manager would end the snapshot when collected
    try:
        judge = per_file._policy_judge(options, catalogue=catalogue) if "policy" in stages else None
    except Exception as exc:  # noqa: BLE001 - re-raised in _worker_chunk
        _WORKER.update(error=exc)
        return
    _WORKER.update(stages=stages, stacks_dir=stacks_dir, options=options, judge=judge, store=store)
    import gc

    gc.freeze()  # modules, schema, catalogue, engine: live for the whole run, so the collector stops rescanning them


def _worker_chunk(chunk: list[tuple[int, str, str | None]]) -> tuple[list[tuple[int, list[FileResult]]], str | None]:
    w = _WORKER
    if "error" in w:
        raise w["error"]
    done = []
    for index, path, stack in chunk:
        results = per_file._check_file(path, w["stages"], stack, w["stacks_dir"], w["options"], w["judge"], w["store"])
        for result in results:
            if result.loaded is not None:
                result.loaded.__dict__.pop("spec", None)  # a cached view of ``data``, rebuilt on demand; not picklable
                result.loaded._views.clear()  # the other environments' views: rebuilt from the document on demand
        done.append((index, results))
    return done, getattr(w["judge"], "engine_name", None)


def run_parallel(files: list[str], stages: tuple[str, ...], stacks: dict[str, str | None], stacks_dir: str | None,
                  options: PolicyOptions, jobs: int, progress: Callable[[int], None] | None,
                  store: Any) -> tuple[list[FileResult], str | None, Any]:
    """Check ``files`` in ``jobs`` worker processes; merge the results in input order.

    The catalogue is loaded (pure Python) here and sent to the workers; each worker creates
    and loads its own engine. A worker that dies or raises fails the whole run (exit 3): no
    file is ever dropped.
    """
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    from llmops_iac.errors import InternalError, LlmopsError

    context = worker_context()
    start_fork_server()  # it imports the stages' modules while this process reads the catalogue
    catalogue = None
    if "policy" in stages:
        from llmops_iac.policy import catalog, profiles

        catalogue = catalog.load(list(options.policy_dirs))
        profiles.load_all(catalogue)  # a broken profile fails before any spec is judged
        if store is not None:
            store.bind_catalogue(catalogue)
    jobs = min(jobs, len(files))
    chunks = split([(i, path, stacks.get(path)) for i, path in enumerate(files)], jobs)
    results: list[list[FileResult] | None] = [None] * len(files)
    engine_name = None
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=context,
                               initializer=_worker_init, initargs=(stages, stacks_dir, options, catalogue, store))
    try:
        with _interrupt_after():  # submitting starts the workers: a Ctrl-C mid-start would leave one half-sent
            futures = {pool.submit(_worker_chunk, chunk): chunk for chunk in chunks}
        from concurrent.futures import as_completed

        for future in as_completed(futures):
            chunk = futures[future]
            try:
                done, engine_name = future.result()
            except LlmopsError:
                raise
            except BrokenProcessPool as exc:
                raise InternalError(f"a worker process died while checking {display_path(chunk[0][1])} "
                                    f"(or a file after it): {exc}; no result is trusted, rerun with --jobs 1") from exc
            except Exception as exc:  # noqa: BLE001 - fail closed with the file that broke the worker
                raise InternalError(f"a worker failed on {display_path(chunk[0][1])} (or a file after it): "
                                    f"{type(exc).__name__}: {exc}") from exc
            for index, result in done:
                results[index] = result
            if progress is not None:
                progress(len(done))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    missing = [files[i] for i, r in enumerate(results) if r is None]
    if missing:
        raise InternalError(f"{len(missing)} file(s) got no result from the workers, e.g. {missing[0]}")
    if engine_name is None and "policy" in stages:
        engine_name = per_file.selected_engine_name(options)
    return [r for of_file in results for r in of_file], engine_name, catalogue  # type: ignore[union-attr]


def start_fork_server() -> None:
    """Start the fork server (and multiprocessing's resource tracker) ignoring SIGINT from its first instruction.

    Ctrl-C is this process's to handle (exit 130, no report written). The fork server ignores SIGINT
    only once it has imported the stages' modules: a terminal's Ctrl-C reaching it during that import
    printed a KeyboardInterrupt traceback. An ignored signal stays ignored across fork and exec, so
    SIGINT is ignored here for the few milliseconds of the spawn (the import runs after it); a
    Ctrl-C within them is dropped, and the next one stops the run as usual.
    """
    import signal
    import threading
    from multiprocessing import forkserver

    if threading.current_thread() is not threading.main_thread():  # signal handlers belong to the main thread
        forkserver.ensure_running()
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        forkserver.ensure_running()
    finally:
        signal.signal(signal.SIGINT, previous)


@contextlib.contextmanager
def _interrupt_after() -> Iterator[None]:
    """Hold a Ctrl-C until the block is done, then raise it (KeyboardInterrupt: exit 130 as usual).

    Starting a worker sends it its start-up data through the fork server; interrupted halfway, the
    worker would print an unpickling traceback. The block lasts as long as the fork server takes to
    import the stages' modules (~0.3 s), and only in the main thread (where signals are handled). A process
    started with SIGINT ignored (``nohup``, a non-interactive shell's background job) keeps ignoring it.
    """
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        yield
        return
    received: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if received:
        raise KeyboardInterrupt


def split(indexed: list[Any], jobs: int) -> list[list[Any]]:
    """Split the work: chunks of up to 16 files (fewer messages), then small ones for the last
    files, so no worker sits idle while another finishes a long chunk."""
    big = max(1, min(16, len(indexed) // (jobs * 8) or 1))
    small = max(1, big // 4)
    chunks, i = [], 0
    while i < len(indexed):
        size = big if len(indexed) - i > 2 * jobs * big else small
        chunks.append(indexed[i:i + size])
        i += size
    return chunks


WORKER_MODULES = ["llmops_iac.pipeline_stages", "llmops_iac.pipeline_parallel", "llmops_iac.compile", "llmops_iac.policy.evaluate", "llmops_iac.policy.reference",
                   "llmops_iac.cost.estimate", "llmops_iac.maturity.assess"]
"""Imported once by the fork server, so each worker forked from it starts with them loaded."""


def worker_context() -> Any:
    """Workers come from a fork server: a clean process started with GOGC in its environment.

    A plain fork would share this process's imports, but a Go (OPA) runtime
    loaded here does not survive a fork, and Go reads GOGC only from the environment a process was
    *started* with (the stack, not ``os.environ``): only a freshly started process gets the
    collector setting that makes the embedded OPA ~30 % faster (policy/reference.py).
    """
    import multiprocessing

    from llmops_iac.policy.reference import GOGC

    os.environ.setdefault("GOGC", GOGC)
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(WORKER_MODULES)
    return context
