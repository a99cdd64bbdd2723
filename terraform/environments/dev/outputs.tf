# Every output of the module, passed through unchanged: noveli reads them with `terraform output -json`.

output "environment" {
  description = "Environment name."
  value       = module.noveli.environment
}

output "region" {
  description = "Region of the environment."
  value       = module.noveli.region
}

output "api_id" {
  description = "REST API id."
  value       = module.noveli.api_id
}

output "live_stage_name" {
  description = "Stage carrying live traffic; its deployment variable names the live color."
  value       = module.noveli.live_stage_name
}

output "color_stage_names" {
  description = "One stage per color, pinned to that color."
  value       = module.noveli.color_stage_names
}

output "stage_invoke_urls" {
  description = "Invoke URLs of the live stage and of each color's stage."
  value       = module.noveli.stage_invoke_urls
}

output "function_name" {
  description = "Story generator function name."
  value       = module.noveli.function_name
}

output "alias_names" {
  description = "Alias of each color."
  value       = module.noveli.alias_names
}

output "alias_versions" {
  description = "Published version each alias points at (noveli passes it back as var.alias_versions)."
  value       = module.noveli.alias_versions
}

output "published_version" {
  description = "Version published by the last apply (the target color's)."
  value       = module.noveli.published_version
}

output "code_sha256" {
  description = "Base64 SHA-256 of the deployed zip, as Lambda reports it (CodeSha256)."
  value       = module.noveli.code_sha256
}

output "provider_secret_name" {
  description = "Secrets Manager secret holding the AI provider API keys (NOVELI_PROVIDER_SECRET)."
  value       = module.noveli.provider_secret_name
}

output "table_name" {
  description = "Story sessions table."
  value       = module.noveli.table_name
}

output "table_arn" {
  description = "Story sessions table ARN."
  value       = module.noveli.table_arn
}

output "kms_key_arn" {
  description = "The environment's customer managed key."
  value       = module.noveli.kms_key_arn
}

output "alarm_names" {
  description = "Every CloudWatch alarm of the environment (switch-traffic watches them)."
  value       = module.noveli.alarm_names
}

output "color_alarm_names" {
  description = "The per-color alarms among alarm_names (switch-traffic ignores the idle color's once traffic has left it)."
  value       = module.noveli.color_alarm_names
}

output "sns_topic_arn" {
  description = "Alerts topic (encrypted with the environment's key)."
  value       = module.noveli.sns_topic_arn
}

output "dashboard_name" {
  description = "CloudWatch dashboard."
  value       = module.noveli.dashboard_name
}

output "backup_table_name" {
  description = "Cross-region backup table, null when the environment has none."
  value       = module.noveli.backup_table_name
}

output "backup_region" {
  description = "Region of the backup table, null when the environment has none."
  value       = module.noveli.backup_region
}

output "budget_name" {
  description = "Monthly budget, null when the environment has none."
  value       = module.noveli.budget_name
}

output "monthly_budget_usd" {
  description = "Monthly budget limit in USD, null when the environment has none."
  value       = module.noveli.monthly_budget_usd
}

output "dlq_url" {
  description = "Dead-letter queue of asynchronous story generations."
  value       = module.noveli.dlq_url
}

output "event_rule_name" {
  description = "EventBridge rule of story events."
  value       = module.noveli.event_rule_name
}

output "event_target_id" {
  description = "Target id of the story generator on the event rule (switch-traffic repoints it to the live alias)."
  value       = module.noveli.event_target_id
}

output "log_group_name" {
  description = "Story generator log group."
  value       = module.noveli.log_group_name
}

output "web_acl_arn" {
  description = "WAF web ACL on the API stages, null when WAF is off."
  value       = module.noveli.web_acl_arn
}

output "vpc_id" {
  description = "The story generator's VPC, null when VPC is off."
  value       = module.noveli.vpc_id
}

output "emulator_disabled_features" {
  description = "Features configured for this environment but switched off because the target is an emulator."
  value       = module.noveli.emulator_disabled_features
}

output "user_pool_id" {
  description = "Cognito user pool of the platform's users (the API's story routes accept its ID tokens)."
  value       = module.noveli.user_pool_id
}

output "user_pool_client_id" {
  description = "App client of the platform's front end (SRP sign-in, no secret)."
  value       = module.noveli.user_pool_client_id
}

output "synthetic_client_id" {
  description = "App client the synthetic health check signs in through (admin flow, IAM credentials needed)."
  value       = module.noveli.synthetic_client_id
}

output "synthetic_user_secret_name" {
  description = "Secrets Manager secret with the synthetic user's sign-in (JSON: username, password)."
  value       = module.noveli.synthetic_user_secret_name
}

output "api_access_log_group_name" {
  description = "Log group of the API's JSON access logs (every stage)."
  value       = module.noveli.api_access_log_group_name
}

output "daily_beat_quota" {
  description = "Story beats per user per UTC day, null when unlimited."
  value       = module.noveli.daily_beat_quota
}
