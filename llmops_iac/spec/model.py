"""AppSpec: a validated, defaulted spec as immutable typed records (NamedTuples).

The JSON Schema is the source of truth for the shape and the defaults; these
classes are typed views of it and hold no defaults of their own (``None`` only
where the schema has no default and the key is optional). A test walks the
schema and these classes side by side and fails on any difference.

NamedTuple rather than frozen dataclasses: creating 50 frozen dataclasses at
import costs ~70 ms of the 0.5 s `plan` budget; NamedTuples cost ~15 ms and are
just as immutable.
"""

from __future__ import annotations

import collections.abc
import re
import sys
import types
import typing
from typing import Any, Callable, Mapping, NamedTuple, Optional, Union



class Metadata(NamedTuple):
    name: str
    owner: str
    cost_center: str
    data_classification: str
    description: Optional[str]
    tags: Optional[Mapping[str, str]]


class FilterStrength(NamedTuple):
    input: str
    output: str


class PromptAttackFilter(NamedTuple):
    input: str


class Autoscaling(NamedTuple):
    min_capacity: int
    max_capacity: int
    target_invocations_per_instance: int
    scale_in_cooldown_seconds: int
    scale_out_cooldown_seconds: int


class Deployment(NamedTuple):
    strategy: str
    canary_percent: int
    bake_seconds: int
    rollback_alarms: tuple[str, ...]


class Variant(NamedTuple):
    name: str
    weight: int
    model_id: Optional[str]
    revision: Optional[str]
    model_data_url: Optional[str]
    instance_type: Optional[str]
    quantization: Optional[str]


class SecretRef(NamedTuple):
    """A container environment value that names an entry of spec.secrets ({secret: <name>})."""

    secret: str


class Container(NamedTuple):
    framework: str
    version: Optional[str]
    environment: Optional[Mapping[str, Union[str, SecretRef]]]


class DataCapture(NamedTuple):
    enabled: bool
    sampling_percent: int


class Vpc(NamedTuple):
    subnet_ids: tuple[str, ...]
    security_group_ids: tuple[str, ...]


class BedrockModel(NamedTuple):
    provider: str
    model_id: str
    cross_region_inference: str
    provisioned_throughput: int
    description: Optional[str]
    tasks: Optional[tuple[str, ...]]
    system_prompt: Optional[str]


class SageMakerModel(NamedTuple):
    provider: str
    model_id: str
    revision: Optional[str]
    model_data_url: Optional[str]
    vpc: Optional[Vpc]
    network_isolation: bool
    parameters_billions: Optional[float]
    container: Container
    instance_type: str
    quantization: str
    dtype: str
    max_context_tokens: int
    max_concurrent_requests: int
    tensor_parallel_degree: Optional[int]
    autoscaling: Autoscaling
    deployment: Deployment
    variants: Optional[tuple[Variant, ...]]
    data_capture: DataCapture
    description: Optional[str]
    tasks: Optional[tuple[str, ...]]
    system_prompt: Optional[str]
    guardrail_enforcement: Optional[str]  # "application": the app calls ApplyGuardrail (SageMaker never does)


class BedrockEmbedding(NamedTuple):
    provider: str
    model_id: str
    dimensions: int
    description: Optional[str]


class SageMakerEmbedding(NamedTuple):
    provider: str
    model_id: str
    revision: Optional[str]
    dimensions: int
    instance_type: str
    description: Optional[str]


class VectorStore(NamedTuple):
    type: str
    embedding: str
    dimensions: Optional[int]
    metric: str
    encryption: str
    public_access: bool
    vpc_endpoints: Optional[tuple[str, ...]]
    standby_replicas: bool


class HierarchicalChunking(NamedTuple):
    parent_max_tokens: int
    child_max_tokens: int
    overlap_tokens: int


class SemanticChunking(NamedTuple):
    buffer_size: int
    breakpoint_percentile_threshold: int


class Chunking(NamedTuple):
    strategy: str
    max_tokens: int
    overlap_percent: int
    hierarchical: Optional[HierarchicalChunking]
    semantic: Optional[SemanticChunking]


class DataSource(NamedTuple):
    type: str
    bucket: Optional[str]
    inclusion_prefixes: Optional[tuple[str, ...]]
    refresh_schedule: str


class KnowledgeBase(NamedTuple):
    embedding: str
    vector_store: str
    data_source: DataSource
    chunking: Chunking
    models: Optional[tuple[str, ...]]
    description: Optional[str]


class AppliesTo(NamedTuple):
    models: Optional[tuple[str, ...]]
    knowledge_bases: Optional[tuple[str, ...]]


class ContentFilters(NamedTuple):
    hate: FilterStrength
    insults: FilterStrength
    sexual: FilterStrength
    violence: FilterStrength
    misconduct: FilterStrength
    prompt_attack: PromptAttackFilter


class PiiEntity(NamedTuple):
    type: str
    action: str


class PiiRegex(NamedTuple):
    name: str
    pattern: str
    action: str


class DeniedTopic(NamedTuple):
    name: str
    definition: str
    examples: Optional[tuple[str, ...]]


class WordFilters(NamedTuple):
    managed_profanity: bool
    words: Optional[tuple[str, ...]]


class ContextualGrounding(NamedTuple):
    grounding: float
    relevance: float


class Guardrail(NamedTuple):
    applies_to: Optional[AppliesTo]
    content_filters: ContentFilters
    pii: tuple[PiiEntity, ...]
    pii_regexes: Optional[tuple[PiiRegex, ...]]
    denied_topics: Optional[tuple[DeniedTopic, ...]]
    word_filters: WordFilters
    contextual_grounding: Optional[ContextualGrounding]
    blocked_input_message: str
    blocked_output_message: str
    description: Optional[str]


class Prompt(NamedTuple):
    file: str
    version: int
    model: Optional[str]
    variables: Optional[tuple[str, ...]]
    description: Optional[str]


class Dataset(NamedTuple):
    file: str
    description: Optional[str]
    task: Optional[str] = None


class Gate(NamedTuple):
    metric: str
    dataset: str
    min: Optional[float]
    max: Optional[float]
    target: Optional[str]


class Evaluation(NamedTuple):
    datasets: Mapping[str, Dataset]
    gates: tuple[Gate, ...]
    required_for: tuple[str, ...]


class Notify(NamedTuple):
    emails: Optional[tuple[str, ...]]
    sns_topic_arns: Optional[tuple[str, ...]]


class ExpectedTraffic(NamedTuple):
    requests_per_day: int
    input_tokens_per_request: int
    output_tokens_per_request: int
    peak_to_average: float


class Budgets(NamedTuple):
    monthly_usd: float
    alert_thresholds_percent: tuple[float, ...]
    forecast_alerts: bool
    notify: Notify
    expected_traffic: ExpectedTraffic


class InvocationLogging(NamedTuple):
    enabled: bool
    include_content: bool
    destinations: tuple[str, ...]


class Alarm(NamedTuple):
    name: str
    metric: str
    threshold: float
    period_seconds: int
    evaluation_periods: int
    target: Optional[str]
    runbook_url: Optional[str]


class Monitoring(NamedTuple):
    invocation_logging: InvocationLogging
    log_retention_days: int
    dashboard: bool
    alarms: tuple[Alarm, ...]
    notify: Notify


class Maturity(NamedTuple):
    target: int


class ReviewTrigger(NamedTuple):
    when: str
    model: Optional[str]
    task: Optional[str]
    below: Optional[float]


class HumanReview(NamedTuple):
    reviewers: str
    triggers: tuple[ReviewTrigger, ...]
    escalation: Notify
    max_hours_to_review: int


class Secret(NamedTuple):
    arn: str
    description: Optional[str]
    kms_key_arn: Optional[str]


class Waiver(NamedTuple):
    rule: str
    reason: str
    owner: str
    expires: str
    resources: Optional[tuple[str, ...]]


Model = Union[BedrockModel, SageMakerModel]
Embedding = Union[BedrockEmbedding, SageMakerEmbedding]


class Spec(NamedTuple):
    region: str
    models: Mapping[str, Model]
    embeddings: Mapping[str, Embedding]
    vector_stores: Mapping[str, VectorStore]
    knowledge_bases: Mapping[str, KnowledgeBase]
    guardrails: Mapping[str, Guardrail]
    prompts: Mapping[str, Prompt]
    evaluation: Evaluation
    budgets: Budgets
    monitoring: Monitoring
    human_review: Optional[HumanReview]
    maturity: Maturity
    secrets: Optional[Mapping[str, Secret]]
    waivers: tuple[Waiver, ...]


class AppSpec(NamedTuple):
    """The whole application after environment merge and defaults."""

    api_version: str
    kind: str
    metadata: Metadata
    spec: Spec


# Union members are told apart by the schema's discriminator, ``provider``.
_DISCRIMINATED: dict[Any, dict[str, type]] = {
    Model: {"bedrock": BedrockModel, "sagemaker": SageMakerModel},
    Embedding: {"bedrock": BedrockEmbedding, "sagemaker": SageMakerEmbedding},
}


def is_record(tp: Any) -> bool:
    """Whether ``tp`` is one of this module's record classes."""
    return isinstance(tp, type) and issubclass(tp, tuple) and hasattr(tp, "_fields")


def camel(name: str) -> str:
    """snake_case field name → the spec's camelCase key."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def snake(name: str) -> str:
    """camelCase spec key → snake_case field name."""
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


def build(data: dict[str, Any]) -> AppSpec:
    """Return the AppSpec of validated, defaulted ``data`` (the spec without ``environments``)."""
    return _convert(AppSpec, data)


def _hints(cls: type) -> dict[str, Any]:
    cached = _HINTS.get(cls)
    if cached is None:
        cached = typing.get_type_hints(cls, vars(sys.modules[__name__]))
        _HINTS[cls] = cached
    return cached


_HINTS: dict[type, dict[str, Any]] = {}


def _convert(tp: Any, value: Any) -> Any:
    return _converter(tp)(value)


_CONVERTERS: dict[Any, Callable[[Any], Any]] = {}


def _converter(tp: Any) -> Callable[[Any], Any]:
    """The function turning plain data of type ``tp`` into records, worked out once per type."""
    found = _CONVERTERS.get(tp)
    if found is None:
        found = _CONVERTERS[tp] = _make_converter(tp)
    return found


def _make_converter(tp: Any) -> Callable[[Any], Any]:
    # The converters of the parts are looked up here, once, not per value (the record types nest, never recur).
    if tp in _DISCRIMINATED:
        choices = {key: _converter(cls) for key, cls in _DISCRIMINATED[tp].items()}
        return lambda value: choices[value["provider"]](value)
    origin = typing.get_origin(tp)
    if origin is Union or origin is types.UnionType:
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 2 and str in args:  # a string or a record (a container variable: text or {secret: name})
            record = _converter(args[1] if args[0] is str else args[0])
            return lambda value: value if value is None or isinstance(value, str) else record(value)
        inner = _converter(args[0] if len(args) == 1 else Union[tuple(args)])
        if inner is _same:
            return _same  # None stays None, anything else is itself
        return lambda value: None if value is None else inner(value)
    if is_record(tp):
        hints = _hints(tp)
        fields = [(camel(name), _converter(hints[name])) for name in tp._fields]
        fields = [(key, None if convert is _same else convert) for key, convert in fields]
        make = tp._make

        def record(value: Any) -> Any:
            return make([value.get(key) if convert is None else convert(value[key]) if key in value else None
                         for key, convert in fields])

        return record
    if origin is tuple:
        (item, _ellipsis) = typing.get_args(tp)
        convert = _converter(item)
        if convert is _same:
            return tuple
        return lambda value: tuple([convert(v) for v in value])
    if origin is collections.abc.Mapping:
        _k, item = typing.get_args(tp)
        convert = _converter(item)
        if convert is _same:
            return lambda value: types.MappingProxyType(dict(value))
        return lambda value: types.MappingProxyType({k: convert(v) for k, v in value.items()})
    if tp is float:
        return lambda value: float(value) if isinstance(value, int) else value
    if tp is int:
        return lambda value: int(value) if isinstance(value, float) else value
    return _same


def _same(value: Any) -> Any:
    return value
