"""The replacement tables (llmops_iac/cost/replacement.py) against the installed provider SDKs.

pulumi-aws's Python SDK does not say which properties force a new resource (the Terraform provider
decides at run time), so the tables are curated from the provider source; what can be checked here is
checked: every compiler token has an entry citing the source version read, every listed property is a
real input of that type's class (an entry with a typo would never match), every input of a pulumi-aws
class is classified (force-new, conditional or updatable: an input a newer SDK adds fails until its source
is read), and pulumi-aws-native entries equal the class's own ``replace_on_changes``.
"""

from __future__ import annotations

import inspect
import re

import pytest

from llmops_iac.cost.replacement import (ALL, FORCE_NEW, NAME_KEYS, REGION, REPLACE_WHEN_CONFIGURED,
                                         REPLACE_WHEN_COUNT_CHANGES, UNVERIFIED, UPDATABLE)
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
    for entry in REPLACE_WHEN_COUNT_CHANGES.get(token, set()) | REPLACE_WHEN_CONFIGURED.get(token, set()):
        assert entry.split(".")[0] in inputs, f"{token}: {entry!r} is not an input ({sorted(inputs)})"
    if token in NAME_KEYS:
        assert NAME_KEYS[token] in inputs


AWS_TOKENS = [t for t in COMPILER_TOKENS if t.startswith("aws:")]


@pytest.mark.parametrize("token", AWS_TOKENS)
def test_every_input_of_a_pulumi_aws_class_is_classified(token):
    """Exactly one of force-new, conditional or updatable, as read in the provider source; tags are never force-new."""
    forced = FORCE_NEW[token][0]
    if ALL in forced:
        assert UPDATABLE[token] == frozenset()
        return
    inputs = set(type_info(token).args) - {"tags"}
    replacing = {e.split(".")[0] for e in forced | REPLACE_WHEN_COUNT_CHANGES.get(token, set())
                 | REPLACE_WHEN_CONFIGURED.get(token, set())}
    assert inputs - replacing - UPDATABLE[token] == set(), "inputs nobody read in the provider source"
    assert (replacing | UPDATABLE[token]) - inputs == set(), "entries the installed class does not have"
    assert UPDATABLE[token] & {e for e in forced if "." not in e} == set()
    assert UPDATABLE[token] & REPLACE_WHEN_CONFIGURED.get(token, set()) == set()


@pytest.mark.parametrize("token", AWS_TOKENS)
def test_a_regional_type_replaces_when_its_region_changes(token):
    """v6 forces a new resource when ``region`` changes (internal/provider/sdkv2/region.go, framework/region.go)."""
    forced = FORCE_NEW[token][0]
    if REGION in type_info(token).args:
        assert REGION in forced or ALL in forced
    else:
        assert REGION not in forced  # IAM and Budgets are global


def test_inputs_not_in_the_source_read_are_taken_to_replace():
    for token, names in UNVERIFIED.items():
        assert names and names <= FORCE_NEW[token][0], token
        assert not names & UPDATABLE[token], token


@pytest.mark.parametrize("token", AWS_TOKENS)
def test_every_entry_cites_the_provider_source_version_read(token):
    assert re.fullmatch(r"terraform-provider-aws@([0-9a-f]{12}|stored) internal/service/[a-z0-9]+/[a-z0-9_]+\.go",
                        FORCE_NEW[token][1]), FORCE_NEW[token][1]


@pytest.mark.parametrize("token", [t for t in COMPILER_TOKENS if t.startswith("aws-native:")])
def test_aws_native_entries_are_the_classes_replace_on_changes(token):
    source = inspect.getsource(resource_class(token)._internal_init)
    found = re.search(r"replace_on_changes=\[([^\]]*)\]", source)
    declared = {p.strip().strip("\"'").removesuffix(".*") for p in found.group(1).split(",")} if found else set()
    assert FORCE_NEW[token][0] == declared
