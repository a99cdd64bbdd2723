# The web ACL's rules, written once. Real AWS gets them as rule blocks (terraform reads them back
# and shows drift). Emulator targets get the same rules as rule_json: the provider then skips its
# costly diff of the rule set (aws_wafv2_web_acl's nested schema makes each plan spend about 3.5 s
# of CPU upgrading and diffing two rules, on the critical path of the plan), and moto stores the
# same web ACL either way.
locals {
  # In the WAF API's shape: rule_json takes them as they are, the rule blocks are written from them.
  waf_rules = [
    {
      Name             = "RateLimitPerIp"
      Priority         = 1
      Action           = { Block = {} }
      Statement        = { RateBasedStatement = { Limit = var.waf_rate_limit, AggregateKeyType = "IP" } }
      VisibilityConfig = { CloudWatchMetricsEnabled = true, MetricName = "${local.name}-rate-limit", SampledRequestsEnabled = true }
    },
    {
      Name             = "AWSManagedRulesCommonRuleSet"
      Priority         = 2
      OverrideAction   = { None = {} }
      Statement        = { ManagedRuleGroupStatement = { Name = "AWSManagedRulesCommonRuleSet", VendorName = "AWS" } }
      VisibilityConfig = { CloudWatchMetricsEnabled = true, MetricName = "${local.name}-common-rules", SampledRequestsEnabled = true }
    },
  ]
}

resource "aws_wafv2_web_acl" "api" {
  count = var.enable_waf ? 1 : 0

  name        = "${local.name}-api"
  description = "noveli ${var.environment}: per-IP rate limit and AWS managed common rules"
  scope       = "REGIONAL"

  default_action {
    allow {}
  }

  rule_json = var.emulator ? jsonencode(local.waf_rules) : null

  dynamic "rule" {
    for_each = [for rule in local.waf_rules : rule if !var.emulator]
    content {
      name     = rule.value.Name
      priority = rule.value.Priority

      # A rule of its own blocks; a managed rule group keeps its own rules' actions.
      dynamic "action" {
        for_each = can(rule.value.Action.Block) ? [1] : []
        content {
          block {}
        }
      }
      dynamic "override_action" {
        for_each = can(rule.value.OverrideAction.None) ? [1] : []
        content {
          none {}
        }
      }

      statement {
        dynamic "rate_based_statement" {
          for_each = can(rule.value.Statement.RateBasedStatement) ? [rule.value.Statement.RateBasedStatement] : []
          content {
            limit              = rate_based_statement.value.Limit
            aggregate_key_type = rate_based_statement.value.AggregateKeyType
          }
        }
        dynamic "managed_rule_group_statement" {
          for_each = can(rule.value.Statement.ManagedRuleGroupStatement) ? [rule.value.Statement.ManagedRuleGroupStatement] : []
          content {
            name        = managed_rule_group_statement.value.Name
            vendor_name = managed_rule_group_statement.value.VendorName
          }
        }
      }

      visibility_config {
        cloudwatch_metrics_enabled = rule.value.VisibilityConfig.CloudWatchMetricsEnabled
        metric_name                = rule.value.VisibilityConfig.MetricName
        sampled_requests_enabled   = rule.value.VisibilityConfig.SampledRequestsEnabled
      }
    }
  }

  visibility_config {
    cloudwatch_metrics_enabled = true
    metric_name                = "${local.name}-api"
    sampled_requests_enabled   = true
  }
}

# Every stage is reachable from the internet, so each one is protected, the live one first.
resource "aws_wafv2_web_acl_association" "stage" {
  for_each = var.enable_waf ? local.stages : {}

  resource_arn = each.value.arn
  web_acl_arn  = aws_wafv2_web_acl.api[0].arn
}
