package llmops.security_test

import rego.v1

import data.llmops.security

# -- builders ---------------------------------------------------------------------------------

_key := {
	"name": "kms-key",
	"type": "aws:kms/key:Key",
	"source": "/metadata/name",
	"inputs": {"enableKeyRotation": true, "rotationPeriodInDays": 365},
}

_app_key := {"ref": "kms-key", "attr": "arn"}

_input(resources) := {"spec": {}, "plan": {"resources": resources}, "context": {"environment": "default"}}

_resource(name, type, inputs) := {"name": name, "type": type, "source": "/spec", "inputs": inputs}

_role_policy(statements) := _resource(
	"app-invoke-role-policy",
	"aws:iam/rolePolicy:RolePolicy",
	{"policy": {"fn::toJSON": {"Version": "2012-10-17", "Statement": statements}}},
)

_bucket := _resource("logs-bucket", "aws:s3/bucket:Bucket", {"bucket": "app-logs"})

_bucket_ref := {"ref": "logs-bucket", "attr": "id"}

_sse_type := "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"

_encryption(key) := _resource("logs-bucket-encryption", _sse_type, {
	"bucket": _bucket_ref,
	"rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": key}}],
})

_block_type := "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"

_block(restrict) := _resource("logs-bucket-public-access-block", _block_type, {
	"bucket": _bucket_ref,
	"blockPublicAcls": true,
	"blockPublicPolicy": true,
	"ignorePublicAcls": true,
	"restrictPublicBuckets": restrict,
})

_tls_statement := {
	"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
	"Resource": [{"ref": "logs-bucket", "attr": "arn"}],
	"Condition": {"Bool": {"aws:SecureTransport": "false"}},
}

_bucket_policy(statements) := _resource(
	"logs-bucket-policy",
	"aws:s3/bucketPolicy:BucketPolicy",
	{"bucket": _bucket_ref, "policy": {"fn::toJSON": {"Statement": statements}}},
)

_aoss_policy_type := "aws:opensearch/serverlessSecurityPolicy:ServerlessSecurityPolicy"

_config_type := "aws:sagemaker/endpointConfiguration:EndpointConfiguration"

_network_policy(public) := _resource("vs-docs-network-policy", _aoss_policy_type, {
	"type": "network",
	"policy": {
		"fn::toJSON": [
			{"Rules": [{"ResourceType": "collection", "Resource": ["collection/app-docs"]}], "AllowFromPublic": public},
		],
	},
})

_role(statement) := _resource(
	"kb-docs-role",
	"aws:iam/role:Role",
	{"assumeRolePolicy": {"fn::toJSON": {"Statement": [statement]}}},
)

# -- LLM-SEC-001 --------------------------------------------------------------------------------

test_fail_key_without_rotation if {
	key := _resource("kms-key", "aws:kms/key:Key", {"enableKeyRotation": false})
	security.key_rotation_disabled == {{
		"msg": "KMS key kms-key does not rotate automatically",
		"resource": "kms-key",
		"pointer": "/spec",
	}} with input as _input([key])
}

test_fail_key_rotation_period_over_a_year if {
	key := _resource("kms-key", "aws:kms/key:Key", {"enableKeyRotation": true, "rotationPeriodInDays": 730})
	security.key_rotation_disabled == {{
		"msg": "KMS key kms-key rotates every 730 days, more than 365",
		"resource": "kms-key",
		"pointer": "/spec",
	}} with input as _input([key])
}

test_pass_key_rotates_yearly if {
	security.key_rotation_disabled == set() with input as _input([_key])
}

# -- LLM-SEC-002 --------------------------------------------------------------------------------

test_fail_log_group_without_the_app_key if {
	group := _resource("invocation-logs", "aws:cloudwatch/logGroup:LogGroup", {"retentionInDays": 365})
	security.not_encrypted_with_app_key == {{
		"msg": "log group invocation-logs is not encrypted with the application's KMS key",
		"resource": "invocation-logs",
		"pointer": "/spec",
	}} with input as _input([_key, group])
}

test_fail_vector_bucket_with_aws_owned_key if {
	vectors := _resource(
		"vs-docs-bucket",
		"aws:s3/vectorsVectorBucket:VectorsVectorBucket",
		{"encryptionConfigurations": [{"sseType": "AES256"}]},
	)
	security.not_encrypted_with_app_key == {{
		"msg": "vector bucket vs-docs-bucket is not encrypted with the application's KMS key",
		"resource": "vs-docs-bucket",
		"pointer": "/spec/encryption",
	}} with input as _input([_key, vectors])
}

test_fail_opensearch_with_aws_owned_key if {
	policy := _resource(
		"vs-docs-encryption-policy",
		"aws:opensearch/serverlessSecurityPolicy:ServerlessSecurityPolicy",
		{"type": "encryption", "policy": {"fn::toJSON": {"Rules": [], "AWSOwnedKey": true}}},
	)
	count(security.not_encrypted_with_app_key) == 1 with input as _input([_key, policy])
}

test_fail_bucket_with_s3_managed_key if {
	encryption := _resource("logs-bucket-encryption", _sse_type, {
		"bucket": _bucket_ref,
		"rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}],
	})
	security.not_encrypted_with_app_key == {{
		"msg": "S3 bucket logs-bucket is not encrypted with the application's KMS key",
		"resource": "logs-bucket",
		"pointer": "/spec",
	}} with input as _input([_key, _bucket, encryption])
}

test_fail_data_capture_without_the_app_key if {
	config := _resource(
		"endpoint-llama-config",
		"aws:sagemaker/endpointConfiguration:EndpointConfiguration",
		{"dataCaptureConfig": {"enableCapture": true}},
	)
	count(security.not_encrypted_with_app_key) == 1 with input as _input([_key, config])
}

test_pass_everything_on_the_app_key if {
	resources := [
		_key, _bucket, _encryption(_app_key),
		_resource("invocation-logs", "aws:cloudwatch/logGroup:LogGroup", {"kmsKeyId": _app_key}),
		_resource("guardrail-g", "aws:bedrock/guardrail:Guardrail", {"kmsKeyArn": _app_key}),
		_resource("kb-docs-source", "aws:bedrock/agentDataSource:AgentDataSource", {
			"serverSideEncryptionConfiguration": {"kmsKeyArn": _app_key},
		}),
		_resource("prompt-p", "aws:bedrock/agentPrompt:AgentPrompt", {"customerEncryptionKeyArn": _app_key}),
		_resource("alarm-topic", "aws:sns/topic:Topic", {"kmsMasterKeyId": _app_key}),
		_resource("kb-docs-ingestion-schedule", "aws:scheduler/schedule:Schedule", {"kmsKeyArn": _app_key}),
		_resource("vs-docs-bucket", "aws:s3/vectorsVectorBucket:VectorsVectorBucket", {
			"encryptionConfigurations": [{"sseType": "aws:kms", "kmsKeyArn": _app_key}],
		}),
		_resource("vs-docs-encryption-policy", _aoss_policy_type, {
			"type": "encryption",
			"policy": {"fn::toJSON": {"AWSOwnedKey": false, "KmsARN": _app_key}},
		}),
		_resource("endpoint-llama-config", _config_type, {"dataCaptureConfig": {"kmsKeyId": _app_key}}),
		_resource("endpoint-bge-config", _config_type, {}),
	]
	security.not_encrypted_with_app_key == set() with input as _input(resources)
}

# -- LLM-SEC-003 --------------------------------------------------------------------------------

test_fail_allow_on_every_resource if {
	statement := {
		"Sid": "ReadEverything",
		"Effect": "Allow",
		"Action": ["s3:GetObject", "ecr:GetAuthorizationToken"],
		"Resource": "*",
	}
	security.wildcard_resource == {{
		"msg": "statement ReadEverything of app-invoke-role-policy allows s3:GetObject on every resource (*)",
		"resource": "app-invoke-role-policy",
		"pointer": "/spec",
		"subject": "ReadEverything",
	}} with input as _input([_role_policy([statement])])
}

test_pass_ecr_login_on_every_resource if {
	statement := {"Sid": "EcrLogin", "Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"}
	security.wildcard_resource == set() with input as _input([_role_policy([statement])])
}

test_pass_deny_on_every_resource if {
	statement := {"Effect": "Deny", "Action": "s3:*", "Resource": "*"}
	security.wildcard_resource == set() with input as _input([_role_policy([statement])])
}

# -- LLM-SEC-004 --------------------------------------------------------------------------------

test_fail_service_wildcard_action if {
	statement := {"Sid": "UseAppKey", "Effect": "Allow", "Action": ["kms:*"], "Resource": _app_key}
	security.wildcard_action == {{
		"msg": "statement UseAppKey of app-invoke-role-policy allows the wildcard action kms:*",
		"resource": "app-invoke-role-policy",
		"pointer": "/spec",
		"subject": "UseAppKey kms:*",
	}} with input as _input([_role_policy([statement])])
}

test_fail_not_action if {
	statement := {"Effect": "Allow", "NotAction": "iam:*", "Resource": _app_key}
	security.wildcard_action == {{
		"msg": "statement 0 of app-invoke-role-policy allows everything except its NotAction list",
		"resource": "app-invoke-role-policy",
		"pointer": "/spec",
		"subject": "0 NotAction",
	}} with input as _input([_role_policy([statement])])
}

test_pass_named_actions if {
	statement := {
		"Sid": "UseAppKey",
		"Effect": "Allow",
		"Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
		"Resource": _app_key,
	}
	security.wildcard_action == set() with input as _input([_role_policy([statement])])
}

# -- LLM-SEC-005 --------------------------------------------------------------------------------

test_fail_bucket_without_public_access_block if {
	security.public_bucket == {{
		"msg": "S3 bucket logs-bucket has no public access block",
		"resource": "logs-bucket",
		"pointer": "/spec",
	}} with input as _input([_bucket])
}

test_fail_bucket_with_one_setting_off if {
	security.public_bucket == {{
		"msg": "S3 bucket logs-bucket does not set restrictPublicBuckets in its public access block",
		"resource": "logs-bucket",
		"pointer": "/spec",
		"subject": "restrictPublicBuckets",
	}} with input as _input([_bucket, _block(false)])
}

test_pass_bucket_blocks_public_access if {
	security.public_bucket == set() with input as _input([_bucket, _block(true)])
}

# -- LLM-SEC-006 --------------------------------------------------------------------------------

test_fail_bucket_without_tls_policy if {
	security.insecure_transport == {{
		"msg": "S3 bucket logs-bucket does not deny requests without TLS",
		"resource": "logs-bucket",
		"pointer": "/spec",
	}} with input as _input([_bucket])
}

test_fail_bucket_policy_allows_plain_http if {
	allow := object.union(_tls_statement, {"Effect": "Allow"})
	count(security.insecure_transport) == 1 with input as _input([_bucket, _bucket_policy([allow])])
}

test_pass_bucket_denies_plain_http if {
	security.insecure_transport == set() with input as _input([_bucket, _bucket_policy([_tls_statement])])
}

# -- LLM-SEC-007 --------------------------------------------------------------------------------

test_fail_public_collection if {
	security.public_collection == {{
		"msg": "OpenSearch Serverless network policy vs-docs-network-policy allows access from the public internet",
		"resource": "vs-docs-network-policy",
		"pointer": "/spec/publicAccess",
	}} with input as _input([_network_policy(true)])
}

test_pass_private_collection if {
	security.public_collection == set() with input as _input([_network_policy(false)])
}

# -- LLM-SEC-008 --------------------------------------------------------------------------------

test_fail_model_with_internet_access if {
	model := _resource("endpoint-llama-model-primary", "aws:sagemaker/model:Model", {"enableNetworkIsolation": false})
	security.open_model_network == {{
		"msg": "SageMaker model endpoint-llama-model-primary runs with internet access: no VPC and no network isolation",
		"resource": "endpoint-llama-model-primary",
		"pointer": "/spec/vpc",
	}} with input as _input([model])
}

test_pass_model_in_a_vpc if {
	model := _resource(
		"endpoint-llama-model-primary",
		"aws:sagemaker/model:Model",
		{
			"enableNetworkIsolation": false,
			"vpcConfig": {"subnets": ["subnet-0123456789abcdef0"], "securityGroupIds": ["sg-0123456789abcdef0"]},
		},
	)
	security.open_model_network == set() with input as _input([model])
}

test_pass_network_isolated_model if {
	model := _resource("endpoint-llama-model-primary", "aws:sagemaker/model:Model", {"enableNetworkIsolation": true})
	security.open_model_network == set() with input as _input([model])
}

# -- LLM-SEC-009 --------------------------------------------------------------------------------

test_fail_service_role_without_source_condition if {
	trust := {"Effect": "Allow", "Principal": {"Service": "bedrock.amazonaws.com"}, "Action": "sts:AssumeRole"}
	security.confused_deputy == {{
		"msg": "role kb-docs-role trusts an AWS service without an aws:SourceAccount or aws:SourceArn condition",
		"resource": "kb-docs-role",
		"pointer": "/spec",
	}} with input as _input([_role(trust)])
}

test_pass_service_role_scoped_to_the_account if {
	trust := {
		"Effect": "Allow",
		"Principal": {"Service": "bedrock.amazonaws.com"},
		"Action": "sts:AssumeRole",
		"Condition": {"StringEquals": {"aws:SourceAccount": {"context": "accountId"}}},
	}
	security.confused_deputy == set() with input as _input([_role(trust)])
}

test_pass_account_role_needs_no_source_condition if {
	trust := {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "sts:AssumeRole"}
	security.confused_deputy == set() with input as _input([_role(trust)])
}
