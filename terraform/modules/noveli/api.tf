# REST API whose one Lambda integration picks the alias per stage through
# ${stageVariables.deployment}. The live stage carries traffic (noveli switch-traffic owns its
# variables after creation); the blue and green stages are pinned to their color for health checks.

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

resource "aws_api_gateway_method" "proxy" {
  rest_api_id   = aws_api_gateway_rest_api.story.id
  resource_id   = aws_api_gateway_resource.proxy.id
  http_method   = "ANY"
  authorization = "NONE"
}

resource "aws_api_gateway_method" "root" {
  rest_api_id   = aws_api_gateway_rest_api.story.id
  resource_id   = aws_api_gateway_rest_api.story.root_resource_id
  http_method   = "ANY"
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
    throttling_rate_limit  = var.api_throttle_rate_limit
    throttling_burst_limit = var.api_throttle_burst_limit
  }
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
