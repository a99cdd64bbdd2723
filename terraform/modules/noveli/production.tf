# Production extras, each behind its own variable: provisioned concurrency with auto scaling,
# budget, cost anomaly monitor, cross-region backup table and Route 53 failover.

# ----- Provisioned concurrency: both colors stay warm, so a traffic switch never lands cold -----

resource "aws_lambda_provisioned_concurrency_config" "color" {
  for_each = local.provisioned_concurrency_enabled ? toset(local.colors) : toset([])

  function_name                     = aws_lambda_function.story_generator.function_name
  qualifier                         = aws_lambda_alias.color[each.key].name
  provisioned_concurrent_executions = var.provisioned_concurrency.min

  # Application Auto Scaling moves the figure between min and max.
  lifecycle {
    ignore_changes = [provisioned_concurrent_executions]
  }
}

resource "aws_appautoscaling_target" "provisioned_concurrency" {
  for_each = aws_lambda_provisioned_concurrency_config.color

  service_namespace  = "lambda"
  scalable_dimension = "lambda:function:ProvisionedConcurrency"
  resource_id        = "function:${aws_lambda_function.story_generator.function_name}:${each.value.qualifier}"
  min_capacity       = var.provisioned_concurrency.min
  max_capacity       = var.provisioned_concurrency.max
}

resource "aws_appautoscaling_policy" "provisioned_concurrency" {
  for_each = aws_appautoscaling_target.provisioned_concurrency

  name               = "${local.name}-${each.key}-provisioned-concurrency"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = each.value.service_namespace
  scalable_dimension = each.value.scalable_dimension
  resource_id        = each.value.resource_id

  target_tracking_scaling_policy_configuration {
    target_value = var.provisioned_concurrency.target_utilization

    predefined_metric_specification {
      predefined_metric_type = "LambdaProvisionedConcurrencyUtilization"
    }
  }
}

# ----- Budget: 80% of actual and 100% of forecast spend, as in the seed -----

resource "aws_budgets_budget" "monthly" {
  count = local.budget_enabled ? 1 : 0

  name         = "${local.name}-monthly"
  budget_type  = "COST"
  limit_amount = format("%.2f", var.monthly_budget_usd)
  limit_unit   = "USD"
  time_unit    = "MONTHLY"

  # The CostCenter tag (set on every resource by the environment's default_tags) must be
  # activated as a cost allocation tag in the billing console.
  cost_filter {
    name   = "TagKeyValue"
    values = ["user:CostCenter$${local.name}"]
  }

  # The seed's two notifications: 80% of actual and 100% of forecast spend.
  notification {
    comparison_operator        = "GREATER_THAN"
    threshold                  = 80
    threshold_type             = "PERCENTAGE"
    notification_type          = "ACTUAL"
    subscriber_sns_topic_arns  = [aws_sns_topic.alerts.arn]
    subscriber_email_addresses = var.alert_emails
  }

  notification {
    comparison_operator        = "GREATER_THAN"
    threshold                  = 100
    threshold_type             = "PERCENTAGE"
    notification_type          = "FORECASTED"
    subscriber_sns_topic_arns  = [aws_sns_topic.alerts.arn]
    subscriber_email_addresses = var.alert_emails
  }

  depends_on = [aws_sns_topic_policy.alerts]
}

# ----- Cost anomaly monitor on the environment's CostCenter tag -----

resource "aws_ce_anomaly_monitor" "environment" {
  count = local.cost_anomaly_monitor_enabled ? 1 : 0

  name         = "${local.name}-cost"
  monitor_type = "CUSTOM"

  monitor_specification = jsonencode({
    Tags = {
      Key          = "CostCenter"
      Values       = [local.name]
      MatchOptions = ["EQUALS"]
    }
  })
}

resource "aws_ce_anomaly_subscription" "environment" {
  count = local.cost_anomaly_monitor_enabled ? 1 : 0

  name             = "${local.name}-cost-anomalies"
  frequency        = "IMMEDIATE" # required for an SNS subscriber
  monitor_arn_list = [aws_ce_anomaly_monitor.environment[0].arn]

  subscriber {
    type    = "SNS"
    address = aws_sns_topic.alerts.arn
  }

  threshold_expression {
    dimension {
      key           = "ANOMALY_TOTAL_IMPACT_ABSOLUTE"
      values        = [format("%.0f", var.cost_anomaly_threshold_usd)]
      match_options = ["GREATER_THAN_OR_EQUAL"]
    }
  }

  depends_on = [aws_sns_topic_policy.alerts]
}

# ----- Cross-region backup table: same schema, PITR and a customer key of its own region -----

resource "aws_kms_key" "backup" {
  count    = local.backup_table_enabled ? 1 : 0
  provider = aws.backup

  description             = "noveli ${var.environment}: cross-region backup table"
  deletion_window_in_days = var.environment == "production" ? 30 : 7
  enable_key_rotation     = true
}

resource "aws_kms_alias" "backup" {
  count    = local.backup_table_enabled ? 1 : 0
  provider = aws.backup

  name          = "alias/${local.name}-backup"
  target_key_id = aws_kms_key.backup[0].key_id
}

resource "aws_dynamodb_table" "backup" {
  count    = local.backup_table_enabled ? 1 : 0
  provider = aws.backup

  name                        = "${local.name}-story-sessions-backup"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "session_id"
  range_key                   = "timestamp"
  deletion_protection_enabled = var.table_deletion_protection

  attribute {
    name = "session_id"
    type = "S"
  }

  attribute {
    name = "timestamp"
    type = "N"
  }

  attribute {
    name = "user_id"
    type = "S"
  }

  global_secondary_index {
    name            = "UserStoryIndex"
    hash_key        = "user_id"
    range_key       = "timestamp"
    projection_type = "ALL"
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = aws_kms_key.backup[0].arn
  }

  ttl {
    attribute_name = "expires_at"
    enabled        = true
  }

  tags = {
    Name    = "${local.name}-story-sessions-backup"
    Purpose = "disaster-recovery"
  }
}

# ----- Route 53 failover for a custom API domain -----

resource "aws_api_gateway_domain_name" "api" {
  count = local.failover_enabled ? 1 : 0

  domain_name              = var.failover.domain_name
  regional_certificate_arn = var.failover.certificate_arn
  security_policy          = "TLS_1_2"

  endpoint_configuration {
    types = ["REGIONAL"]
  }
}

resource "aws_api_gateway_base_path_mapping" "live" {
  count = local.failover_enabled ? 1 : 0

  api_id      = aws_api_gateway_rest_api.story.id
  stage_name  = aws_api_gateway_stage.live.stage_name
  domain_name = aws_api_gateway_domain_name.api[0].domain_name
}

resource "aws_route53_health_check" "api" {
  count = local.failover_enabled ? 1 : 0

  fqdn              = "${aws_api_gateway_rest_api.story.id}.execute-api.${local.region}.amazonaws.com"
  port              = 443
  type              = "HTTPS"
  enable_sni        = true
  resource_path     = "/${aws_api_gateway_stage.live.stage_name}${var.failover.health_check_path}"
  failure_threshold = var.failover.failure_threshold
  request_interval  = var.failover.request_interval_s

  tags = { Name = "${local.name}-api" }
}

resource "aws_route53_record" "api_primary" {
  count = local.failover_enabled ? 1 : 0

  # Failover records of one name share one type: both are CNAMEs (the secondary is a host name).
  zone_id         = var.failover.zone_id
  name            = var.failover.domain_name
  type            = "CNAME"
  ttl             = 60
  set_identifier  = "${local.name}-primary"
  health_check_id = aws_route53_health_check.api[0].id
  records         = [aws_api_gateway_domain_name.api[0].regional_domain_name]

  failover_routing_policy {
    type = "PRIMARY"
  }
}

resource "aws_route53_record" "api_secondary" {
  count = local.failover_enabled ? 1 : 0

  zone_id        = var.failover.zone_id
  name           = var.failover.domain_name
  type           = "CNAME"
  ttl            = 60
  set_identifier = "${local.name}-secondary"
  records        = [var.failover.secondary_fqdn]

  failover_routing_policy {
    type = "SECONDARY"
  }
}
