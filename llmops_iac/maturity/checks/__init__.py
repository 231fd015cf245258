"""One check per automatic criterion of catalogue.yaml: Evidence → pass, fail or not-applicable.

Each check returns a ``Result`` with the reason in one sentence and the
evidence items that earned or blocked it. Checks never pass for lack of
evidence: a criterion that needs the repository fails without ``--repo`` and
says so. ``tests/maturity`` asserts that every automatic criterion has exactly
one check here and that manual criteria have none.

One module per dimension of the maturity model holds its checks (infrastructure,
cicd, prompts, governance, cost, organization); registry.py holds ``Result``,
the outcomes and the ``check`` registry, shared.py the helpers several
dimensions use. Importing this package imports every dimension module, so
``CHECKS`` holds every check.
"""

from __future__ import annotations

# Importing a dimension module registers its checks; in the model's order, as the catalogue lists them.
from llmops_iac.maturity.checks import infrastructure, cicd, prompts, governance, cost, organization
from llmops_iac.maturity.checks import evaluation_results  # noqa: F401 - MAT-CICD-204 registers itself
from llmops_iac.maturity.checks.cicd import SAFETY_METRICS
from llmops_iac.maturity.checks.infrastructure import RETRIEVAL_METRICS
from llmops_iac.maturity.checks.prompts import FILTER_CATEGORIES
from llmops_iac.maturity.checks.registry import CHECKS, FAIL, MANUAL, NOT_APPLICABLE, OUTCOMES, PASS, Result, check
from llmops_iac.maturity.checks.shared import gate_covers_model

__all__ = [
    "CHECKS", "FAIL", "FILTER_CATEGORIES", "MANUAL", "NOT_APPLICABLE", "OUTCOMES", "PASS", "RETRIEVAL_METRICS",
    "SAFETY_METRICS", "Result", "check", "cicd", "cost", "gate_covers_model", "governance", "infrastructure",
    "organization", "prompts",
]
