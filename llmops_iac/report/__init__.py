"""Renderers: one module per output format, each ``render(result) -> str``."""

from __future__ import annotations

import errno
import os
import tempfile
from typing import Callable

from llmops_iac.errors import InternalError, UsageError
from llmops_iac.output_paths import WRITE_THROUGH
from llmops_iac.pipeline import RunResult


def renderers() -> dict[str, Callable[[RunResult], str]]:
    """Return the available formats and their render functions (one per name of FORMATS)."""
    from llmops_iac.report import github, junit, markdown, review_markdown, sarif, text
    from llmops_iac.report import json as json_report

    def pull_request_comment(result: RunResult) -> str:
        # with a comparison (`check --base REV`) the comment leads with what the change does
        if getattr(result, "comparison", None) is not None:
            return review_markdown.render(result)
        return markdown.render(result)

    return {"text": text.render, "json": json_report.render, "sarif": sarif.render, "junit": junit.render,
            "markdown": pull_request_comment, "github": github.render}


FORMATS = ("text", "json", "sarif", "junit", "markdown", "github")
"""Output formats: text (terminal), json (schemas/report.schema.json), sarif (SARIF 2.1.0, code scanning),
junit (JUnit XML), markdown (a pull-request comment), github (workflow-command annotations)."""


def write_atomic(path: str, content: str | bytes) -> None:
    """Write ``content`` (text as UTF-8, or bytes) to ``path`` all at once: a reader sees the old
    file or the new, never half; the new file is readable by all (0644), like any written file.

    Raises UsageError for a path that can't be written (exit 2) and InternalError
    for a failing disk (exit 3); the partial temporary file is always removed.
    """
    data = content.encode("utf-8") if isinstance(content, str) else content
    directory = os.path.dirname(path) or "."  # not normalised: "missing/../r.json" is not a path until missing/ is
    if os.path.isdir(path):
        raise UsageError(f"--output {path}: is a directory; name a file")
    if not os.path.isdir(directory):
        raise UsageError(f"--output {path}: directory {directory} does not exist; create it first")
    if (os.path.exists(path) and not os.path.isfile(path)) or os.path.abspath(path).startswith(WRITE_THROUGH):
        # A device or FIFO (/dev/null), or a process's own stream (/dev/stdout, /proc/self/fd/1, even when it is
        # a regular file): write through it, appending like the stream does; replacing it would put a regular
        # file where the device or link was.
        try:
            with open(path, "ab") as fh:
                fh.write(data)
        except OSError as exc:
            raise UsageError(f"--output {path}: cannot write there ({exc.strerror}); choose a writable location") from None
        return
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=".llmops-iac-", suffix=".tmp", dir=directory)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
        tmp = None
    except PermissionError as exc:
        raise UsageError(f"--output {path}: permission denied ({exc.strerror}); choose a writable location") from None
    except OSError as exc:
        if exc.errno in (errno.EROFS, errno.EACCES):
            raise UsageError(f"--output {path}: cannot write there ({exc.strerror}); choose a writable location") from None
        raise InternalError(f"--output {path}: writing failed ({exc.strerror or exc}); no partial file was left") from None
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
