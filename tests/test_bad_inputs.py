"""Every kind of broken input is rejected with exit code 2 and a located, fixable diagnostic.

The corpus in tests/fixtures/bad/ holds one small spec per defect. The first
line of each file says what `llmops-iac validate` must report:

    # expect: code=<diagnostic code> line=<line>

(the header itself is line 1). Each case is run through the CLI in-process
(JSON and text formats); a handful also through the installed console script.
Inputs that can't live in a fixture file (an empty file, a directory, a FIFO,
a file over the size cap, ...) are built in tmp_path.

Cases that fail because of a bug in llmops_iac are marked
``xfail(strict=True, reason="BUG: ...")``: the expectation stays what it should
be, and the mark must be removed when the bug is fixed.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from llmops_iac.cli import cli

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "bad"
HEADER = re.compile(rb"^# expect: code=(?P<code>[A-Za-z0-9-]+) line=(?P<line>[0-9]+)[ \t]*\r?$")
MIN_CASES = 60

# Every diagnostic code the corpus must prove, each by at least one case that passes (not xfail).
CORPUS_CODES = sorted({
    # loader (llmops_iac/spec/load.py)
    "duplicate-key", "multiple-documents", "alias-bomb", "yaml-alias", "merge-key", "yaml-tag",
    "top-level-not-mapping", "empty-file", "yaml-syntax", "json-syntax", "bad-character", "yaml-version", "non-string-key", "yaml11-trap",
    "yaml-anchor-key", "complex-key", "too-deep", "not-a-number", "binary-file", "not-utf8", "number-too-large",
    # schema (llmops_iac/spec/jsonschema_lite.py via validate.py)
    "unknown-key", "missing-key", "type", "enum", "const", "pattern", "bad-name", "minimum", "maximum",
    "exclusiveMinimum", "minProperties", "maxProperties", "minItems", "maxItems", "minLength", "maxLength",
    "format", "uniqueItems", "blank",
    # cross-references (llmops_iac/spec/references.py)
    "unknown-reference", "wrong-reference", "version-mismatch", "mismatch", "range", "duplicate-name",
    "unsupported", "region-mismatch", "file-not-found",
    # compile (llmops_iac/compile/errors.py): two sections whose resources share one logical name
    "name-collision",
    # files a spec names (llmops_iac/spec/files.py; links, FIFOs and devices: tests/test_file_references.py)
    "not-a-file", "file-in-git-directory",
})

_EOF_LINE = ("parse() in llmops_iac/spec/load.py locates a MarkedYAMLError at exc.problem_mark, which for an "
             "unterminated construct is the end of the stream, before exc.context_mark (where it was opened)")
KNOWN_BUGS: dict[str, str] = {}  # name -> reason: cases that must fail until a bug is fixed (strict xfail)


def corpus() -> list[Path]:
    """Every spec in the corpus (.yaml and .json files directly in tests/fixtures/bad)."""
    return sorted(p for p in FIXTURES.iterdir() if p.is_file() and p.suffix in (".yaml", ".json"))


def expectation(path: Path) -> tuple[str, int]:
    """Return (code, line) from the file's `# expect:` header (JSON allows no comments: NAME.json.expect holds it)."""
    header = path.with_name(path.name + ".expect") if path.suffix == ".json" else path
    first = header.read_bytes().split(b"\n", 1)[0]
    m = HEADER.match(first)
    assert m, f"{path.name}: first line must be '# expect: code=<code> line=<line>', got {first[:80]!r}"
    return m.group("code").decode(), int(m.group("line"))


def _params(paths: list[Path]) -> list:
    out = []
    for p in paths:
        marks = [pytest.mark.xfail(reason=KNOWN_BUGS[p.name], strict=True)] if p.name in KNOWN_BUGS else []
        out.append(pytest.param(p, id=p.name, marks=marks))
    return out


def _invoke(*args: str):
    return CliRunner().invoke(cli, ["validate", *args])


def _diagnostics(stdout: str) -> list[dict]:
    report = json.loads(stdout)
    return [d for f in report["files"] for d in f["diagnostics"]]


def _names(file_field: str, path: Path) -> bool:
    """Whether a diagnostic's ``file`` names ``path``: relative to the current directory, or (a temporary file,
    outside it and any repository) as its directory and name; never absolute (llmops_iac/shown_paths.py)."""
    return not os.path.isabs(file_field) and (Path(file_field).resolve() == path.resolve()
                                              or file_field == f"{path.parent.name}/{path.name}")


def _no_crash(result) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    assert "internal error" not in result.output


# -- the corpus ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", _params(corpus()))
def test_bad_file_is_rejected_at_the_expected_line(path: Path):
    code, line = expectation(path)

    result = _invoke(str(path), "--format", "json")
    _no_crash(result)
    assert result.exit_code == 2, f"exit {result.exit_code}\n{result.output}"
    diagnostics = _diagnostics(result.stdout)
    found = [d for d in diagnostics if d["code"] == code and d["line"] == line]
    assert found, f"no {code} at line {line}; got " + "; ".join(
        f"{d['code']}@{d['line']}:{d['col']} {d['message']}" for d in diagnostics)
    d = found[0]
    assert _names(d["file"], path), d["file"]
    assert d["hint"].strip(), f"{code} at line {line} has no hint"
    assert d["severity"] == "error"

    text = _invoke(str(path))
    _no_crash(text)
    assert text.exit_code == 2
    assert f"{d['file']}:{line}:" in text.stdout, text.stdout
    assert f"[{code}]" in text.stdout


def test_corpus_is_large_and_covers_every_code():
    cases = corpus()
    assert len(cases) >= MIN_CASES, f"only {len(cases)} cases"
    codes = {expectation(p)[0] for p in cases if p.name not in KNOWN_BUGS}
    missing = [c for c in CORPUS_CODES if c not in codes]
    assert not missing, f"no passing corpus case for: {missing}"
    stale = [name for name in KNOWN_BUGS if not (FIXTURES / name).is_file()]
    assert not stale, f"KNOWN_BUGS names files that are not in the corpus: {stale}"


def test_every_corpus_file_has_a_unique_single_header():
    seen: dict[str, str] = {}
    for p in corpus():
        code, line = expectation(p)
        assert line >= 1
        header = p.with_name(p.name + ".expect") if p.suffix == ".json" else p
        assert header.read_bytes().count(b"# expect:") == 1, p.name
        seen[p.name] = code
    assert len(seen) == len(corpus())


# -- hint quality for particular corpus cases ------------------------------------------------------------------------


def test_tab_indentation_hint_mentions_tabs():
    path = FIXTURES / "tabs-for-indentation.yaml"
    result = _invoke(str(path), "--format", "json")
    _no_crash(result)
    [d] = [d for d in _diagnostics(result.stdout) if d["code"] == "yaml-syntax"]
    assert "tab" in d["hint"].lower(), d["hint"]


@pytest.mark.parametrize("name", ["pattern-waiver-rule.yaml", "pattern-instance-type.yaml",
                                  "pattern-prompt-ref-no-version.yaml"])
def test_pattern_hint_is_not_truncated(name: str):
    result = _invoke(str(FIXTURES / name), "--format", "json")
    _no_crash(result)
    [d] = [d for d in _diagnostics(result.stdout) if d["code"] == "pattern"]
    assert not d["hint"].rstrip().endswith("e.g."), d["hint"]


# -- inputs that are not YAML files --------------------------------------------------------------------------------

MINIMAL_TEXT = "apiVersion: llmops-iac/v1\nkind: LLMApplication\nmetadata:\n  name: support-bot\n"


def _rejected(path: Path, code: str, line: int | None) -> dict:
    """Run validate on ``path``; assert exit 2, no crash and a ``code`` diagnostic (at ``line`` if given)."""
    result = _invoke(str(path), "--format", "json")
    _no_crash(result)
    assert result.exit_code == 2, f"exit {result.exit_code}\n{result.output}"
    diagnostics = _diagnostics(result.stdout)
    found = [d for d in diagnostics if d["code"] == code and (line is None or d["line"] == line)]
    assert found, f"no {code} at line {line}; got {diagnostics}"
    d = found[0]
    assert _names(d["file"], path), d["file"]
    assert d["hint"].strip()
    text = _invoke(str(path))
    _no_crash(text)
    assert text.exit_code == 2
    assert d["file"] in text.stdout and f"[{code}]" in text.stdout
    if d["line"] > 0:
        assert f"{d['file']}:{d['line']}:" in text.stdout
    return d


def test_empty_file(tmp_path):
    path = tmp_path / "empty.yaml"
    path.write_bytes(b"")
    _rejected(path, "empty-file", 1)


def test_whitespace_only_file(tmp_path):
    path = tmp_path / "blank.yaml"
    path.write_text("\n   \n\n", encoding="utf-8")
    _rejected(path, "empty-file", None)


def test_binary_file_with_nul_bytes(tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_bytes(b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x03\x00>\x00")
    d = _rejected(path, "binary-file", 1)
    assert d["col"] == 8


def test_nul_byte_is_located(tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_bytes(MINIMAL_TEXT.encode() + b"  owner: ml\x00platform\n")
    _rejected(path, "binary-file", 5)


def test_latin1_bytes_are_reported_at_their_line(tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_bytes(MINIMAL_TEXT.encode() + "  owner: équipe-données\n".encode("latin-1"))
    d = _rejected(path, "not-utf8", 5)
    assert d["col"] == 10  # the é right after "  owner: "


def test_utf8_bom_is_accepted(tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + MINIMAL_TEXT.encode())
    result = _invoke(str(path))
    _no_crash(result)
    assert result.exit_code == 0, result.output


def test_file_over_the_size_cap(tmp_path):
    from llmops_iac.spec.load import MAX_BYTES

    path = tmp_path / "huge.yaml"
    padding = b"# padding padding padding padding padding padding padding padding padding\n"
    path.write_bytes(MINIMAL_TEXT.encode() + padding * (MAX_BYTES // len(padding) + 1))
    assert path.stat().st_size > MAX_BYTES
    _rejected(path, "file-too-large", 1)


def test_file_exactly_at_the_size_cap_is_read(tmp_path):
    from llmops_iac.spec.load import MAX_BYTES

    path = tmp_path / "big.yaml"
    body = MINIMAL_TEXT.encode()
    path.write_bytes(body + b"#" * (MAX_BYTES - len(body) - 1) + b"\n")
    assert path.stat().st_size == MAX_BYTES
    result = _invoke(str(path))
    _no_crash(result)
    assert result.exit_code == 0, result.output


def test_directory_given_as_the_file(tmp_path):
    directory = tmp_path / "specs.yaml"
    directory.mkdir()
    _rejected(directory, "is-a-directory", None)


def test_nonexistent_file(tmp_path):
    _rejected(tmp_path / "nope.yaml", "file-not-found", None)


def test_path_whose_parent_is_a_file_is_unreadable(tmp_path):
    # Works as root too, unlike chmod 000: stat() fails with ENOTDIR.
    parent = tmp_path / "spec.yaml"
    parent.write_text(MINIMAL_TEXT, encoding="utf-8")
    _rejected(parent / "child.yaml", "file-unreadable", None)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_fifo_is_not_a_regular_file(tmp_path):
    fifo = tmp_path / "spec.yaml"
    os.mkfifo(fifo)
    _rejected(fifo, "not-a-file", None)  # must not block waiting for a writer


def test_socket_is_not_a_regular_file(tmp_path):
    import socket

    path = tmp_path / "s.yaml"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.bind(str(path))
        _rejected(path, "not-a-file", None)
    finally:
        sock.close()


def test_device_is_not_a_regular_file():
    if not Path("/dev/null").exists():
        pytest.skip("no /dev/null")
    result = _invoke("/dev/null", "--format", "json")
    _no_crash(result)
    assert result.exit_code == 2
    assert any(d["code"] == "not-a-file" for d in _diagnostics(result.stdout))


def test_several_files_each_get_their_own_diagnostics(tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text(MINIMAL_TEXT, encoding="utf-8")
    bad = FIXTURES / "duplicate-key-top-level.yaml"
    result = _invoke(str(good), str(bad), str(tmp_path / "missing.yaml"), "--format", "json")
    _no_crash(result)
    assert result.exit_code == 2
    report = json.loads(result.stdout)
    assert [f["ok"] for f in report["files"]] == [True, False, False]
    assert report["files"][1]["diagnostics"][0]["code"] == "duplicate-key"
    assert report["files"][2]["diagnostics"][0]["code"] == "file-not-found"


# -- inputs that crash: the expected behaviour, held by xfail until fixed --------------------------------------------


def test_huge_decimal_integer_is_an_input_error(tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text(MINIMAL_TEXT + "spec:\n  budgets:\n    monthlyUsd: " + "9" * 5000 + "\n", encoding="utf-8")
    result = _invoke(str(path), "--format", "json")
    _no_crash(result)
    assert result.exit_code == 2
    assert any(d["line"] == 7 for d in _diagnostics(result.stdout))


def test_huge_hex_integer_out_of_range_is_an_input_error(tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text(MINIMAL_TEXT + "spec:\n  budgets:\n    monthlyUsd: 0x" + "f" * 4000 + "\n", encoding="utf-8")
    result = _invoke(str(path), "--format", "json")
    _no_crash(result)
    assert result.exit_code == 2
    assert any(d["code"] == "number-too-large" and d["line"] == 7 for d in _diagnostics(result.stdout))


# -- the installed console script --------------------------------------------------------------------------------

SCRIPT_CASES = ["duplicate-key-top-level.yaml", "alias-bomb-billion-laughs.yaml", "yaml11-no-as-owner.yaml",
                "unknown-key-misspelled-modelid.yaml", "ref-kb-undeclared-vector-store.yaml",
                "env-override-negative-budget.yaml", "binary-nul-byte.yaml", "json-syntax-missing-comma.json"]


def _console_script() -> Path:
    path = Path(sys.executable).parent / "llmops-iac"
    if not path.exists():
        pytest.skip(f"console script not installed next to {sys.executable}")
    return path


@pytest.mark.parametrize("name", SCRIPT_CASES)
def test_console_script_rejects_corpus_file(name: str):
    path = FIXTURES / name
    code, line = expectation(path)
    proc = subprocess.run([str(_console_script()), "validate", str(path), "--format", "json"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    diagnostics = _diagnostics(proc.stdout)
    assert any(d["code"] == code and d["line"] == line and d["hint"] for d in diagnostics), diagnostics


def test_console_script_nonexistent_file(tmp_path):
    proc = subprocess.run([str(_console_script()), "validate", str(tmp_path / "nope.yaml")],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "file-not-found" in proc.stdout
