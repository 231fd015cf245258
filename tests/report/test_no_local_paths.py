"""No report shows a local absolute path (issue #15 section 4), and the path it shows still leads to the file.

Every `maturity` format (text, json, markdown, html) and every `check` format (text, json, sarif, junit, markdown,
github) is run over specs placed where a reader's machine leaks into a report: outside any git repository, in a
git repository the current directory is not in, under --repo (a plain directory and a symlink to one), read from
standard input, named by an absolute path, and with the filesystem root as the current directory. No output may
hold /tmp/, /home/, the current directory, the home directory or the temporary directory (with or without its
leading slash), and each must show the spec at the path a reader can follow (relative to the current directory,
the repository, or the spec's own directory).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest

from llmops_iac.maturity import FORMATS as MATURITY_FORMATS
from llmops_iac.report import FORMATS as CHECK_FORMATS
from tests.conftest import EXAMPLES

MATURITY_SPEC = "support-assistant.yaml"  # prompts and datasets: evidence located in several files
CHECK_SPEC = "minimal.yaml"  # findings with file:line


def _app(directory: Path) -> Path:
    """An application directory: two specs, their prompts and evaluation datasets, and repository evidence."""
    directory.mkdir(parents=True)
    for name in (MATURITY_SPEC, CHECK_SPEC):
        shutil.copy(EXAMPLES / name, directory / name)
    for sub in ("prompts", "evaluation"):
        shutil.copytree(EXAMPLES / sub, directory / sub)
    return directory


def _git(directory: Path) -> None:
    if shutil.which("git"):
        subprocess.run(["git", "init", "-q", str(directory)], check=True, capture_output=True)
    else:  # what the tool looks for
        (directory / ".git").mkdir()
    (directory / ".github" / "workflows").mkdir(parents=True)
    (directory / ".github" / "workflows" / "ci.yml").write_text(
        "on: [pull_request]\njobs:\n  check:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: llmops-iac check apps/ --format sarif\n", encoding="utf-8")
    (directory / "CODEOWNERS").write_text("/apps/ @org/llm-team\n", encoding="utf-8")


@dataclass
class Case:
    cwd: Path
    spec_dir: Path | None  # None: the spec comes from standard input
    shown_dir: str  # the directory the reports show the spec in ("" for none)
    repo: Path | None = None  # maturity --repo
    check_shown_dir: str | None = None  # where check (which has no --repo) shows it, when not shown_dir


def _case(name: str, tmp: Path) -> Case:
    elsewhere = tmp / "elsewhere"
    elsewhere.mkdir()
    if name == "outside-git":
        return Case(elsewhere, _app(tmp / "outside" / "myapp"), "myapp/")
    if name == "git-cwd-elsewhere":
        repo = tmp / "repo"
        repo.mkdir()
        _git(repo)
        return Case(elsewhere, _app(repo / "apps" / "support"), "apps/support/")
    if name == "repo-option":
        root = tmp / "checkout"
        _app(root / "apps" / "support")
        return Case(elsewhere, root / "apps" / "support", "apps/support/", repo=root, check_shown_dir="support/")
    if name == "repo-symlink":
        real = tmp / "real-checkout"
        _app(real / "apps" / "support")
        link = tmp / "linked-checkout"
        link.symlink_to(real, target_is_directory=True)
        return Case(elsewhere, link / "apps" / "support", "apps/support/", repo=link, check_shown_dir="support/")
    if name == "stdin":
        root = tmp / "stdin-repo"
        _app(root)
        return Case(root, None, "", repo=root)
    if name == "absolute-inside-cwd":
        app = _app(tmp / "cwd-app")
        return Case(app, app.resolve(), "")
    if name == "cwd-root":
        return Case(Path("/"), _app(tmp / "outside" / "myapp"), "myapp/")
    raise AssertionError(name)


CASES = ["outside-git", "git-cwd-elsewhere", "repo-option", "repo-symlink", "stdin", "absolute-inside-cwd", "cwd-root"]


def _forbidden(tmp: Path, cwd: Path) -> list[str]:
    out = ["/tmp/", "/home/", "/root/"]
    for p in {str(tmp), str(tmp.resolve())}:
        out += [p, p.lstrip("/")]  # the absolute form, and the same path made relative to /
    if str(cwd) != "/":
        out += [str(cwd), os.getcwd()]
    home = os.path.expanduser("~")
    if home not in ("/", "~"):
        out.append(home)
    return sorted(set(out))


def _run(invoke, monkeypatch, case: Case, *args: str, spec: str):
    monkeypatch.chdir(case.cwd)
    if case.spec_dir is None:
        from click.testing import CliRunner

        from llmops_iac.cli import cli

        text = (EXAMPLES / CHECK_SPEC).read_text(encoding="utf-8")
        return CliRunner().invoke(cli, [*args[:1], "-", *args[1:]], input=text, catch_exceptions=False), "<stdin>"
    path = case.spec_dir / spec
    return invoke(args[0], str(path), *args[1:]), case.shown_dir + spec


def _assert_clean(output: str, forbidden: list[str], shown: str, fmt: str) -> None:
    leaks = [f for f in forbidden if f in output]
    assert not leaks, f"{fmt}: {leaks} in\n" + "\n".join(line for line in output.splitlines() if any(f in line for f in leaks))[:3000]
    wanted = shown.replace("<", "&lt;").replace(">", "&gt;") if fmt in ("html", "junit") else shown
    if fmt == "sarif":
        wanted = f'"uri": "{quote(shown, safe="/-._~")}"'
    assert wanted in output, f"{fmt}: the spec is not shown as {shown!r}:\n{output[:2000]}"


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("fmt", MATURITY_FORMATS)
def test_maturity_reports_show_no_local_absolute_path(invoke, monkeypatch, tmp_path, name, fmt):
    case = _case(name, tmp_path)
    repo = ("--repo", str(case.repo)) if case.repo else ()
    spec = CHECK_SPEC if case.spec_dir is None else MATURITY_SPEC
    result, shown = _run(invoke, monkeypatch, case, "maturity", *repo, "--format", fmt, spec=spec)
    assert result.exit_code == 0, result.output
    _assert_clean(result.output, _forbidden(tmp_path, case.cwd), shown, fmt)


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("fmt", CHECK_FORMATS)
def test_check_reports_show_no_local_absolute_path(invoke, monkeypatch, tmp_path, name, fmt):
    case = _case(name, tmp_path)
    if case.check_shown_dir is not None:  # no --repo: the spec's directory and name
        case.shown_dir = case.check_shown_dir
    result, shown = _run(invoke, monkeypatch, case, "check", "--format", fmt, spec=CHECK_SPEC)
    assert result.exit_code == 0, result.output
    _assert_clean(result.output, _forbidden(tmp_path, case.cwd), shown, fmt)


def test_maturity_json_names_the_repository_and_places_the_evidence_in_it(invoke, monkeypatch, tmp_path):
    import json

    case = _case("repo-symlink", tmp_path)
    monkeypatch.chdir(case.cwd)
    data = json.loads(invoke("maturity", str(case.spec_dir / MATURITY_SPEC), "--repo", str(case.repo),
                             "--format", "json").output)
    assert data["specFile"] == "apps/support/" + MATURITY_SPEC
    assert data["repository"]["root"] == "linked-checkout"
    assert data["repository"]["specPath"] == "apps/support/" + MATURITY_SPEC
    monkeypatch.chdir(case.repo)  # at the root of the repository it is '.'
    data = json.loads(invoke("maturity", str(case.spec_dir / MATURITY_SPEC), "--repo", str(case.repo),
                             "--format", "json").output)
    assert data["repository"]["root"] == "." and data["specFile"] == "apps/support/" + MATURITY_SPEC


def test_sarif_uris_stay_relative_to_the_repository_root_from_a_subdirectory(invoke, monkeypatch, tmp_path):
    """GitHub code scanning resolves artifactLocation.uri against %SRCROOT% (the checkout): from a sibling
    directory of the spec the text report shows ../apps/x.yaml and SARIF still says apps/x.yaml."""
    import json

    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo)
    _app(repo / "apps")
    (repo / "tools").mkdir()
    monkeypatch.chdir(repo / "tools")
    spec = str(repo / "apps" / CHECK_SPEC)
    text = invoke("check", spec, "--format", "text").output
    assert f"../apps/{CHECK_SPEC}:" in text and str(tmp_path) not in text
    sarif = json.loads(invoke("check", spec, "--format", "sarif").output)
    uris = {loc["physicalLocation"]["artifactLocation"]["uri"]
            for res in sarif["runs"][0]["results"] for loc in res["locations"]}
    bases = {loc["physicalLocation"]["artifactLocation"].get("uriBaseId")
             for res in sarif["runs"][0]["results"] for loc in res["locations"]}
    assert uris == {f"apps/{CHECK_SPEC}"} and bases == {"%SRCROOT%"}
    github = invoke("check", spec, "--format", "github").output
    assert f"file=apps/{CHECK_SPEC}," in github


# ----------------------------------------------------------------------------- the rule, one case at a time

def test_a_path_inside_the_current_directory_is_shown_as_before(monkeypatch, tmp_path):
    from llmops_iac.shown_paths import shown_path

    monkeypatch.chdir(tmp_path)
    assert shown_path("a/b.yaml") == os.path.join("a", "b.yaml")  # the user's own files: as typed (even missing)
    assert shown_path(str(tmp_path / "a" / "b.yaml")) == os.path.join("a", "b.yaml")


def test_the_home_directory_and_the_filesystem_root_are_never_named(monkeypatch, tmp_path):
    from llmops_iac.shown_paths import shown_path, shown_root

    home = tmp_path / "home" / "someone"
    (home / "proj").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(home / "proj")
    assert shown_path(str(home / "llmapp.yaml")) == "~/llmapp.yaml"
    assert shown_root(str(home)) == "~"
    assert shown_path("/llmapp.yaml") == "llmapp.yaml"
    assert shown_root(str(home / "proj")) == "."


def test_a_git_worktree_file_marks_the_repository_and_a_root_given_wins(monkeypatch, tmp_path):
    from llmops_iac.shown_paths import relative_to, shown_path, shown_root

    repo = tmp_path / "wt"
    (repo / "apps").mkdir(parents=True)
    (repo / ".git").write_text("gitdir: /elsewhere/.git/worktrees/wt\n")  # a linked worktree
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    assert shown_path(str(repo / "apps" / "x.yaml")) == "apps/x.yaml"
    monkeypatch.chdir(tmp_path)  # the current directory holds the file, but --repo names the root to show it from
    with relative_to(repo / "apps"):
        assert shown_path(str(repo / "apps" / "x.yaml")) == "x.yaml"
    assert shown_path(str(repo / "apps" / "x.yaml")) == os.path.join("wt", "apps", "x.yaml")
    assert shown_root(str(repo)) == "wt"


def test_with_the_filesystem_root_as_current_directory_nothing_is_shown_from_it(monkeypatch, tmp_path):
    from llmops_iac.shown_paths import shown_path, shown_root

    (tmp_path / "app").mkdir()
    monkeypatch.chdir("/")
    assert shown_path(str(tmp_path / "app" / "x.yaml")) == "app/x.yaml"
    assert shown_root(str(tmp_path / "app")) == "app"
    assert shown_root("/") == "."
