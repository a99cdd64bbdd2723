# ---------------------------------------------------------------------------------------------
# Identity of the environment and the target
# ---------------------------------------------------------------------------------------------

variable "environment" {
  description = "Environment name; every resource name starts with noveli-<environment>-."
  type        = string

  validation {
    condition     = contains(["dev", "staging", "production"], var.environment)
    error_message = "environment must be dev, staging or production."
  }
}

variable "emulator" {
  description = "True on emulator targets (moto, LocalStack): switches off every feature the emulator does not implement (see terraform/README.md)."
  type        = bool
  default     = false
}

# ---------------------------------------------------------------------------------------------
# Release inputs, passed by `noveli deploy`
# ---------------------------------------------------------------------------------------------

variable "lambda_package_path" {
  description = "Absolute path of the story-generator zip. Its SHA-256 becomes source_code_hash (and the code_sha256 output)."
  type        = string
}

variable "target_color" {
  description = "The alias (blue or green) that receives the newly published version."
  type        = string

  validation {
    condition     = contains(["blue", "green"], var.target_color)
    error_message = "target_color must be blue or green."
  }
}

variable "alias_versions" {
  description = "Versions the aliases point at now (from the outputs). The color that is not target_color keeps its entry; without one (first deploy) it gets the new version too."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for color, version in var.alias_versions : contains(["blue", "green"], color) && can(regex("^[0-9]+$", version))])
    error_message = "alias_versions maps blue/green to published version numbers, e.g. { blue = \"3\" }."
  }
}

variable "app_version" {
  description = "Application version reported by the Lambda (APP_VERSION)."
  type        = string
  default     = "0.0.0"
}

# ---------------------------------------------------------------------------------------------
# Lambda
# ---------------------------------------------------------------------------------------------

variable "lambda_memory_size" {
  description = "Memory of the story generator in MB."
  type        = number
  default     = 1024
}

variable "lambda_timeout_seconds" {
  description = "Timeout of the story generator in seconds."
  type        = number
  default     = 30
}

variable "lambda_reserved_concurrency" {
  description = "Reserved concurrent executions of the story generator (a cost ceiling as well as a guarantee)."
  type        = number
  default     = 100
}

variable "provisioned_concurrency" {
  description = "Provisioned concurrency per color alias, scaled between min and max by Application Auto Scaling on utilisation. null: none."
  type = object({
    min                = number
    max                = number
    target_utilization = optional(number, 0.7)
  })
  default = null
}

variable "bedrock_model_patterns" {
  description = "Bedrock model id patterns the story generator may invoke (foundation models and cross-region inference profiles)."
  type        = list(string)
  default     = ["anthropic.claude-*", "amazon.nova-*"]
}

# ---------------------------------------------------------------------------------------------
# Network and edge
# ---------------------------------------------------------------------------------------------

variable "enable_vpc" {
  description = "Run the story generator in private subnets of its own VPC (egress through NAT, DynamoDB through a gateway endpoint)."
  type        = bool
  default     = false
}

variable "vpc_cidr" {
  description = "CIDR of the environment's VPC (when enable_vpc)."
  type        = string
  default     = "10.40.0.0/16"
}

variable "nat_gateway_per_az" {
  description = "One NAT gateway per availability zone (resilient) instead of one shared (cheaper)."
  type        = bool
  default     = false
}

variable "enable_waf" {
  description = "Protect the API stages with a WAFv2 web ACL (rate limit and AWS managed common rules)."
  type        = bool
  default     = false
}

variable "enable_waf_logging" {
  description = "Send the WAF's logs (Authorization header redacted) to a log group with the environment's retention (when enable_waf)."
  type        = bool
  default     = false
}

variable "waf_rate_limit" {
  description = "Requests per 5 minutes per client IP before WAF blocks it."
  type        = number
  default     = 2000
}

variable "api_throttle_rate_limit" {
  description = "Steady-state requests per second allowed by API Gateway on each stage."
  type        = number
  default     = 100
}

variable "api_throttle_burst_limit" {
  description = "Burst of requests allowed by API Gateway on each stage."
  type        = number
  default     = 200
}

# ---------------------------------------------------------------------------------------------
# Observability
# ---------------------------------------------------------------------------------------------

variable "log_retention_days" {
  description = "Retention of the environment's CloudWatch log groups in days."
  type        = number

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ..., 3653)."
  }
}

variable "alert_emails" {
  description = "E-mail addresses subscribed to the alerts topic (each must confirm its subscription)."
  type        = list(string)
  default     = []
}

variable "alarm_lambda_errors_threshold" {
  description = "Lambda errors per 5 minutes above which the errors alarm fires."
  type        = number
  default     = 5
}

variable "alarm_lambda_duration_ms" {
  description = "Average Lambda duration (ms) above which the duration alarm fires."
  type        = number
  default     = 25000
}

variable "alarm_api_5xx_rate" {
  description = "Share of API requests answered with 5xx (0..1) above which the API alarm fires."
  type        = number
  default     = 0.05
}

variable "alarm_color_error_rate" {
  description = "Share of one color's invocations that fail (0..1) above which that color's error-rate alarm fires."
  type        = number
  default     = 0.05

  validation {
    condition     = var.alarm_color_error_rate > 0 && var.alarm_color_error_rate < 1
    error_message = "alarm_color_error_rate is a share between 0 and 1."
  }
}

variable "alarm_color_p95_ms" {
  description = "p95 duration (ms) of one color above which that color's latency alarm fires."
  type        = number
  default     = 20000
}

# ---------------------------------------------------------------------------------------------
# Users and spend per user
# ---------------------------------------------------------------------------------------------

variable "daily_beat_quota" {
  description = "Story beats each user may have told per UTC day (NOVELI_DAILY_BEAT_QUOTA); past it the API answers 429. null: no limit."
  type        = number
  default     = null

  validation {
    condition     = var.daily_beat_quota == null || (floor(coalesce(var.daily_beat_quota, 0)) == coalesce(var.daily_beat_quota, 0) && coalesce(var.daily_beat_quota, 0) >= 0)
    error_message = "daily_beat_quota must be a whole number of beats (0 or more), or null for no limit."
  }
}

variable "user_pool_deletion_protection" {
  description = "Cognito deletion protection on the user pool (production on real AWS)."
  type        = bool
  default     = false
}

# ---------------------------------------------------------------------------------------------
# Data protection
# ---------------------------------------------------------------------------------------------

variable "table_deletion_protection" {
  description = "DynamoDB deletion protection on the story table (production on real AWS)."
  type        = bool
  default     = false
}

variable "secret_recovery_window_days" {
  description = "Days a deleted provider secret can be recovered (0 deletes at once)."
  type        = number
  default     = 0
}

variable "backup_region" {
  description = "Region of the cross-region backup table (the aws.backup provider must point there). null: no backup table."
  type        = string
  default     = null
}

# ---------------------------------------------------------------------------------------------
# Cost
# ---------------------------------------------------------------------------------------------

variable "monthly_budget_usd" {
  description = "Monthly cost budget in USD for the environment's resources (by the CostCenter tag), notified at 80% actual and 100% forecast. null: no budget."
  type        = number
  default     = null
}

variable "enable_cost_anomaly_monitor" {
  description = "A Cost Explorer anomaly monitor on the environment's CostCenter tag, alerting the topic."
  type        = bool
  default     = false
}

variable "cost_anomaly_threshold_usd" {
  description = "Total impact in USD from which a cost anomaly is alerted."
  type        = number
  default     = 100
}

# ---------------------------------------------------------------------------------------------
# DNS failover (optional)
# ---------------------------------------------------------------------------------------------

variable "failover" {
  description = "Route 53 failover for a custom API domain: PRIMARY alias to this API's live stage (health checked), SECONDARY to another endpoint. null: none."
  type = object({
    zone_id            = string
    domain_name        = string
    certificate_arn    = string
    secondary_fqdn     = string
    health_check_path  = optional(string, "/health")
    failure_threshold  = optional(number, 3)
    request_interval_s = optional(number, 30)
  })
  default = null
}
