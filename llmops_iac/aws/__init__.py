"""boto3 checks against a real account: pre-flight before ``pulumi up`` and drift verification after it.

boto3 is imported lazily; offline commands never load it.
"""
