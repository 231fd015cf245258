"""What a credential looks like: the detection rules, their cheap pre-filter, and masking.

The rules are Yelp's detect-secrets (https://github.com/Yelp/detect-secrets, PyPI ``detect-secrets``)
where it has one, and our own, with their format's source, where it has none:

=====================================  =====================================================================
secret                                 rule
=====================================  =====================================================================
AWS access key ID                      detect-secrets ``AWSKeyDetector`` (AKIA/ASIA/ABIA/ACCA/A3T… + 16)
GitHub token ghp_ gho_ ghu_ ghs_ ghr_  detect-secrets ``GitHubTokenDetector``
OpenAI key (…T3BlbkFJ…)                detect-secrets ``OpenAIDetector``
private key block                      detect-secrets ``PrivateKeyDetector`` (its header list), plus
                                       ``BEGIN ENCRYPTED PRIVATE KEY`` (PKCS #8, RFC 5958), and only with a
                                       key body after the header: a header alone (a guardrail's pattern or
                                       word list) is not a key
JSON Web Token                         detect-secrets ``JwtTokenDetector`` (header and payload must decode)
GitHub fine-grained token              ``github_pat_`` + 22 or more (GitHub's token formats, 2022)
Hugging Face token                     ``hf_`` + 30 or more letters/digits (huggingface.co/docs/hub/security-tokens);
                                       legacy organisation tokens ``api_org_``
OpenAI/Anthropic-style key             ``sk-`` + 20 or more token characters: ``sk-ant-…`` (Anthropic API keys,
                                       docs.anthropic.com), ``sk-proj-``/``sk-svcacct-``/``sk-admin-``/``sk-…``
                                       (OpenAI API keys)
Slack token, Slack webhook URL         detect-secrets ``SlackDetector``
Stripe live key (sk_live_, rk_live_)   detect-secrets ``StripeDetector``
GitLab token (glpat- and the rest)     detect-secrets ``GitLabTokenDetector``
npm token in an .npmrc line            detect-secrets ``NpmDetector``; bare ``npm_`` + 36 (npm's token format, 2021)
SendGrid, Twilio, Mailchimp, Square,   detect-secrets ``SendGridDetector``, ``TwilioKeyDetector``,
Discord, PyPI, Azure Storage keys      ``MailchimpDetector``, ``SquareOAuthDetector``, ``DiscordBotTokenDetector``,
                                       ``PypiTokenDetector``, ``AzureStorageKeyDetector``
Google API key                         ``AIza`` + 35 (Google Cloud API keys, cloud.google.com/docs/authentication/api-keys)
Telegram bot token                     8-10 digits ``:AA`` + 33 (core.telegram.org/bots/api#authorizing-your-bot);
                                       detect-secrets' rule has no ``AA`` and no boundaries, so an SNS topic ARN
                                       with a long name would match it
URL with a password                    ``scheme://user:password@``, the password not a reference (no ``{ $``):
                                       detect-secrets' ``BasicAuthDetector`` skips passwords holding ``!$&'()*+,;=``
AWS secret access key                  40 base64 characters under a name holding ``aws`` and ``secret``
credential-named value                 a value under a name ending in TOKEN, KEY, SECRET, or holding PASSWORD,
                                       PASSWD or PASSPHRASE (any case; ``apiKey`` too) that is token-shaped
                                       and random: detect-secrets' Shannon entropy (its base64 and hex
                                       charsets) at least 3.5 (3.0 for passwords), two of lower case, upper
                                       case and digits (punctuation counts too for passwords), 16 or more
                                       characters (8 for passwords), not a reference (${...}, an ARN, a URL)
=====================================  =====================================================================

Scanning must cost almost nothing for the 99 % of specs that hold no credential: ``PREFILTER`` matches
everything a pattern rule above could report (a superset, tested against the rules' own expressions),
``might_assign``/``might_name`` everything a credential name could, and detect-secrets (~0.2 s to import,
with requests) is imported only when something passes them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

# -- the pre-filter: a superset of every pattern rule's match ---------------------------------------------
_CHECKS = tuple(re.compile(p) for p in (
    r"A(?:KIA|SIA|BIA|CCA|3T[A-Z0-9])[0-9A-Z]{16}",  # AWS access key IDs
    r"gh[pousr]_[A-Za-z0-9_]{36}", r"github_pat_[A-Za-z0-9_]{22}",  # GitHub tokens
    r"hf_[A-Za-z0-9]{30}", r"api_org_[A-Za-z0-9]{30}",  # Hugging Face tokens
    r"sk-[A-Za-z0-9_-]{20}", r"T3BlbkFJ",  # OpenAI / Anthropic keys
    r"BEGIN[A-Z0-9\s]*\sPRIVATE\s+KEY", r"PuTTY-User-Key-File",  # private key blocks (folded lines too)
    r"eyJ[A-Za-z0-9_=-]+\.[A-Za-z0-9_=-]",  # JWTs
    r"hooks\.slack\.com/services/",  # Slack webhooks (Slack tokens: _LOWERED below)
    r"k_live_", r"sq0csp-", r"pypi-AgE", r"AccountKey=", r"AIza[0-9A-Za-z_-]{35}",  # Stripe Square PyPI Azure Google
    r"gl(?:pat|dt|ft|soat|rt|cbt|imt|ptt|agent|oas)-", r"GR1348941",  # GitLab
    r"npm_[A-Za-z0-9]{36}", r":_authToken=",  # npm
    r"SG\.[a-zA-Z0-9_-]{22}\.", r"AC[a-z0-9]{32}", r"SK[a-z0-9]{32}", r"-us[0-9]",  # SendGrid, Twilio, Mailchimp
    r"\.[a-zA-Z\d_-]{6}\.[a-zA-Z\d_-]{27}", r":AA[0-9A-Za-z_-]{33}",  # Discord, Telegram
    r"://[^\s/@:{}$]+:[^\s/@{}$]+@",  # a URL with a password
))
"""The pre-filter's branches. Each starts with a literal, which the expression engine finds fast; their
alternation in one expression (PREFILTER) would try every branch at every character, ~20x slower."""
PREFILTER = re.compile("|".join(p.pattern for p in _CHECKS))
"""Matches wherever a pattern rule could report something (values, keys, file text); might_hold searches it."""

_NAME = r"(?:token|key|secret|passw(?:or)?d|passphrase)"
CREDENTIAL_NAME = re.compile(rf"(?i)(?:{_NAME}\Z|passw(?:or)?d|passphrase)")
"""A key name that says its value is a credential: HF_TOKEN, apiKey, aws:secretKey, DB_PASSWORD_FILE."""
CREDENTIAL_NAME_LINE = re.compile(rf"(?im){_NAME}$|passw(?:or)?d|passphrase")
"""CREDENTIAL_NAME over key names joined by line breaks (the pre-filter of a whole document's keys)."""
_ASSIGNMENT = re.compile(rf"(?i){_NAME}[A-Za-z0-9_]*[\"']?[ \t]*[:=][ \t]*[\"']?([^\s\"',;`]{{8,}})")
"""``NAME = value`` / ``"NAME": "value"`` inside free text (prompts, datasets, descriptions); it starts at the
name's keyword and the name's beginning is found by scanning back over _NAME_CHARS."""
_TAIL = _ASSIGNMENT.pattern[len(rf"(?i){_NAME}"):]
_ASSIGNMENT_LOWER = tuple(re.compile(k + _TAIL) for k in ("token", "key", "secret", r"pass(?:w(?:or)?d|phrase)"))
"""_ASSIGNMENT per keyword, over text lowered first: an expression that starts with a literal is searched
many times faster than a case-insensitive alternation."""
_NAME_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.:-")
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9+/=_.~-]+")
_NOT_A_VALUE = re.compile(r"(?i)^(?:arn:|s3://|https?://[^@/]*$|https?://[^@]*/|alias/|/|\$\{|\{\{|<|%\(|\$[A-Z_])")
_HEX = re.compile(r"^[0-9a-fA-F]+$")


@dataclass(frozen=True)
class Hit:
    """One credential found: what kind, the text itself (never printed), where it starts, which rule."""

    kind: str
    token: str
    start: int
    rule: str


def mask(token: str) -> str:
    """The token as it may be shown: its first 4 characters, then ****."""
    shown = token[:4] if len(token) >= 12 else ""
    return shown.replace("\n", " ") + "****"


_LOWERED = ("xox",)
"""Literals searched in the lower-cased text: Slack tokens (``xoxb-``…) match case-insensitively, and an expression
with IGNORECASE has no literal prefix to search for (~15x slower than these)."""


def might_hold(text: str) -> bool:
    """Whether ``text`` could hold a pattern-detected credential (PREFILTER, one branch at a time)."""
    if any(pattern.search(text) is not None for pattern in _CHECKS):
        return True
    lowered = text.lower()
    return any(literal in lowered for literal in _LOWERED)


def might_assign(text: str, lowered: str | None = None) -> bool:
    """Whether free ``text`` (``lowered``: the same, lower-cased) could hold a ``NAME=value`` credential."""
    lowered = lowered if lowered is not None else text.lower()  # a superset of the case-insensitive expression
    return any(p.search(lowered) is not None for p in _ASSIGNMENT_LOWER)


_NAMED_LOWER = tuple(re.compile(p + r"""["']?[ \t]*:(?:\s|$)""") for p in ("token", "key", "secret"))
_NAMED_LOWER += (re.compile(r"""pass(?:w|phrase)[a-z0-9_.-]*["']?[ \t]*:(?:\s|$)"""),)


def might_name(source_text: str, lowered: str | None = None) -> bool:
    """Whether YAML or JSON source text could hold a credential-named key (its value on a later line too)."""
    lowered = lowered if lowered is not None else source_text.lower()
    return any(p.search(lowered) is not None for p in _NAMED_LOWER)


# -- the rules ------------------------------------------------------------------------------------------
_OWN_PATTERNS = (
    ("GitHub fine-grained token", "github-pat", re.compile(r"github_pat_[A-Za-z0-9_]{22,}")),
    ("Hugging Face token", "huggingface", re.compile(r"(?<![A-Za-z0-9])(?:hf_|api_org_)[A-Za-z0-9]{30,}")),
    ("Anthropic API key", "anthropic", re.compile(r"(?<![A-Za-z0-9])sk-ant-[A-Za-z0-9_-]{20,}")),
    ("OpenAI-style API key", "openai-style", re.compile(r"(?<![A-Za-z0-9])sk-(?!ant-)[A-Za-z0-9_-]{20,}")),
    ("Google API key", "google-api-key", re.compile(r"(?<![A-Za-z0-9])AIza[0-9A-Za-z_-]{35}")),
    ("npm token", "npm", re.compile(r"(?<![A-Za-z0-9])npm_[A-Za-z0-9]{36}")),
    ("Telegram bot token", "telegram", re.compile(r"(?<![A-Za-z0-9:])[0-9]{8,10}:AA[0-9A-Za-z_-]{33}")),
    ("URL with a password", "url-password", re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s/@:{}$]+:[^\s/@{}$]+@")),
)
_PEM_HEADER = re.compile(r"-*BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY(?: BLOCK)?-*")
_PEM_BODY = re.compile(r"\s*(?:[A-Za-z0-9-]+: [^\n]*\n\s*)*[A-Za-z0-9+/=]{32,}")
_JWT_REST = r"[A-Za-z0-9_.+/=-]*"
"""detect-secrets' JWT pattern ends lazily (header and payload only); the signature is part of the token."""
_detectors: list[tuple[str, Any]] | None = None


def _detect_secrets() -> list[tuple[str, Any]]:
    """detect-secrets' plugins, imported on first use (only after the pre-filter matched)."""
    global _detectors
    if _detectors is None:
        from detect_secrets.plugins.aws import AWSKeyDetector
        from detect_secrets.plugins.azure_storage_key import AzureStorageKeyDetector
        from detect_secrets.plugins.discord import DiscordBotTokenDetector
        from detect_secrets.plugins.github_token import GitHubTokenDetector
        from detect_secrets.plugins.gitlab_token import GitLabTokenDetector
        from detect_secrets.plugins.jwt import JwtTokenDetector
        from detect_secrets.plugins.mailchimp import MailchimpDetector
        from detect_secrets.plugins.npm import NpmDetector
        from detect_secrets.plugins.openai import OpenAIDetector
        from detect_secrets.plugins.private_key import PrivateKeyDetector
        from detect_secrets.plugins.pypi_token import PypiTokenDetector
        from detect_secrets.plugins.sendgrid import SendGridDetector
        from detect_secrets.plugins.slack import SlackDetector
        from detect_secrets.plugins.square_oauth import SquareOAuthDetector
        from detect_secrets.plugins.stripe import StripeDetector
        from detect_secrets.plugins.twilio import TwilioKeyDetector

        _detectors = [(cls.__name__, cls()) for cls in (
            AWSKeyDetector, GitHubTokenDetector, OpenAIDetector, JwtTokenDetector, PrivateKeyDetector,
            SlackDetector, StripeDetector, GitLabTokenDetector, NpmDetector, SendGridDetector, TwilioKeyDetector,
            MailchimpDetector, SquareOAuthDetector, DiscordBotTokenDetector, PypiTokenDetector, AzureStorageKeyDetector)]
    return _detectors


def find(text: str) -> list[Hit]:
    """Every credential the pattern rules find in ``text``, in order, overlaps removed."""
    if not might_hold(text):
        return []
    hits: list[Hit] = []
    for name, plugin in _detect_secrets():
        kind, rule = plugin.secret_type, f"detect-secrets {name}"
        if name == "PrivateKeyDetector":
            if any(p.search(text) for p in plugin.denylist):
                hits.extend(_key_blocks(text))
        elif name == "JwtTokenDetector":  # analyze_string also checks that header and payload decode
            for token in set(plugin.analyze_string(text)):
                hits.extend(Hit(kind, m.group(0), m.start(), rule) for m in re.finditer(re.escape(token) + _JWT_REST, text))
        else:
            for pattern in plugin.denylist:
                for m in pattern.finditer(text):
                    # A pattern's group is either the secret (AWS secret keys in code) or a prefix (ghp|gho|...).
                    group = max((g for g in m.groups() if g), key=len, default="")
                    token, start = (group, m.start(m.groups().index(group) + 1)) if len(group) >= 16 else (m.group(0), m.start())
                    hits.append(Hit(kind, token, start, rule))
    if "PuTTY-User-Key-File" not in text and "ENCRYPTED PRIVATE KEY" in text:
        hits.extend(_key_blocks(text))  # PKCS #8 encrypted keys: not in detect-secrets' header list
    for kind, rule, pattern in _OWN_PATTERNS:
        for m in pattern.finditer(text):
            hits.append(Hit(kind, m.group(0), m.start(), f"llmops-iac {rule}"))
    return _distinct(hits)


def _key_blocks(text: str) -> Iterator[Hit]:
    """Private key blocks: a PEM header followed by a key body (headers alone are not keys)."""
    for m in _PEM_HEADER.finditer(text):
        body = _PEM_BODY.match(text, m.end())
        if body is None:
            continue
        end = text.find("-----END", body.end())
        stop = text.find("-----", end + 8) + 5 if end >= 0 and text.find("-----", end + 8) >= 0 else body.end()
        kind = f"private key block ({m.group(1).strip() or 'PKCS #8'})"
        yield Hit(kind, text[m.start():stop], m.start(), "detect-secrets PrivateKeyDetector")
    if "PuTTY-User-Key-File" in text:
        i = text.index("PuTTY-User-Key-File")
        yield Hit("private key (PuTTY)", text[i:], i, "detect-secrets PrivateKeyDetector")


def _distinct(hits: list[Hit]) -> list[Hit]:
    """Hits in text order, dropping one that lies inside an earlier, longer one (one secret, one report)."""
    out: list[Hit] = []
    for h in sorted(hits, key=lambda h: (h.start, -len(h.token))):
        if out and h.start < out[-1].start + len(out[-1].token):
            continue
        out.append(h)
    return out


def credential_name(name: str) -> bool:
    """Whether a key ``name`` says its value is a credential (HF_TOKEN, apiKey, DB_PASSWORD)."""
    return CREDENTIAL_NAME.search(name) is not None


def keyed(name: str, value: str) -> Hit | None:
    """The credential held by ``value`` under key ``name``, if the name says it is one and the value is random."""
    if not credential_name(name):
        return None
    v = value.strip()
    password = re.search(r"(?i)passw(?:or)?d|passphrase", name) is not None
    if len(v) < (8 if password else 16) or any(c.isspace() for c in v) or _NOT_A_VALUE.match(v):
        return None
    if not password and not _TOKEN_SHAPE.fullmatch(v):
        return None
    kinds = (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^A-Za-z0-9]") if password else (r"[a-z]", r"[A-Z]", r"[0-9]")
    if sum(re.search(p, v) is not None for p in kinds) < 2:  # words-and-dashes placeholders have one
        return None
    from detect_secrets.plugins.high_entropy_strings import (
        Base64HighEntropyString,
        HexHighEntropyString,
    )

    if _HEX.match(v):
        entropy, limit, rule = HexHighEntropyString().calculate_shannon_entropy(v), 3.0, "HexHighEntropyString"
    else:
        entropy = Base64HighEntropyString().calculate_shannon_entropy(v)
        limit, rule = (3.0 if password else 3.5), "Base64HighEntropyString"
    if entropy < limit:
        return None
    aws = "aws" in name.lower() and "secret" in name.lower() and re.fullmatch(r"[A-Za-z0-9/+]{40}", v)
    kind = "AWS secret access key" if aws else f"{'password' if password else 'credential'} under {name!r}"
    return Hit(kind, v, value.find(v), f"llmops-iac credential name + detect-secrets {rule}")


def assignments(text: str) -> list[Hit]:
    """``NAME = value`` credentials inside free text: a credential-named key holding a random value."""
    hits = []
    for m in _ASSIGNMENT.finditer(text):
        start = m.start()
        while start > 0 and text[start - 1] in _NAME_CHARS:
            start -= 1
        name = text[start:m.start(1)].rstrip("\"' \t:=")
        hit = keyed(name, m.group(1))
        if hit is not None:
            hits.append(Hit(hit.kind, hit.token, m.start(1) + max(0, m.group(1).find(hit.token)), hit.rule))
    return hits


def find_all(text: str) -> list[Hit]:
    """Pattern rules and ``NAME = value`` assignments over free text."""
    hits = find(text)
    if might_assign(text):
        hits = _distinct(hits + assignments(text))
    return hits
