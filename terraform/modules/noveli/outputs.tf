# Every identifier noveli needs. The names are a contract with src/terraform/outputs.ts (each
# environment passes them all on as its one output, `noveli`): add outputs freely, never rename these.

output "environment" {
  description = "Environment name."
  value       = var.environment
}

output "region" {
  description = "Region of the environment."
  value       = local.region
}

output "api_id" {
  description = "REST API id."
  value       = aws_api_gateway_rest_api.story.id
}

output "live_stage_name" {
  description = "Stage carrying live traffic; its deployment variable names the live color."
  value       = aws_api_gateway_stage.live.stage_name
}

output "color_stage_names" {
  description = "One stage per color, pinned to that color."
  value       = { for color, stage in aws_api_gateway_stage.color : color => stage.stage_name }
}

output "stage_invoke_urls" {
  description = "Invoke URLs of the live stage and of each color's stage."
  value       = merge({ live = aws_api_gateway_stage.live.invoke_url }, { for color, stage in aws_api_gateway_stage.color : color => stage.invoke_url })
}

output "function_name" {
  description = "Story generator function name."
  value       = aws_lambda_function.story_generator.function_name
}

output "alias_names" {
  description = "Alias of each color."
  value       = { for color, alias in aws_lambda_alias.color : color => alias.name }
}

output "alias_versions" {
  description = "Published version each alias points at (noveli passes it back as var.alias_versions)."
  value       = { for color, alias in aws_lambda_alias.color : color => alias.function_version }
}

output "published_version" {
  description = "Version published by the last apply (the target color's)."
  value       = aws_lambda_function.story_generator.version
}

output "code_sha256" {
  description = "Base64 SHA-256 of the deployed zip, as Lambda reports it (CodeSha256)."
  value       = local.code_sha256
}

output "provider_secret_name" {
  description = "Secrets Manager secret holding the AI provider API keys (NOVELI_PROVIDER_SECRET)."
  value       = aws_secretsmanager_secret.provider_keys.name
}

output "table_name" {
  description = "Story sessions table."
  value       = aws_dynamodb_table.story_sessions.name
}

output "table_arn" {
  description = "Story sessions table ARN."
  value       = aws_dynamodb_table.story_sessions.arn
}

output "kms_key_arn" {
  description = "The environment's customer managed key."
  value       = aws_kms_key.main.arn
}

output "alarm_names" {
  description = "Every CloudWatch alarm of the environment (switch-traffic watches them)."
  value       = [for alarm in local.alarms : alarm.alarm_name]
}

output "color_alarm_names" {
  description = "The per-color alarms among alarm_names (switch-traffic ignores the idle color's once traffic has left it)."
  value       = { for color, alarms in local.color_alarms : color => [for alarm in alarms : alarm.alarm_name] }
}

output "sns_topic_arn" {
  description = "Alerts topic (encrypted with the environment's key)."
  value       = aws_sns_topic.alerts.arn
}

output "dashboard_name" {
  description = "CloudWatch dashboard."
  value       = aws_cloudwatch_dashboard.main.dashboard_name
}

output "backup_table_name" {
  description = "Cross-region backup table, null when the environment has none."
  value       = local.backup_table_enabled ? aws_dynamodb_table.backup[0].name : null
}

output "backup_region" {
  description = "Region of the backup table, null when the environment has none."
  value       = local.backup_table_enabled ? var.backup_region : null
}

output "budget_name" {
  description = "Monthly budget, null when the environment has none."
  value       = local.budget_enabled ? aws_budgets_budget.monthly[0].name : null
}

output "monthly_budget_usd" {
  description = "Monthly budget limit in USD, null when the environment has none."
  value       = local.budget_enabled ? var.monthly_budget_usd : null
}

output "dlq_url" {
  description = "Dead-letter queue of asynchronous story generations, null on emulator targets (which have none)."
  value       = one(aws_sqs_queue.story_generator_dlq[*].url)
}

output "event_rule_name" {
  description = "EventBridge rule of story events."
  value       = aws_cloudwatch_event_rule.story_events.name
}

output "event_target_id" {
  description = "Target id of the story generator on the event rule (switch-traffic repoints it to the live alias)."
  value       = aws_cloudwatch_event_target.story_generator.target_id
}

output "log_group_name" {
  description = "Story generator log group."
  value       = aws_cloudwatch_log_group.story_generator.name
}

output "web_acl_arn" {
  description = "WAF web ACL on the API stages, null when WAF is off."
  value       = var.enable_waf ? aws_wafv2_web_acl.api[0].arn : null
}

output "vpc_id" {
  description = "The story generator's VPC, null when VPC is off."
  value       = var.enable_vpc ? aws_vpc.main[0].id : null
}

output "emulator_disabled_features" {
  description = "Features configured for this environment but switched off because the target is an emulator."
  value       = local.emulator_disabled_features
}

output "user_pool_id" {
  description = "Cognito user pool of the platform's users (the API's story routes accept its ID tokens)."
  value       = aws_cognito_user_pool.users.id
}

output "user_pool_client_id" {
  description = "App client of the platform's front end (SRP sign-in, no secret)."
  value       = aws_cognito_user_pool_client.web.id
}

output "synthetic_client_id" {
  description = "App client the synthetic health check signs in through (admin flow, IAM credentials needed)."
  value       = aws_cognito_user_pool_client.synthetic.id
}

output "synthetic_user_secret_name" {
  description = "Secrets Manager secret with the synthetic user's sign-in (JSON: username, password)."
  value       = aws_secretsmanager_secret.synthetic_user.name
}

output "api_access_log_group_name" {
  description = "Log group of the API's JSON access logs (every stage)."
  value       = aws_cloudwatch_log_group.api_access.name
}

output "daily_beat_quota" {
  description = "Story beats per user per UTC day, null when unlimited."
  value       = var.daily_beat_quota
}
