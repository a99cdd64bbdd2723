data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  name       = "noveli-${var.environment}"
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name
  colors     = ["blue", "green"]

  # The emulator switch: each feature that moto does not implement is listed in
  # terraform/README.md and turned off here, in one place.
  provisioned_concurrency_enabled = var.provisioned_concurrency != null && !var.emulator
  cost_anomaly_monitor_enabled    = var.enable_cost_anomaly_monitor && !var.emulator
  budget_enabled                  = var.monthly_budget_usd != null && !var.emulator
  backup_table_enabled            = var.backup_region != null
  failover_enabled                = var.failover != null && !var.emulator

  # Emulators reuse names across runs: a secret scheduled for deletion would block the next apply.
  secret_recovery_window_days = var.emulator ? 0 : var.secret_recovery_window_days

  emulator_disabled_features = var.emulator ? compact([
    "Lambda dead-letter queue setting and environment encryption key (the queue and key exist)",
    var.provisioned_concurrency != null ? "provisioned concurrency and its auto scaling" : "",
    var.enable_cost_anomaly_monitor ? "cost anomaly monitor" : "",
    var.failover != null ? "Route 53 failover" : "",
    var.monthly_budget_usd != null ? "monthly budget" : "",
  ]) : []
}
