"""Inside ``repository_snapshot()`` paths, repository roots and dataset cases are worked out once per run:
the answers must be the ones an assessment outside a snapshot gets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from llmops_iac.maturity import datasets
from llmops_iac.maturity import repo as repo_mod
from llmops_iac.spec.files import SpecFiles


def _in_snapshot(func, *args):
    with repo_mod.repository_snapshot():
        return func(*args)


@pytest.fixture
def tree(tmp_path):
    """Directories and files reached through symbolic links, dangling links and a link loop."""
    (tmp_path / "real" / "sub").mkdir(parents=True)
    (tmp_path / "real" / "sub" / "file.txt").write_text("x", encoding="utf-8")
    (tmp_path / "dirlink").symlink_to(tmp_path / "real")
    (tmp_path / "real" / "filelink.txt").symlink_to("sub/file.txt")
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    return tmp_path


@pytest.mark.parametrize("rel", [
    "real/sub/file.txt", "dirlink/sub/file.txt", "dirlink/filelink.txt", "real/filelink.txt", "dirlink/sub/../sub",
    "dirlink/../real/sub", "dangling/more", "missing/a/b.txt", "real/sub/file.txt/below", ".", "real/./sub",
])
def test_resolve_in_a_snapshot_is_path_resolve(tree, rel, monkeypatch):
    monkeypatch.chdir(tree / "real")
    for path in (tree / rel, Path(rel), Path("..") / rel):
        assert _in_snapshot(repo_mod.resolve, path) == path.resolve()
        assert repo_mod.resolve(path) == path.resolve()


def test_a_link_loop_is_refused_in_a_snapshot_too(tree):
    with pytest.raises(RuntimeError):
        (tree / "loop" / "x").resolve()
    with pytest.raises(RuntimeError):
        _in_snapshot(repo_mod.resolve, tree / "loop" / "x")


def test_repo_root_in_a_snapshot_is_the_nearest_git_directory(tmp_path):
    (tmp_path / "outer" / ".git").mkdir(parents=True)
    (tmp_path / "outer" / "inner" / ".git").mkdir(parents=True)
    (tmp_path / "outer" / "inner" / "app").mkdir()
    (tmp_path / "outer" / "other").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "outer" / "inner" / "app")
    with repo_mod.repository_snapshot():
        found = [repo_mod.repo_root(str(p)) for p in (tmp_path / "outer" / "inner" / "app" / "llmapp.yaml",
                                                      tmp_path / "outer" / "other" / "llmapp.yaml",
                                                      tmp_path / "link" / "llmapp.yaml", tmp_path / "llmapp.yaml")]
    inner, outer = str((tmp_path / "outer" / "inner").resolve()), str((tmp_path / "outer").resolve())
    assert found[:3] == [inner, outer, inner]
    assert found[3] == repo_mod.repo_root(str(tmp_path / "llmapp.yaml"))  # whatever is above tmp_path


DATASETS = {
    "plain": b'{"input": "q1", "expected": "a"}\n\n{"input": "q2", "expected": "a"}\nnot json\n[1]\n',
    "crlf": b'{"input": "q1", "expected": "a"}\r\n\r\n[2]\r\n{"input": "q3", "expected": "a"}',
    "cr": b'{"input": "q1", "expected": "a"}\r\rnope\r{"input": "q2", "expected": "a"}\r',
    "odd-space": '{"input": "q1", "expected": "a"}\x0b\n\x0c\n{"input": "q2", "expected": "a"}\u2028{"input": "q3", "expected": "a"}\n\u00a0\n'.encode("utf-8"),
    "empty": b"",
    "blank": b"\n \n\t\n",
    "bad-utf8-late": b"".join(json.dumps({"input": f"q{i}", "expected": "a"}).encode() + b"\n" for i in range(3000)) + b"\xff\n{}\n",
    "bad-utf8-early": b'{"input": "q1", "expected": "a"}\n\xff\n',
    "bom": b'\xef\xbb\xbf{"input": "q1", "expected": "a"}\n{"input": "q2", "expected": "a"}\n',
}


def _datasets(tmp_path: Path) -> dict[str, datasets.DatasetFacts]:
    spec = tmp_path / "llmapp.yaml"
    spec.write_text("", encoding="utf-8")
    names = {**{name: f"evaluation/{name}.jsonl" for name in DATASETS}, "copy": "evaluation/plain-copy.jsonl",
             "missing": "evaluation/missing.jsonl", "directory": "evaluation"}
    (tmp_path / "evaluation").mkdir(exist_ok=True)
    for name, raw in DATASETS.items():
        (tmp_path / "evaluation" / f"{name}.jsonl").write_bytes(raw)
    (tmp_path / "evaluation" / "plain-copy.jsonl").write_bytes(DATASETS["plain"])

    class Loaded:  # what datasets.collect reads of a LoadedSpec
        path = str(spec)
        data = {"spec": {"evaluation": {"datasets": {name: {"file": file} for name, file in names.items()}}}}

    return datasets.collect(Loaded(), SpecFiles(str(spec)), tmp_path)  # type: ignore[arg-type]


def test_dataset_cases_in_a_snapshot_are_the_line_by_line_reading(tmp_path, monkeypatch):
    streamed = _datasets(tmp_path)
    assert streamed["plain"].cases == 2 and streamed["plain"].invalid_lines == (4, 5)
    assert streamed["plain"].malformed == ((4, "not a JSON object"), (5, "not a JSON object"))
    assert "cannot be read" in streamed["bad-utf8-late"].problem  # no credit for a file that stops decoding
    parsed = []
    real = datasets._judge
    monkeypatch.setattr(datasets, "_judge", lambda lines, task, b: parsed.append(1) or real(lines, task, b))
    with repo_mod.repository_snapshot():
        assert _datasets(tmp_path) == streamed
        first = len(parsed)
        assert _datasets(tmp_path) == streamed
    assert first == len(DATASETS)  # each content once: the copy of "plain" is not parsed again
    assert len(parsed) == first + 2  # the second time only the two that do not decode are read (line by line)
