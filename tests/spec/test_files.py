"""The resolver of files a spec names (llmops_iac/spec/files.py): root, confinement, file types, caps, races."""

from __future__ import annotations

import os
import signal
import socket
from pathlib import Path

import pytest

from llmops_iac.spec import files
from llmops_iac.spec.files import FileRefError, SpecFiles, find_root


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / ".git" / "config").write_text("[http]\n\textraheader = AUTHORIZATION: basic c2VjcmV0\n")
    (root / "app").mkdir()
    (root / "app" / "llmapp.yaml").write_text("kind: LLMApplication\n")
    (root / "app" / "p.txt").write_text("hello")
    (tmp_path / "outside.txt").write_text("outside")
    return root


def _files(repo: Path) -> SpecFiles:
    return SpecFiles(str(repo / "app" / "llmapp.yaml"))


def _code(spec_files: SpecFiles, ref: str, max_bytes: int | None = None) -> str:
    with pytest.raises(FileRefError) as info:
        spec_files.resolve(ref, "prompt", max_bytes)
    assert info.value.hint, "every refusal says how to fix it"
    return info.value.code


# --- the root ----------------------------------------------------------------------------------------------------

def test_root_is_the_nearest_directory_holding_git(repo, tmp_path):
    assert _files(repo).root == str(repo.resolve())
    (repo / "app" / ".git").write_text("gitdir: ../.git/modules/app\n")  # a submodule's .git is a file
    assert _files(repo).root == str((repo / "app").resolve())


def test_root_without_a_repository_is_the_spec_directory(tmp_path):
    (tmp_path / "x").mkdir()
    spec = tmp_path / "x" / "llmapp.yaml"
    spec.write_text("")
    if find_root(str((tmp_path / "x").resolve())) is not None:
        pytest.skip("the temporary directory is inside a git repository")
    assert SpecFiles(str(spec)).root == str((tmp_path / "x").resolve())
    assert not SpecFiles(str(spec)).in_repository


def test_a_linked_spec_is_confined_to_the_repository_it_really_is_in(repo, tmp_path):
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "llmapp.yaml").symlink_to(repo / "app" / "llmapp.yaml")
    linked = SpecFiles(str(tmp_path / "elsewhere" / "llmapp.yaml"))
    assert linked.root == str(repo.resolve()) and linked.base_dir == str((repo / "app").resolve())
    assert linked.read("p.txt", "prompt", 100) == b"hello"


def test_find_root_with_a_memo_agrees_and_looks_once(repo):
    memo: dict = {}
    start = str((repo / "app").resolve())
    assert find_root(start, memo) == find_root(start) == str(repo.resolve())
    assert memo[("root", start)] == str(repo.resolve())


# --- what resolves ------------------------------------------------------------------------------------------------

def test_a_regular_file_and_a_link_to_one_inside_the_repository(repo):
    (repo / "shared").mkdir()
    (repo / "shared" / "q.txt").write_text("shared")
    (repo / "app" / "q.txt").symlink_to("../shared/q.txt")
    (repo / "app" / "lib").symlink_to("../shared", target_is_directory=True)
    f = _files(repo)
    assert f.read("p.txt", "prompt", 100) == b"hello"
    assert f.read("q.txt", "prompt", 100) == b"shared"
    assert f.read("lib/q.txt", "prompt", 100) == b"shared"
    assert f.resolve("q.txt", "prompt").parts == ("shared", "q.txt")
    assert f.check("q.txt", "prompt") is None


def test_the_spec_itself_is_a_file_inside_the_repository(repo):
    assert _files(repo).read("llmapp.yaml", "prompt", 100) == b"kind: LLMApplication\n"


# --- escapes ------------------------------------------------------------------------------------------------------

def test_links_out_of_the_repository_are_refused(repo, tmp_path):
    app = repo / "app"
    (app / "abs.txt").symlink_to(tmp_path / "outside.txt")
    (app / "rel.txt").symlink_to("../../outside.txt")
    (app / "dir").symlink_to(tmp_path, target_is_directory=True)
    (app / "passwd").symlink_to("/etc/passwd")
    f = _files(repo)
    for ref in ("abs.txt", "rel.txt", "dir/outside.txt", "passwd", "../../outside.txt", str(tmp_path / "outside.txt")):
        assert _code(f, ref) == "file-outside-repository", ref
    with pytest.raises(FileRefError) as info:
        f.resolve("abs.txt", "prompt")
    assert str(tmp_path / "outside.txt") in info.value.message and str(repo) in info.value.message


def test_git_directory_is_refused_written_linked_or_in_another_case(repo):
    app = repo / "app"
    (app / "cfg").symlink_to("../.git/config")
    (app / "gitdir").symlink_to("../.git", target_is_directory=True)
    (repo / ".GIT").symlink_to(".git", target_is_directory=True)
    (app / ".git-not").mkdir()
    (app / ".git-not" / "ok.txt").write_text("fine")
    f = _files(repo)
    for ref in ("cfg", "gitdir/config", "../.git/config", "../.GIT/config", ".git/config", "../.git"):
        assert _code(f, ref) == "file-in-git-directory", ref
    assert f.read(".git-not/ok.txt", "prompt", 100) == b"fine"  # only a component named .git


def test_pseudo_file_systems_are_refused_even_inside_the_root():
    f = SpecFiles("/llmapp.yaml", root="/")
    for ref in ("proc/self/environ", "proc/self/status", "sys/kernel/hostname", "dev/zero", "dev/null"):
        assert _code(f, ref) == "not-a-file", ref


# --- what is not a regular file -------------------------------------------------------------------------------------

def test_directories_fifos_sockets_and_devices_are_refused(repo, monkeypatch):
    app = repo / "app"
    os.mkfifo(app / "fifo")
    (app / "to-fifo").symlink_to("fifo")
    monkeypatch.chdir(app)
    server = socket.socket(socket.AF_UNIX)
    server.bind("sock")
    try:
        f = _files(repo)
        kinds = {"fifo": "FIFO", "to-fifo": "FIFO", "sock": "socket", ".": "directory", "../app": "directory"}
        for ref, kind in kinds.items():
            with pytest.raises(FileRefError) as info:
                f.resolve(ref, "dataset")
            assert info.value.code == "not-a-file" and kind in info.value.message, (ref, info.value.message)
    finally:
        server.close()


def test_missing_dangling_and_looping(repo):
    app = repo / "app"
    (app / "dangling").symlink_to("gone.txt")
    (app / "a").symlink_to("b")
    (app / "b").symlink_to("a")
    (app / "self").symlink_to("self")
    f = _files(repo)
    assert _code(f, "nope.txt") == "file-not-found"
    assert _code(f, "p.txt/x") == "file-not-found"  # a file used as a directory
    assert _code(f, "dangling") == "file-not-found"
    with pytest.raises(FileRefError) as info:
        f.resolve("dangling", "prompt")
    assert "gone.txt" in info.value.message
    assert _code(f, "a") == "symlink-loop"
    assert _code(f, "self") == "symlink-loop"


def test_bad_paths(repo):
    f = _files(repo)
    assert _code(f, "p\0.txt") == "bad-path"
    assert _code(f, "x" * 256) == "bad-path"
    assert _code(f, "/".join(["d"] * 2100)) == "bad-path"
    assert _code(f, "") == "bad-path"
    assert _code(f, "x" * 255) == "file-not-found"  # the longest name the system takes is only missing


def test_size_cap_edges(repo):
    f = _files(repo)  # p.txt holds 5 bytes
    assert f.resolve("p.txt", "prompt", 5).stat.st_size == 5
    assert f.read("p.txt", "prompt", 5) == b"hello"
    assert _code(f, "p.txt", 4) == "file-too-large"
    with pytest.raises(FileRefError) as info:
        f.read("p.txt", "prompt", 4)
    assert info.value.code == "file-too-large"
    assert files.MAX_PROMPT_BYTES == 100_000


def test_check_remembers_each_answer(repo):
    f = _files(repo)
    assert f.check("p.txt", "prompt") is None
    (repo / "app" / "p.txt").unlink()
    assert f.check("p.txt", "prompt") is None  # the next environment's check of the same spec
    assert f.check("p.txt", "prompt", 10).code == "file-not-found"  # another question is asked afresh


# --- races: what is opened is what was checked -----------------------------------------------------------------------

def test_a_parent_directory_turned_into_a_link_after_the_check_is_not_followed(repo, tmp_path):
    (repo / "app" / "sub").mkdir()
    (repo / "app" / "sub" / "p.txt").write_text("inside")
    f = _files(repo)
    checked = f.resolve("sub/p.txt", "prompt")
    (tmp_path / "evil").mkdir()
    (tmp_path / "evil" / "p.txt").write_text("outside")
    (repo / "app" / "sub" / "p.txt").unlink()
    (repo / "app" / "sub").rmdir()
    (repo / "app" / "sub").symlink_to(tmp_path / "evil", target_is_directory=True)
    with pytest.raises(OSError):
        files._open_below(f.root, f.base_dir, checked)


def test_a_file_swapped_after_the_check_is_refused_and_a_fifo_does_not_hang(repo, monkeypatch):
    f = _files(repo)
    checked = f.resolve("p.txt", "prompt")
    monkeypatch.setattr(f, "resolve", lambda *a, **k: checked)  # the check ran before the swap below
    (repo / "app" / "new.txt").write_text("other")  # a new inode while the checked one still exists
    os.replace(repo / "app" / "new.txt", repo / "app" / "p.txt")
    with pytest.raises(FileRefError) as info:
        f.read("p.txt", "prompt", 100)
    assert info.value.code == "file-changed"
    (repo / "app" / "p.txt").unlink()
    os.mkfifo(repo / "app" / "p.txt")

    def hung(*_):
        raise AssertionError("opening the FIFO blocked")

    old = signal.signal(signal.SIGALRM, hung)
    signal.alarm(10)
    try:
        with pytest.raises(FileRefError) as info:
            f.read("p.txt", "prompt", 100)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    assert info.value.code == "file-changed"
