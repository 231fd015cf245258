"""What the policy pack judges: the stack's spec, found from the Pulumi project, never from the pack's directory.

Pulumi starts a Python policy pack with the *pack's* directory as working directory, and passes it
the stack's configuration (``PULUMI_CONFIG``, the same values the program reads) with
``PULUMI_PROJECT`` and ``PULUMI_STACK``; it does not say where the project is. So:

- the spec is the policy config's ``spec``, else the stack's ``llmops-iac:spec``, else
  ``$LLMOPS_IAC_SPEC``; the environment the policy config's ``environment``, else the stack's
  ``llmops-iac:environment``, else ``$LLMOPS_IAC_ENVIRONMENT``, else the stack name (as the program);
  the region the policy config's ``region``, else the stack's ``aws:region``, else ``$AWS_REGION``;
- the project directory is the policy config's ``projectDir`` (absolute), else
  ``$LLMOPS_IAC_PROJECT_DIR``, else found as the Pulumi CLI finds it: the nearest directory holding a
  ``Pulumi.yaml`` at or above the directory ``pulumi`` was started in (``$PWD``, which the engine
  passes on), then at or above the pack's own directory; its ``name`` must be ``$PULUMI_PROJECT``;
- a relative spec path resolves from the project directory, as ``pulumi up`` resolves it; the
  resolved file (symlinks followed) must lie inside the project.

Anything missing or wrong raises :class:`PackConfigError`, which the pack reports as a mandatory
violation: a pack that cannot judge the stack never lets it pass.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from llmops_iac.spec.stacks import PROJECT


class PackConfigError(Exception):
    """The pack cannot tell which spec to judge (the message says what to set)."""


@dataclass(frozen=True)
class PackSettings:
    spec: str
    """The spec file: absolute, symlinks resolved, inside ``project_dir``."""
    spec_display: str
    """The spec as configured (for messages)."""
    project_dir: str
    environment: str | None
    region: str | None
    stack: str | None

    def show(self, path: str) -> str:
        """``path`` as shown in a violation: relative to the project when inside it."""
        full = os.path.abspath(path)
        rel = os.path.relpath(full, self.project_dir)
        return path if rel.startswith("..") else rel


def stack_config(env: Mapping[str, str]) -> dict[str, str]:
    """The stack configuration the engine passed (``PULUMI_CONFIG``), keys as ``namespace:key``."""
    raw = env.get("PULUMI_CONFIG")
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except ValueError:
        raise PackConfigError("PULUMI_CONFIG (the stack configuration Pulumi passes to the pack) is not JSON") from None
    if not isinstance(data, dict):
        raise PackConfigError("PULUMI_CONFIG (the stack configuration Pulumi passes to the pack) is not an object")
    out: dict[str, str] = {}
    for key, value in data.items():
        namespace, _, name = str(key).partition(":")
        out[f"{namespace}:{name.removeprefix('config:')}"] = value
    return out


def read_settings(policy_config: Mapping[str, Any] | None, env: Mapping[str, str] | None = None,
                  cwd: str | None = None) -> PackSettings:
    """Decide the spec, environment, region and project of the stack being judged; PackConfigError if unclear."""
    env = os.environ if env is None else env
    cwd = os.getcwd() if cwd is None else cwd
    policy_config = policy_config or {}
    stack = stack_config(env)

    def pick(*values: Any) -> str | None:
        return next((v for v in values if isinstance(v, str) and v), None)

    spec = pick(policy_config.get("spec"), stack.get(f"{PROJECT}:spec"), env.get("LLMOPS_IAC_SPEC"))
    if not spec:
        raise PackConfigError(f"no spec to judge: the stack config has no {PROJECT}:spec (set it with `pulumi config "
                              f"set {PROJECT}:spec path/to/spec.yaml`) and the policy config names no 'spec'")
    environment = pick(policy_config.get("environment"), stack.get(f"{PROJECT}:environment"),
                       env.get("LLMOPS_IAC_ENVIRONMENT"), env.get("PULUMI_STACK"))
    region = pick(policy_config.get("region"), stack.get("aws:region"), env.get("AWS_REGION"))
    project = _project_dir(pick(policy_config.get("projectDir")), env, cwd)
    path = Path(spec) if os.path.isabs(spec) else Path(project) / spec
    resolved = os.path.realpath(path)
    root = os.path.realpath(project)
    if os.path.commonpath([resolved, root]) != root:
        raise PackConfigError(f"the spec {spec!r} resolves to {resolved}, outside the Pulumi project {root}: the pack "
                              f"judges only a spec inside the project it deploys")
    if not os.path.isfile(resolved):
        raise PackConfigError(f"the spec {spec!r} is not a file (looked for {path}, from the Pulumi project {project})")
    return PackSettings(spec=resolved, spec_display=spec, project_dir=root, environment=environment, region=region,
                        stack=env.get("PULUMI_STACK") or None)


def _project_dir(explicit: str | None, env: Mapping[str, str], cwd: str) -> str:
    explicit = explicit or env.get("LLMOPS_IAC_PROJECT_DIR") or None
    wanted = env.get("PULUMI_PROJECT") or None
    if explicit:
        if not os.path.isabs(explicit):
            raise PackConfigError(f"projectDir {explicit!r} must be an absolute path (the pack runs in its own "
                                  f"directory, not the project's)")
        if not os.path.isfile(os.path.join(explicit, "Pulumi.yaml")):
            raise PackConfigError(f"projectDir {explicit!r} holds no Pulumi.yaml")
        return explicit
    starts = [s for s in (env.get("PWD"), cwd) if s and os.path.isabs(s)]
    seen: list[str] = []
    for start in starts:
        d = os.path.realpath(start)
        while True:
            if os.path.isfile(os.path.join(d, "Pulumi.yaml")):
                seen.append(d)
                if wanted is None or _project_name(d) == wanted:
                    return d
            parent = os.path.dirname(d)
            if parent == d:
                break
            d = parent
    what = f"Pulumi project {wanted!r}" if wanted else "Pulumi project"
    found = f" (found {', '.join(seen)}, of other projects)" if seen else ""
    raise PackConfigError(f"cannot find the {what} at or above {' or '.join(starts) or 'nowhere'}{found}: run pulumi "
                          f"from the project directory, or set the policy config 'projectDir' (or "
                          f"$LLMOPS_IAC_PROJECT_DIR) to its absolute path")


def _project_name(directory: str) -> str | None:
    import yaml

    try:
        with open(os.path.join(directory, "Pulumi.yaml"), encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
    except (OSError, yaml.YAMLError):
        return None
    name = data.get("name") if isinstance(data, dict) else None
    return name if isinstance(name, str) else None
