"""Secrets never enter a spec, a Plan or a report (issue #12, section 4), tried as an attacker would.

Each case writes a spec (or a prompt, dataset or stack file) holding a credential and runs the real
console script: validate, check (every report format at once) and plan must all stop with exit 2,
name the file and line, and no output (stdout, stderr, report files, the Plan) may hold the value.

The credentials are assembled at run time from pieces so that this file itself holds none (secret
scanners run over the repository); they have the exact shape of real ones.
"""

from __future__ import annotations

import json
import random
import string
from pathlib import Path

import pytest

from tests.conftest import run_script

_rng = random.Random(12)


def _rand(n: int, alphabet: str = string.ascii_letters + string.digits) -> str:
    return "".join(_rng.choice(alphabet) for _ in range(n))


AWS_KEY_ID = "AK" + "IA" + _rand(16, string.ascii_uppercase + "234567")
AWS_SECRET = _rand(40, string.ascii_letters + string.digits + "/+")
HF_TOKEN = "hf" + "_" + _rand(34)
GITHUB_TOKEN = "gh" + "p_" + _rand(36)
ANTHROPIC_KEY = "sk-" + "ant-api03-" + _rand(93, string.ascii_letters + string.digits + "-_") + "AA"
PEM_BODY = "\n".join(_rand(64, string.ascii_letters + string.digits + "+/") for _ in range(6))
PEM = "-----BEGIN RSA " + "PRIVATE KEY-----\n" + PEM_BODY + "\n-----END RSA " + "PRIVATE KEY-----\n"

SAGEMAKER_SPEC = """\
apiVersion: llmops-iac/v1
kind: LLMApplication
metadata:
  name: leaky-app
spec:
  models:
    llama:
      provider: sagemaker
      modelId: meta-llama/Meta-Llama-3-8B-Instruct
      revision: 5f0b02c75b57c5855da9ae460ce51323ea669d8a
      container:
        environment:
          MESSAGES_API_ENABLED: 'true'
{extra}"""


def _spec(tmp_path: Path, text: str, name: str = "llmapp.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def outputs(invoke, tmp_path):
    """outputs(spec, *options) -> (exit codes, everything printed or written) of validate, check and plan."""
    return lambda spec, *extra: _all_outputs(invoke, tmp_path, spec, *extra)


def _all_outputs(invoke, tmp_path: Path, spec: Path, *extra: str) -> tuple[list[int], str]:
    """Run validate, check (text on stdout, every other format to a file) and plan in-process; return
    the exit codes and everything they printed or wrote."""
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    texts: list[str] = []
    codes: list[int] = []
    for fmt in ("text", "json"):
        r = invoke("validate", str(spec), "--format", fmt, *extra)
        codes.append(r.exit_code)
        texts.append(r.output)
    files = {fmt: out / f"report.{fmt}" for fmt in ("json", "sarif", "junit", "markdown", "github")}
    r = invoke("check", str(spec), *extra, *[a for fmt, p in files.items() for a in ("--output", f"{fmt}={p}")])
    codes.append(r.exit_code)
    texts.append(r.output)
    for fmt in ("json", "sarif", "github"):
        r = invoke("check", str(spec), "--format", fmt, *extra)
        codes.append(r.exit_code)
        texts.append(r.output)
    texts += [p.read_text(encoding="utf-8") for p in files.values() if p.exists()]
    plan = out / "plan.json"
    r = invoke("plan", str(spec), "--out", str(plan), *extra)
    codes.append(r.exit_code)
    texts.append(r.output)
    if plan.exists():
        texts.append(plan.read_text(encoding="utf-8"))
    r = invoke("plan", str(spec), "--format", "json", "--out", "-", *extra)
    codes.append(r.exit_code)
    texts.append(r.output)
    return codes, "\n".join(texts)


def _assert_stopped(codes: list[int], output: str, secret: str, where: str) -> None:
    assert codes == [2] * len(codes), (codes, output[-3000:])
    assert where in output, output[-3000:]
    assert "error[secret]" in output or '"code": "secret"' in output, output[-3000:]
    for piece in _pieces(secret):
        assert piece not in output, f"the secret leaked: {piece!r}"


def _pieces(secret: str) -> list[str]:
    """The secret and every 12-character window of it (a truncated echo is a leak too)."""
    flat = secret.replace("\n", "")
    return [secret] + [flat[i:i + 12] for i in range(0, max(1, len(flat) - 11), 6)]


def test_aws_key_in_metadata_description(tmp_path, outputs):
    spec = _spec(tmp_path, f"""\
apiVersion: llmops-iac/v1
kind: LLMApplication
metadata:
  name: leaky-app
  description: deploy with {AWS_KEY_ID} until the role is ready
""")
    codes, output = outputs(spec)
    _assert_stopped(codes, output, AWS_KEY_ID, "llmapp.yaml:5")
    assert AWS_KEY_ID[:4] + "****" in output  # masked, so a reviewer sees what and where


def test_hf_token_in_container_environment(tmp_path, outputs):
    spec = _spec(tmp_path, SAGEMAKER_SPEC.format(extra=f"          HF_TOKEN: {HF_TOKEN}\n"))
    codes, output = outputs(spec)
    _assert_stopped(codes, output, HF_TOKEN, "llmapp.yaml:14")


@pytest.mark.parametrize("key,value,secret", [
    # a database URL with its password, under a name that says nothing (the pgvector / Aurora case)
    ("DATABASE_URL", "postgres://" + "app:" + "Zq8!vR2#kLm9@" + "db.internal:5432/app", "Zq8!vR2#kLm9"),
    ("SLACK_WEBHOOK", "https://hooks." + "slack.com/services/T" + _rand(8) + "/B" + _rand(8) + "/" + _rand(24), None),
    ("PAYMENTS", "sk_" + "live_" + _rand(24), None),
    ("MAPS", "AI" + "za" + _rand(35), None),
], ids=["url-password", "slack-webhook", "stripe", "google-api-key"])
def test_service_credentials_under_innocent_names(tmp_path, outputs, key, value, secret):
    """Credentials of the services an LLM application talks to, under names that are not credential names:
    they passed before (only AWS, GitHub, Hugging Face, OpenAI/Anthropic, key blocks and JWTs were known)."""
    spec = _spec(tmp_path, SAGEMAKER_SPEC.format(extra=f"          {key}: '{value}'\n"))
    codes, output = outputs(spec)
    _assert_stopped(codes, output, secret or value, "llmapp.yaml:14")


def test_high_entropy_value_under_a_credential_name(tmp_path, outputs):
    value = _rand(32)
    spec = _spec(tmp_path, SAGEMAKER_SPEC.format(extra=f"          VENDOR_API_KEY: '{value}'\n"))
    codes, output = outputs(spec)
    _assert_stopped(codes, output, value, "llmapp.yaml:14")


def test_private_key_block_in_a_prompt_file(tmp_path, outputs):
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "system.txt").write_text(
        "You are a helpful assistant.\nUse this key to sign requests:\n" + PEM, encoding="utf-8")
    spec = _spec(tmp_path, """\
apiVersion: llmops-iac/v1
kind: LLMApplication
metadata:
  name: leaky-app
spec:
  prompts:
    system:
      file: prompts/system.txt
      version: 1
""")
    codes, output = outputs(spec)
    _assert_stopped(codes, output, PEM_BODY, "prompts/system.txt:3")


def test_github_token_in_a_dataset_file(tmp_path, outputs):
    (tmp_path / "eval").mkdir()
    rows = [{"question": "How do I clone?", "expected_answer": "Use the portal."},
            {"question": "What token?", "expected_answer": f"use {GITHUB_TOKEN} for the bot"}]
    (tmp_path / "eval" / "golden.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    spec = _spec(tmp_path, """\
apiVersion: llmops-iac/v1
kind: LLMApplication
metadata:
  name: leaky-app
spec:
  evaluation:
    datasets:
      golden:
        file: eval/golden.jsonl
""")
    codes, output = outputs(spec)
    _assert_stopped(codes, output, GITHUB_TOKEN, "eval/golden.jsonl:2")


def test_secret_introduced_by_an_environment_override(tmp_path, outputs):
    spec = _spec(tmp_path, f"""\
apiVersion: llmops-iac/v1
kind: LLMApplication
metadata:
  name: leaky-app
spec:
  models:
    chat:
      provider: bedrock
      modelId: anthropic.claude-3-haiku-20240307-v1:0
  environments:
    prod:
      models:
        chat:
          description: "fallback key {ANTHROPIC_KEY}"
""")
    codes, output = outputs(spec)
    _assert_stopped(codes, output, ANTHROPIC_KEY, "llmapp.yaml:14")


def test_secret_in_a_stack_file(tmp_path, outputs):
    spec = _spec(tmp_path, """\
apiVersion: llmops-iac/v1
kind: LLMApplication
metadata:
  name: leaky-app
""")
    stacks = tmp_path / "stacks"
    stacks.mkdir()
    (stacks / "Pulumi.prod.yaml").write_text(f"""\
config:
  aws:region: us-east-1
  aws:accessKey: {AWS_KEY_ID}
  aws:secretKey: {AWS_SECRET}
  llmops-iac:spec: llmapp.yaml
  llmops-iac:environment: prod
""", encoding="utf-8")
    codes, output = outputs(spec, "--stack", "prod", "--stacks-dir", str(stacks))
    _assert_stopped(codes, output, AWS_KEY_ID, "Pulumi.prod.yaml:3")
    _assert_stopped(codes, output, AWS_SECRET, "Pulumi.prod.yaml:4")


def test_pulumi_secure_values_are_ciphertext_not_secrets(tmp_path, invoke):
    spec = _spec(tmp_path, "apiVersion: llmops-iac/v1\nkind: LLMApplication\nmetadata:\n  name: safe-app\n")
    stacks = tmp_path / "stacks"
    stacks.mkdir()
    ciphertext = "v1:" + _rand(16, string.ascii_letters + string.digits + "+/") + ":" + _rand(64, string.ascii_letters + string.digits + "+/")
    (stacks / "Pulumi.prod.yaml").write_text(f"""\
encryptionsalt: v1:{_rand(12)}:v1:{_rand(16)}:{_rand(44)}
config:
  aws:region: us-east-1
  aws:secretKey:
    secure: {ciphertext}
  llmops-iac:spec: llmapp.yaml
""", encoding="utf-8")
    r = invoke("validate", str(spec), "--stack", "prod", "--stacks-dir", str(stacks))
    assert r.exit_code == 0, r.output


def test_a_schema_error_cannot_echo_a_secret(tmp_path, outputs):
    # The key is split over two lines with a double-quoted escaped line break: the file never holds it
    # whole, the loaded value does, and the region pattern error would quote it back.
    half = len(AWS_KEY_ID) // 2
    spec = _spec(tmp_path, f"""\
apiVersion: llmops-iac/v1
kind: LLMApplication
metadata:
  name: leaky-app
spec:
  region: "{AWS_KEY_ID[:half]}\\
    {AWS_KEY_ID[half:]}"
""")
    assert AWS_KEY_ID not in spec.read_text()
    codes, output = outputs(spec)
    _assert_stopped(codes, output, AWS_KEY_ID, "llmapp.yaml:6")


def test_an_unknown_key_that_is_a_secret_is_not_echoed(tmp_path, outputs):
    spec = _spec(tmp_path, f"""\
apiVersion: llmops-iac/v1
kind: LLMApplication
metadata:
  name: leaky-app
  {HF_TOKEN}: oops
""")
    codes, output = outputs(spec)
    _assert_stopped(codes, output, HF_TOKEN, "llmapp.yaml:5")


def test_a_duplicate_key_error_cannot_echo_a_secret(tmp_path, outputs):
    # The loader stops before the data exists: the raw text is scanned instead.
    spec = _spec(tmp_path, f"""\
apiVersion: llmops-iac/v1
kind: LLMApplication
metadata:
  name: leaky-app
  tags:
    {GITHUB_TOKEN}: a
    {GITHUB_TOKEN}: b
""")
    codes, output = outputs(spec)
    _assert_stopped(codes, output, GITHUB_TOKEN, "llmapp.yaml:6")


@pytest.mark.parametrize("pragma_line", ["same", "previous"])
def test_allowlist_pragma_is_honoured_and_still_shown(tmp_path, invoke, pragma_line):
    value = "AK" + "IA" + "IOSFODNN7EXAMPLE"  # AWS's documented example key ID
    line = f"  description: the docs' example key {value}"
    text = (f"{line}  # pragma: allowlist secret\n" if pragma_line == "same"
            else f"  # pragma: allowlist nextline secret\n{line}\n")
    spec = _spec(tmp_path, "apiVersion: llmops-iac/v1\nkind: LLMApplication\nmetadata:\n  name: doc-app\n" + text)
    r = invoke("validate", str(spec), "--format", "json")
    assert r.exit_code == 0, r.output
    diags = json.loads(r.output)["files"][0]["diagnostics"]
    diags = [d for d in diags if d["code"] != "tier-unknown"]  # the spec declares no environment: also a warning
    assert [d["code"] for d in diags] == ["secret-allowlisted"]
    assert diags[0]["severity"] == "warning" and value not in r.output and value[:4] + "****" in r.output


def test_a_pragma_inside_the_value_is_not_a_comment(tmp_path, invoke):
    spec = _spec(tmp_path, "apiVersion: llmops-iac/v1\nkind: LLMApplication\nmetadata:\n  name: doc-app\n"
                           f"  description: '{AWS_KEY_ID} # pragma: allowlist secret'\n")
    r = invoke("validate", str(spec))
    assert r.exit_code == 2 and "error[secret]" in r.output and AWS_KEY_ID not in r.output


def test_regex_patterns_describing_keys_are_not_keys(tmp_path, invoke):
    spec = _spec(tmp_path, """\
apiVersion: llmops-iac/v1
kind: LLMApplication
metadata:
  name: guard-app
spec:
  guardrails:
    default:
      piiRegexes:
        - {name: Private key, pattern: '-----BEGIN (RSA |EC |OPENSSH )?PRIVATE KEY-----', action: block}
        - {name: Key header, pattern: '-----BEGIN RSA PRIVATE KEY-----', action: block}
        - {name: GitHub token, pattern: '\\bgh[pousr]_[A-Za-z0-9]{36}\\b', action: block}
        - {name: Vendor key, pattern: 'acme_sk_(live|test)_[A-Za-z0-9]{32}', action: block}
        - {name: AWS key, pattern: '(AKIA|ASIA)[A-Z0-9]{16}', action: block}
""")
    r = invoke("validate", str(spec))
    assert r.exit_code == 0, r.output


def test_a_real_key_block_in_a_spec_value_still_fails(tmp_path, invoke):
    body = "\n".join("        " + line for line in PEM.splitlines())
    spec = _spec(tmp_path, "apiVersion: llmops-iac/v1\nkind: LLMApplication\nmetadata:\n  name: guard-app\n"
                           f"  tags:\n    signing: |\n{body}\n")
    r = invoke("validate", str(spec))
    assert r.exit_code == 2 and "error[secret]" in r.output and "llmapp.yaml:7" in r.output
    assert not any(piece in r.output for piece in _pieces(PEM_BODY))


def test_the_console_script_stops_and_prints_no_secret(tmp_path):
    spec = _spec(tmp_path, SAGEMAKER_SPEC.format(extra=f"          HF_TOKEN: {HF_TOKEN}\n"))
    for args in (("validate", str(spec)), ("check", str(spec)), ("plan", str(spec), "--out", str(tmp_path / "p.json"))):
        r = run_script(*args, cwd=tmp_path)
        assert r.returncode == 2, (args, r.stdout, r.stderr)
        assert "llmapp.yaml:14" in r.stdout + r.stderr and HF_TOKEN not in r.stdout + r.stderr
        assert "Traceback" not in r.stderr
    assert not (tmp_path / "p.json").exists()


def test_a_stack_file_that_deploys_the_spec_is_scanned_without_stack(tmp_path, invoke):
    """The pull-request gate runs `check` without --stack: a credential committed to the stack file that
    deploys this spec fails it; a stack deploying another spec does not fail this one."""
    (tmp_path / "Pulumi.yaml").write_text("name: llmops-iac\nruntime: python\nstackConfigDir: stacks\n")
    app = _spec(tmp_path, "apiVersion: llmops-iac/v1\nkind: LLMApplication\nmetadata:\n  name: leaky-app\n")
    other = _spec(tmp_path, "apiVersion: llmops-iac/v1\nkind: LLMApplication\nmetadata:\n  name: other-app\n", "other.yaml")
    (tmp_path / "stacks").mkdir()
    (tmp_path / "stacks" / "Pulumi.prod.yaml").write_text(
        f"config:\n  aws:region: us-east-1\n  aws:secretKey: {AWS_SECRET}\n  llmops-iac:spec: llmapp.yaml\n")
    r = invoke("check", str(app))
    assert r.exit_code == 2 and "Pulumi.prod.yaml:3" in r.output and "error[secret]" in r.output, r.output
    assert not any(p in r.output for p in _pieces(AWS_SECRET))
    assert invoke("validate", str(other)).exit_code == 0


def test_check_cache_rescans_a_prompt_only_an_environment_names(tmp_path, invoke):
    """`check --cache`: a prompt that only spec.environments.prod names is an input of the result, so a
    credential added to it later is found, not served from the cache."""
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "base.txt").write_text("You are helpful.\n")
    (tmp_path / "prompts" / "prod.txt").write_text("You are helpful in production.\n")
    spec = _spec(tmp_path, """\
apiVersion: llmops-iac/v1
kind: LLMApplication
metadata:
  name: cached-app
spec:
  prompts:
    system:
      file: prompts/base.txt
      version: 1
  environments:
    prod:
      prompts:
        system:
          file: prompts/prod.txt
""")
    cache = str(tmp_path / "cache")
    assert invoke("check", str(spec), "--cache", cache).exit_code in (0, 1)
    (tmp_path / "prompts" / "prod.txt").write_text(f"You are helpful in production.\nSign with {GITHUB_TOKEN}\n")
    r = invoke("check", str(spec), "--cache", cache)
    assert r.exit_code == 2 and "prompts/prod.txt:2" in r.output and GITHUB_TOKEN not in r.output, r.output


def test_a_failing_spec_still_shows_what_was_allowlisted(tmp_path, invoke):
    allowed = "AK" + "IA" + "IOSFODNN7EXAMPLE"
    spec = _spec(tmp_path, SAGEMAKER_SPEC.format(
        extra=f"          HF_TOKEN: {HF_TOKEN}\n          TEST_KEY: {allowed}  # pragma: allowlist secret\n"))
    r = invoke("validate", str(spec), "--format", "json")
    assert r.exit_code == 2
    diags = json.loads(r.output)["files"][0]["diagnostics"]
    assert [(d["code"], d["severity"], d["line"]) for d in diags] == [("secret", "error", 14), ("secret-allowlisted", "warning", 15)]
    assert HF_TOKEN not in r.output and allowed not in r.output
