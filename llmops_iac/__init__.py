"""llmops-iac: one YAML spec for an LLM application on AWS → infrastructure, policy verdict, cost and maturity."""

__version__ = "0.1.0"
