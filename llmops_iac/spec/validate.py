"""Load → validate → merge the environment → validate again → cross-check → AppSpec.

Every stage collects all of its problems before giving up, so one run shows
every error a file has (up to the point where later stages would only repeat
them).
"""

from __future__ import annotations

import dataclasses
import functools
import os
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from llmops_iac.errors import Diagnostic, SpecError
from llmops_iac.resources import load_json
from llmops_iac.shown_paths import shown_path
from llmops_iac.spec import references, secrets
from llmops_iac.spec.defaults import apply_defaults
from llmops_iac.spec.files import SpecFiles
from llmops_iac.spec.jsonschema_lite import SchemaError, Validator, ValidityMemo, did_you_mean, dotted
from llmops_iac.spec.load import Document, OverlaySourceMap, SourceMap, escape, load
from llmops_iac.spec.scalars import resolve_plain
from llmops_iac.spec.stdin import DISPLAY as STDIN_DISPLAY, is_stdin
from llmops_iac.spec.stacks import Stack, deploying_credentials, load_stack, stacks_dir
from llmops_iac.spec.tiers import declared_tier, effective_tier, production_environments
from llmops_iac.spec.tree import copy_tree

if TYPE_CHECKING:
    from llmops_iac.spec.model import AppSpec

SCHEMA = ("schemas", "llmapp.schema.json")
_validator: Validator | None = None


def schema() -> dict[str, Any]:
    """Return the spec's JSON Schema (schemas/llmapp.schema.json)."""
    return load_json(*SCHEMA)


def validator() -> Validator:
    """Return the process-wide validator of the spec schema."""
    global _validator
    if _validator is None:
        _validator = Validator(schema())
    return _validator


@dataclass(frozen=True)
class LoadedSpec:
    """A spec ready for the later stages.

    ``data`` is the merged, defaulted plain data; ``source`` locates any of its
    pointers in the file; ``spec`` is the same content as frozen dataclasses.
    """

    path: str
    data: dict[str, Any]
    source: SourceMap
    sha256: str
    source_path: str
    environment: str | None
    stack: Stack | None
    document: Document = dataclasses.field(repr=False, compare=False)
    """The file as read, before environments were resolved: other environments' views come from it."""
    warnings: tuple[Diagnostic, ...] = ()
    region: str | None = None
    """The region override this spec was resolved with (a stack's aws:region), applied to every view."""
    tier: str | None = None
    """The tier ``environment`` declares (spec.environments.<name>.tier); None when it declares none, the
    environment is not declared, or this is the base spec: see ``judged_tier``."""
    _views: dict[Any, "LoadedSpec"] = dataclasses.field(default_factory=dict, repr=False, compare=False)
    files: SpecFiles | None = dataclasses.field(default=None, repr=False, compare=False)
    """The files the spec may name (llmops_iac/spec/files.py): every stage that reads a prompt or dataset goes through it."""

    def spec_files(self) -> SpecFiles:
        """``files``, or a new SpecFiles for the spec when this LoadedSpec was built without one."""
        return self.files if self.files is not None else SpecFiles(self.source_path)

    @property
    def judged_tier(self) -> str:
        """The tier this spec is judged as: the declared one, else production (unknown means strict)."""
        return effective_tier(self.tier)

    @property
    def production_environments(self) -> list[str]:
        """Every environment judged as production (declared production or of unknown tier, and this one if so)."""
        return production_environments(self.document.data, self.environment or "default", self.tier)

    @property
    def declared_environments(self) -> dict[str, Any]:
        """The environment overrides as written in the file (resolved away from ``data``)."""
        data = self.document.data
        spec = data.get("spec") if isinstance(data, dict) else None
        envs = (spec or {}).get("environments") or {}
        return dict(envs) if isinstance(envs, dict) else {}

    def view(self, environment: str, stack: Stack | None = None) -> "LoadedSpec":
        """This spec resolved for ``environment`` (its overrides merged), as ``load_spec`` would return it;
        with ``stack``, as that stack deploys it (its region wins over spec.region).

        Views the loader already built while checking every environment are reused; others are
        resolved from the document once. Raises SpecError when that environment's overrides are invalid.
        """
        region = stack.region if stack is not None and stack.region else self.region
        if environment == self.environment and region == self.region and stack == self.stack:
            return self
        key = environment if stack is None else (environment, stack.name, region)
        if key not in self._views:
            view, problems = _resolve(self.document, environment, region, stack, self.spec_files(),
                                      secret_files=secrets.Findings())
            if problems:
                raise SpecError(_sorted(problems))
            self._views[key] = view
        return self._views[key]

    @functools.cached_property
    def spec(self) -> "AppSpec":
        """The spec as frozen dataclasses, built on first use (``validate`` never needs it)."""
        from llmops_iac.spec.model import build

        return build(self.data)


def schema_diagnostics(data: Any, source: SourceMap, memo: ValidityMemo | None = None) -> list[Diagnostic]:
    """Return a diagnostic for every schema error of ``data``, located through ``source``."""
    traps = {ptr: t.yaml11 for ptr, t in source.traps.items()}
    out: list[Diagnostic] = []
    seen: set[tuple[str, str, str]] = set()
    total = 0
    for err in validator().errors(data, traps=traps, memo=memo):
        key = (err.pointer, err.keyword, err.message)
        if key in seen:
            continue
        seen.add(key)
        total += 1
        if len(out) < MAX_DIAGNOSTICS:
            out.append(_to_diagnostic(err, source))
    if total > MAX_DIAGNOSTICS:
        file, line, col = source.locate("")
        out.append(Diagnostic(file=file, line=line, col=col, code="too-many-errors",
                              message=f"{total - MAX_DIAGNOSTICS:,} more schema errors not shown",
                              hint="fix the errors above first; is this the right file?"))
    return out


MAX_DIAGNOSTICS = 200
"""Schema errors reported per file; the rest are counted."""


def _to_diagnostic(err: SchemaError, source: SourceMap) -> Diagnostic:
    file, line, col = source.locate(err.pointer, key=err.at_key)
    hint = err.hint
    if err.keyword == "type" and err.pointer in source.plain and "a string" in err.message.split(",")[0]:
        text = source.traps[err.pointer].text if err.pointer in source.traps else None
        shown = text if text is not None else _plain_text(err.value)
        hint = f"quote it to make it a string: \"{shown}\""
    elif err.keyword == "type" and "a boolean" in err.message.split(",")[0] and err.pointer in source.traps:
        hint = "write true or false (yes/no/on/off are strings in YAML 1.2)"
    elif err.keyword == "type" and isinstance(err.value, str) and err.pointer not in source.plain:
        unquoted = resolve_plain(err.value.strip())
        if not isinstance(unquoted, str) and validator().is_valid(unquoted, {"type": err.constraint.split(": ")[1].split("|")}):
            hint = f"remove the quotes: {err.value.strip()}"
    code = {"additionalProperties": "unknown-key", "required": "missing-key", "propertyNames": "bad-name",
            "yaml11": "yaml11-trap"}.get(err.keyword, err.keyword)
    return Diagnostic(file=file, line=line, col=col, code=code, message=f"{dotted(err.pointer)}: {err.message}", hint=hint,
                      pointer=err.pointer, value=err.value, constraint=err.constraint)


def _plain_text(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    return str(value)


def merge_patch(target: Any, patch: Any, into: str = "", touched: set[str] | None = None) -> Any:
    """Apply an RFC 7386 JSON Merge Patch; record every pointer the patch set in ``touched``."""
    if not isinstance(patch, dict):
        _touch(patch, into, touched)
        return copy_tree(patch)
    result = dict(target) if isinstance(target, dict) else {}  # untouched values are shared, never modified
    for key, value in patch.items():
        ptr = f"{into}/{escape(key)}"
        if value is None:
            result.pop(key, None)
            if touched is not None:
                touched.add(ptr)
        else:
            if touched is not None:
                touched.add(ptr)
            result[key] = merge_patch(result.get(key), value, ptr, touched)
    return result


def _touch(value: Any, ptr: str, touched: set[str] | None) -> None:
    if touched is None:
        return
    touched.add(ptr)
    if isinstance(value, dict):
        for k, v in value.items():
            _touch(v, f"{ptr}/{escape(k)}", touched)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _touch(v, f"{ptr}/{i}", touched)


def load_spec(path: str, *, stack: str | None = None, stacks_directory: str | None = None,
              environment: str | None = None, region: str | None = None,
              timings: dict[str, float] | None = None) -> LoadedSpec:
    """Load, validate and resolve the spec at ``path`` for a stack; raise SpecError with every problem.

    ``stack`` names stacks/Pulumi.<stack>.yaml, whose environment's overrides are
    merged; ``environment`` selects overrides directly (without a stack file), and
    ``region`` overrides spec.region as a stack's aws:region does (the Pulumi
    program passes both, since the engine has already read the stack file).
    With neither, the base spec is returned and *every* declared environment is
    merged and checked too, so a broken override never waits for its deploy.
    ``timings``, when given, receives the seconds spent reading and parsing the file under "load".
    """
    display = display_path(path)
    started = time.perf_counter()
    try:
        doc = load(path, display=display)
    except SpecError as exc:  # the data never existed: what a refused file holds is found in its text
        raise SpecError(_sorted(secrets.unparsed(path, display, exc.diagnostics))) from None
    if timings is not None:
        timings["load"] = time.perf_counter() - started
    found_secrets = secrets.scan_document(doc)  # every value and key, every environment's overrides included
    if stack is None:  # the stack files that deploy this spec (with --stack, load_stack scans the one selected)
        found_secrets.extend(deploying_credentials(path, stacks_directory))
    memo = ValidityMemo()  # the environments' merged documents share every subtree they don't override
    errors = schema_diagnostics(doc.data, doc.source, memo)
    if errors or found_secrets.errors:
        raise SpecError(_sorted(secrets.redact(errors, found_secrets.tokens) + found_secrets.errors + found_secrets.notes))
    memo.recording = False
    stack_obj = load_stack(stack, stacks_dir(path, stacks_directory)) if stack else None
    env = stack_obj.environment if stack_obj else environment
    files = SpecFiles(path)  # the files the spec names, each checked once for every environment
    region = stack_obj.region if stack_obj and stack_obj.region else region
    file_secrets = secrets.Findings()  # what the prompt and dataset files hold, each file scanned once
    loaded, problems = _resolve(doc, env, region, stack_obj, files, memo, file_secrets)
    if env is None:
        declared = (doc.data.get("spec") or {}).get("environments") or {}
        if loaded is not None:
            loaded = dataclasses.replace(loaded, warnings=loaded.warnings + tuple(_tier_warnings(doc, declared)),
                                         _views=loaded._views)
        seen = {(d.file, d.line, d.col, d.code, d.message) for d in problems}
        for name in declared:
            view, env_problems = _resolve(doc, name, region, None, files, memo, file_secrets)
            if loaded is not None and view is not None:
                loaded._views[name] = view  # later stages (maturity's production view) reuse it
            for d in env_problems:
                key = (d.file, d.line, d.col, d.code, d.message)
                if key not in seen:
                    seen.add(key)
                    problems.append(d if d.code == secrets.CODE else
                                    dataclasses.replace(d, message=f"{d.message} (in environment {name!r})"))
    notes = found_secrets.notes + file_secrets.notes + list(stack_obj.notes if stack_obj else ())
    if problems:
        raise SpecError(_sorted(secrets.redact(problems, found_secrets.tokens | file_secrets.tokens) + notes))
    assert loaded is not None
    if notes:  # allowlisted credentials: shown as warnings wherever this spec is reported
        loaded = dataclasses.replace(loaded, warnings=tuple(_sorted(notes)) + loaded.warnings)
    return loaded


def _resolve(doc: Document, env: str | None, region: str | None, stack_obj: Stack | None,
             files: SpecFiles, memo: ValidityMemo | None = None,
             secret_files: secrets.Findings | None = None) -> tuple[LoadedSpec | None, list[Diagnostic]]:
    data, source, warnings = _select_environment(doc, env)
    if region:
        data["spec"]["region"] = region
    if env is not None:
        errors = schema_diagnostics(data, source, memo)
        if errors:
            return None, errors
    data = apply_defaults(validator(), data)
    data["spec"].pop("environments", None)  # resolved above; the later stages see one environment
    problems = references.check(data, source, files)
    if problems:
        return None, problems
    if secret_files is not None:
        problems = secrets.scan_named_files(data, files, secret_files)
        if problems:
            return None, problems
    tier = declared_tier(doc.data, env)
    if env is not None and tier is None and env in (doc.data.get("spec") or {}).get("environments", {}):
        warnings.append(_untiered(doc, env))
    elif env is not None and tier is None:
        file, line, col = doc.source.locate("/spec/environments")
        warnings.append(Diagnostic(
            file=file, line=line, col=col, code="tier-unknown", severity="warning", pointer="/spec/environments",
            message=(f"environment {env!r}" + (f" (stack {stack_obj.name!r})" if stack_obj else "") +
                     " is not declared in spec.environments, so it is judged as production (the strictest profile)"),
            hint=f"declare it: spec.environments.{env}.tier: production, staging or development"))
    return LoadedSpec(path=doc.source.file, data=data, source=source, sha256=doc.sha256, source_path=doc.path,
                      environment=env, stack=stack_obj, warnings=tuple(warnings), document=doc, region=region, tier=tier,
                      files=files), []


def _tier_warnings(doc: Document, declared: dict[str, Any]) -> list[Diagnostic]:
    """The base spec's warnings about tiers: no environment declared, or environments without a tier."""
    if not declared:
        file, line, col = doc.source.locate("/spec" if isinstance(doc.data.get("spec"), dict) else "")
        return [Diagnostic(file=file, line=line, col=col, code="tier-unknown", severity="warning", pointer="/spec",
                           message="the spec declares no environment, so it is judged as production (the strictest profile)",
                           hint="declare where it runs: spec.environments.<name>.tier: production, staging or development")]
    return [_untiered(doc, name) for name in declared if declared_tier(doc.data, name) is None]


def _untiered(doc: Document, env: str) -> Diagnostic:
    pointer = f"/spec/environments/{escape(env)}"
    file, line, col = doc.source.locate(pointer, key=True)
    return Diagnostic(file=file, line=line, col=col, code="tier-unknown", severity="warning", pointer=pointer,
                      message=f"environment {env!r} declares no tier, so it is judged as production (the strictest profile)",
                      hint=f"set spec.environments.{env}.tier to production, staging or development")


def _sorted(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    return sorted(diagnostics, key=lambda d: (d.file, d.line, d.col))


def _select_environment(doc: Document, env: str | None) -> tuple[dict[str, Any], SourceMap, list[Diagnostic]]:
    # New mappings at the top and along every overridden path; every other subtree is the document's own,
    # shared, so a ValidityMemo of the document applies to it. Nothing here changes a shared subtree:
    # apply_defaults copies before it fills.
    data = dict(doc.data)
    spec = data["spec"] = dict(data.get("spec") or {})
    overrides = spec.pop("environments", None) or {}
    warnings: list[Diagnostic] = []
    if env is None:
        return data, doc.source, warnings
    if env not in overrides:
        guess = did_you_mean(env, list(overrides)) if overrides else None
        if guess:
            file, line, col = doc.source.locate(f"/spec/environments/{escape(guess)}", key=True)
            warnings.append(Diagnostic(file=file, line=line, col=col, code="environment-not-declared", severity="warning",
                                       message=f"environment {env!r} has no overrides in spec.environments",
                                       hint=f"did you mean to name the overrides {env!r} instead of {guess!r}?",
                                       pointer="/spec/environments"))
        return data, doc.source, warnings
    touched: set[str] = set()
    patch = overrides[env]
    if isinstance(patch, dict) and "tier" in patch:  # what the environment is, not an override of the spec
        patch = {k: v for k, v in patch.items() if k != "tier"}
    data["spec"] = merge_patch(spec, patch, "/spec", touched)
    origin = f"/spec/environments/{escape(env)}"
    return data, OverlaySourceMap(doc.source, origin, "/spec", touched), warnings


def display_path(path: str) -> str:
    """Return ``path`` as shown in messages and reports (llmops_iac.shown_paths: relative to the current directory
    when inside it, never a local absolute path); ``<stdin>`` for the copy of a spec read from standard input."""
    return shown_path(path)
