"""Entry point Pulumi runs for the policy pack (it serves until the engine stops it)."""

from pulumi_policy import EnforcementLevel, PolicyPack

from llmops_iac.deploy.policy_pack import POLICIES

PolicyPack(name="llmops-iac", enforcement_level=EnforcementLevel.MANDATORY, policies=POLICIES,
           description="llmops-iac: the Rego policies of an LLM application, judged at preview and update.")
