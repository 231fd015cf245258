"""What counts as visible text: one definition for the schema, the validator and the waiver checks.

A spec field whose value is blank once whitespace and invisible characters are removed says
nothing (a description of two zero-width spaces, a denied topic defined by tabs, an owner of
no-break spaces), yet ``minLength: 1`` accepts it. A character is **invisible** here when it is

* Unicode whitespace, as ``str.isspace`` has it: the separators Zs, Zl, Zp (space, no-break
  space U+00A0, the en/em/thin spaces U+2000-U+200A, line and paragraph separators U+2028/9,
  ideographic space U+3000, ...) and the controls Python treats as whitespace (tab, line feed,
  U+001C-U+001F, U+0085);
* any other control (Cc) or a surrogate (Cs): neither is text;
* a format character (Cf): zero-width space, non-joiner and joiner U+200B-U+200D, direction
  marks, embeddings and isolates, word joiner and invisible operators U+2060-U+2064, byte-order
  mark U+FEFF, soft hyphen U+00AD, Mongolian vowel separator U+180E (Cf since Unicode 6.3, no
  longer whitespace), the tag characters U+E0001, U+E0020-U+E007F (the "ASCII smuggling" of hidden
  prompt instructions), ... Every Cf counts, including the few that print a mark when they precede
  digits (U+0600-U+0605, U+06DD, U+070F, U+0890-U+0891, U+08E2, U+110BD, U+110CD): alone they are
  not text either, and unknown means strict;
* Default_Ignorable_Code_Point (Unicode's DerivedCoreProperties: "render nothing unless
  supported") outside Cf: combining grapheme joiner U+034F, the Hangul fillers U+115F, U+1160,
  U+3164, U+FFA0, Khmer inherent vowels U+17B4-U+17B5, the variation selectors U+180B-U+180D,
  U+180F, U+FE00-U+FE0F, U+E0100-U+E01EF (alone they select nothing; after a letter the letter
  is what shows), and the code points Unicode reserves as default-ignorable (U+2065, U+FFF0-U+FFF8,
  U+E0000-U+E0FFF);
* U+2800 BRAILLE PATTERN BLANK, which renders as an empty cell (a known way to fake a blank name).

Every other character is visible (letters, digits, punctuation, symbols, combining marks).
``INVISIBLE`` below is that set as code-point ranges (Unicode 15.1; tests/spec/test_text.py checks
it against Python's unicodedata, character by character). The schema's ``$defs/visibleText``
pattern, its e-mail and https-URL patterns are built from it (``VISIBLE_PATTERN``,
``EMAIL_PATTERN``, ``HTTPS_URL_PATTERN``) and the same test holds the schema to them. The
patterns spell every range out rather than use ``\\s``, whose meaning differs between Python's
``re`` (Unicode whitespace, and U+001C-U+001F) and ECMA-262 (which adds U+FEFF and leaves out
U+001C-U+001F and U+0085), so our evaluator, the ``jsonschema`` package and an editor agree.
Characters past U+FFFF appear literally in the patterns: editors that compile schema patterns
with ECMA-262's ``u`` flag (as JSON Schema 2020-12 recommends) read them as we do.
"""

from __future__ import annotations

import re

INVISIBLE: tuple[tuple[int, int], ...] = (
    (0x0000, 0x0020),    # C0 controls (tab, line feed, ... U+001C-U+001F) and space
    (0x007F, 0x00A0),    # delete, C1 controls (U+0085 next line), no-break space
    (0x00AD, 0x00AD),    # soft hyphen (Cf)
    (0x034F, 0x034F),    # combining grapheme joiner (default ignorable)
    (0x0600, 0x0605),    # Arabic number signs (Cf)
    (0x061C, 0x061C),    # Arabic letter mark (Cf)
    (0x06DD, 0x06DD),    # Arabic end of ayah (Cf)
    (0x070F, 0x070F),    # Syriac abbreviation mark (Cf)
    (0x0890, 0x0891),    # Arabic pound and piastre marks above (Cf)
    (0x08E2, 0x08E2),    # Arabic disputed end of ayah (Cf)
    (0x115F, 0x1160),    # Hangul choseong and jungseong fillers (default ignorable)
    (0x1680, 0x1680),    # Ogham space mark (Zs)
    (0x17B4, 0x17B5),    # Khmer inherent vowels (default ignorable)
    (0x180B, 0x180F),    # Mongolian variation selectors and vowel separator (Cf)
    (0x2000, 0x200F),    # en quad ... hair space (Zs), zero-width space/non-joiner/joiner, LRM, RLM (Cf)
    (0x2028, 0x202F),    # line and paragraph separators (Zl, Zp), bidi embeddings (Cf), narrow no-break space
    (0x205F, 0x206F),    # medium math space (Zs), word joiner, invisible operators, bidi isolates (Cf)
    (0x2800, 0x2800),    # braille pattern blank
    (0x3000, 0x3000),    # ideographic space (Zs)
    (0x3164, 0x3164),    # Hangul filler (default ignorable)
    (0xD800, 0xDFFF),    # surrogates (Cs)
    (0xFE00, 0xFE0F),    # variation selectors (default ignorable)
    (0xFEFF, 0xFEFF),    # zero-width no-break space, byte-order mark (Cf)
    (0xFFA0, 0xFFA0),    # halfwidth Hangul filler (default ignorable)
    (0xFFF0, 0xFFFB),    # reserved default ignorables, interlinear annotation controls (Cf)
    (0x110BD, 0x110BD),  # Kaithi number sign (Cf)
    (0x110CD, 0x110CD),  # Kaithi number sign above (Cf)
    (0x13430, 0x1343F),  # Egyptian hieroglyph format controls (Cf)
    (0x1BCA0, 0x1BCA3),  # shorthand format controls (Cf)
    (0x1D173, 0x1D17A),  # musical symbol formatting (Cf)
    (0xE0000, 0xE0FFF),  # tags (Cf), variation selectors supplement, reserved default ignorables
)
"""Every invisible character, as inclusive code-point ranges in ascending order."""


def _class_body(ranges: tuple[tuple[int, int], ...]) -> str:
    """The ranges as the inside of a regex character class that Python's re and ECMA-262 read alike."""

    def one(cp: int) -> str:
        return f"\\u{cp:04x}" if cp <= 0xFFFF else chr(cp)

    return "".join(one(a) if a == b else f"{one(a)}-{one(b)}" for a, b in ranges)


_INVISIBLE_CLASS = _class_body(INVISIBLE)

VISIBLE_PATTERN = f"[^{_INVISIBLE_CLASS}]"
"""A JSON Schema pattern (unanchored, so: found anywhere) that holds for text with a visible character."""

EMAIL_PATTERN = f"^(?!.*[{_INVISIBLE_CLASS}])[^@]+@[^@]+\\.[^@]+$"
"""An e-mail address: one @, a dot in the domain, and no whitespace or invisible character anywhere (the
lookahead rejects every line terminator itself, so ``.`` stopping at one, in Python or ECMA-262, changes nothing)."""

HTTPS_URL_PATTERN = f"^(?!.*[{_INVISIBLE_CLASS}])https://[^/?#]+(?:[/?#].*)?$"
"""An https:// URL with a host, and no whitespace or invisible character anywhere."""

OWNER_PATTERN = (f"^(?!.*[{_INVISIBLE_CLASS}])(?:[^@]+@[^@]+\\.[^@]+"
                 "|@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?/[A-Za-z0-9_.-]+)$")
"""A recognisable identity: an e-mail address or a team handle ``@org/team`` (GitHub's CODEOWNERS form), with no
whitespace or invisible character anywhere (an owner of two zero-width spaces names nobody)."""

WAIVER_REASON_MIN_VISIBLE = 20
"""The fewest visible characters a waiver's reason may have: a reason of tabs or "ok" explains nothing."""

BLANK_MESSAGE = "is blank (only whitespace or invisible characters)"
"""How a diagnostic says that a value has no visible character."""

_VISIBLE = re.compile(VISIBLE_PATTERN)
_INVISIBLE_RUN = re.compile(f"[{_INVISIBLE_CLASS}]+")


def visible(text: str) -> str:
    """``text`` with every whitespace and invisible character removed."""
    return _INVISIBLE_RUN.sub("", text)


def visible_length(text: str) -> int:
    """How many visible characters ``text`` has."""
    return len(visible(text))


def is_blank(text: str) -> bool:
    """Whether ``text`` has no visible character (empty, or only whitespace and invisible characters)."""
    return _VISIBLE.search(text) is None


def min_visible_pattern(count: int) -> str:
    """A JSON Schema pattern that holds for text with at least ``count`` visible characters."""
    if count < 1:
        raise ValueError("count must be at least 1")
    return f"{_MIN_VISIBLE_HEAD}{{{count}}}"


def min_visible_count(pattern: str) -> int | None:
    """The ``count`` of a ``min_visible_pattern(count)`` pattern, or None for any other pattern."""
    if not pattern.startswith(_MIN_VISIBLE_HEAD):
        return None
    tail = pattern[len(_MIN_VISIBLE_HEAD):]
    if not (tail.startswith("{") and tail.endswith("}") and tail[1:-1].isdigit()):
        return None
    return int(tail[1:-1])


_MIN_VISIBLE_HEAD = f"^(?:[{_INVISIBLE_CLASS}]*[^{_INVISIBLE_CLASS}])"
