"""The replacement table (llmops_iac/cost/replacement.py) against the installed provider SDKs.

pulumi-aws's Python SDK does not say which properties force a new resource (the Terraform provider
decides at run time), so the table is curated; what can be checked here is checked: every compiler
token has an entry, every listed property is a real input of that type's class (an entry with a typo
would never match), and pulumi-aws-native entries equal the class's own ``replace_on_changes``.
"""

from __future__ import annotations

import inspect
import re

import pytest

from llmops_iac.cost.replacement import ALL, FORCE_NEW, NAME_KEYS
from llmops_iac.deploy.adapter import resource_class, type_info
from tests.deploy.test_types import COMPILER_TOKENS


def test_every_compiler_token_has_an_entry():
    assert sorted(FORCE_NEW) == COMPILER_TOKENS


@pytest.mark.parametrize("token", COMPILER_TOKENS)
def test_every_listed_property_is_an_input_of_the_class(token):
    forced, source = FORCE_NEW[token]
    assert source
    inputs = set(type_info(token).args)
    for entry in forced - {ALL}:
        assert entry.split(".")[0] in inputs, f"{token}: {entry!r} is not an input ({sorted(inputs)})"
    if token in NAME_KEYS:
        assert NAME_KEYS[token] in inputs


@pytest.mark.parametrize("token", [t for t in COMPILER_TOKENS if t.startswith("aws-native:")])
def test_aws_native_entries_are_the_classes_replace_on_changes(token):
    source = inspect.getsource(resource_class(token)._internal_init)
    found = re.search(r"replace_on_changes=\[([^\]]*)\]", source)
    declared = {p.strip().strip("\"'").removesuffix(".*") for p in found.group(1).split(",")} if found else set()
    assert FORCE_NEW[token][0] == declared
