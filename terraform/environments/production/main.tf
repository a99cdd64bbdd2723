locals {
  environment = "production"
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

provider "aws" {
  alias                       = "backup"
  region                      = var.backup_region
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
    aws        = aws
    aws.backup = aws.backup
  }

  environment         = local.environment
  emulator            = var.emulator
  lambda_package_path = var.lambda_package_path
  target_color        = var.target_color
  alias_versions      = var.alias_versions
  app_version         = var.app_version
  alert_emails        = var.alert_emails

  # Production: the seed's scaling, full protection, long retention.
  lambda_memory_size          = 1024
  lambda_reserved_concurrency = 1000
  provisioned_concurrency     = { min = 10, max = 100 }
  api_throttle_rate_limit     = 2000
  api_throttle_burst_limit    = 5000
  enable_waf                  = true
  enable_waf_logging          = true
  enable_vpc                  = true
  nat_gateway_per_az          = true
  log_retention_days          = 365
  daily_beat_quota            = 200
  secret_recovery_window_days = 30
  # Tests destroy production on the emulator; on real AWS the table refuses deletion.
  table_deletion_protection     = !var.emulator
  user_pool_deletion_protection = !var.emulator
  backup_region                 = var.backup_region
  monthly_budget_usd            = 2000
  enable_cost_anomaly_monitor   = true
}
