"""Evaluation results as evidence: ingest what established harnesses measured, or measure a golden dataset on
Bedrock, and write one results file (schemas/eval-results.schema.json) that `check --eval-results` and `maturity
--eval-results` judge the spec's gates with.

One module per concern: metrics.py (the metric mapping table and how per-case values aggregate), bedrock.py
and promptfoo.py (one parser per harness output format, each giving Samples), results.py (the results document
built from samples), results_file.py (reading and checking a results file), policy_input.py (what the policy
engine is given), converse.py (the Bedrock Converse runner), render.py (the report of one run).
Nothing here is imported on the `check` path unless --eval-results is given; boto3 only by converse.py.
"""
