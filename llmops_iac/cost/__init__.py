"""Cost and capacity: the dated price table (prices), the monthly estimate (estimate), GPU memory fit (gpu),
live prices (live), cost diffs (diff) and renderings (render).

Offline by default (no AWS call, no pulumi import); ``live`` asks the AWS Price List API only when asked to.
"""
