package llmops.prompts_test

import rego.v1

import data.llmops.prompts

_input(spec, resources) := {
	"spec": {"spec": spec},
	"plan": {"resources": resources},
	"context": {"environment": "default"},
}

_spec := {
	"models": {"assistant": {"provider": "bedrock", "systemPrompt": "system@2"}},
	"prompts": {"system": {"file": "prompts/system.txt", "version": 2, "model": "assistant"}},
}

_prompt := {
	"name": "prompt-system",
	"type": "aws:bedrock/agentPrompt:AgentPrompt",
	"source": "/spec/prompts/system",
	"inputs": {},
}

_version(n) := {
	"name": sprintf("prompt-system-v%d", [n]),
	"type": "aws-native:bedrock:PromptVersion",
	"source": "/spec/prompts/system",
	"inputs": {"promptArn": {"ref": "prompt-system", "attr": "arn"}},
}

# -- LLM-PRM-001 --------------------------------------------------------------------------------

test_fail_model_without_system_prompt if {
	spec := {
		"models": {"assistant": {"provider": "bedrock"}, "triage": {"provider": "bedrock", "systemPrompt": "triage@1"}},
	}
	prompts.no_system_prompt == {{
		"msg": "model assistant has no versioned system prompt (systemPrompt id@version)",
		"resource": null,
		"pointer": "/spec/models/assistant/systemPrompt",
	}} with input as _input(spec, [])
}

test_pass_every_model_has_a_system_prompt if {
	prompts.no_system_prompt == set() with input as _input(_spec, [])
}

# -- LLM-PRM-002 --------------------------------------------------------------------------------

test_fail_system_prompt_version_not_published if {
	prompts.unpublished_prompt == {{
		"msg": "model assistant runs prompt system@2, which the Plan does not publish as a prompt version",
		"resource": null,
		"pointer": "/spec/models/assistant/systemPrompt",
	}} with input as _input(_spec, [_prompt, _version(1)])
}

test_pass_system_prompt_version_published if {
	prompts.unpublished_prompt == set() with input as _input(_spec, [_prompt, _version(2)])
}

# -- LLM-PRM-003 --------------------------------------------------------------------------------

test_fail_prompt_without_model if {
	spec := {"prompts": {"system": {"file": "prompts/system.txt", "version": 2}}}
	prompts.prompt_without_model == {{
		"msg": "prompt system does not name the model it is written for",
		"resource": null,
		"pointer": "/spec/prompts/system/model",
	}} with input as _input(spec, [])
}

test_pass_prompt_names_its_model if {
	prompts.prompt_without_model == set() with input as _input(_spec, [])
}

# -- LLM-PRM-004 --------------------------------------------------------------------------------

test_fail_model_runs_a_prompt_written_for_another if {
	spec := object.union(_spec, {"models": {"helper": {"provider": "bedrock", "systemPrompt": "system@2"}}})
	prompts.prompt_for_other_model == {{
		"msg": "model helper runs prompt system, which is written for model assistant",
		"resource": null,
		"pointer": "/spec/models/helper/systemPrompt",
	}} with input as _input(spec, [])
}

test_pass_model_runs_its_own_prompt if {
	prompts.prompt_for_other_model == set() with input as _input(_spec, [])
}
