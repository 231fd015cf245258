"""Pull-request review: `check --base REV` judges the specs as they were at REV too, and says what the change does.

- revision.py: resolve REV, unpack its tree into a temporary directory that reads like the repository,
  and the renames and deletions between REV and the working tree (git).
- base_run.py: run `check` over the same paths in that tree, with the same options, and turn its results
  into plain data keyed by the working tree's paths.
- compare.py: match base and head findings by a stable identity (never line numbers) and say, per spec,
  what is new, resolved, unchanged or no longer judged, and how the monthly cost moves.

The verdict (exit code) stays the head's alone: a comparison never turns a failure into a pass.
llmops_iac/report/review_markdown.py renders the pull-request comment that leads with the change.
"""
