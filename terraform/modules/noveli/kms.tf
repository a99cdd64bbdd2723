# One customer managed key per environment encrypts the story table, the DLQ, the alerts topic,
# the provider secret, the Lambda environment and the log groups.
resource "aws_kms_key" "main" {
  description             = "noveli ${var.environment}: story data, queues, alerts, secrets and logs"
  deletion_window_in_days = var.environment == "production" ? 30 : 7
  enable_key_rotation     = true
  # Emulators enforce no key policy; without one the provider also skips its policy propagation
  # wait (five equal reads a second apart) on the way to everything the key encrypts.
  policy = var.emulator ? null : data.aws_iam_policy_document.kms.json
}

resource "aws_kms_alias" "main" {
  name          = "alias/${local.name}"
  target_key_id = aws_kms_key.main.key_id
}

data "aws_iam_policy_document" "kms" {
  # The account root delegates key use to IAM policies (the default key policy).
  statement {
    sid       = "AccountRootDelegatesToIam"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }

  # CloudWatch alarms, Budgets and Cost Anomaly Detection publish to the encrypted alerts topic
  # (the form AWS documents for each; the topic policy limits them to this account).
  statement {
    sid       = "AlertPublishersUseKeyForTopic"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey*"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com", "budgets.amazonaws.com", "costalerts.amazonaws.com"]
    }
  }

  # CloudWatch Logs encrypts the environment's log groups with this key.
  statement {
    sid       = "CloudWatchLogsEncryptLogGroups"
    actions   = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:DescribeKey"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["logs.${local.region}.amazonaws.com"]
    }

    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:*"]
    }
  }
}
