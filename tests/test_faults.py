"""Fault injection (issue 7): every fault ends in a non-zero exit with a clear message, never exit 0,
and no partial report file is ever left.

OPA-server faults (refused, stalled, 500, malformed or partial JSON) and a module that does not compile
in each engine are covered in tests/policy/test_engines.py; here: a broken --policy-dir through the
installed console script, an engine that raises, unwritable output paths (the tests run as root, where
chmod does not stop writes, so the paths are under a regular file or in a missing directory), a full
disk (ENOSPC from fsync or write inside write_atomic) and Ctrl-C mid-run.
"""

from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

import pytest
from click.testing import CliRunner

from llmops_iac import report as report_module
from llmops_iac.cli import cli
from llmops_iac.errors import EXIT_INPUT, EXIT_INTERNAL
from llmops_iac.policy import engine as engine_module

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
BROKEN_REGO = "package llmops.broken\nimport rego.v1\n\nx contains y if {\n\ty := [1,\n}\n"
OLD = "previous report: must survive a failed run\n"


def _script() -> Path:
    path = Path(sys.executable).parent / "llmops-iac"
    if not path.exists():
        pytest.skip(f"console script not installed next to {sys.executable}")
    return path


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("OPA_URL", "LLMOPS_IAC_DEBUG")}


def _invoke(*args: str):
    start = time.monotonic()
    result = CliRunner().invoke(cli, list(args), prog_name="llmops-iac")
    assert time.monotonic() - start < 60
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    return result


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.startswith(".llmops-iac-"))


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    monkeypatch.delenv("OPA_URL", raising=False)
    monkeypatch.delenv("LLMOPS_IAC_DEBUG", raising=False)
    monkeypatch.chdir(ROOT)


# -- a policy that does not compile ---------------------------------------------------------------------------------


def test_policy_dir_that_does_not_compile_exits_2_through_the_console_script(tmp_path):
    """A --policy-dir is the user's input: its module not compiling is exit 2 (the built-ins compile without it)."""
    policies = tmp_path / "policies"
    policies.mkdir()
    (policies / "bad.rego").write_text(BROKEN_REGO, encoding="utf-8")
    out = tmp_path / "report.json"
    out.write_text(OLD, encoding="utf-8")
    proc = subprocess.run([str(_script()), "check", str(EXAMPLES), "--policy-dir", str(policies),
                           "--output", f"json={out}"], capture_output=True, text=True, timeout=120, env=_env(), cwd=ROOT)
    assert proc.returncode == EXIT_INPUT, proc.stdout + proc.stderr
    assert "do not compile" in proc.stderr and "bad.rego" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert out.read_text(encoding="utf-8") == OLD
    assert _leftovers(tmp_path) == []


# -- an engine that raises ------------------------------------------------------------------------------------------


class _Exploding:
    def __init__(self, inner, exc: BaseException):
        self.inner, self.name, self.exc = inner, inner.name, exc

    def load(self, modules, data):
        return self.inner.load(modules, data)

    def evaluate(self, input):
        raise self.exc


def _explode(monkeypatch, exc: BaseException) -> None:
    real = engine_module.create
    monkeypatch.setattr(engine_module, "create", lambda *a, **k: _Exploding(real(*a, **k), exc))


@pytest.mark.parametrize("jobs", ["1"])  # forked workers from inside pytest: see the console-script test below
@pytest.mark.parametrize("exc", [RuntimeError("engine blew up"), engine_module.EngineError("engine blew up")],
                         ids=["unexpected-exception", "engine-error"])
def test_an_engine_exception_exits_3_with_a_clear_message(tmp_path, monkeypatch, jobs, exc):
    _explode(monkeypatch, exc)
    out = tmp_path / "report.json"
    out.write_text(OLD, encoding="utf-8")
    result = _invoke("check", str(EXAMPLES), "--jobs", jobs, "--output", f"json={out}")
    assert result.exit_code == EXIT_INTERNAL, result.output
    assert "engine blew up" in result.stderr
    assert out.read_text(encoding="utf-8") == OLD  # atomic: the previous report survives the failed run
    assert _leftovers(tmp_path) == []


def test_an_engine_exception_in_policy_check_exits_3(monkeypatch):
    _explode(monkeypatch, RuntimeError("engine blew up"))
    result = _invoke("policy", "check", str(EXAMPLES / "support-assistant.yaml"))
    assert result.exit_code == EXIT_INTERNAL, result.output
    assert "engine blew up" in result.stderr


# -- unwritable output paths ----------------------------------------------------------------------------------------

COMMANDS = {
    "validate": ["validate", str(EXAMPLES / "minimal.yaml")],
    "check": ["check", str(EXAMPLES / "minimal.yaml"), "--jobs", "1"],
    "cost": ["cost", str(EXAMPLES / "minimal.yaml")],
    "schema": ["schema"],
}


def _output_args(command: str, path: Path) -> list[str]:
    return ["--output", f"json={path}"] if command in ("validate", "check", "cost") else ["--output", str(path)]


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("where", ["missing-directory", "under-a-regular-file", "is-a-directory"])
def test_an_unwritable_output_path_exits_2_and_writes_nothing(tmp_path, command, where):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a regular file\n", encoding="utf-8")
    path = {"missing-directory": tmp_path / "missing" / "report.json",
            "under-a-regular-file": blocker / "report.json",
            "is-a-directory": tmp_path}[where]
    result = _invoke(*COMMANDS[command], *_output_args(command, path))
    assert result.exit_code == EXIT_INPUT, result.output
    assert "--output" in result.stderr and str(path) in result.stderr
    assert not (tmp_path / "missing").exists()
    assert blocker.read_text(encoding="utf-8") == "a regular file\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["not-a-dir"]


def test_plan_out_under_a_regular_file_exits_2(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    result = _invoke("plan", str(EXAMPLES / "minimal.yaml"), "--out", str(blocker / "plan.json"))
    assert result.exit_code == EXIT_INPUT, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


# -- a full disk ----------------------------------------------------------------------------------------------------


def _enospc(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@pytest.mark.parametrize("where", ["fsync", "write", "replace"])
@pytest.mark.parametrize("command", ["validate", "check", "schema"])
def test_a_full_disk_exits_3_and_leaves_the_old_file_and_no_temp_file(tmp_path, monkeypatch, where, command):
    out = tmp_path / "report.json"
    out.write_text(OLD, encoding="utf-8")
    if where == "write":
        real_fdopen = report_module.os.fdopen

        class Full:
            def __init__(self, fh):
                self.fh = fh

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                self.fh.close()

            def write(self, text):
                self.fh.write(text[: len(text) // 2])  # half of it reaches the disk, then the disk is full
                self.fh.flush()
                _enospc()

            def flush(self):
                pass

            def fileno(self):
                return self.fh.fileno()

        monkeypatch.setattr(report_module.os, "fdopen", lambda fd, *a, **k: Full(real_fdopen(fd, *a, **k)))
    else:
        monkeypatch.setattr(report_module.os, where, _enospc)
    args = COMMANDS[command] + _output_args(command, out)
    result = _invoke(*args)
    assert result.exit_code == EXIT_INTERNAL, result.output
    assert "No space left on device" in result.stderr and str(out) in result.stderr
    monkeypatch.undo()
    assert out.read_text(encoding="utf-8") == OLD
    assert _leftovers(tmp_path) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


def test_write_atomic_replaces_the_file_in_one_step(tmp_path):
    out = tmp_path / "report.json"
    out.write_text(OLD, encoding="utf-8")
    report_module.write_atomic(str(out), "new\n")
    assert out.read_text(encoding="utf-8") == "new\n"
    assert _leftovers(tmp_path) == []


# -- Ctrl-C mid-run -------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def many_specs(tmp_path_factory) -> Path:
    """300 copies of the examples (with their prompt and dataset files): a run of several seconds."""
    root = tmp_path_factory.mktemp("many")
    shutil.copytree(EXAMPLES / "prompts", root / "prompts")
    shutil.copytree(EXAMPLES / "evaluation", root / "evaluation")
    examples = sorted(EXAMPLES.glob("*.yaml"))
    for i in range(300):
        src = examples[i % len(examples)]
        shutil.copy(src, root / f"{src.stem}-{i:03d}.yaml")
    return root


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("target", ["process", "process-group"])
def test_ctrl_c_mid_run_exits_130_with_no_traceback_and_no_partial_file(many_specs, tmp_path, jobs, target):
    out = tmp_path / "report.json"
    out.write_text(OLD, encoding="utf-8")
    # 1 s: past start-up, loading and judging the specs; to the whole group is what a terminal's Ctrl-C does
    _interrupted([str(_script()), "check", str(many_specs), "--jobs", jobs, "--output", f"json={out}"], _env(),
                 after=1.0, group=target == "process-group")
    assert out.read_text(encoding="utf-8") == OLD
    assert _leftovers(tmp_path) == []


def _sigint(disposition: signal.Handlers) -> Callable[[], None]:
    """A ``preexec_fn`` giving the child ``disposition`` for SIGINT whatever this process has.

    A child inherits an ignored SIGINT across fork and exec, and Python then leaves it ignored: a suite
    started in the background by a non-interactive shell (some CI runners) or under ``nohup`` would
    send its Ctrl-C to a run that cannot receive it. SIG_DFL is what a terminal gives (Python then
    installs its KeyboardInterrupt handler); SIG_IGN is what ``nohup`` gives.
    """
    return lambda: signal.signal(signal.SIGINT, disposition)


def _send_sigint(args: list[str], env: dict[str, str], *, after: float, group: bool,
                 disposition: signal.Handlers = signal.SIG_DFL) -> tuple[int, str, str]:
    """Run ``args`` with SIGINT at ``disposition``, send SIGINT ``after`` seconds in (to its process group
    when ``group``); return its exit code, stdout and stderr."""
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT,
                            start_new_session=True, preexec_fn=_sigint(disposition))
    try:
        time.sleep(after)
        assert proc.poll() is None, "the run finished before it could be interrupted; make it bigger"
        if group:
            os.killpg(proc.pid, signal.SIGINT)
        else:
            proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return proc.returncode, stdout, stderr


def _interrupted(args: list[str], env: dict[str, str], *, after: float, group: bool) -> None:
    """Run ``args``, send SIGINT ``after`` seconds in (to its process group when ``group``), and check it
    ends with exit 130, says "interrupted" and prints no traceback."""
    code, stdout, stderr = _send_sigint(args, env, after=after, group=group)
    assert code == 130, (code, stderr)
    assert "interrupted" in stderr
    assert "Traceback" not in stderr + stdout, stderr


@pytest.fixture
def sigint_ignored_here():
    """This test process ignores SIGINT, as a suite started by ``nohup`` or in a non-interactive shell's
    background does: the Ctrl-C tests must pass all the same (their children set what they rely on)."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def test_ctrl_c_tests_do_not_depend_on_how_the_suite_was_started(many_specs, tmp_path, sigint_ignored_here):
    out = tmp_path / "report.json"
    out.write_text(OLD, encoding="utf-8")
    _interrupted([str(_script()), "check", str(many_specs), "--jobs", "2", "--output", f"json={out}"], _env(),
                 after=1.0, group=True)
    assert out.read_text(encoding="utf-8") == OLD


# The fork server imports the stages' modules before it starts ignoring SIGINT; a module that sleeps at the end
# of that import holds it there, so the Ctrl-C below reaches it mid-import every time.
SLOW_PRELOAD = "import time\ntime.sleep(4)\n"
CHECK_WITH_SLOW_PRELOAD = """
import sys
import llmops_iac.pipeline_parallel as pipeline_parallel
from llmops_iac.cli import main
pipeline_parallel.WORKER_MODULES.append("slowpreload")  # found through PYTHONPATH (the fork server ignores sys.path on 3.11)
sys.argv = ["llmops-iac", *sys.argv[1:]]
main()
"""


def test_ctrl_c_while_the_fork_server_starts_prints_no_traceback(many_specs, tmp_path):
    out = tmp_path / "report.json"
    out.write_text(OLD, encoding="utf-8")
    (tmp_path / "slowpreload.py").write_text(SLOW_PRELOAD, encoding="utf-8")
    # 1.5 s: the fork server is asleep in its preload (0.3 s of imports, then 4 s); a terminal's Ctrl-C reaches every process
    _interrupted([sys.executable, "-c", CHECK_WITH_SLOW_PRELOAD, "check", str(many_specs), "--jobs", "2", "--output",
                  f"json={out}"], {**_env(), "PYTHONPATH": str(tmp_path)}, after=1.5, group=True)
    assert out.read_text(encoding="utf-8") == OLD


def test_a_run_started_with_sigint_ignored_keeps_ignoring_it(many_specs, tmp_path):
    """``nohup llmops-iac check --jobs 2`` is not stopped by a SIGINT, not even while the fork server starts
    (where a Ctrl-C is held until the workers are up, then raised)."""
    out = tmp_path / "report.json"
    (tmp_path / "slowpreload.py").write_text(SLOW_PRELOAD, encoding="utf-8")
    code, stdout, stderr = _send_sigint(
        [sys.executable, "-c", CHECK_WITH_SLOW_PRELOAD, "check", str(many_specs), "--jobs", "2", "--output",
         f"json={out}"], {**_env(), "PYTHONPATH": str(tmp_path)}, after=1.5, group=True, disposition=signal.SIG_IGN)
    assert code in (0, 1), (code, stderr)
    assert "interrupted" not in stderr and "Traceback" not in stderr + stdout, stderr
    assert '"reportVersion"' in out.read_text(encoding="utf-8")


# -- no fault ever exits 0 ------------------------------------------------------------------------------------------


FAULTS = ["broken-policy", "engine-exception", "missing-output-dir", "disk-full"]


@pytest.mark.parametrize("fault", FAULTS)
def test_no_run_that_hits_a_fault_exits_0(tmp_path, monkeypatch, fault):
    out = tmp_path / "report.json"
    args = ["check", str(EXAMPLES), "--jobs", "1"] if fault != "engine-exception" else ["check", str(EXAMPLES)]
    if fault == "broken-policy":
        (tmp_path / "bad.rego").write_text(BROKEN_REGO, encoding="utf-8")
        args += ["--policy-dir", str(tmp_path)]
    elif fault == "engine-exception":
        _explode(monkeypatch, ValueError("engine blew up"))
        args += ["--jobs", "1"]
    elif fault == "missing-output-dir":
        out = tmp_path / "missing" / "report.json"
    elif fault == "disk-full":
        monkeypatch.setattr(report_module.os, "fsync", _enospc)
    for fmt in ("text", "json"):
        result = _invoke(*args, "--format", fmt, "--output", f"json={out}")
        assert result.exit_code not in (0, 1), (fault, result.exit_code, result.output)
        assert result.stderr.strip(), "a fault must say what went wrong"
        assert not out.exists()


def test_output_to_a_fifo_writes_through_it_and_keeps_the_fifo(tmp_path):
    """--output to a device or FIFO (/dev/null, /dev/stdout) must not replace the node with a regular file.

    (write_atomic's temp file + rename did exactly that to /dev/null when run as root.) A FIFO in
    tmp_path stands in for the device, so the test never touches the machine's /dev/null.
    """
    import stat
    import threading

    fifo = tmp_path / "sink"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text(encoding="utf-8")), daemon=True)
    reader.start()
    result = _invoke("validate", str(EXAMPLES / "minimal.yaml"), "--output", f"json={fifo}")
    reader.join(10)
    assert result.exit_code == 0, result.output
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert received and '"reportVersion"' in received[0]
    assert _leftovers(tmp_path) == []
