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

  # moto does not store a function's dead-letter queue, so emulators get none: creating the queue
  # alone cost a first deploy 25 s of the provider's propagation waits (six equal reads 5 s apart),
  # on the way to the function.
  dlq_enabled = !var.emulator
  dlq_name    = "${local.function_name}-dlq"

  # Emulators reuse names across runs: a secret scheduled for deletion would block the next apply.
  secret_recovery_window_days = var.emulator ? 0 : var.secret_recovery_window_days

  emulator_disabled_features = var.emulator ? compact([
    "Lambda dead-letter queue (the queue itself: moto does not store a function's DLQ) and environment encryption key (the key exists)",
    var.provisioned_concurrency != null ? "provisioned concurrency and its auto scaling" : "",
    var.enable_cost_anomaly_monitor ? "cost anomaly monitor" : "",
    var.failover != null ? "Route 53 failover" : "",
    var.monthly_budget_usd != null ? "monthly budget" : "",
  ]) : []
}
