"""The strict loader: what it reads, what it refuses, and where it says the problem is."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmops_iac.errors import SpecError
from llmops_iac.spec import load as loader
from llmops_iac.spec import scalars
from llmops_iac.spec.load import parse
from llmops_iac.spec.scalars import resolve_plain


def errors_of(text: str) -> list[tuple[str, int, int]]:
    with pytest.raises(SpecError) as info:
        parse(text, "spec.yaml")
    return [(d.code, d.line, d.col) for d in info.value.diagnostics]


def test_reads_yaml_with_source_map():
    data, source = parse("a: 1\nb:\n  - x\n  - {c: true}\n", "f.yaml")
    assert data == {"a": 1, "b": ["x", {"c": True}]}
    assert source.values["/a"] == (1, 4)
    assert source.keys["/b"] == (2, 1)
    assert source.values["/b/1/c"] == (4, 9)
    assert source.locate("/b/1/c/missing") == ("f.yaml", 4, 9)


def test_reads_json_through_the_same_path():
    data, source = parse('{\n  "a": [1, 2.5, null],\n  "b": "x"\n}\n', "f.json")
    assert data == {"a": [1, 2.5, None], "b": "x"}
    assert source.values["/b"] == (3, 8)


@pytest.mark.parametrize("text,value", [
    ("true", True), ("False", False), ("~", None), ("null", None), ("", None),
    ("12", 12), ("-3", -3), ("0o17", 15), ("0x1F", 31), ("1.5", 1.5), ("1e3", 1000.0), (".5", 0.5),
    ("no", "no"), ("on", "on"), ("yes", "yes"), ("0755", 755), ("1_000", "1_000"), ("12:30", "12:30"),
    ("2026-01-31", "2026-01-31"),
])
def test_plain_scalars_follow_yaml_1_2_core(text, value):
    got = resolve_plain(text)
    assert got == value and type(got) is type(value)


@pytest.mark.parametrize("text", ["no", "On", "YES", "off", "y", "0755", "0b101", "12:30", "1e3", "1_000", "="])
def test_yaml_1_1_traps_are_remembered(text):
    _, source = parse(f"k: {text}\n", "f.yaml")
    assert "/k" in source.traps and source.traps["/k"].text == text


def test_quoted_scalars_are_never_traps():
    data, source = parse('k: "no"\nmode: \'0755\'\n', "f.yaml")
    assert data == {"k": "no", "mode": "0755"} and not source.traps


def test_duplicate_keys_are_rejected_at_the_second_occurrence():
    assert errors_of("a: 1\nb:\n  c: 1\n  c: 2\na: 3\n") == [("duplicate-key", 4, 3), ("duplicate-key", 5, 1)]


def test_multiple_documents_are_rejected():
    assert errors_of("a: 1\n---\nb: 2\n") == [("multiple-documents", 2, 1)]


def test_a_leading_document_marker_is_fine():
    assert parse("---\na: 1\n", "f.yaml")[0] == {"a": 1}


@pytest.mark.parametrize("text,code", [
    ("", "empty-file"), ("# only a comment\n", "empty-file"), ("---\n", "empty-file"),
    ("- a\n- b\n", "top-level-not-mapping"), ("just text\n", "top-level-not-mapping"),
])
def test_top_level_must_be_a_mapping(text, code):
    assert errors_of(text)[0][0] == code


def test_billion_laughs_is_stopped_by_the_alias_budget():
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        refs = ",".join([f"*a{i - 1}"] * 10)
        lines.append(f"a{i}: &a{i} [{refs}]")
    codes = errors_of("\n".join(lines) + "\n")
    assert codes[0][0] == "alias-bomb"
    assert codes[0][1] <= 5  # stopped early, at the line of the alias that crossed the budget


def test_small_aliases_expand_and_keep_source_lines():
    data, source = parse("base: &b {x: 1}\ncopy: *b\n", "f.yaml")
    assert data == {"base": {"x": 1}, "copy": {"x": 1}}
    data["copy"]["x"] = 2
    assert data["base"]["x"] == 1  # expanded, not shared
    assert source.values["/copy/x"] == (1, 14)


def test_recursive_and_undefined_aliases_are_rejected():
    assert errors_of("a: &a [1, *a]\n")[0][0] == "yaml-alias"
    assert errors_of("a: *nope\n")[0][0] == "yaml-alias"


@pytest.mark.parametrize("depth", [100, 5000, 200_000])
def test_deep_nesting_is_rejected_without_recursion(depth):
    text = "a: " + "[" * depth + "]" * depth + "\n"
    code, line, _ = errors_of(text)[0]
    assert (code, line) == ("too-deep", 1)  # ours up to 1000 levels, libyaml's own cap beyond


@pytest.mark.parametrize("text,code", [
    ("<<: {a: 1}\n", "merge-key"),
    ("a: !Ref x\n", "yaml-tag"),
    ("a: !!python/object:os.system x\n", "yaml-tag"),
    ("? [a, b]\n: 1\n", "complex-key"),
    ("1: x\n", "non-string-key"),
    ("on: x\n", "yaml11-trap"),
    ("a: .nan\n", "not-a-number"),
    ("a:\n\tb: 1\n", "yaml-syntax"),
    ("a: 'unclosed\n", "yaml-syntax"),
    ("%YAML 1.1\n---\na: 1\n", "yaml-version"),
])
def test_rejections(text, code):
    assert code in [c for c, _, _ in errors_of(text)]


def test_standard_tags_are_honoured():
    assert parse("a: !!str 12\nb: !!int '7'\n", "f.yaml")[0] == {"a": "12", "b": 7}
    assert errors_of("a: !!int abc\n")[0][0] == "yaml-tag"


def test_many_errors_are_reported_together():
    codes = [c for c, _, _ in errors_of("a: 1\na: 2\nb: !Ref x\n<<: {}\n")]
    assert codes == ["duplicate-key", "yaml-tag", "merge-key"]


def test_file_checks(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_bytes(b"a: " + b"x" * (loader.MAX_BYTES + 1))
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"a: 1\nb: \x00\x01\n")
    latin = tmp_path / "latin.yaml"
    latin.write_bytes(b"a: 1\nowner: Jos\xe9\n")
    bom = tmp_path / "bom.yaml"
    bom.write_bytes(b"\xef\xbb\xbfa: 1\n")
    cases = {big: ("file-too-large", 1), binary: ("binary-file", 2), latin: ("not-utf8", 2),
             tmp_path: ("is-a-directory", 0), tmp_path / "missing.yaml": ("file-not-found", 0)}
    for path, (code, line) in cases.items():
        with pytest.raises(SpecError) as info:
            loader.load(str(path))
        d = info.value.diagnostics[0]
        assert (d.code, d.line) == (code, line), path
        assert d.hint
    assert loader.load(str(bom)).data == {"a": 1}


# The loader skips the regular expressions for scalars that cannot match them (by their first
# character): the answers must be those of trying every pattern.
_SCALAR_TEXT = st.text(alphabet="yYnNoOtTfFeE~_=.+-:0123456789abxXlLuUsSiIAa @", max_size=8)


def _resolve_by_patterns(text):
    if scalars._NULL.match(text):
        return None
    if text in scalars._BOOL:
        return scalars._BOOL[text]
    if scalars._INT10.match(text):
        return int(text, 10)
    if scalars._INT8.match(text):
        return int(text[2:], 8)
    if scalars._INT16.match(text):
        return int(text[2:], 16)
    if scalars._FLOAT.match(text):
        return float(text)
    if scalars._INF.match(text):
        return float("-inf") if text.startswith("-") else float("inf")
    if scalars._NAN.match(text):
        return float("nan")
    return text


def _same(a, b):
    if isinstance(a, float) and a != a:
        return isinstance(b, float) and b != b
    return type(a) is type(b) and a == b


@settings(max_examples=3000, deadline=None, derandomize=True)
@given(_SCALAR_TEXT)
def test_first_character_shortcuts_change_no_answer(text):
    assert _same(resolve_plain(text), _resolve_by_patterns(text))
    assert scalars.yaml11_meaning(text) == next((meaning for pattern, meaning in scalars._TRAPS if pattern.match(text)), None)


# Digits from other scripts (² and ١ are str.isdigit), a trailing newline ($ matches before one) and the
# letters of the null, boolean and YAML 1.1 words: the shortcuts for digit strings and words must agree too.
_WIDE_SCALAR_TEXT = st.text(alphabet="0123456789²١\n~nNuUlLtTrRfFaAsSeEyYoO_+-.:=x", max_size=7)


@settings(max_examples=3000, deadline=None, derandomize=True)
@given(_WIDE_SCALAR_TEXT)
def test_digit_and_word_shortcuts_change_no_answer(text):
    # Against the first-character shortcut alone (which keeps "\n" a string, though _NULL matches it).
    special = bool(text) and text[0] in scalars._SPECIAL_START
    assert _same(resolve_plain(text), _resolve_by_patterns(text) if special or not text else text)
    trap = bool(text) and text[0] in scalars._TRAP_START
    assert scalars.yaml11_meaning(text) == next((meaning for pattern, meaning in scalars._TRAPS if trap and pattern.match(text)), None)


def test_aliases_reroot_nested_anchors_defined_after_other_values():
    # Source-map entries are only kept for re-rooting inside anchored values: an anchor that opens
    # after plain values, one nested in another, and escaped keys must all be re-rooted in full.
    text = ('pre: {p: 1}\nbase: &b\n  inner: &i {x: 1, "a/b": 2, t~: no}\n  list: [on, 3]\ncopy: *b\nagain: *i\n'
            'one: &s off\ntwo: *s\n')
    data, source = parse(text, "f.yaml")
    assert data["copy"] == data["base"] and data["again"] == data["base"]["inner"]
    assert source.values["/copy/inner/x"] == source.values["/again/x"] == (3, 17)
    assert source.keys["/copy/inner/a~1b"] == source.keys["/again/a~1b"] == (3, 20)
    assert source.traps["/copy/inner/t~0"].yaml11 == source.traps["/again/t~0"].yaml11 == "a boolean"
    assert source.traps["/copy/list/0"].text == "on" and "/copy/list/1" in source.plain
    assert source.values["/copy"] == (5, 7) and source.keys["/again"] == (6, 1)
    assert "/copy/p" not in source.values
    assert data["two"] == "off" and source.traps["/two"].text == "off" and "/two" in source.plain
