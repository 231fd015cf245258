"""Evidence for the maturity criteria: facts from the spec, its Plan and (with ``repo``) the repository.

Every fact a check uses becomes an ``Item`` that records where it came from — a
spec JSON pointer with its file:line (marked when the value is the schema's
default rather than written in the file), a Plan resource (located at the spec
line it was compiled from), or a repository file:line — so every level in a
report can be traced back to what earned or blocked it.

What is collected:

- spec and Plan: the loaded, defaulted spec data of the assessed environment,
  the declared environments (``spec.environments`` is resolved away by the
  loader, so the file is read again for them) and a *production view*: the
  spec merged for the environment that declares tier production (else one of
  unknown tier, which is judged as production; else the spec as assessed);
- prompt files (next to the spec): sha256, size, ``{{variables}}``, version,
  the models using them and the gates that target them;
- evaluation datasets (datasets.py): well-formed and malformed cases, attack categories;
- with ``repo``: CI pipeline files and the lines that run ``llmops-iac check``,
  trigger on pull/merge requests or deploy with ``pulumi up``; CODEOWNERS and
  the owners of the spec, prompt and dataset files; stack files.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llmops_iac.errors import UsageError
from llmops_iac.maturity import codeowners as co
from llmops_iac.maturity.datasets import DatasetFacts
from llmops_iac.maturity.datasets import collect as collect_datasets
from llmops_iac.maturity.repo import CiFile, memo, resolve, scan
from llmops_iac.spec import prompt_files
from llmops_iac.spec.files import MAX_PROMPT_BYTES, FileRefError, SpecFiles
from llmops_iac.spec.load import OverlaySourceMap, SourceMap, escape
from llmops_iac.spec.tiers import STRICTEST, TIERS

if TYPE_CHECKING:
    from llmops_iac.compile.plan import Plan, Resource
    from llmops_iac.spec.validate import LoadedSpec

PRODUCTION = STRICTEST
"""The tier whose environment is the production view (llmops_iac/spec/tiers.py)."""

USER_FACING_TASKS = frozenset({"chat", "qa", "summarization", "generation"})


@dataclass(frozen=True)
class Source:
    """Where an evidence item came from.

    ``kind`` is ``spec`` (``file`` is the spec, ``pointer`` a JSON pointer into it;
    ``default`` when the value is the schema's default, not written in the file),
    ``plan`` (``resource`` is the logical name, located at the spec line it was
    compiled from) or ``repo`` (``file`` is repository-relative).
    """

    kind: str
    file: str
    line: int = 0
    col: int = 0
    pointer: str = ""
    resource: str = ""
    default: bool = False

    def location(self) -> str:
        """Return ``file:line`` (or ``file:line:col``), with the Plan resource or default marked."""
        where = self.file
        if self.line > 0:
            where += f":{self.line}" + (f":{self.col}" if self.col > 0 else "")
        if self.kind == "plan":
            return f"plan {self.resource} ({where})"
        if self.default:
            return f"{where} (schema default of {self.pointer or '/'})"
        return where

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "file": self.file, "line": self.line, "col": self.col}
        if self.pointer:
            out["pointer"] = self.pointer
        if self.resource:
            out["resource"] = self.resource
        if self.default:
            out["default"] = True
        return out


@dataclass(frozen=True)
class Item:
    """One piece of evidence: what was found, and where."""

    summary: str
    source: Source
    facts: dict[str, Any] = field(default_factory=dict, compare=False)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"summary": self.summary, "location": self.source.location(), "source": self.source.to_dict()}
        if self.facts:
            out["facts"] = self.facts
        return out


@dataclass(frozen=True)
class View:
    """The spec as seen in one environment: its name (None for the base spec) and the loaded spec."""

    name: str | None
    loaded: "LoadedSpec"

    @property
    def spec(self) -> dict[str, Any]:
        return self.loaded.data["spec"]


@dataclass(frozen=True)
class PromptFacts:
    """A declared prompt and its file."""

    name: str
    file: str  # as written in the spec (relative to the spec)
    path: Path
    display: str  # the file as shown in reports
    version: int
    variables: tuple[str, ...] | None
    used_variables: tuple[str, ...]
    sha256: str
    bytes: int
    model: str | None
    used_by: tuple[str, ...]  # models whose systemPrompt is this prompt
    problem: str = ""


@dataclass(frozen=True)
class RepoFacts:
    """What the repository shows: where the spec is, CI pipelines, CODEOWNERS and stack files."""

    root: Path
    display: str
    spec_path: str | None  # repository-relative, None when the spec is outside the repository
    ci: tuple[CiFile, ...]
    codeowners: co.CodeOwners | None
    stacks: tuple[str, ...]
    _relative: dict[Path, str | None] = field(default_factory=dict, repr=False, compare=False)

    def relative(self, path: Path) -> str | None:
        """Return ``path`` relative to the repository root (forward slashes), or None when outside it."""
        if path not in self._relative:  # several checks ask about the spec and each prompt file
            try:
                self._relative[path] = resolve(path).relative_to(self.root).as_posix()
            except ValueError:
                self._relative[path] = None
        return self._relative[path]

    def owners_of(self, path: Path) -> co.Ownership | None:
        """Return the CODEOWNERS verdict for ``path``, or None without CODEOWNERS or outside the repository."""
        rel = self.relative(path)
        if self.codeowners is None or rel is None:
            return None
        return self.codeowners.owners_of(rel)

    def to_dict(self) -> dict[str, Any]:
        return {
            "root": self.display,
            "specPath": self.spec_path,
            "codeowners": self.codeowners.file if self.codeowners else None,
            "ciFiles": [c.path for c in self.ci],
            "stacks": list(self.stacks),
        }


@dataclass
class Evidence:
    """Everything the checks may look at, with helpers that turn facts into located Items."""

    loaded: "LoadedSpec"
    plan: "Plan"
    environments: dict[str, Any]
    production: View
    prompts: dict[str, PromptFacts]
    datasets: dict[str, DatasetFacts]
    repo: RepoFacts | None
    today: _dt.date
    evaluation: tuple[Any, ...] | None = None  # --eval-results files (llmops_iac.evaluation.results_file); None: not given
    _by_type: dict[str, list["Resource"]] | None = field(default=None, init=False, repr=False, compare=False)

    # -- the spec --------------------------------------------------------------------------------

    @property
    def data(self) -> dict[str, Any]:
        return self.loaded.data

    @property
    def spec(self) -> dict[str, Any]:
        return self.loaded.data["spec"]

    @property
    def metadata(self) -> dict[str, Any]:
        return self.loaded.data["metadata"]

    @property
    def environment(self) -> str:
        return self.plan.environment

    @property
    def spec_display(self) -> str:
        return self.loaded.path

    def models(self, view: View | None = None) -> dict[str, dict[str, Any]]:
        spec = view.spec if view else self.spec
        return spec.get("models") or {}

    def at(self, pointer: str, summary: str, view: View | None = None, **facts: Any) -> Item:
        """Return an Item located at spec ``pointer`` (in ``view``'s environment when given)."""
        return Item(summary, spec_source(view.loaded if view else self.loaded, pointer), facts)

    def explicit(self, pointer: str, view: View | None = None) -> bool:
        """Whether the value at ``pointer`` is written in the file (not a schema default)."""
        return is_explicit((view.loaded if view else self.loaded).source, pointer)

    # -- the Plan --------------------------------------------------------------------------------

    def resources(self, type_token: str) -> list["Resource"]:
        """The Plan's resources of ``type_token``, by name."""
        if self._by_type is None:  # grouped once: the checks ask for a type many times
            groups: dict[str, list["Resource"]] = {}
            for res in self.plan.resources.values():
                groups.setdefault(res.type, []).append(res)
            for group in groups.values():
                group.sort(key=lambda r: r.name)
            self._by_type = groups
        return list(self._by_type.get(type_token, ()))

    def resource(self, name: str) -> "Resource | None":
        return self.plan.resources.get(name)

    def item(self, res: "Resource", summary: str, **facts: Any) -> Item:
        """Return an Item for Plan resource ``res``, located at the spec line it came from."""
        file, line, col = self.loaded.source.locate(res.source)
        return Item(summary, Source("plan", file, line, col, pointer=res.source, resource=res.name), facts)

    def model_resource(self, model: str) -> "Resource | None":
        """The Plan resource that serves ``model``: its inference profile or its endpoint."""
        return self.resource(f"model-{model}-profile") or self.resource(f"endpoint-{model}")

    def guardrails_of(self, model: str) -> list[str]:
        """The guardrails the Plan puts in front of ``model``."""
        res = self.model_resource(model)
        return list(res.meta.get("guardrails", [])) if res is not None else []

    def knowledge_bases_of(self, model: str) -> list[str]:
        return sorted(name for name, kb in (self.spec.get("knowledgeBases") or {}).items() if model in (kb.get("models") or []))

    def user_facing(self, model: str) -> bool:
        """Whether people read ``model``'s answers: chat/qa/summarization/generation tasks, no tasks declared, or RAG."""
        tasks = set(self.models().get(model, {}).get("tasks") or ())
        return not tasks or bool(tasks & USER_FACING_TASKS) or bool(self.knowledge_bases_of(model))

    # -- the repository ----------------------------------------------------------------------------

    def repo_item(self, path: str, line: int, summary: str, **facts: Any) -> Item:
        return Item(summary, Source("repo", path, line), facts)


def spec_source(loaded: "LoadedSpec", pointer: str) -> Source:
    """Return the Source of ``pointer`` in ``loaded``: its file:line:col and whether it is a default."""
    file, line, col = loaded.source.locate(pointer)
    return Source("spec", file, line, col, pointer=pointer, default=not is_explicit(loaded.source, pointer))


def is_explicit(source: SourceMap, pointer: str) -> bool:
    """Whether ``pointer`` has a value or key of its own in the file (or in the environment's overrides)."""
    if isinstance(source, OverlaySourceMap):
        if pointer in source.overridden:
            return True
        base = source.base
        return pointer in base.values or pointer in base.keys
    return pointer in source.values or pointer in source.keys


def collect(loaded: "LoadedSpec", plan: "Plan", *, repo: str | os.PathLike[str] | None = None,
            today: _dt.date | None = None, eval_results: tuple[Any, ...] | None = None) -> Evidence:
    """Return the Evidence for ``loaded`` and its ``plan``; read the repository at ``repo`` when given.

    Raises UsageError when ``repo`` is not a directory.
    """
    environments = loaded.declared_environments
    production = _production_view(loaded, environments)
    spec_file = resolve(Path(loaded.source_path))
    files = loaded.spec_files()
    prompts = _prompts(loaded, files)
    datasets = collect_datasets(loaded, files, Path(loaded.path).parent)
    repo_facts = None
    if repo is not None:
        root = Path(repo)
        if not root.is_dir():
            raise UsageError(f"--repo {repo}: not a directory")
        repo_facts = _repository(root, loaded, spec_file)
    return Evidence(loaded=loaded, plan=plan, environments=environments, production=production, prompts=prompts,
                    datasets=datasets, repo=repo_facts, today=today or _dt.date.today(), evaluation=eval_results)


def declared_tier(environments: dict[str, Any], name: str) -> str | None:
    """The tier environment ``name`` declares, or None (not declared, or declared without a tier)."""
    entry = environments.get(name)
    tier = entry.get("tier") if isinstance(entry, dict) else None
    return tier if tier in TIERS else None


def _production_view(loaded: "LoadedSpec", environments: dict[str, Any]) -> View:
    """The production view: the assessed environment when it is judged as production, else the environment
    declaring tier production, else one of unknown tier (judged as production), else the spec as assessed."""
    if loaded.environment is not None and loaded.judged_tier == PRODUCTION:
        return View(loaded.environment, loaded)
    for wanted in (PRODUCTION, None):
        for name in sorted(environments):
            if declared_tier(environments, name) == wanted:
                return View(name, loaded.view(name))
    return View(loaded.environment, loaded)


def _display(spec_dir: Path, rel: str) -> str:
    return (spec_dir / rel).as_posix()


def _prompts(loaded: "LoadedSpec", files: SpecFiles) -> dict[str, PromptFacts]:
    """The declared prompts, read through ``files`` (the spec's resolver: inside its repository, capped)."""
    spec = loaded.data["spec"]
    shown = Path(loaded.path).parent
    base = Path(files.base_dir)
    out = {}
    for name, prompt in sorted((spec.get("prompts") or {}).items()):
        path = base / prompt["file"]
        problem, digest, size, used = "", "", 0, ()
        try:
            raw = files.read(prompt["file"], "prompt", MAX_PROMPT_BYTES)
            digest, size = hashlib.sha256(raw).hexdigest(), len(raw)
            used = prompt_files.variables(raw.decode("utf-8", errors="replace"))
        except FileRefError as exc:
            problem = f"cannot be read: {exc.message}"
        users = tuple(sorted(m for m, model in (spec.get("models") or {}).items()
                             if (model.get("systemPrompt") or "").split("@")[0] == name))
        variables = prompt.get("variables")
        out[name] = PromptFacts(name=name, file=prompt["file"], path=path, display=_display(shown, prompt["file"]),
                                version=prompt["version"], variables=tuple(variables) if variables is not None else None,
                                used_variables=used, sha256=digest, bytes=size, model=prompt.get("model"), used_by=users,
                                problem=problem)
    return out


def _repository(root: Path, loaded: "LoadedSpec", spec_file: Path) -> RepoFacts:
    resolved = resolve(root)
    try:
        spec_path: str | None = spec_file.relative_to(resolved).as_posix()
    except ValueError:
        spec_path = None
    ci, codeowners, stacks = scan(resolved)
    return RepoFacts(root=resolved, display=_display_root(str(root)), spec_path=spec_path, ci=ci,
                     codeowners=codeowners, stacks=stacks)


def _display_root(root: str) -> str:
    """The repository root as reports show it (llmops_iac.shown_paths: '.', relative to the current directory or its
    name, never absolute), once per snapshot."""
    from llmops_iac.shown_paths import shown_root

    cache = memo()
    if cache is None:
        return shown_root(root)
    key = ("display", root, os.getcwd())
    found = cache.get(key)
    if found is None:
        found = cache[key] = shown_root(root)
    return found


def pointer(*parts: str | int) -> str:
    """Return the JSON pointer of ``parts`` (each escaped)."""
    joined = "/" + "/".join([str(p) for p in parts])
    if "~" not in joined and joined.count("/") == len(parts):  # nothing to escape
        return joined
    return "".join(f"/{escape(str(p))}" for p in parts)
