resource "aws_sns_topic" "alerts" {
  name              = "${local.name}-alerts"
  kms_master_key_id = aws_kms_key.main.arn
}

resource "aws_sns_topic_policy" "alerts" {
  arn    = aws_sns_topic.alerts.arn
  policy = data.aws_iam_policy_document.alerts_topic.json
}

data "aws_iam_policy_document" "alerts_topic" {
  statement {
    sid       = "AlertPublishers"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alerts.arn]

    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com", "budgets.amazonaws.com", "costalerts.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_sns_topic_subscription" "alert_email" {
  for_each = toset(var.alert_emails)

  topic_arn = aws_sns_topic.alerts.arn
  protocol  = "email"
  endpoint  = each.value
}

locals {
  alarm_actions = [aws_sns_topic.alerts.arn]
}

resource "aws_cloudwatch_metric_alarm" "lambda_errors" {
  alarm_name          = "${local.name}-lambda-errors"
  alarm_description   = "Story generator errors above ${var.alarm_lambda_errors_threshold} per 5 minutes"
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = aws_lambda_function.story_generator.function_name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 2
  threshold           = var.alarm_lambda_errors_threshold
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "lambda_duration" {
  alarm_name          = "${local.name}-lambda-duration"
  alarm_description   = "Story generator average duration above ${var.alarm_lambda_duration_ms} ms"
  namespace           = "AWS/Lambda"
  metric_name         = "Duration"
  dimensions          = { FunctionName = aws_lambda_function.story_generator.function_name }
  statistic           = "Average"
  period              = 120
  evaluation_periods  = 2
  threshold           = var.alarm_lambda_duration_ms
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

# 5XXError is 0 or 1 per request, so its average is the share of failed requests.
resource "aws_cloudwatch_metric_alarm" "api_5xx" {
  alarm_name          = "${local.name}-api-5xx"
  alarm_description   = "More than ${var.alarm_api_5xx_rate * 100}% of live API requests answered 5xx"
  namespace           = "AWS/ApiGateway"
  metric_name         = "5XXError"
  dimensions          = { ApiName = aws_api_gateway_rest_api.story.name, Stage = aws_api_gateway_stage.live.stage_name }
  statistic           = "Average"
  period              = 60
  evaluation_periods  = 3
  datapoints_to_alarm = 2
  threshold           = var.alarm_api_5xx_rate
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "dynamodb_throttles" {
  alarm_name          = "${local.name}-dynamodb-throttles"
  alarm_description   = "Any throttled request on the story table"
  namespace           = "AWS/DynamoDB"
  metric_name         = "ThrottledRequests"
  dimensions          = { TableName = aws_dynamodb_table.story_sessions.name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 2
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "dlq_messages" {
  alarm_name          = "${local.name}-dlq-messages"
  alarm_description   = "Failed asynchronous story generations waiting in the DLQ"
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = local.dlq_name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

# Per color: the alarms that can see a canary. The ones above mix both aliases (FunctionName only);
# AWS/Lambda also publishes each alias's figures under FunctionName + Resource = <function>:<alias>.
# One-minute periods, 2 of 3 breaching: quick enough to fire within a canary step of a few minutes.
locals {
  color_resources = { for color in local.colors : color => "${aws_lambda_function.story_generator.function_name}:${aws_lambda_alias.color[color].name}" }
}

resource "aws_cloudwatch_metric_alarm" "color_error_rate" {
  for_each = toset(local.colors)

  alarm_name          = "${local.name}-${each.key}-error-rate"
  alarm_description   = "More than ${var.alarm_color_error_rate * 100}% of the ${each.key} alias's invocations failed"
  comparison_operator = "GreaterThanThreshold"
  evaluation_periods  = 3
  datapoints_to_alarm = 2
  threshold           = var.alarm_color_error_rate
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  metric_query {
    id          = "rate"
    expression  = "IF(invocations > 0, errors / invocations, 0)"
    label       = "${each.key} error rate"
    return_data = true
  }

  dynamic "metric_query" {
    for_each = { errors = "Errors", invocations = "Invocations" }
    content {
      id = metric_query.key
      metric {
        namespace   = "AWS/Lambda"
        metric_name = metric_query.value
        dimensions  = { FunctionName = aws_lambda_function.story_generator.function_name, Resource = local.color_resources[each.key] }
        stat        = "Sum"
        period      = 60
      }
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "color_duration_p95" {
  for_each = toset(local.colors)

  alarm_name          = "${local.name}-${each.key}-duration-p95"
  alarm_description   = "p95 duration of the ${each.key} alias above ${var.alarm_color_p95_ms} ms"
  namespace           = "AWS/Lambda"
  metric_name         = "Duration"
  dimensions          = { FunctionName = aws_lambda_function.story_generator.function_name, Resource = local.color_resources[each.key] }
  extended_statistic  = "p95"
  period              = 60
  evaluation_periods  = 3
  datapoints_to_alarm = 2
  threshold           = var.alarm_color_p95_ms
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

locals {
  color_alarms = { for color in local.colors : color => [aws_cloudwatch_metric_alarm.color_error_rate[color], aws_cloudwatch_metric_alarm.color_duration_p95[color]] }

  alarms = concat([
    aws_cloudwatch_metric_alarm.lambda_errors,
    aws_cloudwatch_metric_alarm.lambda_duration,
    aws_cloudwatch_metric_alarm.api_5xx,
    aws_cloudwatch_metric_alarm.dynamodb_throttles,
    aws_cloudwatch_metric_alarm.dlq_messages,
  ], flatten([for color in local.colors : local.color_alarms[color]]))

  # One row of dashboard widgets per color: the alias's own Lambda figures and its story generations.
  color_widgets = flatten([
    for i, color in local.colors : [
      {
        type = "metric", x = 0, y = 24 + 6 * i, width = 12, height = 6
        properties = {
          title  = "Story generator: ${color} alias"
          region = local.region
          view   = "timeSeries"
          period = 60
          metrics = [
            ["AWS/Lambda", "Invocations", "FunctionName", aws_lambda_function.story_generator.function_name, "Resource", local.color_resources[color], { stat = "Sum" }],
            [".", "Errors", ".", ".", ".", ".", { stat = "Sum" }],
            [".", "Throttles", ".", ".", ".", ".", { stat = "Sum" }],
            [".", "Duration", ".", ".", ".", ".", { stat = "p95", yAxis = "right" }],
          ]
        }
      },
      {
        type = "metric", x = 12, y = 24 + 6 * i, width = 12, height = 6
        properties = {
          title  = "Story generation: ${color}"
          region = local.region
          view   = "timeSeries"
          period = 60
          metrics = [
            ["LiminalTransit/StoryGeneration", "SuccessRate", "Environment", var.environment, "Color", color, { stat = "Average", label = "success rate %" }],
            [".", ".", ".", ".", ".", ".", { stat = "SampleCount", label = "generations", yAxis = "right" }],
            [".", "ResponseTime", ".", ".", ".", ".", { stat = "p95", label = "response time p95", yAxis = "right" }],
          ]
        }
      },
    ]
  ])
}

resource "aws_cloudwatch_dashboard" "main" {
  dashboard_name = local.name

  dashboard_body = jsonencode({
    widgets = concat([
      {
        type = "metric", x = 0, y = 0, width = 12, height = 6
        properties = {
          title  = "Story generator"
          region = local.region
          view   = "timeSeries"
          period = 300
          metrics = [
            ["AWS/Lambda", "Invocations", "FunctionName", aws_lambda_function.story_generator.function_name, { stat = "Sum" }],
            [".", "Errors", ".", ".", { stat = "Sum" }],
            [".", "Throttles", ".", ".", { stat = "Sum" }],
            [".", "Duration", ".", ".", { stat = "p99", yAxis = "right" }],
          ]
        }
      },
      {
        type = "metric", x = 12, y = 0, width = 12, height = 6
        properties = {
          title  = "Live API"
          region = local.region
          view   = "timeSeries"
          period = 300
          metrics = [
            ["AWS/ApiGateway", "Count", "ApiName", aws_api_gateway_rest_api.story.name, "Stage", "live", { stat = "Sum" }],
            [".", "4XXError", ".", ".", ".", ".", { stat = "Sum" }],
            [".", "5XXError", ".", ".", ".", ".", { stat = "Sum" }],
            [".", "Latency", ".", ".", ".", ".", { stat = "p99", yAxis = "right" }],
          ]
        }
      },
      {
        type = "metric", x = 0, y = 6, width = 12, height = 6
        properties = {
          title  = "Story table"
          region = local.region
          view   = "timeSeries"
          period = 300
          metrics = [
            ["AWS/DynamoDB", "ConsumedReadCapacityUnits", "TableName", aws_dynamodb_table.story_sessions.name, { stat = "Sum" }],
            [".", "ConsumedWriteCapacityUnits", ".", ".", { stat = "Sum" }],
            [".", "ThrottledRequests", ".", ".", { stat = "Sum" }],
          ]
        }
      },
      {
        type = "metric", x = 12, y = 6, width = 12, height = 6
        properties = {
          title  = "AI providers: cost and tokens by provider"
          region = local.region
          view   = "timeSeries"
          period = 300
          metrics = [
            [{ expression = "SEARCH('{LiminalTransit/AIProviders,Provider} MetricName=\"Cost\"', 'Sum', 300)", id = "cost", label = "cost USD" }],
            [{ expression = "SEARCH('{LiminalTransit/AIProviders,Provider} MetricName=\"TokenCount\"', 'Sum', 300)", id = "tokens", label = "tokens", yAxis = "right" }],
          ]
        }
      },
      {
        type = "metric", x = 0, y = 12, width = 12, height = 6
        properties = {
          title  = "Story generation"
          region = local.region
          view   = "timeSeries"
          period = 300
          metrics = [
            [{ expression = "SEARCH('{LiminalTransit/StoryGeneration} MetricName=\"ResponseTime\"', 'p99', 300)", id = "latency", label = "response time p99" }],
            [{ expression = "SEARCH('{LiminalTransit/StoryGeneration} MetricName=\"SuccessRate\"', 'Average', 300)", id = "success", label = "success rate", yAxis = "right" }],
          ]
        }
      },
      {
        type = "alarm", x = 12, y = 12, width = 12, height = 6
        properties = {
          title  = "Alarms"
          alarms = [for alarm in local.alarms : alarm.arn]
        }
      },
      {
        type = "log", x = 0, y = 18, width = 24, height = 6
        properties = {
          title  = "Recent story generator logs"
          region = local.region
          query  = "SOURCE '${aws_cloudwatch_log_group.story_generator.name}' | fields @timestamp, @message | sort @timestamp desc | limit 100"
        }
      },
    ], local.color_widgets)
  })
}
