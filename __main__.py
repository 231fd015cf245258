"""The Pulumi program of this project (`pulumi up` runs it); everything lives in llmops_iac.deploy.program."""

from llmops_iac.deploy.program import main

main()
