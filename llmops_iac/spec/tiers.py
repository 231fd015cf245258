"""Environment tiers: which environments are production is declared, never guessed from a name.

A spec declares each environment's tier (``spec.environments.<name>.tier``: production,
staging or development). Whatever is not declared — an environment without a tier, a stack
whose environment the spec does not declare, the base spec judged on its own — is
*unknown*, and an unknown tier is treated as production: the strictest policy profile, the
production-only rules, the production view of maturity. Being wrong in that direction costs
a finding; being wrong in the other lets a production deploy through on the lenient profile.
"""

from __future__ import annotations

from typing import Any

TIERS = ("production", "staging", "development")
"""The tiers an environment can declare, strictest first."""

STRICTEST = "production"
"""The tier an environment of unknown tier is judged as."""


def declared_environments(document: Any) -> dict[str, Any]:
    """The ``spec.environments`` mapping of a spec document as written (``{}`` when absent or malformed)."""
    spec = document.get("spec") if isinstance(document, dict) else None
    envs = spec.get("environments") if isinstance(spec, dict) else None
    return envs if isinstance(envs, dict) else {}


def declared_tier(document: Any, environment: str | None) -> str | None:
    """The tier ``environment`` declares in ``document``, or None (not declared, no tier, or the base spec)."""
    if environment is None:
        return None
    entry = declared_environments(document).get(environment)
    tier = entry.get("tier") if isinstance(entry, dict) else None
    return tier if tier in TIERS else None


def effective_tier(declared: str | None) -> str:
    """The tier an environment is judged as: its declared tier, else the strictest."""
    return declared if declared in TIERS else STRICTEST


def production_environments(document: Any, current: str | None = None, current_tier: str | None = None) -> list[str]:
    """Every environment judged as production: declared ones whose tier is production or missing,
    plus ``current`` (the environment being judged) when its effective tier is production."""
    names = {name for name in declared_environments(document) if effective_tier(declared_tier(document, name)) == STRICTEST}
    if current is not None and effective_tier(current_tier) == STRICTEST:
        names.add(current)
    return sorted(names)
