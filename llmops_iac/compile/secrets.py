"""Secret references → the container variable that carries each ARN and least-privilege read access.

SageMaker has no native secret injection (unlike ECS's ``secrets``): a container variable written as
``{secret: <name>}`` reaches the container as ``<VARIABLE>_SECRET_ARN`` holding the ARN of
spec.secrets.<name>, and the container (its entrypoint or serving code) reads the value at start-up with
the execution role's credentials. The variable itself is never set, so a container that expects the
value fails visibly instead of starting with an ARN as its token. The execution role may read exactly
the secrets its models reference: ``secretsmanager:GetSecretValue`` or ``ssm:GetParameter`` on that ARN,
and, for a customer-managed key, ``kms:Decrypt`` on that key only through that service (``kms:ViaService``)
and only for that secret (the encryption context Secrets Manager and Parameter Store send: ``SecretARN``
and ``PARAMETER_ARN``). No statement has a wildcard.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from llmops_iac.spec.model import AppSpec, SageMakerModel, Secret, SecretRef
from llmops_iac.spec.references import SECRET_ARN_SUFFIX


def container_environment(environment: Mapping[str, Any] | None, secrets: Mapping[str, Secret]) -> dict[str, str]:
    """The container variables as the container gets them: {secret: name} becomes <VARIABLE>_SECRET_ARN."""
    out: dict[str, str] = {}
    for name, value in (environment or {}).items():
        if isinstance(value, SecretRef):
            out[name + SECRET_ARN_SUFFIX] = secrets[value.secret].arn
        else:
            out[name] = value
    return out


def referenced(app: AppSpec) -> list[str]:
    """The names of the secrets some SageMaker model's container references, sorted."""
    names = set()
    for model in app.spec.models.values():
        if isinstance(model, SageMakerModel):
            names.update(v.secret for v in (model.container.environment or {}).values() if isinstance(v, SecretRef))
    return sorted(names)


def read_statements(secrets: Mapping[str, Secret], names: Iterable[str]) -> list[dict[str, Any]]:
    """IAM statements that read exactly the secrets ``names`` (and decrypt them, when a key is given)."""
    statements: list[dict[str, Any]] = []
    for name in names:
        secret = secrets[name]
        _, _, service, region, _account, _ = secret.arn.split(":", 5)
        sid = "".join(part.capitalize() for part in name.split("-"))
        if service == "secretsmanager":
            action, context_key = "secretsmanager:GetSecretValue", "kms:EncryptionContext:SecretARN"
        else:
            action, context_key = "ssm:GetParameter", "kms:EncryptionContext:PARAMETER_ARN"
        statements.append({"Sid": f"ReadSecret{sid}", "Effect": "Allow", "Action": action, "Resource": secret.arn})
        if secret.kms_key_arn:
            statements.append({
                "Sid": f"DecryptSecret{sid}", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": secret.kms_key_arn,
                "Condition": {"StringEquals": {"kms:ViaService": f"{service}.{region}.amazonaws.com", context_key: secret.arn}},
            })
    return statements
