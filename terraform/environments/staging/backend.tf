# The S3 backend on every target, emulators included. No bucket here: S3 names are global, so
# noveli passes the account's own (noveli-tfstate-<account id>-<region>, made by noveli bootstrap),
# the key and the region with -backend-config at init. Locking is S3-native (use_lockfile).
terraform {
  backend "s3" {
    key          = "noveli/staging/terraform.tfstate"
    use_lockfile = true
    encrypt      = true
  }
}
