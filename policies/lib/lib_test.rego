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
