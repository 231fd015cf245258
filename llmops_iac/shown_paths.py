"""How messages and reports show a path: relative to something the reader knows, never a local absolute path.

One rule for every message and report (``check``'s six formats, ``maturity``'s four), first match wins:

1. a spec read from standard input is ``<stdin>``;
2. inside a root the command was told about (``maturity --repo``, see :func:`relative_to`): relative to that root;
3. inside the current directory, or inside the git repository that holds it: relative to the current directory
   (``examples/x.yaml``, ``../apps/x.yaml``): what the user typed, and what the SARIF, GitHub and JUnit reports
   turn into repository paths (llmops_iac/report/findings.py);
4. inside a git repository (the nearest ``.git`` above the file): relative to its root (``apps/x.yaml``);
5. anywhere else: the name of the file's directory and the file's name (``myapp/x.yaml``; ``~/x.yaml`` in the home
   directory, ``x.yaml`` at the filesystem root).

With the filesystem root as the current directory rule 3 is skipped: every path is "inside" it and relative to it
would be the absolute path without its first slash. A root directory is shown by :func:`shown_root`.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
from typing import Iterator

from llmops_iac.spec.files import find_root
from llmops_iac.spec.stdin import DISPLAY as STDIN_DISPLAY, is_stdin

_ROOTS: contextvars.ContextVar[tuple[str, ...]] = contextvars.ContextVar("shown_path_roots", default=())


@contextlib.contextmanager
def relative_to(*roots: str | os.PathLike[str] | None) -> Iterator[None]:
    """Within the block, paths inside one of ``roots`` (e.g. ``maturity --repo DIR``) are shown relative to it."""
    token = _ROOTS.set(tuple(os.fspath(r) for r in roots if r))
    try:
        yield
    finally:
        _ROOTS.reset(token)


def shown_path(path: str | os.PathLike[str]) -> str:
    """``path`` as messages and reports show it (the module's rule); never absolute, never the home directory."""
    if is_stdin(path):
        return STDIN_DISPLAY
    path = os.fspath(path)
    cwd = os.getcwd()
    absolute = os.path.normpath(os.path.join(cwd, path))
    if cwd != os.sep and not _ROOTS.get():  # the common case costs no file-system call, as before
        rel = _under(absolute, cwd)
        if rel is not None:
            return rel
    real = os.path.realpath(absolute)
    forms = (absolute, real)
    for root in _ROOTS.get():
        for base in _forms(os.path.join(cwd, root)):
            for form in forms:
                rel = _under(form, base)
                if rel is not None:
                    return rel
    if cwd != os.sep:
        real_cwd = os.path.realpath(cwd)
        for form, base in ((absolute, cwd), (real, real_cwd)):
            rel = _under(form, base)
            if rel is not None:
                return rel
        repo = git_root(real_cwd)
        if repo is not None and _under(real, repo) is not None:
            return os.path.relpath(real, real_cwd)
    repo = git_root(os.path.dirname(real))
    if repo is not None:
        return _under(real, repo) or os.path.basename(real)
    return _tail(absolute)


def shown_root(root: str | os.PathLike[str]) -> str:
    """A directory (a repository root) as reports show it: ``.`` for the current directory, relative to it when
    inside it, else its name (``~`` for the home directory)."""
    cwd = os.getcwd()
    absolute = os.path.normpath(os.path.join(cwd, os.fspath(root)))
    if {absolute, os.path.realpath(absolute)} & {cwd, os.path.realpath(cwd)}:
        return "."
    if cwd != os.sep:
        for form, base in ((absolute, cwd), (os.path.realpath(absolute), os.path.realpath(cwd))):
            rel = _under(form, base)
            if rel is not None:
                return rel
    if _is_home(absolute):
        return "~"
    return os.path.basename(absolute) or absolute  # the filesystem root is "/": it names nothing of the user's


def git_root(directory: str) -> str | None:
    """The nearest directory at or above ``directory`` holding ``.git`` (a directory, or a worktree's file), or None."""
    return find_root(directory)


def _forms(path: str) -> tuple[str, ...]:
    absolute = os.path.normpath(path)
    real = os.path.realpath(absolute)
    return (absolute,) if real == absolute else (absolute, real)


def _under(path: str, base: str) -> str | None:
    """``path`` relative to ``base`` when inside it, else None."""
    try:
        rel = os.path.relpath(path, base)
    except ValueError:  # another drive
        return None
    return None if rel.startswith("..") else rel


def _is_home(path: str) -> bool:
    home = os.path.expanduser("~")
    return home not in ("~", os.sep) and path in (home, os.path.realpath(home))


def _tail(path: str) -> str:
    parent, name = os.path.split(path)
    if _is_home(parent):
        return f"~/{name}"
    if parent == os.sep or not os.path.basename(parent):
        return name
    return f"{os.path.basename(parent)}/{name}"
