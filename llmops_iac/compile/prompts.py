"""spec.prompts → Bedrock Prompt Management: the prompt (draft) and one immutable version per spec version.

The prompt text comes from the repository file; the logical name of the
version carries the spec's version number, so bumping ``version`` publishes a
new prompt version and keeps the old one (``retainOnDelete``) for rollback.
"""

from __future__ import annotations

import hashlib
import os
import re

from llmops_iac.compile import tokens as T
from llmops_iac.compile.context import Ctx
from llmops_iac.compile.errors import CompileErrors
from llmops_iac.compile.plan import ref
from llmops_iac.spec.load import escape
from llmops_iac.spec.model import BedrockModel

MAX_TEXT = 100_000
_VARIABLE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


def compile_prompts(ctx: Ctx, errors: CompileErrors) -> None:
    """Add a prompt and its current version for each spec.prompts entry."""
    for name, prompt in sorted(ctx.app.spec.prompts.items()):
        source = f"/spec/prompts/{escape(name)}"
        path = os.path.join(ctx.base_dir, prompt.file)
        try:
            with open(path, "rb") as fh:
                raw = fh.read(MAX_TEXT + 1)
            text = raw.decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            errors.add(f"{source}/file", f"prompt file {prompt.file!r} cannot be read: {exc}", "save it as UTF-8 text next to the spec")
            continue
        if len(raw) > MAX_TEXT:
            errors.add(f"{source}/file", f"prompt file {prompt.file!r} is over {MAX_TEXT:,} bytes", "shorten the prompt")
            continue
        used = sorted(set(_VARIABLE.findall(text)))
        declared = sorted(prompt.variables or ())
        if used != declared:
            missing = sorted(set(used) - set(declared))
            unused = sorted(set(declared) - set(used))
            errors.add(f"{source}/variables",
                       f"prompt {name!r} variables do not match its file: "
                       + "; ".join(x for x in (f"used but not declared: {', '.join(missing)}" if missing else "",
                                                f"declared but not used: {', '.join(unused)}" if unused else "") if x),
                       f"set variables: [{', '.join(used)}]")
            continue
        variant: dict = {
            "name": "default",
            "templateType": "TEXT",
            "templateConfiguration": {"text": {"text": text, **({"inputVariables": [{"name": v} for v in used]} if used else {})}},
        }
        model = ctx.app.spec.models.get(prompt.model) if prompt.model else None
        if isinstance(model, BedrockModel):
            variant["modelId"] = model.model_id
        logical = f"prompt-{name}"
        digest = hashlib.sha256(raw).hexdigest()
        ctx.plan.add(logical, T.PROMPT, {
            "name": ctx.physical("prompt", name),
            "description": prompt.description or f"{ctx.name} prompt {name}",
            "customerEncryptionKeyArn": ctx.key_arn(),
            "defaultVariant": "default",
            "variants": [variant],
        }, source, meta={"file": prompt.file, "version": prompt.version, "sha256": digest})
        version = f"{logical}-v{prompt.version}"
        ctx.plan.add(version, T.PROMPT_VERSION, {
            "promptArn": ref(logical, "arn"),
            "description": f"{name}@{prompt.version} sha256:{digest[:12]}",
        }, source, options={"retainOnDelete": True, "replaceOnChanges": ["description"]})
        ctx.invoke_statements.append({"Sid": f"GetPrompt{''.join(p.capitalize() for p in name.split('-'))}", "Effect": "Allow",
                                      "Action": "bedrock:GetPrompt", "Resource": ref(logical, "arn")})
        ctx.plan.outputs[f"prompt.{name}.arn"] = ref(logical, "arn")
        ctx.plan.outputs[f"prompt.{name}.versionArn"] = ref(version, "arn")
