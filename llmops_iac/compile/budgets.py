"""spec.budgets → an AWS Budget on the app's tags with actual and forecast alerts to an encrypted topic.

The budget filters on the ``app`` and ``environment`` tags every resource
carries. AWS only bills by tags that are *activated* as cost-allocation tags
(Billing console or `aws ce update-cost-allocation-tags-status`): do that
once per payer account, or the budget sees nothing.
"""

from __future__ import annotations

from llmops_iac.compile import tokens as T
from llmops_iac.compile.context import Ctx
from llmops_iac.compile.notify import topic
from llmops_iac.compile.plan import ref


def compile_budget(ctx: Ctx) -> None:
    """Add the monthly cost budget, its alert topic and subscribers."""
    budgets = ctx.app.spec.budgets
    source = "/spec/budgets"
    emails = list(budgets.notify.emails or ())
    extra_topics = list(budgets.notify.sns_topic_arns or ())
    alert_topic = topic(ctx, "budget-topic", "budget-alerts", source, publishers=["budgets.amazonaws.com"], emails=emails)
    subscribers = [ref(alert_topic, "arn")] + extra_topics
    notifications = [{
        "comparisonOperator": "GREATER_THAN", "notificationType": "ACTUAL", "threshold": float(t),
        "thresholdType": "PERCENTAGE", "subscriberSnsTopicArns": subscribers,
    } for t in budgets.alert_thresholds_percent]
    if budgets.forecast_alerts:
        notifications.append({"comparisonOperator": "GREATER_THAN", "notificationType": "FORECASTED", "threshold": 100.0,
                              "thresholdType": "PERCENTAGE", "subscriberSnsTopicArns": subscribers})
    ctx.plan.add("budget", T.BUDGET, {
        "name": ctx.physical("budget", "monthly"),
        "budgetType": "COST",
        "timeUnit": "MONTHLY",
        "limitAmount": _amount(budgets.monthly_usd),
        "limitUnit": "USD",
        "filterExpression": {"ands": [
            {"tags": {"key": "app", "values": [ctx.name], "matchOptions": ["EQUALS"]}},
            {"tags": {"key": "environment", "values": [ctx.environment], "matchOptions": ["EQUALS"]}},
        ]},
        "notifications": notifications,
    }, source, depends_on=[f"{alert_topic}-policy"], meta={
        "monthlyUsd": budgets.monthly_usd,
        "expectedTraffic": {
            "requestsPerDay": budgets.expected_traffic.requests_per_day,
            "inputTokensPerRequest": budgets.expected_traffic.input_tokens_per_request,
            "outputTokensPerRequest": budgets.expected_traffic.output_tokens_per_request,
            "peakToAverage": budgets.expected_traffic.peak_to_average,
        },
        "subscribers": len(emails) + len(extra_topics),
    })
    ctx.plan.outputs["budgetName"] = ref("budget", "name")


def _amount(value: float) -> str:
    text = f"{value:.2f}"
    return text[:-3] if text.endswith(".00") else text
