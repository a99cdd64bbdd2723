# REST API whose one Lambda integration picks the alias per stage through
# ${stageVariables.deployment}. The live stage carries traffic (noveli switch-traffic owns its
# variables after creation); the blue and green stages are pinned to their color for health checks.
# Every story route needs a token of the environment's user pool (cognito.tf); only GET /health
# is open, and it answers what a health check compares (color, version, code hash, environment).

resource "aws_api_gateway_rest_api" "story" {
  name        = "${local.name}-api"
  description = "noveli ${var.environment} story API"

  endpoint_configuration {
    types = ["REGIONAL"]
  }
}

resource "aws_api_gateway_resource" "proxy" {
  rest_api_id = aws_api_gateway_rest_api.story.id
  parent_id   = aws_api_gateway_rest_api.story.root_resource_id
  path_part   = "{proxy+}"
}

resource "aws_api_gateway_resource" "health" {
  rest_api_id = aws_api_gateway_rest_api.story.id
  parent_id   = aws_api_gateway_rest_api.story.root_resource_id
  path_part   = "health"
}

# API Gateway verifies the ID token (signature, expiry, audience) before the function runs and
# hands it the claims; the function still refuses a request without them (defense in depth).
resource "aws_api_gateway_authorizer" "users" {
  name            = "${local.name}-users"
  rest_api_id     = aws_api_gateway_rest_api.story.id
  type            = "COGNITO_USER_POOLS"
  provider_arns   = [aws_cognito_user_pool.users.arn]
  identity_source = "method.request.header.Authorization"
}

resource "aws_api_gateway_method" "proxy" {
  rest_api_id   = aws_api_gateway_rest_api.story.id
  resource_id   = aws_api_gateway_resource.proxy.id
  http_method   = "ANY"
  authorization = "COGNITO_USER_POOLS"
  authorizer_id = aws_api_gateway_authorizer.users.id
}

resource "aws_api_gateway_method" "root" {
  rest_api_id   = aws_api_gateway_rest_api.story.id
  resource_id   = aws_api_gateway_rest_api.story.root_resource_id
  http_method   = "ANY"
  authorization = "COGNITO_USER_POOLS"
  authorizer_id = aws_api_gateway_authorizer.users.id
}

# The one open route: health checks and DNS failover probe it without signing in.
resource "aws_api_gateway_method" "health" {
  rest_api_id   = aws_api_gateway_rest_api.story.id
  resource_id   = aws_api_gateway_resource.health.id
  http_method   = "GET"
  authorization = "NONE"
}

locals {
  # The alias is chosen at request time from the stage variable, so one integration serves both colors.
  lambda_integration_uri = "arn:${local.partition}:apigateway:${local.region}:lambda:path/2015-03-31/functions/${aws_lambda_function.story_generator.arn}:$${stageVariables.deployment}/invocations"
}

resource "aws_api_gateway_integration" "proxy" {
  rest_api_id             = aws_api_gateway_rest_api.story.id
  resource_id             = aws_api_gateway_resource.proxy.id
  http_method             = aws_api_gateway_method.proxy.http_method
  type                    = "AWS_PROXY"
  integration_http_method = "POST"
  uri                     = local.lambda_integration_uri
  timeout_milliseconds    = 29000
}

resource "aws_api_gateway_integration" "health" {
  rest_api_id             = aws_api_gateway_rest_api.story.id
  resource_id             = aws_api_gateway_resource.health.id
  http_method             = aws_api_gateway_method.health.http_method
  type                    = "AWS_PROXY"
  integration_http_method = "POST"
  uri                     = local.lambda_integration_uri
  timeout_milliseconds    = 29000
}

resource "aws_api_gateway_integration" "root" {
  rest_api_id             = aws_api_gateway_rest_api.story.id
  resource_id             = aws_api_gateway_rest_api.story.root_resource_id
  http_method             = aws_api_gateway_method.root.http_method
  type                    = "AWS_PROXY"
  integration_http_method = "POST"
  uri                     = local.lambda_integration_uri
  timeout_milliseconds    = 29000
}

resource "aws_api_gateway_deployment" "story" {
  rest_api_id = aws_api_gateway_rest_api.story.id
  description = "noveli ${var.environment} routes"

  triggers = {
    redeployment = sha1(jsonencode([
      aws_api_gateway_resource.proxy.id,
      aws_api_gateway_method.proxy.id,
      aws_api_gateway_method.root.id,
      aws_api_gateway_integration.proxy.id,
      aws_api_gateway_integration.proxy.uri,
      aws_api_gateway_integration.root.id,
      aws_api_gateway_integration.root.uri,
      aws_api_gateway_resource.health.id,
      aws_api_gateway_method.health.id,
      aws_api_gateway_method.health.authorization,
      aws_api_gateway_method.proxy.authorization,
      aws_api_gateway_method.root.authorization,
      aws_api_gateway_authorizer.users.id,
      aws_api_gateway_integration.health.id,
      aws_api_gateway_integration.health.uri,
    ]))
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_api_gateway_stage" "live" {
  rest_api_id          = aws_api_gateway_rest_api.story.id
  deployment_id        = aws_api_gateway_deployment.story.id
  stage_name           = "live"
  description          = "live traffic; the deployment variable names the live color"
  xray_tracing_enabled = true

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.api_access.arn
    format          = local.access_log_format
  }

  variables = {
    deployment = "blue"
  }

  # After creation `noveli switch-traffic` owns the live color and the canary (UpdateStage);
  # terraform must never put them back.
  lifecycle {
    ignore_changes = [variables, canary_settings]
  }
}

resource "aws_api_gateway_stage" "color" {
  for_each = toset(local.colors)

  rest_api_id          = aws_api_gateway_rest_api.story.id
  deployment_id        = aws_api_gateway_deployment.story.id
  stage_name           = each.key
  description          = "always the ${each.key} alias, for health checks"
  xray_tracing_enabled = true

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.api_access.arn
    format          = local.access_log_format
  }

  variables = {
    deployment = each.key
  }
}

locals {
  stages = merge({ live = aws_api_gateway_stage.live }, aws_api_gateway_stage.color)
}

resource "aws_api_gateway_method_settings" "throttling" {
  for_each = local.stages

  rest_api_id = aws_api_gateway_rest_api.story.id
  stage_name  = each.value.stage_name
  method_path = "*/*"

  settings {
    metrics_enabled        = true
    logging_level          = "ERROR"
    data_trace_enabled     = false
    throttling_rate_limit  = var.api_throttle_rate_limit
    throttling_burst_limit = var.api_throttle_burst_limit
  }

  # Execution logs need the account's CloudWatch role and their log groups' retention first.
  depends_on = [aws_api_gateway_account.this, aws_cloudwatch_log_group.api_execution]
}

# Each alias may be invoked by this API only (any stage, method and path).
resource "aws_lambda_permission" "api_gateway" {
  for_each = toset(local.colors)

  statement_id  = "AllowApiGatewayInvoke-${each.key}"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.story_generator.function_name
  qualifier     = aws_lambda_alias.color[each.key].name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_api_gateway_rest_api.story.execution_arn}/*/*"
}
