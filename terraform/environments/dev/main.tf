locals {
  environment = "dev"
  tags = {
    Project     = "noveli"
    Environment = local.environment
    CostCenter  = "noveli-${local.environment}"
    ManagedBy   = "terraform"
  }
}

# Emulator targets: AWS_ENDPOINT_URL in the environment points every service at the emulator.
provider "aws" {
  region                      = var.region
  skip_credentials_validation = var.emulator
  skip_metadata_api_check     = var.emulator
  skip_region_validation      = var.emulator
  s3_use_path_style           = var.emulator
  # An emulator answers 500 for what it does not implement: a few attempts, not the default 25.
  # Four, not one or two: a busy emulator can drop a connection mid-answer ("use of closed network
  # connection"), and one such drop should not fail a whole apply or destroy.
  max_retries = var.emulator ? 4 : null

  default_tags {
    tags = local.tags
  }
}

module "noveli" {
  source = "../../modules/noveli"

  providers = {
    aws = aws
    # No backup table in dev: the module's aws.backup is the primary provider, so each terraform
    # run starts one provider process instead of two (a second, identical and unused configuration).
    aws.backup = aws
  }

  environment         = local.environment
  emulator            = var.emulator
  lambda_package_path = var.lambda_package_path
  target_color        = var.target_color
  alias_versions      = var.alias_versions
  app_version         = var.app_version
  alert_emails        = var.alert_emails

  # Development: small and cheap.
  lambda_memory_size          = 512
  lambda_reserved_concurrency = 100
  api_throttle_rate_limit     = 50
  api_throttle_burst_limit    = 100
  # The per-IP rate limit protects the paid model calls in dev too.
  enable_waf                  = true
  enable_vpc                  = false
  log_retention_days          = 7
  daily_beat_quota            = 100
  secret_recovery_window_days = 0
  monthly_budget_usd          = 50
}
