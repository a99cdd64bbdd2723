terraform {
  backend "s3" {
    bucket       = "noveli-tfstate-staging"
    key          = "noveli/staging/terraform.tfstate"
    region       = "us-east-1"
    use_lockfile = true
    encrypt      = true
  }
}
