"""Pulumi type tokens the compiler emits, and which of them take tags.

The deploy adapter maps each token to its pulumi_aws / pulumi_aws_native class;
tests/deploy checks both tables against the real classes.
"""

from __future__ import annotations

IAM_ROLE = "aws:iam/role:Role"
IAM_ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
KMS_KEY = "aws:kms/key:Key"
KMS_ALIAS = "aws:kms/alias:Alias"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
DASHBOARD = "aws:cloudwatch/dashboard:Dashboard"
S3_BUCKET = "aws:s3/bucket:Bucket"
S3_VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
S3_ENCRYPTION = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
S3_PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
S3_BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
S3_VECTOR_BUCKET = "aws:s3/vectorsVectorBucket:VectorsVectorBucket"
S3_VECTOR_INDEX = "aws:s3/vectorsIndex:VectorsIndex"
INVOCATION_LOGGING = "aws:bedrockmodel/invocationLoggingConfiguration:InvocationLoggingConfiguration"
INFERENCE_PROFILE = "aws:bedrock/inferenceProfile:InferenceProfile"
GUARDRAIL = "aws:bedrock/guardrail:Guardrail"
GUARDRAIL_VERSION = "aws:bedrock/guardrailVersion:GuardrailVersion"
KNOWLEDGE_BASE = "aws:bedrock/agentKnowledgeBase:AgentKnowledgeBase"
DATA_SOURCE = "aws:bedrock/agentDataSource:AgentDataSource"
PROMPT = "aws:bedrock/agentPrompt:AgentPrompt"
PROMPT_VERSION = "aws-native:bedrock:PromptVersion"
AOSS_COLLECTION = "aws:opensearch/serverlessCollection:ServerlessCollection"
AOSS_SECURITY_POLICY = "aws:opensearch/serverlessSecurityPolicy:ServerlessSecurityPolicy"
AOSS_ACCESS_POLICY = "aws:opensearch/serverlessAccessPolicy:ServerlessAccessPolicy"
AOSS_INDEX = "aws-native:opensearchserverless:Index"
SM_MODEL = "aws:sagemaker/model:Model"
SM_ENDPOINT_CONFIG = "aws:sagemaker/endpointConfiguration:EndpointConfiguration"
SM_ENDPOINT = "aws:sagemaker/endpoint:Endpoint"
SCALING_TARGET = "aws:appautoscaling/target:Target"
SCALING_POLICY = "aws:appautoscaling/policy:Policy"
BUDGET = "aws:budgets/budget:Budget"
SNS_TOPIC = "aws:sns/topic:Topic"
SNS_TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy"
SNS_SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
SCHEDULE = "aws:scheduler/schedule:Schedule"

TAGGABLE = frozenset({
    IAM_ROLE, KMS_KEY, LOG_GROUP, METRIC_ALARM, S3_BUCKET, S3_VECTOR_BUCKET, S3_VECTOR_INDEX, INFERENCE_PROFILE,
    GUARDRAIL, KNOWLEDGE_BASE, PROMPT, AOSS_COLLECTION, SM_MODEL, SM_ENDPOINT_CONFIG, SM_ENDPOINT, SCALING_TARGET,
    BUDGET, SNS_TOPIC,
})
"""Types whose pulumi class takes a ``tags`` map (PromptVersion's tags are a map too but version-scoped: left out)."""
