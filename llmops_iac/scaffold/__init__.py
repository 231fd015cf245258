"""`llmops-iac init`: a new repository for one LLM application, written from the templates beside this module.

The repository holds a commented spec (llmapp.yaml) with its prompt and evaluation datasets, the
Pulumi project that deploys it (Pulumi.yaml, __main__.py, requirements.txt, stacks for dev and
prod), a GitHub Actions workflow running this project's Action, CODEOWNERS and .gitignore. It
passes `llmops-iac check` as written; its placeholders are marked ``TODO(init)``.

Writing never replaces anything: every target is checked first (an existing file, a symbolic
link or a file where a directory is needed is refused, all of them named at once), then each
file is created relative to a directory descriptor opened without following links, with
O_EXCL, so nothing planted meanwhile is written through. A failure part-way removes what this
run created.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import stat
import subprocess
from dataclasses import dataclass
from pathlib import Path

from llmops_iac import __version__
from llmops_iac.errors import InternalError, UsageError

REPOSITORY = "llmops-iac/llmops-iac"
"""This project's GitHub repository: its action.yml is the Action the workflow runs, its schemas/ the modeline's."""
SPEC_FILE = "llmapp.yaml"
TEMPLATES = Path(__file__).parent / "templates"

FILES: tuple[tuple[str, str], ...] = (
    # (path in the new repository, template)
    (SPEC_FILE, "llmapp.yaml.tmpl"),
    ("prompts/assistant-system.txt", "prompt.txt.tmpl"),
    ("evaluation/golden.jsonl", "golden.jsonl.tmpl"),
    ("evaluation/redteam.jsonl", "redteam.jsonl.tmpl"),
    ("Pulumi.yaml", "Pulumi.yaml.tmpl"),
    ("__main__.py", "main.py.tmpl"),
    ("requirements.txt", "requirements.txt.tmpl"),
    ("stacks/Pulumi.dev.yaml", "stack-dev.yaml.tmpl"),
    ("stacks/Pulumi.prod.yaml", "stack-prod.yaml.tmpl"),
    (".github/workflows/llmops-iac.yml", "workflow.yml.tmpl"),
    (".github/CODEOWNERS", "CODEOWNERS.tmpl"),
    (".gitignore", "gitignore.tmpl"),
)

_TOKEN = re.compile(r"@@[A-Z_]+@@")
_TEAM = re.compile(r"^@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?/[A-Za-z0-9._-]+$")
"""A GitHub team as CODEOWNERS spells it (@org/team): what the maturity assessment counts as a team owner."""


@dataclass(frozen=True)
class Scaffold:
    """What `init` wrote: the directory, the application name, the files (relative) and whether it ran `git init`."""

    directory: str
    name: str
    files: tuple[str, ...]
    git_initialised: bool
    notes: tuple[str, ...]


def name_pattern() -> re.Pattern[str]:
    """The schema's pattern for metadata.name (the schema is the one source of truth)."""
    from llmops_iac.spec.validate import schema

    return re.compile(schema()["$defs"]["name"]["pattern"])


def check_name(name: str, *, derived_from: str | None = None) -> str:
    """Return ``name`` when it is a valid application name; UsageError saying what a name must look like."""
    pattern = name_pattern()
    if isinstance(name, str) and pattern.fullmatch(name):
        return name
    rule = ("lower-case letters, digits and '-', starting with a letter and not ending with '-', "
            "at most 32 characters")
    shown = name.encode("unicode_escape").decode("ascii") if isinstance(name, str) else repr(name)
    if derived_from is not None:
        raise UsageError(f"the directory name {shown!r} is not an application name ({rule}): "
                         f"give one with --name, e.g. --name my-assistant")
    raise UsageError(f"--name {shown!r}: an application name is {rule} (the schema's metadata.name)")


def check_owner(owner: str) -> str:
    """Return ``owner`` when it is a GitHub team (@org/team); UsageError otherwise."""
    if isinstance(owner, str) and _TEAM.fullmatch(owner) and len(owner) <= 128:
        return owner
    shown = owner.encode("unicode_escape").decode("ascii") if isinstance(owner, str) else repr(owner)
    raise UsageError(f"--owner {shown!r}: give the GitHub team that owns the application as @org/team "
                     "(CODEOWNERS names it as the reviewer of the spec and prompts)")


def render(name: str, owner: str | None = None) -> dict[str, str]:
    """Return every file of the new repository, path -> text, for application ``name`` owned by ``owner``."""
    placeholder = owner is None
    owner = owner or f"@your-org/{name}-team"
    values = {
        "@@NAME@@": name,
        "@@OWNER@@": owner,
        "@@OWNER_TODO@@": "TODO(init): " if placeholder else "",
        "@@CODEOWNERS_TODO@@": f"# TODO(init): replace {owner} with your GitHub team (@org/team).\n" if placeholder else "",
        "@@COST_CENTER@@": "TODO-cost-center",
        "@@EMAIL@@": f"{name}-oncall@example.com",
        "@@RUNBOOK_URL@@": f"https://runbooks.example.com/{name}",
        "@@VERSION@@": __version__,
        "@@SCHEMA_URL@@": f"https://raw.githubusercontent.com/{REPOSITORY}/v{__version__}/schemas/llmapp.schema.json",
        "@@ACTION@@": f"{REPOSITORY}@v{__version__}",
    }
    files = {}
    for path, template in FILES:
        text = (TEMPLATES / template).read_text(encoding="utf-8")
        text = _TOKEN.sub(lambda m: values[m.group(0)], text)
        files[path] = text
    return files


def problems_at(directory: str, paths: list[str]) -> list[str]:
    """Every reason the files can't be created in ``directory`` without replacing or following anything."""
    problems: list[str] = []
    seen: set[str] = set()
    for rel in paths:
        parts = rel.split("/")
        for depth in range(1, len(parts) + 1):
            sub = "/".join(parts[:depth])
            if sub in seen:
                continue
            seen.add(sub)
            full = os.path.join(directory, sub)
            try:
                st = os.lstat(full)
            except FileNotFoundError:
                break  # nothing below a missing directory exists either
            except OSError as exc:
                problems.append(f"{full}: cannot be inspected ({exc.strerror})")
                break
            if stat.S_ISLNK(st.st_mode):
                problems.append(f"{full} is a symbolic link (to {os.readlink(full)}): init writes only real paths "
                                f"inside {directory}")
                break
            if depth == len(parts):
                problems.append(f"{full} exists")
            elif not stat.S_ISDIR(st.st_mode):
                problems.append(f"{full} exists and is not a directory")
                break
    return problems


def _git_root_above(directory: str) -> str | None:
    """The nearest directory at or above ``directory`` (or its nearest existing ancestor) that holds .git."""
    d = os.path.abspath(directory)
    while True:
        if os.path.lexists(os.path.join(d, ".git")):
            return d
        parent = os.path.dirname(d)
        if parent == d:
            return None
        d = parent


def scaffold(directory: str, name: str | None = None, owner: str | None = None) -> Scaffold:
    """Write a new application repository into ``directory``; UsageError (nothing written) when it can't."""
    if not directory:
        raise UsageError("the directory is empty: name the directory to write the repository in (or omit it for .)")
    if os.path.islink(directory):
        raise UsageError(f"{directory} is a symbolic link (to {os.readlink(directory)}): give the directory itself")
    if os.path.lexists(directory) and not os.path.isdir(directory):
        raise UsageError(f"{directory} exists and is not a directory: give a new or existing directory")
    ancestor = os.path.dirname(os.path.abspath(directory))
    while not os.path.lexists(ancestor):
        ancestor = os.path.dirname(ancestor)
    if not os.path.isdir(ancestor):
        raise UsageError(f"{directory} cannot be created: {ancestor} exists and is not a directory")
    if name is None:
        base = os.path.basename(os.path.abspath(directory))
        name = check_name(base, derived_from=directory)
    else:
        name = check_name(name)
    if owner is not None:
        owner = check_owner(owner)
    files = render(name, owner)
    problems = problems_at(directory, list(files))
    if problems:
        raise UsageError(f"init never replaces a file, and {len(problems)} path(s) are in the way:\n"
                         + "\n".join(f"  {p}" for p in problems)
                         + "\n  fix: run init in a new directory, or move these away first")
    root = _git_root_above(directory)
    if root is not None and root != os.path.abspath(directory):
        raise UsageError(f"{directory} is inside the git repository {root}: init writes a repository of its own, "
                         f"whose CI workflow and CODEOWNERS work only at a repository's root; "
                         f"run init in a directory outside {root} (or at its root)")
    created = _write_all(directory, files)
    notes: list[str] = []
    git_initialised = False
    if root is None:
        git_initialised, note = _git_init(directory)
        if note:
            notes.append(note)
    return Scaffold(directory=directory, name=name, files=tuple(created), git_initialised=git_initialised,
                    notes=tuple(notes))


def _write_all(directory: str, files: dict[str, str]) -> list[str]:
    """Create ``directory`` (and its parents) and every file; on any failure remove what was created and raise."""
    made_dirs: list[str] = []
    made_files: list[str] = []
    try:
        _makedirs(directory, made_dirs)
        top = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        try:
            for rel, text in files.items():
                _create(top, directory, rel, text.encode("utf-8"), made_dirs, made_files)
        finally:
            os.close(top)
    except OSError as exc:
        _rollback(made_files, made_dirs)
        where = exc.filename or directory
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOTDIR, errno.EEXIST, errno.ELOOP,
                         errno.ENOENT, errno.ENAMETOOLONG):
            raise UsageError(f"cannot write {where} ({exc.strerror}); nothing was left behind: "
                             f"choose a directory you can write") from None
        raise InternalError(f"writing {where} failed ({exc.strerror}); nothing was left behind") from None
    except BaseException:
        _rollback(made_files, made_dirs)
        raise
    return list(files)


def _makedirs(directory: str, made: list[str]) -> None:
    """``mkdir -p directory``, recording each directory this call created (outermost first)."""
    missing: list[str] = []
    d = os.path.abspath(directory)
    while not os.path.lexists(d):
        missing.append(d)
        d = os.path.dirname(d)
    for path in reversed(missing):
        os.mkdir(path, 0o755)
        made.append(path)


def _create(top: int, directory: str, rel: str, data: bytes, made_dirs: list[str], made_files: list[str]) -> None:
    """Create ``rel`` below the directory descriptor ``top``, never following a link, never replacing a file."""
    parts = rel.split("/")
    fd = os.dup(top)
    try:
        walked = directory
        for part in parts[:-1]:
            walked = os.path.join(walked, part)
            try:
                os.mkdir(part, 0o755, dir_fd=fd)
                made_dirs.append(walked)
            except FileExistsError:
                pass
            nxt = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
            os.close(fd)
            fd = nxt
        path = os.path.join(directory, rel)
        out = os.open(parts[-1], os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644, dir_fd=fd)
        made_files.append(path)
        with os.fdopen(out, "wb") as fh:
            fh.write(data)
    except OSError as exc:
        if exc.filename is None:
            exc.filename = os.path.join(directory, rel)
        raise
    finally:
        os.close(fd)


def _rollback(files: list[str], dirs: list[str]) -> None:
    for path in reversed(files):
        try:
            os.unlink(path)
        except OSError:
            pass
    for path in reversed(dirs):
        try:
            os.rmdir(path)
        except OSError:
            pass


def _git_init(directory: str) -> tuple[bool, str | None]:
    """Make ``directory`` a git repository (CI evidence and CODEOWNERS are read from one); say so if it can't."""
    git = shutil.which("git")
    hint = (f"run `git init` in {directory}: `llmops-iac check` reads the CI workflow and CODEOWNERS "
            "from the spec's git repository")
    if git is None:
        return False, f"git is not installed: {hint}"
    try:
        done = subprocess.run([git, "init", "-q", directory], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as exc:
        return False, f"`git init` failed ({exc}): {hint}"
    if done.returncode != 0:
        return False, f"`git init` failed ({done.stderr.strip() or done.returncode}): {hint}"
    return True, None
