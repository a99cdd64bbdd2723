locals {
  function_name = "${local.name}-story-generator"
  code_sha256   = filebase64sha256(var.lambda_package_path)

  # The target color gets the version this apply publishes; the other color keeps the version
  # noveli read from the outputs, or (first deploy) gets the new one as well.
  alias_versions = {
    for color in local.colors : color => (
      color == var.target_color ? aws_lambda_function.story_generator.version : lookup(var.alias_versions, color, aws_lambda_function.story_generator.version)
    )
  }
}

# Provider API keys (OpenAI, Anthropic). Created without a value: operators put it with
# `aws secretsmanager put-secret-value`, so no key ever sits in Terraform state.
resource "aws_secretsmanager_secret" "provider_keys" {
  name                    = "${local.name}-provider-keys"
  description             = "AI provider API keys of the noveli ${var.environment} story generator (JSON)"
  kms_key_id              = aws_kms_key.main.arn
  recovery_window_in_days = local.secret_recovery_window_days
}

# Failed asynchronous invocations (EventBridge) land here after Lambda's retries. Not on emulator
# targets (see local.dlq_enabled).
resource "aws_sqs_queue" "story_generator_dlq" {
  count = local.dlq_enabled ? 1 : 0

  name                              = local.dlq_name
  message_retention_seconds         = 1209600
  kms_master_key_id                 = aws_kms_key.main.arn
  kms_data_key_reuse_period_seconds = 300
}

# Created before the function so Lambda never creates it without a retention.
resource "aws_cloudwatch_log_group" "story_generator" {
  name              = "/aws/lambda/${local.function_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.main.arn
}

resource "aws_lambda_function" "story_generator" {
  function_name    = local.function_name
  description      = "noveli ${var.environment} story generator"
  role             = module.story_generator_role.arn
  runtime          = "nodejs22.x"
  handler          = "index.handler"
  architectures    = ["arm64"]
  filename         = var.lambda_package_path
  source_code_hash = local.code_sha256
  publish          = true
  memory_size      = var.lambda_memory_size
  timeout          = var.lambda_timeout_seconds
  # moto does not store the environment key of a function, so on emulator targets it would show
  # as a change on every plan (and publish a new version every deploy).
  kms_key_arn = var.emulator ? null : aws_kms_key.main.arn

  reserved_concurrent_executions = var.lambda_reserved_concurrency

  # Nothing here changes with the code (no hash of the zip): a code-only deploy is then one
  # UpdateFunctionCode, not a configuration update as well (the provider waits 5 s after each).
  # Health checks prove the code through the published version a color answers as and that
  # version's CodeSha256 from the Lambda API (versions are immutable).
  environment {
    variables = merge({
      DYNAMODB_TABLE         = aws_dynamodb_table.story_sessions.name
      NOVELI_PROVIDER_SECRET = aws_secretsmanager_secret.provider_keys.name
      APP_VERSION            = var.app_version
      NOVELI_ENV             = var.environment
      BEDROCK_REGION         = local.region
      NODE_OPTIONS           = "--enable-source-maps"
      }, var.daily_beat_quota == null ? {} : {
      NOVELI_DAILY_BEAT_QUOTA = tostring(var.daily_beat_quota)
    })
  }

  tracing_config {
    mode = "Active"
  }

  dynamic "dead_letter_config" {
    for_each = aws_sqs_queue.story_generator_dlq[*].arn
    content {
      target_arn = dead_letter_config.value
    }
  }

  dynamic "vpc_config" {
    for_each = var.enable_vpc ? [1] : []
    content {
      subnet_ids         = aws_subnet.private[*].id
      security_group_ids = [aws_security_group.story_generator[0].id]
    }
  }

  depends_on = [
    aws_cloudwatch_log_group.story_generator,
    module.story_generator_role, # its policy too
  ]
}

# Two aliases carry blue-green: API Gateway picks one through ${stageVariables.deployment}.
resource "aws_lambda_alias" "color" {
  for_each = toset(local.colors)

  name             = each.key
  description      = "${each.key} color of the noveli ${var.environment} story generator"
  function_name    = aws_lambda_function.story_generator.function_name
  function_version = local.alias_versions[each.key]
}
