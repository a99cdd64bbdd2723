# The story generator's execution role: Lambda assumes it, this account's functions only.
module "story_generator_role" {
  source = "../service-role"

  name           = "${local.name}-story-generator"
  description    = "Execution role of the noveli ${var.environment} story generator"
  service        = "lambda.amazonaws.com"
  source_account = local.account_id
  policy_json    = data.aws_iam_policy_document.story_generator.json
}

# The role and policy were made here before the service-role module: moved, so a deployed
# environment keeps them (no destroy and re-create).
moved {
  from = aws_iam_role.story_generator
  to   = module.story_generator_role.aws_iam_role.this
}

moved {
  from = aws_iam_role_policy.story_generator
  to   = module.story_generator_role.aws_iam_role_policy.this
}

# Least privilege: every data action names its resource; the only "*" resources are actions
# that support no resource-level permission (X-Ray, PutMetricData, VPC network interfaces).
data "aws_iam_policy_document" "story_generator" {
  statement {
    sid       = "WriteOwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.story_generator.arn}:*"]
  }

  statement {
    sid = "StorySessionsTableAndIndexes"
    actions = [
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:UpdateItem",
      "dynamodb:DeleteItem",
      "dynamodb:Query",
      "dynamodb:ConditionCheckItem",
      "dynamodb:BatchGetItem",
    ]
    resources = [
      aws_dynamodb_table.story_sessions.arn,
      "${aws_dynamodb_table.story_sessions.arn}/index/*",
    ]
  }

  statement {
    sid       = "UseEnvironmentKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
    resources = [aws_kms_key.main.arn]
  }

  statement {
    sid       = "ReadProviderKeys"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [aws_secretsmanager_secret.provider_keys.arn]
  }

  statement {
    sid     = "InvokeBedrockModels"
    actions = ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]
    resources = flatten([for pattern in var.bedrock_model_patterns : [
      # Cross-region inference routes a request to the model in another region of the geography.
      "arn:${local.partition}:bedrock:*::foundation-model/${pattern}",
      "arn:${local.partition}:bedrock:${local.region}:${local.account_id}:inference-profile/*.${pattern}",
    ]])
  }

  dynamic "statement" {
    for_each = aws_sqs_queue.story_generator_dlq[*].arn
    content {
      sid       = "SendToDeadLetterQueue"
      actions   = ["sqs:SendMessage"]
      resources = [statement.value]
    }
  }

  statement {
    sid       = "PutMetricsInStoryNamespaces"
    actions   = ["cloudwatch:PutMetricData"]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "cloudwatch:namespace"
      values   = ["LiminalTransit/AIProviders", "LiminalTransit/StoryGeneration"]
    }
  }

  statement {
    sid       = "XRayTracing"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"]
  }

  dynamic "statement" {
    for_each = var.enable_vpc ? [1] : []
    content {
      sid = "VpcNetworkInterfaces"
      actions = [
        "ec2:CreateNetworkInterface",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DeleteNetworkInterface",
        "ec2:AssignPrivateIpAddresses",
        "ec2:UnassignPrivateIpAddresses",
      ]
      resources = ["*"]
    }
  }
}
