"""Pulumi stack files (stacks/Pulumi.<stack>.yaml): which environment and region a stack means."""

from __future__ import annotations

import dataclasses
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from llmops_iac.errors import Diagnostic, SpecError
from llmops_iac.spec import secrets
from llmops_iac.spec.jsonschema_lite import did_you_mean
from llmops_iac.spec.load import load, parse, read_text

PROJECT = "llmops-iac"
"""The Pulumi project name; stack config keys are namespaced with it."""
CONFIG_KEYS = {
    f"{PROJECT}:spec": "path of the spec file, relative to the project directory",
    f"{PROJECT}:environment": "the environment whose spec.environments overrides apply (default: the stack name)",
}
_STACK_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")
ENV_NAME = re.compile(r"^[a-z][a-z0-9-]{0,15}$")
"""What an environment name must look like (the schema's environments keys)."""


@dataclass(frozen=True)
class Stack:
    """One stack: its name, file, environment, region override and spec path."""

    name: str
    file: str
    environment: str
    region: str | None
    spec: str | None
    notes: tuple[Diagnostic, ...] = field(default=(), compare=False)
    """Warnings about the stack file: credentials allowlisted by a pragma comment (llmops_iac.spec.secrets)."""


PROJECT_FILES = ("Pulumi.yaml", "Pulumi.yml", "Pulumi.json")
"""The names Pulumi reads a project file under; its stack files take the same extension (Pulumi.prod.yml).
llmops-iac reads Pulumi.<stack>.yaml only: a project or stack file under another name is reported, never skipped."""


def find_project_dir(start: Path) -> Path | None:
    """Return the nearest directory at or above ``start`` holding a Pulumi project file, or None."""
    found = _project_dir(str(start))
    return None if found is None else Path(found)


def _project_dir(start: str) -> str | None:
    d = start  # os.path, not pathlib: `check` asks once per spec, and pathlib's objects cost more than the stats
    while True:
        if any(os.path.isfile(os.path.join(d, name)) for name in PROJECT_FILES):
            return d or "."
        parent = os.path.dirname(d)
        if parent == d:
            return None
        d = parent


def stacks_dir(spec_path: str | None = None, override: str | None = None) -> Path:
    """Return the directory of stack files: ``override``, else Pulumi.yaml's stackConfigDir."""
    if override:
        return Path(override)
    for start in ([Path(spec_path).resolve().parent] if spec_path else []) + [Path.cwd()]:
        project = find_project_dir(start)
        if project is not None:
            return project / _stack_config_dir(project_file(project))
    return Path("stacks")


def project_file(project: str | Path) -> Path:
    """The project file of the Pulumi project in directory ``project`` (Pulumi.yaml unless only another name exists)."""
    return next((Path(project, n) for n in PROJECT_FILES if os.path.isfile(os.path.join(project, n))), Path(project, PROJECT_FILES[0]))


def _stack_config_dir(pulumi_yaml: Path) -> str:
    try:
        st = pulumi_yaml.stat()
    except OSError:
        return "."
    key = (str(pulumi_yaml), st.st_mtime_ns, st.st_size)
    if key not in _CONFIG_DIRS:  # read once per process while unchanged: `check` asks for every spec
        try:
            data, _ = parse(read_text(str(pulumi_yaml))[0], str(pulumi_yaml))
        except SpecError:
            data = None
        value = data.get("stackConfigDir", ".") if isinstance(data, dict) else "."
        _CONFIG_DIRS[key] = value if isinstance(value, str) else "."
    return _CONFIG_DIRS[key]


_CONFIG_DIRS: dict[tuple[str, int, int], str] = {}


STACK_KEYS = ("config", "secretsprovider", "encryptedkey", "encryptionsalt", "environment")
"""Top-level keys of a Pulumi stack settings file; anything else (a misspelled ``config``) is an error."""


ESC_REQUIRED = (f"{PROJECT}:spec", f"{PROJECT}:environment", "aws:region")
"""The config keys a stack file that imports Pulumi ESC environments must set itself: what `check` judges by."""

_OLD_FORM = re.compile(r"^([^:]+):config:([^:]+)$")


def config_key(key: object) -> object:
    """A stack config key as Pulumi reads it: the old form ``<namespace>:config:<name>`` is ``<namespace>:<name>``
    (``aws:config:region`` is ``aws:region``); any other key as written."""
    m = _OLD_FORM.match(key) if isinstance(key, str) else None
    return f"{m.group(1)}:{m.group(2)}" if m else key


def config_value(config: object, key: str) -> object:
    """The value of config ``key`` in a stack file's ``config`` mapping, written in either form; None if absent."""
    if not isinstance(config, dict):
        return None
    return next((v for k, v in config.items() if config_key(k) == key), None)


def _pointer(key: object) -> str:
    return "/config/" + str(key).replace("~", "~0").replace("/", "~1")


def available(directory: Path) -> list[str]:
    """Return the stack names that have a file in ``directory``."""
    if not directory.is_dir():
        return []
    return sorted(p.name[len("Pulumi."):-len(".yaml")] for p in directory.glob("Pulumi.*.yaml"))


def load_stack(name: str, directory: Path) -> Stack:
    """Read stack ``name`` from ``directory``; raise SpecError naming the fix if it is missing or wrong."""
    if not _STACK_NAME.match(name):
        raise SpecError([Diagnostic(file="--stack", line=0, col=0, code="bad-stack-name", message=f"{name!r} is not a stack name",
                                    hint="use letters, digits, '-', '_' or '.'")])
    path = directory / f"Pulumi.{name}.yaml"
    if not path.is_file():
        names = available(directory)
        guess = did_you_mean(name, names) if names else None
        hint = (f"did you mean {guess!r}? " if guess else "") + (
            f"stacks in {directory}: {', '.join(names)}" if names else f"create {path} with `config: {{{PROJECT}:environment: {name}}}`")
        raise SpecError([Diagnostic(file=str(path), line=0, col=0, code="stack-not-found", message=f"stack {name!r} not found", hint=hint)])
    display = os.path.relpath(path)
    try:
        doc = load(str(path), display=display)
    except SpecError as exc:  # a refused file: its credentials are found in its text, and masked
        raise SpecError(secrets.unparsed(str(path), display, exc.diagnostics)) from None
    found = secrets.scan_stack(doc)
    errors: list[Diagnostic] = []

    def err(pointer: str, code: str, message: str, hint: str, key: bool = False) -> None:
        file, line, col = doc.source.locate(pointer, key=key)
        errors.append(Diagnostic(file=file, line=line, col=col, code=code, message=message, hint=hint, pointer=pointer))

    for key in doc.data:
        if key not in STACK_KEYS:
            guess = did_you_mean(str(key), list(STACK_KEYS))
            err("/" + str(key).replace("~", "~0").replace("/", "~1"), "unknown-key", f"unknown stack file key {key!r}",
                f"did you mean {guess!r}?" if guess else "known keys: " + ", ".join(STACK_KEYS), key=True)
    config = doc.data.get("config", {})
    if not isinstance(config, dict):
        err("/config", "stack-config", "config must be a mapping of namespaced keys", f"write e.g. `config: {{{PROJECT}:environment: prod}}`")
        raise SpecError(secrets.redact(errors, found.tokens) + found.errors)
    written: dict[str, str] = {}  # Pulumi's key (``aws:region``) -> the key as written (``aws:config:region``)
    for key in config:
        canonical = config_key(key)
        if canonical in written:
            err(_pointer(key), "duplicate-key", f"{key!r} and {written[canonical]!r} are one config key to Pulumi ({canonical})",
                "keep one of the two: which value Pulumi would use is not for llmops-iac to guess", key=True)
        else:
            written[canonical] = key
    values = {canonical: config[key] for canonical, key in written.items()}

    def ptr(canonical: str) -> str:
        return _pointer(written.get(canonical, canonical))

    for key, value in values.items():
        if key.startswith(PROJECT + ":") and key not in CONFIG_KEYS:
            guess = did_you_mean(key, list(CONFIG_KEYS))
            err(ptr(key), "unknown-key", f"unknown config key {written[key]!r}",
                f"did you mean {guess!r}?" if guess else "known keys: " + ", ".join(CONFIG_KEYS), key=True)
        elif key in CONFIG_KEYS or key in ("aws:region", "aws-native:region"):
            if not isinstance(value, str):
                err(ptr(key), "type", f"{written[key]} must be a string", "quote the value")
    imports = doc.data.get("environment")
    if imports:  # Pulumi ESC environments: their pulumiConfig sets whatever the stack file leaves unset
        for key in ESC_REQUIRED:
            if key not in values:
                err("/environment", "esc-config", f"stack {name!r} imports Pulumi ESC environments, which may set {key}: "
                    "llmops-iac cannot read them, so it can't tell what this stack deploys",
                    f"set {key} in {display} itself (a stack file's own config wins over ESC)", key=True)
    env = values.get(f"{PROJECT}:environment", name)
    if isinstance(env, str) and not ENV_NAME.match(env):
        err(ptr(f"{PROJECT}:environment"), "pattern", f"{env!r} is not an environment name",
            "use lower-case letters, digits and '-', starting with a letter, at most 16 characters")
    region = values.get("aws:region")
    if isinstance(region, str) and not re.match(r"^[a-z]{2}(?:-gov)?-[a-z]+-[0-9]$", region):
        err(ptr("aws:region"), "pattern", f"{region!r} is not an AWS region", "write a region such as us-east-1")
    native = values.get("aws-native:region")
    if native is not None and native != region:
        err(ptr("aws-native:region"), "region-mismatch", f"aws-native:region {native!r} differs from aws:region {region!r}",
            f"set aws-native:region to {region}: prompt versions and vector indexes must land beside everything else")
    if errors or found.errors:
        raise SpecError(secrets.redact(errors, found.tokens) + found.errors)
    spec = values.get(f"{PROJECT}:spec")
    return Stack(name=name, file=str(path), environment=env, region=region, spec=spec, notes=tuple(found.notes))


def _spec_paths(stack_file: str, spec: str) -> list[Path]:
    """Where a stack's ``llmops-iac:spec`` may point: relative to its Pulumi project (the nearest Pulumi.yaml at or
    above the stack file), as the Pulumi program resolves it; without a project, relative to the stack
    directory's parent or to the current directory (either may be meant: unknown means strict)."""
    here = Path(stack_file).resolve().parent
    project = find_project_dir(here)
    if project is not None:
        return [project / spec]
    return [here.parent / spec, Path.cwd() / spec]


def deploys(stack: Stack, spec_path: str) -> bool:
    """Whether ``stack`` deploys the spec at ``spec_path`` (its ``llmops-iac:spec``, resolved, is that file)."""
    if not stack.spec:
        return False
    return any(_same_file(candidate, Path(spec_path)) for candidate in _spec_paths(stack.file, stack.spec))


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return a.resolve() == b.resolve()


_parsed: dict[tuple[str, int, int], tuple[Stack | None, SpecError | None, str | None]] = {}
"""Stack files already read in this process, by (path, mtime_ns, size): a run over many specs reads each once."""


def _read(directory: Path, name: str) -> tuple[Stack | None, SpecError | None, str | None]:
    """(the stack, None, its spec) or (None, the error, the spec it seems to name, if it can be told)."""
    path = directory / f"Pulumi.{name}.yaml"
    try:
        st = path.stat()
    except OSError:
        st = None
    key = (str(path.resolve()), st.st_mtime_ns if st else 0, st.st_size if st else 0)
    if key not in _parsed:
        try:
            stack = load_stack(name, directory)
            _parsed[key] = (stack, None, stack.spec)
        except SpecError as exc:
            _parsed[key] = (None, exc, _named_spec(path))
        if len(_parsed) > 4096:  # a long-lived process: forget the oldest
            _parsed.pop(next(iter(_parsed)))
    return _parsed[key]


def _named_spec(path: Path) -> str | None:
    """The ``llmops-iac:spec`` of a stack file that failed to load, when it can still be read; else None."""
    try:
        data, _ = parse(read_text(str(path))[0], str(path))
    except SpecError:
        return None
    value = config_value(data.get("config") if isinstance(data, dict) else None, f"{PROJECT}:spec")
    return value if isinstance(value, str) else None


def deploying(spec_path: str, override: str | None = None) -> tuple[list[Stack], list[Diagnostic]]:
    """Every stack (in the spec's stacks directory) whose ``llmops-iac:spec`` is this spec, by name; and
    the diagnostics of stack files that fail to load and name this spec, or whose spec can't be told
    (unknown means strict: such a file may deploy it)."""
    directory = stacks_dir(spec_path, override)
    stacks: list[Stack] = []
    problems: list[Diagnostic] = []
    for name in available(directory):
        stack, error, named = _read(directory, name)
        if stack is not None:
            if deploys(stack, spec_path):
                stacks.append(stack)
            continue
        stack_file = str(directory / f"Pulumi.{name}.yaml")
        if named is not None and not any(_same_file(c, Path(spec_path)) for c in _spec_paths(stack_file, named)):
            continue
        for d in (error.diagnostics if error else []):
            which = "deploys this spec" if named else "may deploy this spec: it names no readable spec"
            problems.append(dataclasses.replace(d, message=f"{d.message} (stack {name!r}, which {which})"))
    problems += _unread(directory, spec_path, override)
    return stacks, problems


def _unread(directory: Path, spec_path: str, override: str | None) -> list[Diagnostic]:
    """Pulumi project and stack files llmops-iac does not read (Pulumi.yml, Pulumi.prod.json…): each may deploy
    the spec to an environment or region nobody judged, so each is an error, not a file passed over."""
    out: list[Diagnostic] = []
    if override is None:
        for start in (os.path.dirname(os.path.realpath(spec_path)), os.getcwd()):
            home = _project_dir(start)
            if home is not None:
                found = project_file(home)
                if found.name != PROJECT_FILES[0]:
                    out.append(_unread_file(found, "project file"))
                break
    try:
        names = sorted(n for n in os.listdir(directory) if n.startswith("Pulumi.") and n.count(".") >= 2
                       and n.rsplit(".", 1)[1] in ("yml", "json"))
    except OSError:
        names = []
    return out + [_unread_file(Path(directory, n), "stack file") for n in names]


def _unread_file(path: Path, what: str) -> Diagnostic:
    return Diagnostic(file=os.path.relpath(path), line=0, col=0, code="stack-file-name",
                      message=f"{what} {path.name} is not read by llmops-iac, which reads Pulumi.yaml and Pulumi.<stack>.yaml: "
                              "it may deploy this spec to an environment or a region that is not judged",
                      hint="name the Pulumi project file Pulumi.yaml and its stack files Pulumi.<stack>.yaml")


_SCANNED: dict[tuple[str, int, int], tuple[str | None, secrets.Findings]] = {}
"""Each stack file's deployed spec (resolved) and credentials, by (path, mtime, size): read once per process."""


def deploying_credentials(spec_path: str, stacks_directory: str | None = None) -> secrets.Findings:
    """The credentials in every stack file that deploys the spec at ``spec_path`` (its ``llmops-iac:spec``).

    Used when no stack is selected (a pull request's `check`): a secret committed to a stack file fails
    the spec that stack deploys, not every spec of the repository. A stack file that does not load is left
    to the run that selects it.
    """
    found = secrets.Findings()
    target = os.path.realpath(spec_path)
    project = _project_dir(os.path.dirname(target))
    if stacks_directory:
        directory = stacks_directory
    else:
        home = project if project is not None else _project_dir(os.getcwd())
        directory = os.path.join(home, _stack_config_dir(project_file(home))) if home is not None else "stacks"
    base = project if project is not None else os.getcwd()
    for path in _stack_files(directory):
        try:
            st = os.stat(path)
        except OSError:
            continue
        key = (path, st.st_mtime_ns, st.st_size)
        cached = _SCANNED.get(key)
        if cached is None:
            try:
                doc = load(path, display=os.path.relpath(path))
            except SpecError:
                cached = (None, secrets.Findings())
            else:
                spec = config_value(doc.data.get("config") if isinstance(doc.data, dict) else None, f"{PROJECT}:spec")
                deployed = os.path.realpath(os.path.join(base, spec)) if isinstance(spec, str) else None
                cached = (deployed, secrets.scan_stack(doc))
            _SCANNED[key] = cached
        if cached[0] == target:
            found.extend(cached[1])
    return found


_LISTED: dict[tuple[str, int], list[str]] = {}


def _stack_files(directory: str) -> list[str]:
    """The Pulumi.<stack>.yaml files of ``directory``, listed once per process while it is unchanged."""
    try:
        key = (directory, os.stat(directory).st_mtime_ns)
    except OSError:
        return []
    if key not in _LISTED:
        try:
            names = sorted(n for n in os.listdir(directory) if n.startswith("Pulumi.") and n.endswith(".yaml"))
        except OSError:
            names = []
        _LISTED[key] = [os.path.join(directory, n) for n in names]
    return _LISTED[key]
