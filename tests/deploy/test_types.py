"""The token table against the real classes: every compiler token has a class that registers that very token,
its argument names come from the class, and TAGGABLE matches the classes that take ``tags``."""

from __future__ import annotations

import inspect
import re
import sys

import pulumi
import pytest
from pulumi import _types
from pulumi.runtime import settings

from llmops_iac.compile import tokens as T
from llmops_iac.deploy.adapter import TYPES, resource_class, type_info

COMPILER_TOKENS = sorted(v for k, v in vars(T).items() if k.isupper() and isinstance(v, str) and ":" in v)

# A tags map whose change forces replacement: PromptVersion's tags are version-scoped ("tags.*" is in the class's
# replace_on_changes), and the standard tags carry specHash, so tagging it would cut a new version on every spec edit.
TAGS_LEFT_OUT = {T.PROMPT_VERSION}


def _camel(py: str) -> str:
    head, *rest = py.rstrip("_").split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def test_the_table_holds_exactly_the_compilers_tokens():
    assert sorted(TYPES) == COMPILER_TOKENS


@pytest.mark.parametrize("token", COMPILER_TOKENS)
def test_class_source_registers_the_token(token):
    cls = resource_class(token)
    source = inspect.getsource(cls._internal_init)
    registered = re.search(r"super\(\w+, __self__\).__init__\(\s*'([^']+)'", source)
    assert registered, f"{cls.__qualname__}: no super().__init__ call found"
    assert registered.group(1) == token


class _EmptyStateMocks(pulumi.runtime.Mocks):
    """Records the type each registration carries; returns no state, so dummy inputs are never type-checked."""

    def __init__(self) -> None:
        self.typ: dict[str, str] = {}

    def new_resource(self, args):
        self.typ[args.name] = args.typ
        return f"{args.name}-id", {}

    def call(self, args):
        return {}


def test_each_class_registers_its_token_with_the_engine():
    settings.reset_options()
    pulumi.runtime.set_all_config({})
    mocks = _EmptyStateMocks()
    pulumi.runtime.set_mocks(mocks, project="llmops-iac", stack="types", preview=False)

    @pulumi.runtime.test
    def construct_all():
        for i, token in enumerate(COMPILER_TOKENS):
            info = type_info(token)
            required = [name for name, p in inspect.signature(_args(info.cls).__init__).parameters.items()
                        if name != "__self__" and p.default is inspect.Parameter.empty]
            info.cls(f"r{i}", **{name: "x" for name in required})

    construct_all()
    assert {mocks.typ[f"r{i}"] for i in range(len(COMPILER_TOKENS))} == set(COMPILER_TOKENS)
    for i, token in enumerate(COMPILER_TOKENS):
        assert mocks.typ[f"r{i}"] == token


def _args(cls: type) -> type:
    module = sys.modules[cls.__module__]
    return next(getattr(module, n) for n in (f"{cls.__name__}Args", f"{cls.__name__}InitArgs")
                if n in module.__all__)


@pytest.mark.parametrize("token", COMPILER_TOKENS)
def test_argument_names_cover_the_constructor_exactly(token):
    info = type_info(token)
    params = {p for p in inspect.signature(info.cls._internal_init).parameters
              if p not in ("__self__", "resource_name", "opts", "__props__")}
    assert set(info.args.values()) == params
    assert _types.input_type_py_to_pulumi_names(_args(info.cls)) == {py: eng for eng, py in info.args.items()}


def test_no_argument_of_these_classes_needs_more_than_plain_camel_case():
    """Documents the mapping: for every class the compiler uses, engine name == camelCase(python name)."""
    irregular = {(token, py, engine) for token in COMPILER_TOKENS
                 for engine, py in type_info(token).args.items() if _camel(py) != engine}
    assert irregular == set()


def test_taggable_is_the_set_of_classes_taking_tags_except_version_scoped_ones():
    takes_tags = {token for token in COMPILER_TOKENS if "tags" in type_info(token).args}
    assert T.TAGGABLE == takes_tags - TAGS_LEFT_OUT
    for token in TAGS_LEFT_OUT:
        source = inspect.getsource(type_info(token).cls._internal_init)
        assert re.search(r"replace_on_changes=\[[^\]]*\"tags\.\*\"", source), f"{token}: tags no longer force replacement"
