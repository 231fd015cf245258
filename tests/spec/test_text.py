"""Text fields that are blank once whitespace and invisible characters are removed are schema errors.

Written from the attacker's side: a description of two zero-width spaces, a denied topic defined by
tabs, an owner of no-break spaces all validated before. One definition of "visible"
(llmops_iac/spec/text.py) is held here to Python's unicodedata character by character, and the
schema's patterns to that definition, under both our evaluator and the jsonschema package.
"""

from __future__ import annotations

import copy
import json
import re
import sys
import unicodedata

import jsonschema
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from llmops_iac.spec import text
from llmops_iac.spec.validate import schema, validator
from tests.conftest import MINIMAL

SCHEMA = schema()
REFERENCE = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker())
VISIBLE_TEXT = SCHEMA["$defs"].get("visibleText", {"type": "string"})  # .get: so each test fails on its own before the fix

# Blank values an attacker (or a careless copy-paste) writes: each passed `minLength: 1` before.
BLANKS = ["", " ", "   ", "\t\t", "\n", "\u00a0\u2003", "\u200b\u200b", "\u3000", "\u2028", "\ufeff", "\u00ad",
          "\u180e", "\u034f", "\u2060\u2064", "\u202e", "\u2066\u2069", "\ufe0f", "\u3164", "\u2800", "\x85",
          "\x1c\x1f", "\U000e0041\U000e0042\U000e007f", "\U000e0100", " \u200b\t\ufeff "]
VISIBLES = ["a", " a ", "\u200ba\u200b", "é", "e\u0301", "\u0301", "日本", "😀", "\u2003-", "0", "_", "ℹ\ufe0f", "\u00a0x"]


# -- the definition ----------------------------------------------------------------------------------------------

def _default_ignorable_outside_cf() -> set[int]:
    """Default_Ignorable_Code_Point (Unicode 15.1 DerivedCoreProperties) characters that are not Cf or White_Space."""
    ranges = [(0x034F, 0x034F), (0x115F, 0x1160), (0x17B4, 0x17B5), (0x180B, 0x180D), (0x180F, 0x180F),
              (0x2065, 0x2065), (0x3164, 0x3164), (0xFE00, 0xFE0F), (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8),
              (0xE0000, 0xE0000), (0xE0002, 0xE001F), (0xE0080, 0xE0FFF)]
    return {cp for a, b in ranges for cp in range(a, b + 1)}


def _expected_invisible() -> set[int]:
    """What the module docstring promises, computed from unicodedata: whitespace, Cc, Cs, Cf, default ignorables."""
    out = set(_default_ignorable_outside_cf()) | {0x2800}
    for cp in range(sys.maxunicode + 1):
        ch = chr(cp)
        if ch.isspace() or unicodedata.category(ch) in ("Cc", "Cs", "Cf"):
            out.add(cp)
    return out


def _table() -> set[int]:
    return {cp for a, b in text.INVISIBLE for cp in range(a, b + 1)}


def test_the_table_is_sorted_and_disjoint():
    assert all(a <= b for a, b in text.INVISIBLE)
    assert all(b1 + 1 < a2 for (_, b1), (a2, _) in zip(text.INVISIBLE, text.INVISIBLE[1:]))


def test_the_table_holds_every_whitespace_control_format_and_default_ignorable_character():
    missing = sorted(_expected_invisible() - _table())
    assert not missing, [f"U+{cp:04X} {unicodedata.name(chr(cp), '?')}" for cp in missing[:20]]


def test_the_table_holds_nothing_else():
    # Egyptian hieroglyph format controls U+13439-U+1343F are Cf since Unicode 15.0; Python 3.11 knows 14.0.
    newer = set(range(0x13439, 0x13440)) if unicodedata.unidata_version < "15.0.0" else set()
    extra = sorted(_table() - _expected_invisible() - newer)
    assert not extra, [f"U+{cp:04X} {unicodedata.name(chr(cp), '?')}" for cp in extra[:20]]


def test_the_pattern_and_the_functions_agree_with_the_table_on_every_code_point():
    """All 1,114,112 code points: the schema pattern finds exactly the visible ones, and visible() keeps exactly them."""
    table = _table()
    pattern = re.compile(text.VISIBLE_PATTERN)
    wrong = [cp for cp in range(sys.maxunicode + 1) if (pattern.search(chr(cp)) is None) != (cp in table)]
    assert not wrong, [f"U+{cp:04X}" for cp in wrong[:20]]
    everything = "".join(chr(cp) for cp in range(sys.maxunicode + 1))
    kept = text.visible(everything)
    assert len(kept) == text.visible_length(everything) == sys.maxunicode + 1 - len(table)
    assert not any(ord(ch) in table for ch in kept)


@pytest.mark.parametrize("value", BLANKS, ids=repr)
def test_blank_values(value):
    assert text.is_blank(value) and text.visible(value) == "" and text.visible_length(value) == 0


@pytest.mark.parametrize("value", VISIBLES, ids=repr)
def test_visible_values(value):
    assert not text.is_blank(value) and text.visible_length(value) >= 1


def test_visible_keeps_what_shows():
    assert text.visible(" \u200bops\u00a0team\ufeff ") == "opsteam"
    assert text.visible_length("\u200b" * 50 + "abc") == 3


def test_min_visible_pattern_counts_visible_characters_only():
    at_least_3 = re.compile(text.min_visible_pattern(3))
    assert at_least_3.search("a\u200bb\tc") and at_least_3.search("abc")
    assert not at_least_3.search("ab" + "\u200b" * 40) and not at_least_3.search("\t" * 40)
    with pytest.raises(ValueError):
        text.min_visible_pattern(0)


def test_patterns_avoid_backslash_s_whose_meaning_differs_between_python_and_ecma_262():
    for pattern in (text.VISIBLE_PATTERN, text.EMAIL_PATTERN, text.HTTPS_URL_PATTERN):
        assert "\\s" not in pattern and "\\S" not in pattern


# -- the schema holds the definition ----------------------------------------------------------------------------

def _nodes(node, where="#"):
    if isinstance(node, dict):
        yield where, node
        for key, sub in node.items():
            yield from _nodes(sub, f"{where}/{key}")
    elif isinstance(node, list):
        for i, sub in enumerate(node):
            yield from _nodes(sub, f"{where}/{i}")


def test_the_schema_patterns_are_the_definitions():
    fix = "paste the pattern from llmops_iac/spec/text.py (json.dumps(text.VISIBLE_PATTERN)) into the schema"
    assert VISIBLE_TEXT["pattern"] == text.VISIBLE_PATTERN, fix
    assert SCHEMA["$defs"]["email"]["pattern"] == text.EMAIL_PATTERN, fix
    assert SCHEMA["$defs"]["alarm"]["properties"]["runbookUrl"]["pattern"] == text.HTTPS_URL_PATTERN, fix
    # nothing else in the schema spells a character class of its own for whitespace
    others = [where for where, node in _nodes(SCHEMA)
              if isinstance(node.get("pattern"), str) and "\\s" in node["pattern"].replace("\\\\", "")]
    assert others == []


# Every free-text field whose blank value is meaningless (JSON pointers of schema nodes).
TEXT_FIELDS = [
    "#/properties/metadata/properties/owner",
    "#/properties/metadata/properties/costCenter",
    "#/properties/metadata/properties/description",
    "#/properties/metadata/properties/tags/propertyNames",
    "#/$defs/bedrockModel/properties/description",
    "#/$defs/sagemakerModel/properties/description",
    "#/$defs/bedrockEmbedding/properties/description",
    "#/$defs/sagemakerEmbedding/properties/description",
    "#/$defs/knowledgeBase/properties/description",
    "#/$defs/guardrail/properties/description",
    "#/$defs/guardrail/properties/piiRegexes/items/properties/name",
    "#/$defs/guardrail/properties/piiRegexes/items/properties/pattern",
    "#/$defs/guardrail/properties/deniedTopics/items/properties/name",
    "#/$defs/guardrail/properties/deniedTopics/items/properties/definition",
    "#/$defs/guardrail/properties/deniedTopics/items/properties/examples/items",
    "#/$defs/guardrail/properties/wordFilters/properties/words/items",
    "#/$defs/guardrail/properties/blockedInputMessage",
    "#/$defs/guardrail/properties/blockedOutputMessage",
    "#/$defs/prompt/properties/description",
    "#/$defs/evaluation/properties/datasets/additionalProperties/properties/description",
]


def _at(pointer: str) -> dict:
    node = SCHEMA
    for part in pointer.lstrip("#/").split("/"):
        node = node[part]
    return node


@pytest.mark.parametrize("pointer", TEXT_FIELDS)
def test_every_free_text_field_requires_visible_text(pointer):
    node = _at(pointer)
    assert node.get("$ref") == "#/$defs/visibleText", f"{pointer} accepts blank text: add \"$ref\": \"#/$defs/visibleText\""


def _invisible_samples() -> list[str]:
    """Every invisible character (each alone, and three of them), with the astral ranges sampled."""
    out = []
    for a, b in text.INVISIBLE:
        cps = range(a, b + 1) if b - a < 64 else [a, a + 1, (a + b) // 2, b - 1, b]
        out += [chr(cp) for cp in cps]
    return out


def test_every_invisible_character_is_blank_to_both_evaluators():
    """Our evaluator and the jsonschema package reject each invisible character alone, and in a run."""
    lite = validator()
    ref = jsonschema.Draft202012Validator(VISIBLE_TEXT)
    disagree = []
    for ch in _invisible_samples():
        for value in (ch, ch * 3, " " + ch + "\t"):
            if lite.is_valid(value, VISIBLE_TEXT) or ref.is_valid(value):
                disagree.append(f"U+{ord(ch):04X}")
    assert not disagree


@settings(max_examples=300, deadline=None)
@given(blank=st.text(alphabet=st.sampled_from(_invisible_samples()), max_size=12),
       visible=st.characters(exclude_categories=("Cc", "Cf", "Cs", "Zs", "Zl", "Zp")),
       at=st.integers(min_value=0, max_value=12))
def test_blank_and_visible_strings_under_both_evaluators(blank, visible, at):
    lite = validator()
    ref = jsonschema.Draft202012Validator(VISIBLE_TEXT)
    assert not lite.is_valid(blank, VISIBLE_TEXT) and not ref.is_valid(blank)
    assert [e.message for e in lite.errors(blank, VISIBLE_TEXT)] == [f"{_show(blank)} {text.BLANK_MESSAGE}"]
    with_visible = blank[:at] + visible + blank[at:]
    expected = not text.is_blank(visible)  # a default-ignorable letter (U+3164 ...) stays blank
    assert lite.is_valid(with_visible, VISIBLE_TEXT) == ref.is_valid(with_visible) == expected


def _show(value: str) -> str:
    from llmops_iac.spec.jsonschema_lite import show

    return show(value)


# -- end to end: a spec with a blank field is exit 2 at the field's line ------------------------------------------

def _spec(**spec) -> dict:
    data = copy.deepcopy(MINIMAL)
    data["metadata"]["owner"] = "team@example.com"
    data["spec"] = spec
    return data


def _guardrail(**fields) -> dict:
    return {"guardrails": {"g": fields}}


CASES = {
    "metadata.description zero-width spaces": (dict(MINIMAL, metadata={"name": "demo", "description": "\u200b\u200b"}),
                                               "metadata.description"),
    "metadata.owner no-break spaces": (dict(MINIMAL, metadata={"name": "demo", "owner": "\u00a0\u00a0"}), "metadata.owner"),
    "metadata.owner spaces": (dict(MINIMAL, metadata={"name": "demo", "owner": "   "}), "metadata.owner"),
    "metadata.costCenter space": (dict(MINIMAL, metadata={"name": "demo", "costCenter": " "}), "metadata.costCenter"),
    "tag key spaces": (dict(MINIMAL, metadata={"name": "demo", "tags": {"  ": "x"}}), "metadata.tags.  "),
    "denied topic definition tabs": (_spec(**_guardrail(deniedTopics=[{"name": "Advice", "definition": "\t\t"}])),
                                     "spec.guardrails.g.deniedTopics[0].definition"),
    "denied topic name spaces": (_spec(**_guardrail(deniedTopics=[{"name": "   ", "definition": "Investment advice"}])),
                                 "spec.guardrails.g.deniedTopics[0].name"),
    "denied topic example BOM": (_spec(**_guardrail(deniedTopics=[{"name": "Advice", "definition": "Investment advice",
                                                                   "examples": ["\ufeff"]}])),
                                 "spec.guardrails.g.deniedTopics[0].examples[0]"),
    "blocked input message ideographic space": (_spec(**_guardrail(blockedInputMessage="\u3000")),
                                                "spec.guardrails.g.blockedInputMessage"),
    "blocked output message line separator": (_spec(**_guardrail(blockedOutputMessage="\u2028")),
                                              "spec.guardrails.g.blockedOutputMessage"),
    "guardrail regex name spaces": (_spec(**_guardrail(piiRegexes=[{"name": "  ", "pattern": "[0-9]{6}"}])),
                                    "spec.guardrails.g.piiRegexes[0].name"),
    "guardrail regex pattern zero-width": (_spec(**_guardrail(piiRegexes=[{"name": "id", "pattern": "\u200b"}])),
                                           "spec.guardrails.g.piiRegexes[0].pattern"),
    "blocked word tag characters": (_spec(**_guardrail(wordFilters={"words": ["\U000e0041\U000e0042"]})),
                                    "spec.guardrails.g.wordFilters.words[0]"),
    "guardrail description": (_spec(**_guardrail(description="\u2060")), "spec.guardrails.g.description"),
    "model description": (_spec(models={"m": {"provider": "bedrock", "modelId": "anthropic.claude-3-haiku-20240307-v1:0",
                                              "description": "\u200b \u200b"}}), "spec.models.m.description"),
    "prompt description": (_spec(prompts={"p": {"file": "p.txt", "version": 1, "description": "\u2003"}}),
                           "spec.prompts.p.description"),
    "alarm runbook without a host": (_spec(monitoring={"alarms": [{"name": "a", "metric": "throttles", "threshold": 1,
                                                                   "runbookUrl": "https://\u200b"}]}),
                                     "spec.monitoring.alarms[0].runbookUrl"),
    "notify e-mail of invisible characters": (_spec(budgets={"notify": {"emails": ["\u200b@\u200b.\u200b"]}}),
                                              "spec.budgets.notify.emails[0]"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_blank_fields_are_schema_errors_for_both_evaluators(case):
    data, where = CASES[case]
    errors = list(validator().errors(data))
    assert errors, f"{case}: accepted"
    assert not REFERENCE.is_valid(data)
    from llmops_iac.spec.jsonschema_lite import dotted

    assert where in {dotted(e.pointer) for e in errors}


@pytest.mark.parametrize("case", sorted(CASES))
def test_blank_fields_are_exit_2_at_their_line(case, invoke, tmp_path):
    data, where = CASES[case]
    path = tmp_path / "app.json"
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")  # JSON: every character survives as written
    result = invoke("validate", str(path), "--format", "json")
    assert result.exit_code == 2, result.output
    diagnostics = [d for f in json.loads(result.output)["files"] for d in f["diagnostics"]]
    [mine] = [d for d in diagnostics if d["message"].startswith(where + ":")]
    assert mine["line"] > 1


@pytest.mark.parametrize("value", ["\u200b\u200b", "\t\t", "   ", "\u00a0\u2003"], ids=repr)
def test_the_message_says_blank_not_a_regex(value, invoke, tmp_path):
    path = tmp_path / "app.yaml"
    path.write_text(yaml.safe_dump(dict(MINIMAL, metadata={"name": "demo", "description": value}), allow_unicode=False),
                    encoding="utf-8")
    result = invoke("validate", str(path))
    assert result.exit_code == 2
    assert "metadata.description: " in result.output and text.BLANK_MESSAGE in result.output
    assert "[^" not in result.output and "pattern" not in result.output
    line = next(i for i, row in enumerate(path.read_text().splitlines(), 1) if row.lstrip().startswith("description:"))
    assert f"app.yaml:{line}:" in result.output


def test_visible_text_is_still_accepted():
    data = _spec(**_guardrail(description="Topic guard", deniedTopics=[{"name": "Advice", "definition": " Investment advice\t",
                                                                         "examples": ["ℹ\ufe0f tips?"]}],
                              blockedInputMessage="\u00a0Sorry.", piiRegexes=[{"name": "Badge id", "pattern": "\\s[0-9]{6}"}]))
    data["metadata"]["description"] = "Zero\u200bwidth inside is fine"
    data["spec"]["monitoring"] = {"alarms": [{"name": "a", "metric": "throttles", "threshold": 1,
                                              "runbookUrl": "https://runbooks.example.com/a?b=c#d"}]}
    assert list(validator().errors(data)) == [] and REFERENCE.is_valid(data)


# -- at least N visible characters (for the waiver reason of issue #12 section 6) ---------------------------------

TABS = "\t" * 30

@pytest.mark.parametrize("value,message", [
    (TABS, f"{TABS!r} {text.BLANK_MESSAGE}"),
    ("pilot", "'pilot' has 5 visible characters, fewer than 20"),
    ("a" + "\u200b" * 40, "'a" + "\\u200b" * 40 + "' has 1 visible character, fewer than 20"),
    ("x " * 19 + "x", None),  # 20 visible, spaces between
    ("Reviewed by the security team.", None),
], ids=["tabs", "short", "one-visible", "exactly-20", "sentence"])
def test_min_visible_pattern_is_worded_and_agrees_with_the_reference(value, message):
    from llmops_iac.spec.jsonschema_lite import Validator

    node = {"type": "string", "pattern": text.min_visible_pattern(20)}
    lite = Validator({"$defs": {}, **node})
    errors = [e.message for e in lite.errors(value)]
    assert errors == ([message] if message else [])
    assert jsonschema.Draft202012Validator(node).is_valid(value) == (message is None) == lite.is_valid(value)
    assert text.min_visible_count(text.min_visible_pattern(20)) == 20
    assert text.min_visible_count(text.VISIBLE_PATTERN) is None and text.min_visible_count("^a{20}") is None


def test_exactly_n_visible_characters_is_the_edge():
    pattern = re.compile(text.min_visible_pattern(20))
    assert pattern.search("\u200b".join("a" * 20)) and not pattern.search("\u200b".join("a" * 19))


# -- waivers (issue #12 section 6): an owner who is someone, a reason that says something ---------------------

def test_the_schema_holds_the_waiver_patterns():
    waiver = SCHEMA["$defs"]["waiver"]["properties"]
    assert waiver["owner"]["pattern"] == text.OWNER_PATTERN
    assert waiver["reason"]["pattern"] == text.min_visible_pattern(text.WAIVER_REASON_MIN_VISIBLE)


@pytest.mark.parametrize("owner,ok", [
    ("team@example.com", True), ("@acme/platform-team", True), ("@acme/ml.ops_1", True),
    ("\u200b\u200b", False), ("  ", False), ("team@example.com\u200b", False), ("\ufeffteam@example.com", False),
    ("@acme", False), ("acme/team", False), ("@acme/", False), ("@-acme/x", False), ("the platform team", False),
    ("team\u00a0@example.com", False), ("team@example", False),
])
def test_a_waiver_owner_must_be_an_address_or_a_team(owner, ok):
    assert bool(re.search(text.OWNER_PATTERN, owner)) is ok


@pytest.mark.parametrize("reason,ok", [
    ("x" * 20, True), ("x" * 19, False), ("\t" * 40, False), ("a " * 18 + "a", False), ("a " * 20, True),
    ("\u200b" * 30 + "x" * 19, False), ("Support QA grades transcripts", True),
])
def test_a_waiver_reason_needs_twenty_visible_characters(reason, ok):
    assert bool(re.search(text.min_visible_pattern(text.WAIVER_REASON_MIN_VISIBLE), reason)) is ok
