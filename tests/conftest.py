"""Shared test helpers: repository paths, the CLI in-process and as the installed console script."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
MINIMAL = {"apiVersion": "llmops-iac/v1", "kind": "LLMApplication", "metadata": {"name": "demo"}}


def example_files() -> list[Path]:
    """Every example spec in examples/."""
    return sorted(EXAMPLES.glob("*.yaml"))


@pytest.fixture
def invoke():
    """Run the CLI in-process: invoke("validate", path, ...) -> click Result."""
    from llmops_iac.cli import cli

    runner = CliRunner()

    def _invoke(*args: str):
        return runner.invoke(cli, list(args), catch_exceptions=False)

    return _invoke


def console_script() -> Path:
    """The installed `llmops-iac` console script next to this interpreter."""
    path = Path(sys.executable).parent / "llmops-iac"
    assert path.exists(), f"console script not installed at {path}: run `make test`"
    return path


def run_script(*args: str, cwd: Path = ROOT, timeout: float = 30) -> subprocess.CompletedProcess:
    """Run the installed console script as a real subprocess."""
    return subprocess.run([str(console_script()), *args], cwd=cwd, capture_output=True, text=True, timeout=timeout)


def sagemaker_core_config(name: str) -> Path:
    """A file of the installed sagemaker-core's ``image_uri_config`` (the test extra pins the vendored version),
    found through its metadata: nothing imports ``sagemaker``."""
    from importlib.metadata import distribution

    path = Path(distribution("sagemaker-core").locate_file(f"sagemaker/core/image_uri_config/{name}"))
    assert path.is_file(), f"sagemaker-core has no {path}: `make install` installs the test extra"
    return path


def json_report(output: str) -> dict:
    return json.loads(output)


@pytest.fixture
def write(tmp_path):
    """write("name.yaml", text) -> path of a new file in a temporary directory."""

    def _write(name: str, text: str | bytes) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    return _write


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite golden files (tests/golden/) from the current output instead of comparing")


@pytest.fixture
def golden(request):
    """golden(relative_path, text): compare text with tests/golden/<path>, or rewrite it with --update-golden."""
    update = request.config.getoption("--update-golden")

    def _golden(rel: str, text: str) -> None:
        path = ROOT / "tests" / "golden" / rel
        if update or not path.exists():
            if not update:
                pytest.fail(f"golden file {path} is missing: run `pytest --update-golden` and review it")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            return
        expected = path.read_text(encoding="utf-8")
        assert text == expected, f"{rel} differs from its golden file: review the change, then `pytest --update-golden`"

    return _golden


@pytest.fixture(scope="session")
def moto_url():
    """A moto server on 127.0.0.1 (a free port), shared by the tests of every AWS API moto covers."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()
