"""spec.vectorStores → S3 Vectors (bucket + index) or an OpenSearch Serverless VECTORSEARCH collection.

OpenSearch Serverless: pulumi-aws has no resource for the vector *index*
inside a collection, and a Bedrock knowledge base needs the index to exist.
We use pulumi-aws-native's ``opensearchserverless.Index`` (CloudFormation's
AWS::OpenSearchServerless::Index through Cloud Control): it is declarative,
shows in ``pulumi preview`` and is judged by the policy pack like every other
resource. The alternatives were a dynamic provider calling the OpenSearch API
(custom code, SigV4, retries — ours to maintain and invisible to policies) or
asking users to create the index by hand (a half-deployed application).
"""

from __future__ import annotations

from llmops_iac.compile import tokens as T
from llmops_iac.compile.context import Ctx
from llmops_iac.compile.errors import CompileErrors
from llmops_iac.compile.plan import context, ref, to_json
from llmops_iac.spec.load import escape

# Field names the index is created with and the knowledge base maps.
VECTOR_FIELD = "embedding"
TEXT_FIELD = "text"
METADATA_FIELD = "metadata"
_AOSS_METHOD = {"cosine": ("lucene", "cosinesimil"), "euclidean": ("faiss", "l2"), "dot-product": ("faiss", "innerproduct")}


def dimensions(ctx: Ctx, store_name: str) -> int:
    """The store's vector size: declared, else the embedding model's."""
    store = ctx.app.spec.vector_stores[store_name]
    if store.dimensions is not None:
        return store.dimensions
    return ctx.app.spec.embeddings[store.embedding].dimensions


def compile_vector_stores(ctx: Ctx, errors: CompileErrors) -> None:
    """Add every vector store; KB roles that use a store are granted in knowledge.py."""
    for name, store in sorted(ctx.app.spec.vector_stores.items()):
        source = f"/spec/vectorStores/{escape(name)}"
        if store.type == "s3-vectors":
            if store.public_access:
                errors.add(f"{source}/publicAccess", "publicAccess applies to opensearch-serverless stores only",
                           "remove publicAccess: S3 Vectors is reached through IAM, never publicly")
            if store.vpc_endpoints:
                errors.add(f"{source}/vpcEndpoints", "vpcEndpoints apply to opensearch-serverless stores only",
                           "remove vpcEndpoints, or use type: opensearch-serverless")
            _s3_vectors(ctx, name, store, source)
        else:
            _opensearch(ctx, name, store, source)


def _s3_vectors(ctx: Ctx, name: str, store, source: str) -> None:
    encryption = ({"sseType": "aws:kms", "kmsKeyArn": ctx.key_arn()} if store.encryption == "customer-managed"
                  else {"sseType": "AES256"})
    bucket = f"vs-{name}-bucket"
    ctx.plan.add(bucket, T.S3_VECTOR_BUCKET, {
        "vectorBucketName": ctx.physical("s3-vector-bucket", name),
        "encryptionConfigurations": [encryption],
        "forceDestroy": False,
    }, source)
    ctx.plan.add(f"vs-{name}-index", T.S3_VECTOR_INDEX, {
        "indexName": ctx.physical("s3-vector-index", name),
        "vectorBucketName": ref(bucket, "vectorBucketName"),
        "dataType": "float32",
        "dimension": dimensions(ctx, name),
        "distanceMetric": store.metric,
        # Bedrock stores chunk text and metadata beside each vector; filterable
        # metadata is capped at 2 KB, so these two must be non-filterable.
        "metadataConfiguration": {"nonFilterableMetadataKeys": ["AMAZON_BEDROCK_TEXT", "AMAZON_BEDROCK_METADATA"]},
    }, source, meta={"embedding": store.embedding, "dimensions": dimensions(ctx, name)})


def collection_name(ctx: Ctx, name: str) -> str:
    return ctx.physical("aoss-collection", name)


def index_name(name: str) -> str:
    return f"{name}-vectors"[:80]


def _opensearch(ctx: Ctx, name: str, store, source: str) -> None:
    collection = collection_name(ctx, name)
    rules = [{"ResourceType": "collection", "Resource": [f"collection/{collection}"]}]
    encryption: dict = {"Rules": rules}
    if store.encryption == "customer-managed":
        encryption.update({"AWSOwnedKey": False, "KmsARN": ctx.key_arn()})
    else:
        encryption["AWSOwnedKey"] = True
    enc = ctx.plan.add(f"vs-{name}-encryption-policy", T.AOSS_SECURITY_POLICY, {
        "name": ctx.physical("aoss-policy", name, "enc"), "type": "encryption",
        "description": f"Encryption of the {collection} collection", "policy": to_json(encryption)}, source)
    network_rule: dict = {
        "Rules": [{"ResourceType": "collection", "Resource": [f"collection/{collection}"]}],
        "AllowFromPublic": bool(store.public_access),
    }
    if not store.public_access:
        network_rule["SourceServices"] = ["bedrock.amazonaws.com"]
        if store.vpc_endpoints:
            network_rule["SourceVPCEs"] = list(store.vpc_endpoints)
    net = ctx.plan.add(f"vs-{name}-network-policy", T.AOSS_SECURITY_POLICY, {
        "name": ctx.physical("aoss-policy", name, "net"), "type": "network",
        "description": f"Network access to the {collection} collection", "policy": to_json([network_rule])}, source,
        meta={"publicAccess": bool(store.public_access)})
    coll = f"vs-{name}-collection"
    ctx.plan.add(coll, T.AOSS_COLLECTION, {
        "name": collection, "type": "VECTORSEARCH",
        "description": f"{ctx.name} vector store {name}",
        "standbyReplicas": "ENABLED" if store.standby_replicas else "DISABLED",
    }, source, depends_on=[enc, net], meta={"embedding": store.embedding, "dimensions": dimensions(ctx, name)})
    principals = [ref(ctx.kb_roles[kb], "arn") for kb in sorted(ctx.kb_roles) if ctx.app.spec.knowledge_bases[kb].vector_store == name]
    principals.append(context("callerArn"))  # the deployer creates the index
    access = ctx.plan.add(f"vs-{name}-access-policy", T.AOSS_ACCESS_POLICY, {
        "name": ctx.physical("aoss-policy", name, "data"), "type": "data",
        "description": f"Who may read and write {collection}: its knowledge bases and the deployer",
        "policy": to_json([{
            "Rules": [
                {"ResourceType": "collection", "Resource": [f"collection/{collection}"],
                 "Permission": ["aoss:DescribeCollectionItems", "aoss:CreateCollectionItems", "aoss:UpdateCollectionItems"]},
                {"ResourceType": "index", "Resource": [f"index/{collection}/{index_name(name)}"],
                 "Permission": ["aoss:CreateIndex", "aoss:DescribeIndex", "aoss:ReadDocument", "aoss:WriteDocument",
                                "aoss:UpdateIndex"]},
            ],
            "Principal": principals,
        }]),
    }, source)
    engine, space = _AOSS_METHOD[store.metric]
    ctx.plan.add(f"vs-{name}-index", T.AOSS_INDEX, {
        "collectionEndpoint": ref(coll, "collectionEndpoint"),
        "indexName": index_name(name),
        "settings": {"index": {"knn": True, "knnAlgoParamEfSearch": 512}},
        "mappings": {"properties": {
            VECTOR_FIELD: {"type": "knn_vector", "dimension": dimensions(ctx, name),
                           "method": {"name": "hnsw", "engine": engine, "spaceType": space,
                                      "parameters": {"efConstruction": 512, "m": 16}}},
            TEXT_FIELD: {"type": "text"},
            METADATA_FIELD: {"type": "text", "index": False},
        }},
    }, source, depends_on=[access], meta={"embedding": store.embedding, "dimensions": dimensions(ctx, name)})
    ctx.plan.outputs[f"vectorStore.{name}.collectionEndpoint"] = ref(coll, "collectionEndpoint")
