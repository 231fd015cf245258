package llmops.lib_test

import rego.v1

import data.llmops.lib

# -- tiers: declared in the spec, never read from an environment's name -----------------------

test_production_when_tier_is_production if {
	lib.is_production with input as {"context": {"environment": "dev", "tier": "production"}}
}

test_not_production_when_named_prod_but_declared_development if {
	not lib.is_production with input as {"context": {"environment": "prod", "tier": "development"}}
	lib.is_development with input as {"context": {"environment": "prod", "tier": "development"}}
}

test_not_production_when_staging if {
	not lib.is_production with input as {"context": {"environment": "prod", "tier": "staging"}}
	not lib.is_development with input as {"context": {"environment": "prod", "tier": "staging"}}
}

# A context without a tier (an old caller, a hand-made input) is judged as production.
test_production_when_tier_is_missing if {
	lib.is_production with input as {"context": {"environment": "sandbox"}}
	not lib.is_development with input as {"context": {"environment": "sandbox"}}
}

test_production_environments_come_from_the_context if {
	lib.production_environments == {"live", "prod-eu"} with input as {"context": {"productionEnvironments": ["live", "prod-eu"]}}
	lib.production_environments == {"prod"} with input as {"context": {"environment": "prod"}}
	lib.production_environments == set() with input as {"context": {"environment": "prod", "tier": "staging"}}
}

# -- where a finding points --------------------------------------------------------------------------

_variant_spec := {"spec": {"models": {"llama": {
	"revision": "a",
	"variants": [{"name": "blue", "revision": "b"}, {"name": "green"}],
}}}}

test_spec_at_reads_objects_and_lists if {
	lib.spec_at("/spec/models/llama/variants/0/revision") == "b" with input as {"spec": _variant_spec}
	lib.spec_at("/spec/models/llama/variants/1/revision") == null with input as {"spec": _variant_spec}
	lib.spec_at("/spec/models/llama/variants/7/revision") == null with input as {"spec": _variant_spec}
	lib.spec_at("/spec/models/nope") == null with input as {"spec": _variant_spec}
}

test_model_field_is_the_variants_own_when_it_sets_it if {
	blue := {"name": "endpoint-llama-model-blue", "source": "/spec/models/llama/variants/0"}
	green := {"name": "endpoint-llama-model-green", "source": "/spec/models/llama/variants/1"}
	lib.model_field(blue, "revision") == "/spec/models/llama/variants/0/revision" with input as {"spec": _variant_spec}
	lib.model_field(green, "revision") == "/spec/models/llama/revision" with input as {"spec": _variant_spec}
	lib.model_field(green, "container/version") == "/spec/models/llama/container/version" with input as {"spec": _variant_spec}
}

test_model_field_of_a_model_without_variants if {
	primary := {"name": "endpoint-llama-model-primary", "source": "/spec/models/llama/instanceType"}
	lib.model_field(primary, "revision") == "/spec/models/llama/revision" with input as {"spec": _variant_spec}
}

test_about_adds_the_subject if {
	lib.about(lib.spec_result("/spec/x", "m"), "s") == {"msg": "m", "resource": null, "pointer": "/spec/x", "subject": "s"}
	lib.field_result({"name": "r"}, "/spec/x/y", "m") == {"msg": "m", "resource": "r", "pointer": "/spec/x/y"}
}

test_production_when_tier_is_null_or_unknown if {
	lib.is_production with input as {"context": {"environment": "dev", "tier": null}}
	lib.is_production with input as {"context": {"environment": "dev", "tier": "qa"}}
	lib.is_production with input as {"context": {"environment": "dev", "tier": "Development"}}
}
