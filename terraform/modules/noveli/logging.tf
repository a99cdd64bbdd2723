# Logs for incidents and for comparing colors: API access logs (one JSON line per request on the
# live, blue and green stages, naming the stage and its `deployment` color), API execution logs
# at ERROR, WAF logs (where enable_waf_logging), VPC flow logs (where there is a VPC). Every log
# group has the environment's retention and is encrypted with its key.

resource "aws_cloudwatch_log_group" "api_access" {
  name              = "/aws/apigateway/${local.name}-api/access"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.main.arn
}

locals {
  # JSON access log line. $context.authorizer.claims.sub is the signed-in user ("-" on /health);
  # $stageVariables.deployment is the color that answered, so colors compare line by line.
  access_log_format = jsonencode({
    requestId            = "$context.requestId"
    extendedRequestId    = "$context.extendedRequestId"
    requestTime          = "$context.requestTime"
    stage                = "$context.stage"
    deployment           = "$stageVariables.deployment"
    httpMethod           = "$context.httpMethod"
    resourcePath         = "$context.resourcePath"
    status               = "$context.status"
    latencyMs            = "$context.responseLatency"
    integrationLatencyMs = "$context.integration.latency"
    integrationStatus    = "$context.integration.status"
    responseLength       = "$context.responseLength"
    userSub              = "$context.authorizer.claims.sub"
    sourceIp             = "$context.identity.sourceIp"
    userAgent            = "$context.identity.userAgent"
    wafStatus            = "$context.waf.status"
    errorMessage         = "$context.error.message"
    xrayTraceId          = "$context.xrayTraceId"
  })
}

# API Gateway creates each stage's execution log group on first use, without a retention; created
# here first, it keeps the environment's.
resource "aws_cloudwatch_log_group" "api_execution" {
  for_each = toset(concat(["live"], local.colors))

  name              = "API-Gateway-Execution-Logs_${aws_api_gateway_rest_api.story.id}/${each.key}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.main.arn
}

# Execution logging needs the region's API Gateway account setting to name a role that may write
# to CloudWatch Logs. It is one setting per account and region: environments sharing an account
# each set it to their own role, which holds the same AWS managed policy.
module "api_gateway_logs_role" {
  source = "../service-role"

  name           = "${local.name}-apigateway-logs"
  description    = "Lets API Gateway write the noveli ${var.environment} execution and access logs"
  service        = "apigateway.amazonaws.com"
  source_account = local.account_id
  # The actions of the AWS managed AmazonAPIGatewayPushToCloudWatchLogs policy, inline: the role
  # serves every API of the account and region, so it writes any of their log groups.
  policy_json = data.aws_iam_policy_document.api_gateway_logs.json
}

moved {
  from = aws_iam_role.api_gateway_logs
  to   = module.api_gateway_logs_role.aws_iam_role.this
}

moved {
  from = aws_iam_role_policy.api_gateway_logs
  to   = module.api_gateway_logs_role.aws_iam_role_policy.this
}

data "aws_iam_policy_document" "api_gateway_logs" {
  statement {
    sid = "PushApiLogs"
    actions = [
      "logs:CreateLogGroup",
      "logs:CreateLogStream",
      "logs:DescribeLogGroups",
      "logs:DescribeLogStreams",
      "logs:PutLogEvents",
      "logs:GetLogEvents",
      "logs:FilterLogEvents",
    ]
    resources = ["arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:*"]
  }
}

resource "aws_api_gateway_account" "this" {
  cloudwatch_role_arn = module.api_gateway_logs_role.arn
  depends_on          = [module.api_gateway_logs_role] # its policy too
}

# ------------------------------------------------------------------------------------ WAF logs

locals {
  waf_logging_enabled = var.enable_waf && var.enable_waf_logging
}

# WAF only delivers to log groups whose name starts with aws-waf-logs-.
resource "aws_cloudwatch_log_group" "waf" {
  count = local.waf_logging_enabled ? 1 : 0

  name              = "aws-waf-logs-${local.name}-api"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.main.arn
}

resource "aws_wafv2_web_acl_logging_configuration" "api" {
  count = local.waf_logging_enabled ? 1 : 0

  resource_arn            = aws_wafv2_web_acl.api[0].arn
  log_destination_configs = [aws_cloudwatch_log_group.waf[0].arn]

  # The ID token travels in this header: it never goes into a log.
  redacted_fields {
    single_header {
      name = "authorization"
    }
  }
}

# ------------------------------------------------------------------------------ VPC flow logs

resource "aws_cloudwatch_log_group" "vpc_flow" {
  count = var.enable_vpc ? 1 : 0

  name              = "/aws/vpc/${local.name}-vpc/flow"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.main.arn
}

module "vpc_flow_logs_role" {
  source = "../service-role"
  count  = var.enable_vpc ? 1 : 0

  name           = "${local.name}-vpc-flow-logs"
  description    = "Lets VPC Flow Logs write the noveli ${var.environment} flow log group"
  service        = "vpc-flow-logs.amazonaws.com"
  source_account = local.account_id
  policy_json    = data.aws_iam_policy_document.vpc_flow_logs.json
}

moved {
  from = aws_iam_role.vpc_flow_logs[0]
  to   = module.vpc_flow_logs_role[0].aws_iam_role.this
}

moved {
  from = aws_iam_role_policy.vpc_flow_logs[0]
  to   = module.vpc_flow_logs_role[0].aws_iam_role_policy.this
}

data "aws_iam_policy_document" "vpc_flow_logs" {
  statement {
    sid       = "WriteFlowLogGroup"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
    resources = ["arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:/aws/vpc/${local.name}-vpc/flow:*"]
  }
}

resource "aws_flow_log" "vpc" {
  count = var.enable_vpc ? 1 : 0

  vpc_id                   = aws_vpc.main[0].id
  traffic_type             = "ALL"
  log_destination_type     = "cloud-watch-logs"
  log_destination          = aws_cloudwatch_log_group.vpc_flow[0].arn
  iam_role_arn             = module.vpc_flow_logs_role[0].arn
  max_aggregation_interval = 600
}
