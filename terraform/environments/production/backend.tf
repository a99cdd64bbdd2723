terraform {
  backend "s3" {
    bucket       = "noveli-tfstate-production"
    key          = "noveli/production/terraform.tfstate"
    region       = "us-east-1"
    use_lockfile = true
    encrypt      = true
  }
}
