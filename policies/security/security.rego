# Security: keys, encryption at rest, least-privilege IAM, private storage and networks.
package llmops.security

import rego.v1

import data.llmops.lib

_bucket_type := "aws:s3/bucket:Bucket"

# METADATA
# title: KMS keys rotate
# description: >-
#   The application's customer-managed key encrypts its logs, buckets, guardrails,
#   knowledge bases, vectors and topics. Automatic rotation (at most yearly) limits how
#   much data one key version protects and is required by most security baselines.
# related_resources:
#   - ref: https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html
# custom:
#   id: LLM-SEC-001
#   severity: error
#   security: true
#   remediation: >-
#     Enable automatic key rotation (enableKeyRotation true, rotationPeriodInDays at
#     most 365). llmops-iac's key rotates yearly: look for a transformation or edit that
#     turned it off.
#   frameworks:
#     owasp: [LLM02]
#     nist: [MEASURE 2.7]
#     euAiAct: [Article 15]
#     awsGenAiLens: [GENSEC01-BP03]
#   applies_to: [aws:kms/key:Key]
key_rotation_disabled contains lib.result(k, sprintf("KMS key %s does not rotate automatically", [k.name])) if {
	some k in lib.resources("aws:kms/key:Key")
	not object.get(k.inputs, "enableKeyRotation", false) == true
}

key_rotation_disabled contains lib.result(k, msg) if {
	some k in lib.resources("aws:kms/key:Key")
	object.get(k.inputs, "enableKeyRotation", false) == true
	k.inputs.rotationPeriodInDays > 365
	msg := sprintf("KMS key %s rotates every %d days, more than 365", [k.name, k.inputs.rotationPeriodInDays])
}

# METADATA
# title: Data at rest is encrypted with the application's key
# description: >-
#   Prompts, responses, documents, embeddings and alerts are stored in log groups, S3
#   buckets, vector stores, guardrails, knowledge-base data sources, prompts, SNS topics,
#   schedules and SageMaker data capture. Each must be encrypted with the application's
#   customer-managed KMS key, so access to the data is also governed (and revocable,
#   and audited in CloudTrail) through the key, not only by the service's own key.
# related_resources:
#   - ref: https://docs.aws.amazon.com/bedrock/latest/userguide/data-encryption.html
#   - ref: https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#customer-cmk
# custom:
#   id: LLM-SEC-002
#   severity: error
#   security: true
#   remediation: >-
#     Leave encryption at customer-managed (vector stores) so the resource uses the
#     application's KMS key.
#   frameworks:
#     owasp: [LLM02, LLM08]
#     nist: [MEASURE 2.7, MEASURE 2.10]
#     euAiAct: [Article 15]
#     awsGenAiLens: [GENSEC01-BP03]
#   applies_to:
#     - aws:cloudwatch/logGroup:LogGroup
#     - aws:s3/bucket:Bucket
#     - aws:s3/vectorsVectorBucket:VectorsVectorBucket
#     - aws:opensearch/serverlessSecurityPolicy:ServerlessSecurityPolicy
#     - aws:bedrock/guardrail:Guardrail
#     - aws:bedrock/agentDataSource:AgentDataSource
#     - aws:bedrock/agentPrompt:AgentPrompt
#     - aws:sns/topic:Topic
#     - aws:scheduler/schedule:Schedule
#     - aws:sagemaker/endpointConfiguration:EndpointConfiguration
not_encrypted_with_app_key contains lib.result(r, msg) if {
	some r in lib.resources_of(object.keys(_encrypted_by_key))
	some what, path in _encrypted_by_key[r.type]
	not lib.is_app_key(object.get(r.inputs, path, null))
	msg := sprintf("%s %s is not encrypted with the application's KMS key", [what, r.name])
}

not_encrypted_with_app_key contains lib.field_result(r, concat("/", [r.source, "encryption"]), msg) if {
	some r in lib.resources("aws:s3/vectorsVectorBucket:VectorsVectorBucket")
	not _vector_bucket_encrypted(r)
	msg := sprintf("vector bucket %s is not encrypted with the application's KMS key", [r.name])
}

not_encrypted_with_app_key contains lib.field_result(r, concat("/", [r.source, "encryption"]), msg) if {
	some r in lib.resources("aws:opensearch/serverlessSecurityPolicy:ServerlessSecurityPolicy")
	r.inputs.type == "encryption"
	not _aoss_encrypted(r)
	msg := sprintf("OpenSearch Serverless encryption policy %s does not use the application's KMS key", [r.name])
}

not_encrypted_with_app_key contains lib.result(b, msg) if {
	some b in lib.resources(_bucket_type)
	not _bucket_encrypted(b)
	msg := sprintf("S3 bucket %s is not encrypted with the application's KMS key", [b.name])
}

not_encrypted_with_app_key contains lib.result(r, msg) if {
	some r in lib.resources("aws:sagemaker/endpointConfiguration:EndpointConfiguration")
	capture := object.get(r.inputs, "dataCaptureConfig", null)
	capture != null
	not lib.is_app_key(object.get(capture, "kmsKeyId", null))
	msg := sprintf("SageMaker data capture of %s is not encrypted with the application's KMS key", [r.name])
}

# Resource type -> {what it is: the input path of its key}.
_encrypted_by_key := {
	"aws:cloudwatch/logGroup:LogGroup": {"log group": ["kmsKeyId"]},
	"aws:bedrock/guardrail:Guardrail": {"guardrail": ["kmsKeyArn"]},
	"aws:bedrock/agentDataSource:AgentDataSource": {
		"knowledge base data source": ["serverSideEncryptionConfiguration", "kmsKeyArn"],
	},
	"aws:bedrock/agentPrompt:AgentPrompt": {"prompt": ["customerEncryptionKeyArn"]},
	"aws:sns/topic:Topic": {"SNS topic": ["kmsMasterKeyId"]},
	"aws:scheduler/schedule:Schedule": {"schedule": ["kmsKeyArn"]},
}

_vector_bucket_encrypted(r) if {
	configs := object.get(r.inputs, "encryptionConfigurations", [])
	count(configs) > 0
	every c in configs {
		c.sseType == "aws:kms"
		lib.is_app_key(object.get(c, "kmsKeyArn", null))
	}
}

_aoss_encrypted(r) if {
	document := r.inputs.policy["fn::toJSON"]
	object.get(document, "AWSOwnedKey", true) == false
	lib.is_app_key(object.get(document, "KmsARN", null))
}

_bucket_encrypted(b) if {
	some e in lib.resources("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")
	lib.is_ref_to(e.inputs.bucket, b.name)
	count(e.inputs.rules) > 0
	every rule in e.inputs.rules {
		rule.applyServerSideEncryptionByDefault.sseAlgorithm in {"aws:kms", "aws:kms:dsse"}
		lib.is_app_key(object.get(rule.applyServerSideEncryptionByDefault, "kmsMasterKeyId", null))
	}
}

# METADATA
# title: IAM policies name their resources
# description: >-
#   An Allow statement on Resource "*" grants its actions on every resource of that
#   kind in the account - every model, bucket, key - so a prompt-injected or stolen
#   application credential reaches far beyond the application. The one exception is
#   ecr:GetAuthorizationToken, which AWS defines only on "*".
# related_resources:
#   - ref: https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege
# custom:
#   id: LLM-SEC-003
#   severity: error
#   security: true
#   remediation: >-
#     Name the resources (ARNs) the statement needs; llmops-iac's roles only ever use
#     "*" for ecr:GetAuthorizationToken.
#   frameworks:
#     owasp: [LLM06]
#     nist: [MEASURE 2.7]
#     euAiAct: [Article 15]
#     awsGenAiLens: [GENSEC01-BP01, GENSEC01-BP03]
#   applies_to: [aws:iam/rolePolicy:RolePolicy, aws:iam/policy:Policy]
wildcard_resource contains lib.about(lib.result(p, msg), _statement_subject(i, statement)) if {
	some p in lib.resources_of(lib.identity_policy_types)
	some i, statement in lib.statements(p)
	statement.Effect == "Allow"
	"*" in lib.as_list(object.get(statement, "Resource", []))
	actions := {a | some a in lib.as_list(object.get(statement, "Action", ["*"]))} - _star_only_actions
	count(actions) > 0
	msg := sprintf(
		"%s allows %s on every resource (*)",
		[_statement_label(p, i, statement), lib.join(", ", sort(actions))],
	)
}

# Actions AWS defines only on Resource "*".
_star_only_actions := {"ecr:GetAuthorizationToken"}

# METADATA
# title: IAM policies name their actions
# description: >-
#   An Allow statement with Action "*" or "service:*" (or with NotAction) grants every
#   current and future action of the service, including deleting, re-configuring and
#   sharing resources, far more than invoking a model or reading a bucket.
# related_resources:
#   - ref: https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege
# custom:
#   id: LLM-SEC-004
#   severity: error
#   security: true
#   remediation: List the actions the statement needs instead of a service wildcard.
#   frameworks:
#     owasp: [LLM06]
#     nist: [MEASURE 2.7]
#     euAiAct: [Article 15]
#     awsGenAiLens: [GENSEC01-BP01]
#   applies_to: [aws:iam/rolePolicy:RolePolicy, aws:iam/policy:Policy]
wildcard_action contains lib.about(lib.result(p, msg), concat(" ", [_statement_subject(i, statement), action])) if {
	some p in lib.resources_of(lib.identity_policy_types)
	some i, statement in lib.statements(p)
	statement.Effect == "Allow"
	some action in lib.as_list(object.get(statement, "Action", []))
	_service_wildcard(action)
	msg := sprintf("%s allows the wildcard action %s", [_statement_label(p, i, statement), action])
}

wildcard_action contains lib.about(lib.result(p, msg), concat(" ", [_statement_subject(i, statement), "NotAction"])) if {
	some p in lib.resources_of(lib.identity_policy_types)
	some i, statement in lib.statements(p)
	statement.Effect == "Allow"
	object.get(statement, "NotAction", null) != null
	msg := sprintf("%s allows everything except its NotAction list", [_statement_label(p, i, statement)])
}

_service_wildcard(action) if action == "*"

_service_wildcard(action) if {
	parts := split(action, ":")
	count(parts) == 2
	parts[1] == "*"
}

# What a finding on a policy statement is about: its Sid (stable while statements are added), else its position.
_statement_subject(_, statement) := statement.Sid if {
	is_string(statement.Sid)
	regex.match(`^[A-Za-z0-9]+$`, statement.Sid)
}

_statement_subject(i, statement) := sprintf("%d", [i]) if {
	not regex.match(`^[A-Za-z0-9]+$`, object.get(statement, "Sid", ""))
}

_statement_label(p, _, statement) := sprintf("statement %s of %s", [statement.Sid, p.name]) if {
	is_string(statement.Sid)
	regex.match(`^[A-Za-z0-9]+$`, statement.Sid)
}

_statement_label(p, i, statement) := sprintf("statement %d of %s", [i, p.name]) if {
	not regex.match(`^[A-Za-z0-9]+$`, object.get(statement, "Sid", ""))
}

# METADATA
# title: S3 buckets block public access
# description: >-
#   Buckets holding invocation logs, documents and captured requests must never become
#   public through an ACL or a bucket policy: each has a public access block with all
#   four settings on.
# related_resources:
#   - ref: https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html
# custom:
#   id: LLM-SEC-005
#   severity: error
#   security: true
#   remediation: >-
#     Give the bucket a BucketPublicAccessBlock with blockPublicAcls, blockPublicPolicy,
#     ignorePublicAcls and restrictPublicBuckets all true.
#   frameworks:
#     owasp: [LLM02]
#     nist: [MEASURE 2.7]
#     euAiAct: [Article 15]
#     awsGenAiLens: [GENSEC01-BP03]
#   applies_to: [aws:s3/bucket:Bucket]
public_bucket contains lib.result(b, sprintf("S3 bucket %s has no public access block", [b.name])) if {
	some b in lib.resources(_bucket_type)
	count(_access_blocks(b)) == 0
}

public_bucket contains lib.about(lib.result(b, msg), setting) if {
	some b in lib.resources(_bucket_type)
	some block in _access_blocks(b)
	some setting in ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"]
	not object.get(block.inputs, setting, false) == true
	msg := sprintf("S3 bucket %s does not set %s in its public access block", [b.name, setting])
}

_access_blocks(b) := [r |
	some r in lib.resources("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
	lib.is_ref_to(r.inputs.bucket, b.name)
]

# METADATA
# title: S3 buckets accept TLS only
# description: >-
#   A bucket policy that denies every request made without TLS (aws:SecureTransport
#   false) keeps logs, documents and captured requests off unencrypted connections.
# related_resources:
#   - ref: https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html
# custom:
#   id: LLM-SEC-006
#   severity: error
#   security: true
#   remediation: >-
#     Add a bucket policy statement that denies s3:* to Principal "*" on the bucket and
#     its objects when aws:SecureTransport is false.
#   frameworks:
#     owasp: [LLM02]
#     nist: [MEASURE 2.7]
#     euAiAct: [Article 15]
#     awsGenAiLens: [GENSEC01-BP02]
#   applies_to: [aws:s3/bucket:Bucket]
insecure_transport contains lib.result(b, sprintf("S3 bucket %s does not deny requests without TLS", [b.name])) if {
	some b in lib.resources(_bucket_type)
	not _tls_only(b)
}

_tls_only(b) if {
	some p in lib.resources("aws:s3/bucketPolicy:BucketPolicy")
	lib.is_ref_to(p.inputs.bucket, b.name)
	some statement in lib.statements(p)
	statement.Effect == "Deny"
	statement.Principal in {"*", {"AWS": "*"}}
	some action in lib.as_list(statement.Action)
	action in {"*", "s3:*"}
	value := statement.Condition.Bool["aws:SecureTransport"]
	value in {false, "false"}
}

# METADATA
# title: OpenSearch Serverless collections are not public
# description: >-
#   A network policy with AllowFromPublic true exposes the vector collection's endpoint
#   to the internet; only IAM then stands between an attacker and the embedded
#   documents. Keep it reachable from Bedrock and the listed VPC endpoints only.
# related_resources:
#   - ref: https://docs.aws.amazon.com/opensearch-service/latest/developerguide/serverless-network.html
# custom:
#   id: LLM-SEC-007
#   severity: error
#   security: true
#   remediation: Set publicAccess false on the vector store (and list vpcEndpoints if code in a VPC needs it).
#   frameworks:
#     owasp: [LLM08, LLM02]
#     nist: [MEASURE 2.7]
#     euAiAct: [Article 15]
#     awsGenAiLens: [GENSEC01-BP02]
#   applies_to: [aws:opensearch/serverlessSecurityPolicy:ServerlessSecurityPolicy]
public_collection contains lib.field_result(r, concat("/", [r.source, "publicAccess"]), msg) if {
	some r in lib.resources("aws:opensearch/serverlessSecurityPolicy:ServerlessSecurityPolicy")
	r.inputs.type == "network"
	some rule in lib.as_list(r.inputs.policy["fn::toJSON"])
	object.get(rule, "AllowFromPublic", false) == true
	msg := sprintf("OpenSearch Serverless network policy %s allows access from the public internet", [r.name])
}

# METADATA
# title: SageMaker model containers run in a VPC or network-isolated
# description: >-
#   A model container with internet access can exfiltrate prompts, responses and
#   weights, or be fed poisoned artefacts at start-up. Run it in your VPC (private
#   subnets and security groups you control) or with network isolation (weights from
#   S3 through modelDataUrl).
# related_resources:
#   - ref: https://docs.aws.amazon.com/sagemaker/latest/dg/mkt-algo-model-internet-free.html
#   - ref: https://docs.aws.amazon.com/sagemaker/latest/dg/host-vpc.html
# custom:
#   id: LLM-SEC-008
#   severity: warning
#   security: true
#   remediation: >-
#     Set vpc (subnetIds, securityGroupIds) on the model, or networkIsolation true with
#     modelDataUrl.
#   frameworks:
#     owasp: [LLM03, LLM02]
#     nist: [MEASURE 2.7]
#     euAiAct: [Article 15]
#     awsGenAiLens: [GENSEC01-BP02]
#   applies_to: [aws:sagemaker/model:Model]
open_model_network contains lib.field_result(m, lib.model_field(m, "vpc"), msg) if {
	some m in lib.resources("aws:sagemaker/model:Model")
	not object.get(m.inputs, "enableNetworkIsolation", false) == true
	object.get(m.inputs, "vpcConfig", null) == null
	msg := sprintf("SageMaker model %s runs with internet access: no VPC and no network isolation", [m.name])
}

# METADATA
# title: Service roles guard against the confused deputy
# description: >-
#   A role that an AWS service assumes (Bedrock, SageMaker, EventBridge Scheduler) must
#   only be assumable on behalf of this account: its trust policy conditions the service
#   principal on aws:SourceAccount or aws:SourceArn, so another account's resource
#   cannot make the service act with this role.
# related_resources:
#   - ref: https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html
# custom:
#   id: LLM-SEC-009
#   severity: error
#   security: true
#   remediation: >-
#     Add a Condition with aws:SourceAccount (the account ID) or aws:SourceArn to the
#     trust policy statement of the service principal.
#   frameworks:
#     owasp: [LLM06]
#     nist: [MEASURE 2.7]
#     euAiAct: [Article 15]
#     awsGenAiLens: [GENSEC01-BP01]
#   applies_to: [aws:iam/role:Role]
confused_deputy contains lib.result(role, msg) if {
	some role in lib.resources("aws:iam/role:Role")
	some statement in lib.as_list(role.inputs.assumeRolePolicy["fn::toJSON"].Statement)
	statement.Effect == "Allow"
	object.get(statement, ["Principal", "Service"], null) != null
	not _source_scoped(statement)
	msg := sprintf("role %s trusts an AWS service without an aws:SourceAccount or aws:SourceArn condition", [role.name])
}

_source_scoped(statement) if {
	some operator in object.keys(object.get(statement, "Condition", {}))
	some key in object.keys(statement.Condition[operator])
	lower(key) in {"aws:sourceaccount", "aws:sourcearn", "aws:sourceorgid"}
}
