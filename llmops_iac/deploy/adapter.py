"""Plan → Pulumi resources: the one place a Plan becomes real pulumi_aws / pulumi_aws_native objects.

``deploy_plan(plan_data)`` takes ``Plan.to_data()`` and, in dependency order,
constructs the class registered for each resource's type token (``TYPES``),
passing the Plan's inputs as keyword arguments:

- A top-level input key is the engine's camelCase property name; it becomes
  the Python argument name the class itself declares for that property (read
  from the class's ``Args`` input type with ``pulumi._types``, not guessed), so
  irregular names cannot be mistranslated. A key the class does not take is an
  error naming the resource and the key; nothing is dropped.
- Nested values are passed as plain dicts with their camelCase keys: the
  Pulumi SDK sends unknown-to-Python keys through unchanged, and map-typed
  values (``tags``, container ``environment``, index ``mappings``) keep their
  keys as written.
- The Plan's expression forms (``llmops_iac.compile.plan``) become Outputs:
  ``{"ref": NAME, "attr": ATTR}`` is the referenced resource's output property
  ``ATTR`` (engine name; ``id`` and ``urn`` too); ``{"context": "accountId"|
  "callerArn"}`` comes from one shared ``aws.get_caller_identity_output()``;
  ``{"fn::join": [SEP, PARTS]}`` joins strings; ``{"fn::toJSON": VALUE}`` is
  compact JSON (``separators=(",", ":")``, keys in Plan order) once every
  expression inside resolves. Expressions with no Outputs inside are resolved
  to plain values immediately, so previews show them.
- ``dependsOn`` becomes ``ResourceOptions(depends_on=[...])``; references
  already carry their own dependencies.

Per-resource ``options`` are Pulumi resource options; each key becomes the
``pulumi.ResourceOptions`` argument named:

- ``deleteBeforeReplace`` (bool) → ``delete_before_replace``
- ``replaceOnChanges`` (list of camelCase property paths) → ``replace_on_changes``
- ``ignoreChanges`` (list of camelCase property paths) → ``ignore_changes``
- ``retainOnDelete`` (bool) → ``retain_on_delete``
- ``protect`` (bool) → ``protect``

``meta`` (facts for policy, cost and maturity) is never read here.

The whole Plan is checked before the first resource is registered (unknown
type, unknown input, reference to a missing resource or attribute, malformed
expression, bad option, dependency cycle), and every problem is reported in
one ``PlanError``; a Plan that fails the check registers nothing.
"""

from __future__ import annotations

import functools
import importlib
import json
import sys
from dataclasses import dataclass
from typing import Any, Iterator

import pulumi
from pulumi import _types

from llmops_iac.errors import InternalError
from llmops_iac.spec.jsonschema_lite import did_you_mean

TYPES: dict[str, tuple[str, str]] = {
    # token: (module, class); modules are imported only when a Plan uses them.
    "aws:iam/role:Role": ("pulumi_aws.iam", "Role"),
    "aws:iam/rolePolicy:RolePolicy": ("pulumi_aws.iam", "RolePolicy"),
    "aws:kms/key:Key": ("pulumi_aws.kms", "Key"),
    "aws:kms/alias:Alias": ("pulumi_aws.kms", "Alias"),
    "aws:cloudwatch/logGroup:LogGroup": ("pulumi_aws.cloudwatch", "LogGroup"),
    "aws:cloudwatch/metricAlarm:MetricAlarm": ("pulumi_aws.cloudwatch", "MetricAlarm"),
    "aws:cloudwatch/dashboard:Dashboard": ("pulumi_aws.cloudwatch", "Dashboard"),
    "aws:s3/bucket:Bucket": ("pulumi_aws.s3", "Bucket"),
    "aws:s3/bucketVersioning:BucketVersioning": ("pulumi_aws.s3", "BucketVersioning"),
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": (
        "pulumi_aws.s3", "BucketServerSideEncryptionConfiguration"),
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": ("pulumi_aws.s3", "BucketPublicAccessBlock"),
    "aws:s3/bucketPolicy:BucketPolicy": ("pulumi_aws.s3", "BucketPolicy"),
    "aws:s3/vectorsVectorBucket:VectorsVectorBucket": ("pulumi_aws.s3", "VectorsVectorBucket"),
    "aws:s3/vectorsIndex:VectorsIndex": ("pulumi_aws.s3", "VectorsIndex"),
    "aws:bedrockmodel/invocationLoggingConfiguration:InvocationLoggingConfiguration": (
        "pulumi_aws.bedrockmodel", "InvocationLoggingConfiguration"),
    "aws:bedrock/inferenceProfile:InferenceProfile": ("pulumi_aws.bedrock", "InferenceProfile"),
    "aws:bedrock/guardrail:Guardrail": ("pulumi_aws.bedrock", "Guardrail"),
    "aws:bedrock/guardrailVersion:GuardrailVersion": ("pulumi_aws.bedrock", "GuardrailVersion"),
    "aws:bedrock/agentKnowledgeBase:AgentKnowledgeBase": ("pulumi_aws.bedrock", "AgentKnowledgeBase"),
    "aws:bedrock/agentDataSource:AgentDataSource": ("pulumi_aws.bedrock", "AgentDataSource"),
    "aws:bedrock/agentPrompt:AgentPrompt": ("pulumi_aws.bedrock", "AgentPrompt"),
    "aws-native:bedrock:PromptVersion": ("pulumi_aws_native.bedrock", "PromptVersion"),
    "aws:opensearch/serverlessCollection:ServerlessCollection": ("pulumi_aws.opensearch", "ServerlessCollection"),
    "aws:opensearch/serverlessSecurityPolicy:ServerlessSecurityPolicy": (
        "pulumi_aws.opensearch", "ServerlessSecurityPolicy"),
    "aws:opensearch/serverlessAccessPolicy:ServerlessAccessPolicy": ("pulumi_aws.opensearch", "ServerlessAccessPolicy"),
    "aws-native:opensearchserverless:Index": ("pulumi_aws_native.opensearchserverless", "Index"),
    "aws:sagemaker/model:Model": ("pulumi_aws.sagemaker", "Model"),
    "aws:sagemaker/endpointConfiguration:EndpointConfiguration": ("pulumi_aws.sagemaker", "EndpointConfiguration"),
    "aws:sagemaker/endpoint:Endpoint": ("pulumi_aws.sagemaker", "Endpoint"),
    "aws:appautoscaling/target:Target": ("pulumi_aws.appautoscaling", "Target"),
    "aws:appautoscaling/policy:Policy": ("pulumi_aws.appautoscaling", "Policy"),
    "aws:budgets/budget:Budget": ("pulumi_aws.budgets", "Budget"),
    "aws:sns/topic:Topic": ("pulumi_aws.sns", "Topic"),
    "aws:sns/topicPolicy:TopicPolicy": ("pulumi_aws.sns", "TopicPolicy"),
    "aws:sns/topicSubscription:TopicSubscription": ("pulumi_aws.sns", "TopicSubscription"),
    "aws:scheduler/schedule:Schedule": ("pulumi_aws.scheduler", "Schedule"),
}
"""Every type token the compiler emits (llmops_iac/compile/tokens.py) → the class that registers it."""

OPTION_KEYS: dict[str, tuple[str, type]] = {
    "deleteBeforeReplace": ("delete_before_replace", bool),
    "replaceOnChanges": ("replace_on_changes", list),
    "ignoreChanges": ("ignore_changes", list),
    "retainOnDelete": ("retain_on_delete", bool),
    "protect": ("protect", bool),
}
"""Plan ``options`` keys → (ResourceOptions argument, value type)."""

CONTEXT_ATTRS = {"accountId": "account_id", "callerArn": "arn"}
"""Context keys → attributes of ``aws.get_caller_identity_output()``."""

JSON_SEPARATORS = (",", ":")
_BUILTIN_ATTRS = {"id": "id", "urn": "urn"}


class PlanError(InternalError):
    """The Plan cannot be deployed as written (a compiler bug, never a user error): every problem, one per line."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        if len(self.problems) == 1:
            super().__init__(f"the Plan cannot be deployed: {self.problems[0]}")
        else:
            super().__init__("the Plan cannot be deployed:\n" + "\n".join(f"  - {p}" for p in self.problems))


@dataclass(frozen=True)
class TypeInfo:
    """What the adapter needs of one resource class.

    ``args`` maps each engine (camelCase) input name the class takes to its
    Python argument name; ``attrs`` maps each engine output name to the
    Python attribute holding its Output.
    """

    token: str
    cls: type
    args: dict[str, str]
    attrs: dict[str, str]


def resource_class(token: str) -> type:
    """Return the pulumi class registered for type ``token``, importing only its module; PlanError if unknown."""
    entry = TYPES.get(token)
    if entry is None:
        guess = did_you_mean(token, list(TYPES))
        raise PlanError([f"unknown type token {token!r}" + (f"; did you mean {guess!r}?" if guess else "")])
    module, name = entry
    return getattr(importlib.import_module(module), name)


@functools.cache
def type_info(token: str) -> TypeInfo:
    """Return the argument and attribute names of the class registered for ``token``."""
    cls = resource_class(token)
    args_cls = _args_class(cls)
    py_to_engine = _types.input_type_py_to_pulumi_names(args_cls)
    args = {engine: py for py, engine in py_to_engine.items()}
    attrs = {**_types.resource_pulumi_to_py_names(cls), **_BUILTIN_ATTRS}
    return TypeInfo(token=token, cls=cls, args=args, attrs=attrs)


def _args_class(cls: type) -> type:
    """The ``<Class>Args`` (or ``<Class>InitArgs``) input type declared beside ``cls``.

    Read from the defining module's ``__all__``: ``s3.bucket_versioning`` also
    star-imports a nested ``BucketVersioningArgs`` that is not the resource's.
    """
    module = sys.modules[cls.__module__]
    for name in (f"{cls.__name__}Args", f"{cls.__name__}InitArgs"):
        if name in getattr(module, "__all__", ()) and _types.is_input_type(getattr(module, name)):
            return getattr(module, name)
    raise PlanError([f"{cls.__module__}.{cls.__name__} declares no Args input type"])


# --- checking --------------------------------------------------------------------------------------------------------

def _walk(value: Any, path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield (path, expression-or-suspicious dict) for every dict inside ``value`` that the adapter interprets."""
    if isinstance(value, dict):
        kind = _expression_kind(value)
        if kind is not None:
            yield path, value
            if kind == "fn::join" and isinstance(value["fn::join"], list) and len(value["fn::join"]) == 2:
                parts = value["fn::join"][1]
                if isinstance(parts, list):
                    for i, part in enumerate(parts):
                        yield from _walk(part, f"{path}.fn::join[{i}]")
            elif kind == "fn::toJSON":
                yield from _walk(value["fn::toJSON"], f"{path}.fn::toJSON")
            return
        for k, v in value.items():
            yield from _walk(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _walk(v, f"{path}[{i}]")


def _expression_kind(value: dict[str, Any]) -> str | None:
    """The expression form ``value`` is (``ref``, ``context``, ``fn::…``), ``malformed``, or None for plain data."""
    keys = set(value)
    if keys == {"ref", "attr"}:
        return "ref"
    if keys == {"context"}:
        return "context"
    fn_keys = [k for k in keys if isinstance(k, str) and k.startswith("fn::")]
    if fn_keys:
        return fn_keys[0] if len(keys) == 1 else "malformed"
    if "ref" in keys and "attr" in keys:
        return "malformed"
    return None


def _check_expression(path: str, expr: dict[str, Any], resources: dict[str, dict[str, Any]],
                      problems: list[str], owner: str | None = None) -> None:
    kind = _expression_kind(expr)
    if kind == "ref":
        target, attr = expr["ref"], expr["attr"]
        if not isinstance(target, str) or not isinstance(attr, str):
            problems.append(f"{path}: a ref needs string 'ref' and 'attr', got {expr!r}")
        elif target not in resources:
            guess = did_you_mean(target, [n for n in resources if n != owner])
            problems.append(f"{path}: reference to unknown resource {target!r}"
                            + (f"; did you mean {guess!r}?" if guess else ""))
        else:
            token = resources[target].get("type")
            if token in TYPES:
                attrs = type_info(token).attrs
                if attr not in attrs:
                    guess = did_you_mean(attr, list(attrs))
                    problems.append(f"{path}: resource {target!r} ({token}) has no output attribute {attr!r}"
                                    + (f"; did you mean {guess!r}?" if guess else ""))
    elif kind == "context":
        if expr["context"] not in CONTEXT_ATTRS:
            problems.append(f"{path}: unknown context {expr['context']!r}; known: {', '.join(CONTEXT_ATTRS)}")
    elif kind == "fn::join":
        arg = expr["fn::join"]
        if not (isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str) and isinstance(arg[1], list)):
            problems.append(f"{path}: fn::join takes [SEPARATOR, [PART, ...]], got {arg!r}")
        else:
            for i, part in enumerate(arg[1]):
                if not isinstance(part, str) and _expression_kind(part if isinstance(part, dict) else {}) is None:
                    problems.append(f"{path}.fn::join[{i}]: a part must be a string or an expression, got {part!r}")
    elif kind == "fn::toJSON":
        pass
    else:
        problems.append(f"{path}: not an expression the adapter knows ({', '.join(sorted(map(str, expr)))}); "
                        "forms: {ref, attr}, {context}, {fn::join}, {fn::toJSON}")


def check_plan(plan_data: dict[str, Any]) -> list[dict[str, Any]]:
    """Check a Plan against the real classes; return its resources in dependency order (PlanError lists every problem)."""
    problems: list[str] = []
    raw = plan_data.get("resources") if isinstance(plan_data, dict) else None
    if not isinstance(raw, list):
        raise PlanError(["the Plan has no 'resources' list"])
    resources: dict[str, dict[str, Any]] = {}
    for i, res in enumerate(raw):
        name = res.get("name") if isinstance(res, dict) else None
        if not isinstance(name, str) or not name:
            problems.append(f"resources[{i}]: a resource needs a string 'name'")
        elif name in resources:
            problems.append(f"resource {name!r}: duplicate name")
        else:
            resources[name] = res
    for name, res in resources.items():
        where = f"resource {name!r}"
        token = res.get("type")
        info: TypeInfo | None = None
        try:
            info = type_info(token) if isinstance(token, str) else None
            if info is None:
                problems.append(f"{where}: 'type' must be a type token string")
        except PlanError as e:
            problems.extend(f"{where}: {p}" for p in e.problems)
        except ImportError as e:  # an SDK without the module: say which resource needed it
            problems.append(f"{where}: cannot import the class for {token!r}: {e}")
        inputs = res.get("inputs", {})
        if not isinstance(inputs, dict):
            problems.append(f"{where}: 'inputs' must be a mapping")
            inputs = {}
        if info is not None:
            where = f"resource {name!r} ({token})"
            for key in inputs:
                if key not in info.args:
                    guess = did_you_mean(key, list(info.args))
                    problems.append(f"{where}: unknown input {key!r}"
                                    + (f"; did you mean {guess!r}?" if guess else f"; {info.cls.__name__} takes: "
                                       + ", ".join(sorted(info.args))))
        for key, value in inputs.items():
            for path, expr in _walk(value, f"{where}: inputs.{key}"):
                _check_expression(path, expr, resources, problems, owner=name)
        depends = res.get("dependsOn", [])
        if not isinstance(depends, list) or not all(isinstance(d, str) for d in depends):
            problems.append(f"{where}: 'dependsOn' must be a list of resource names")
        else:
            for dep in depends:
                if dep == name:
                    problems.append(f"{where}: dependsOn names the resource itself")
                elif dep not in resources:
                    guess = did_you_mean(dep, list(resources))
                    problems.append(f"{where}: dependsOn unknown resource {dep!r}"
                                    + (f"; did you mean {guess!r}?" if guess else ""))
        options = res.get("options", {})
        if not isinstance(options, dict):
            problems.append(f"{where}: 'options' must be a mapping")
        else:
            for key in options:
                if key not in OPTION_KEYS:
                    problems.append(f"{where}: unknown option {key!r}; options: {', '.join(OPTION_KEYS)}")
            for key, (_, typ) in OPTION_KEYS.items():
                if key in options and not (isinstance(options[key], typ)
                                           and (typ is not list or all(isinstance(p, str) for p in options[key]))):
                    problems.append(f"{where}: options.{key} must be "
                                    + ("true or false" if typ is bool else "a list of property paths")
                                    + f", got {options[key]!r}")
    outputs = plan_data.get("outputs", {})
    if not isinstance(outputs, dict):
        problems.append("the Plan's 'outputs' must be a mapping")
    else:
        for key, value in outputs.items():
            for path, expr in _walk(value, f"output {key!r}"):
                _check_expression(path, expr, resources, problems)
    if problems:
        raise PlanError(problems)
    return [resources[n] for n in _dependency_order(resources)]


def _edges(res: dict[str, Any]) -> list[str]:
    """Names ``res`` must come after: its references and its dependsOn, in first-seen order."""
    seen: dict[str, None] = {}
    for _, expr in _walk(res.get("inputs", {}), ""):
        if _expression_kind(expr) == "ref":
            seen.setdefault(expr["ref"], None)
    for dep in res.get("dependsOn", []):
        seen.setdefault(dep, None)
    return list(seen)


def _dependency_order(resources: dict[str, dict[str, Any]]) -> list[str]:
    """Topological order, stable in Plan order; PlanError naming one cycle if there is any."""
    deps = {name: _edges(res) for name, res in resources.items()}
    order: list[str] = []
    state: dict[str, int] = {}  # 1 visiting, 2 done

    def visit(name: str, stack: list[str]) -> None:
        if state.get(name) == 2:
            return
        if state.get(name) == 1:
            cycle = stack[stack.index(name):] + [name]
            raise PlanError([f"dependency cycle: {' -> '.join(cycle)} (through references and dependsOn)"])
        state[name] = 1
        stack.append(name)
        for dep in deps[name]:
            visit(dep, stack)
        stack.pop()
        state[name] = 2
        order.append(name)

    for name in resources:
        visit(name, [])
    return order


# --- deploying -------------------------------------------------------------------------------------------------------

class _Resolver:
    """Turns Plan values into Pulumi inputs, given the resources created so far."""

    def __init__(self, created: dict[str, pulumi.Resource], types: dict[str, str]):
        self.created = created
        self.types = types
        self._identity: Any = None

    def caller_identity(self) -> Any:
        if self._identity is None:
            import pulumi_aws

            self._identity = pulumi_aws.get_caller_identity_output()
        return self._identity

    def resolve(self, value: Any) -> Any:
        """Return ``value`` with every expression resolved: plain data if nothing is pending, else with Outputs inside."""
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if not isinstance(value, dict):
            return value
        kind = _expression_kind(value)
        if kind is None:
            return {k: self.resolve(v) for k, v in value.items()}
        if kind == "ref":
            name = value["ref"]
            return getattr(self.created[name], type_info(self.types[name]).attrs[value["attr"]])
        if kind == "context":
            return getattr(self.caller_identity(), CONTEXT_ATTRS[value["context"]])
        if kind == "fn::join":
            sep, parts = value["fn::join"]
            resolved = [self.resolve(p) for p in parts]
            if not any(_pending(p) for p in resolved):
                return sep.join(_join_part(p) for p in resolved)
            return pulumi.Output.all(*resolved).apply(lambda xs: sep.join(_join_part(x) for x in xs))
        if kind == "fn::toJSON":
            document = self.resolve(value["fn::toJSON"])
            if not _pending(document):
                return json.dumps(document, separators=JSON_SEPARATORS)
            return pulumi.Output.json_dumps(document, separators=JSON_SEPARATORS)
        raise PlanError([f"not an expression the adapter knows: {value!r}"])  # check_plan rules this out


def _pending(value: Any) -> bool:
    """Whether ``value`` holds an Output anywhere."""
    if isinstance(value, pulumi.Output):
        return True
    if isinstance(value, dict):
        return any(_pending(v) for v in value.values())
    if isinstance(value, list):
        return any(_pending(v) for v in value)
    return False


def _join_part(value: Any) -> str:
    if isinstance(value, str):
        return value
    raise TypeError(f"fn::join: every part must resolve to a string, got {value!r}")


def resource_options(res: dict[str, Any], created: dict[str, pulumi.Resource],
                     base: pulumi.ResourceOptions | None = None) -> pulumi.ResourceOptions:
    """Return the ResourceOptions of Plan resource ``res``: its dependsOn and its options."""
    kwargs: dict[str, Any] = {}
    depends = res.get("dependsOn") or []
    if depends:
        kwargs["depends_on"] = [created[d] for d in depends]
    options = res.get("options") or {}
    for key, (arg, _) in OPTION_KEYS.items():
        if key in options:
            kwargs[arg] = list(options[key]) if isinstance(options[key], list) else options[key]
    opts = pulumi.ResourceOptions(**kwargs)
    return pulumi.ResourceOptions.merge(base, opts) if base is not None else opts


def deploy_plan(plan_data: dict[str, Any], *, opts: pulumi.ResourceOptions | None = None) -> dict[str, pulumi.Resource]:
    """Register every resource of ``plan_data`` (``Plan.to_data()``) and export its outputs.

    ``opts`` is merged under each resource's own options (e.g. a parent or an
    explicit provider). Returns the created resources by logical name. Raises
    PlanError, before registering anything, if the Plan does not fit the classes.
    """
    order = check_plan(plan_data)
    created: dict[str, pulumi.Resource] = {}
    resolver = _Resolver(created, {res["name"]: res["type"] for res in order})
    for res in order:
        info = type_info(res["type"])
        kwargs = {info.args[key]: resolver.resolve(value) for key, value in res.get("inputs", {}).items()}
        resource = info.cls(res["name"], opts=resource_options(res, created, opts), **kwargs)
        created[res["name"]] = resource
    for key, value in (plan_data.get("outputs") or {}).items():
        pulumi.export(key, resolver.resolve(value))
    return created
