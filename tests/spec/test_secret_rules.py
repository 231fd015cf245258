"""The credential rules (llmops_iac/spec/secret_rules.py) and masking (llmops_iac/spec/secrets.py), one by one.

Tokens are assembled at run time (this file holds none a repository scanner would flag).
"""

from __future__ import annotations

import base64
import json
import random
import re
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmops_iac.errors import Diagnostic
from llmops_iac.spec import secret_rules as rules
from llmops_iac.spec import secrets

_rng = random.Random(7)
ALNUM = string.ascii_letters + string.digits


def rand(n: int, alphabet: str = ALNUM) -> str:
    return "".join(_rng.choice(alphabet) for _ in range(n))


def _jwt() -> str:
    part = lambda obj: base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")
    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part({'sub': '42', 'name': 'x'})}.{rand(43, ALNUM + '-_')}"


PEM = ("-----BEGIN OPENSSH " + "PRIVATE KEY-----\n" + "\n".join(rand(70, ALNUM + "+/") for _ in range(4))
       + "\n-----END OPENSSH " + "PRIVATE KEY-----")
CASES = [
    ("AWS Access Key", "AWSKeyDetector", "AK" + "IA" + rand(16, string.ascii_uppercase + string.digits)),
    ("AWS Access Key", "AWSKeyDetector", "AS" + "IA" + rand(16, string.ascii_uppercase + string.digits)),
    ("GitHub Token", "GitHubTokenDetector", "gh" + "s_" + rand(36)),
    ("GitHub fine-grained token", "github-pat", "github" + "_pat_" + rand(22) + "_" + rand(59)),
    ("Hugging Face token", "huggingface", "hf" + "_" + rand(34)),
    ("Anthropic API key", "anthropic", "sk-" + "ant-api03-" + rand(93, ALNUM + "-_") + "AA"),
    ("OpenAI Token", "OpenAIDetector", "sk-" + rand(20) + "T3Blbk" + "FJ" + rand(20)),
    ("OpenAI-style API key", "openai-style", "sk-" + "proj-" + rand(120, ALNUM + "-_")),
    ("JSON Web Token", "JwtTokenDetector", "ey" + _jwt()[2:]),
    ("private key block (OPENSSH)", "PrivateKeyDetector", PEM),
    ("Slack Token", "SlackDetector", "xo" + "xb-" + "123456789012-" + rand(24).lower()),
    ("Slack Token", "SlackDetector", "https://hooks." + "slack.com/services/T" + rand(8) + "/B" + rand(8) + "/" + rand(24)),
    ("Stripe Access Key", "StripeDetector", "sk_" + "live_" + rand(24)),
    ("GitLab Token", "GitLabTokenDetector", "gl" + "pat-" + rand(20)),
    ("npm token", "llmops-iac npm", "np" + "m_" + rand(36)),
    ("SendGrid API Key", "SendGridDetector", "SG." + rand(22) + "." + rand(43)),
    ("Google API key", "google-api-key", "AI" + "za" + rand(35)),
    ("Telegram bot token", "telegram", "1234567890" + ":AA" + rand(33)),
    ("URL with a password", "url-password", "postgres://" + "admin:S3cr3t!Passw0rd@"),
]


@pytest.mark.parametrize("kind,rule,token", CASES, ids=[c[1] for c in CASES])
def test_each_rule_finds_its_credential_in_text(kind, rule, token):
    text = f"some words before\n{token}\nand after"
    hits = rules.find_all(text)
    assert [(h.kind, h.token) for h in hits] == [(kind, token)], hits
    assert rule in hits[0].rule and hits[0].start == text.index(token)
    assert rules.might_hold(text)


@pytest.mark.parametrize("text", [
    "-----BEGIN RSA PRIVATE KEY-----",  # a header alone: a guardrail word or pattern
    "-----BEGIN (RSA |EC |OPENSSH )?PRIVATE KEY-----",
    r"\bgh[pousr]_[A-Za-z0-9]{36}\b",
    "acme_sk_(live|test)_[A-Za-z0-9]{32}",
    "(AKIA|ASIA)[A-Z0-9]{16}",
    "meta-llama/Meta-Llama-3-8B-Instruct",
    "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/hf-token-AbCdEf",
    "sk-learn is a library; risk-adjusted; helpdesk-system@2",
    "hf_hub_download is a function",
    "eyJ is how a JWT starts",
    # an SNS topic ARN with a long name: detect-secrets' Telegram rule (no boundaries, no AA) would flag it
    "arn:aws:sns:us-east-1:111122223333:finops-budget-alerts-for-the-whole-support-platform-team",
    "https://runbooks.example.com/a:b@c",  # a colon and an at sign in a path are not a password
    "postgres://${DB_USER}:${DB_PASSWORD}@db.internal:5432/app",  # references, not a password
    "ssh://git@github.com:22/acme/repo.git",
    "xoxo- hugs and kisses; sk_test_ keys are for tests",
])
def test_lookalikes_are_not_credentials(text):
    assert rules.find_all(text) == []


@pytest.mark.parametrize("name,value,found", [
    ("HF_TOKEN", rand(16), True),                 # exactly the shortest token-named value flagged
    ("HF_TOKEN", rand(15), False),                # one shorter
    ("DB_PASSWORD", "Tr0ub4dor&3x", True),        # passwords: 8 or more, two classes, entropy >= 3.0
    ("DB_PASSWORD", "Tr0ub4d", False),            # 7 characters
    ("DB_PASSWORD", "aaaaaaaa1", False),          # two classes but no entropy
    ("apiKey", rand(24), True),                   # camelCase names too
    ("aws:secretKey", rand(40, ALNUM + "/+"), True),
    ("SIGNING_SECRET", "deadbeef" * 2 + rand(16, "0123456789abcdef"), True),  # hex: HexHighEntropyString
    ("HF_TOKEN", "placeholder-token-value", False),  # one class of lower, upper, digits (punctuation not counted)
    ("HF_TOKEN", "placeholder-token-value-2", True),  # two classes, entropy 3.8
    ("HF_TOKEN", "${HF_TOKEN_FROM_CI}", False),   # a reference, not a value
    ("HF_TOKEN", "arn:aws:secretsmanager:us-east-1:123456789012:secret:hf-AbCdEf", False),
    ("MAX_TOKENS", rand(24), False),              # the name must end in TOKEN, not TOKENS
    ("LOG_LEVEL", rand(24), False),               # not a credential name
    ("tokenizer", rand(24), False),
])
def test_credential_named_values(name, value, found):
    assert (rules.keyed(name, value) is not None) is found


def test_assignments_in_free_text():
    key = rand(32)
    text = f'{{"question": "which key?", "api_key": "{key}"}}\nexport AWS_SECRET_ACCESS_KEY={rand(40, ALNUM + "/+")}\n'
    hits = rules.find_all(text)
    assert [h.kind for h in hits] == ["credential under 'api_key'", "AWS secret access key"]
    assert text[hits[0].start:].startswith(key)


# -- the pre-filter is a superset of every pattern rule -------------------------------------------------
def _plugin_patterns():
    rules._detect_secrets()
    out = []
    for name, plugin in rules._detectors:
        if name == "AWSKeyDetector":
            out.append((name, plugin.denylist[0].pattern))  # the second is the code-assignment rule (see module doc)
        elif name != "JwtTokenDetector":
            out += [(name, p.pattern) for p in plugin.denylist]
    out.append(("JwtTokenDetector", r"eyJ[A-Za-z0-9_=-]+\.[A-Za-z0-9_=-]+\.?[A-Za-z0-9_.+/=-]*"))
    out += [(rule, re.sub(r"\(\?<!\[[^]]*\]\)", "", p.pattern).replace("(?!ant-)", "")) for _, rule, p in rules._OWN_PATTERNS]
    return out


@pytest.mark.parametrize("name,pattern", _plugin_patterns(), ids=lambda v: str(v)[:30])
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_the_prefilter_passes_everything_a_rule_matches(name, pattern, data):
    token = data.draw(st.from_regex(pattern, fullmatch=True))
    before = data.draw(st.text(max_size=20))
    after = data.draw(st.text(max_size=20))
    assert rules.might_hold(before + token + after), (name, token)


def test_detect_secrets_is_imported_only_for_a_candidate():
    import subprocess
    import sys

    code = ("import sys; from llmops_iac.spec import secret_rules as r; "
            "r.find_all('a plain prompt with a key: value and nothing else'); "
            "print('detect_secrets' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# -- masking -------------------------------------------------------------------------------------------
def test_mask_shows_four_characters():
    assert rules.mask("hf_" + "x" * 34) == "hf_x****"
    assert rules.mask("short-value") == "****"


def test_redact_masks_whole_truncated_and_escaped_echoes():
    token = "hf" + "_" + rand(60)
    diags = [
        Diagnostic("f", 1, 1, "pattern", f"spec.region: {token!r} is not in the expected format", value=token, pointer="/spec/region"),
        Diagnostic("f", 2, 1, "pattern", f"x: {token[:60]!r}… is not in the expected format"),  # show() truncates at 60
        Diagnostic("f", 3, 1, "unknown-key", f"unknown key {token!r}", pointer=f"/metadata/{token}", value={token: 1}),
        Diagnostic("f", 4, 1, "enum", json.dumps({"v": "pre " + token[5:40] + " post"})),  # a middle piece
    ]
    out = secrets.redact(diags, {token})
    text = json.dumps([d.to_dict() for d in out])
    for i in range(len(token) - 11):
        assert token[i:i + 11] not in text
    assert "hf_S****" in text or token[:4] + "****" in text


def test_redact_masks_a_repr_escaped_key_block():
    out = secrets.redact([Diagnostic("f", 1, 1, "type", f"expected a mapping, got {PEM!r}")], {PEM})
    body = PEM.splitlines()[1]
    assert body[:20] not in out[0].message and "\\n" not in out[0].message.split("got ")[1][:8]


def test_redact_leaves_other_diagnostics_alone():
    d = Diagnostic("f", 1, 1, "enum", "'us-east-9' is not an allowed value")
    assert secrets.redact([d], {"hf_" + rand(34)}) == [d]


def test_redact_masks_a_token_inside_a_json_pointer():
    token = "wJal/K7MD/bPxR/" + rand(25)  # slashes become ~1 in a pointer
    from llmops_iac.spec.load import escape

    d = Diagnostic("f", 1, 1, "unknown-key", "unknown key", pointer=f"/metadata/{escape(token)}")
    out = secrets.redact([d], {token})[0]
    assert out.pointer == "/metadata/wJal****"


@settings(max_examples=200, deadline=None)
@given(prefix=st.text(max_size=15), word=st.sampled_from(["token", "key", "secret", "password", "passwd", "passphrase"]),
       flips=st.lists(st.booleans(), min_size=10, max_size=10), sep=st.sampled_from(["=", ": ", '": "', " = '", ":\t"]),
       value=st.text(alphabet=ALNUM + "+/=_.-", min_size=8, max_size=40))
def test_the_assignment_prefilter_passes_every_assignment(prefix, word, flips, sep, value):
    name = "API_" + "".join(c.upper() if f else c for c, f in zip(word, flips + [False] * 10))
    text = f"{prefix} {name}{sep}{value}"
    if rules._ASSIGNMENT.search(text):
        assert rules.might_assign(text)


def test_a_large_file_is_scanned_in_overlapping_pieces(tmp_path, monkeypatch):
    lines = [f"line {i} of ordinary text" for i in range(400)]
    token_a, token_b = "hf" + "_" + rand(34), "gh" + "p_" + rand(36)
    lines[3] = f"a: {token_a}"
    pem = PEM.splitlines()
    lines[150:150 + len(pem)] = pem  # a key block that will straddle a piece boundary
    lines[390] = f"b: {token_b}"
    path = tmp_path / "big.txt"
    path.write_text("\n".join(lines) + "\n")
    whole = secrets.scan_text(path.read_text(), "big.txt")
    text = path.read_text()
    monkeypatch.setattr(secrets, "CHUNK", text.index(pem[1]) + 10)  # the first piece ends inside the key body
    pieces = secrets.scan_file(str(path), "big.txt")
    key = lambda f: sorted((d.line, d.col, d.message) for d in f.errors)
    assert key(pieces) == key(whole) and len(whole.errors) == 3
    assert [d.line for d in pieces.errors] == [4, 151, 391]
    assert pieces.tokens >= whole.tokens
