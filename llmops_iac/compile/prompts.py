"""spec.prompts → Bedrock Prompt Management: the prompt (draft) and one immutable version per spec version.

The prompt text comes from the repository file; the logical name of the
version carries the spec's version number, so bumping ``version`` publishes a
new prompt version and keeps the old one (``retainOnDelete``) for rollback.
"""

from __future__ import annotations

import hashlib

from llmops_iac.compile import tokens as T
from llmops_iac.compile.context import Ctx
from llmops_iac.compile.errors import CompileErrors
from llmops_iac.compile.plan import ref
from llmops_iac.spec import prompt_files
from llmops_iac.spec.files import FileRefError
from llmops_iac.spec.load import escape
from llmops_iac.spec.model import BedrockModel


def compile_prompts(ctx: Ctx, errors: CompileErrors) -> None:
    """Add a prompt and its current version for each spec.prompts entry."""
    for name, prompt in sorted(ctx.app.spec.prompts.items()):
        source = f"/spec/prompts/{escape(name)}"
        try:  # checked again as it is opened: validation's answer may be stale (llmops_iac/spec/files.py)
            raw, text = prompt_files.read(ctx.files, prompt.file)
        except FileRefError as exc:
            errors.add(f"{source}/file", exc.message, exc.hint, exc.code)
            continue
        used = list(prompt_files.variables(text))
        wrong = prompt_files.mismatch(name, used, prompt.variables)
        if wrong is not None:
            errors.add(f"{source}/variables", wrong[0], wrong[1], "mismatch")
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
