terraform {
  backend "s3" {
    bucket       = "noveli-tfstate-dev"
    key          = "noveli/dev/terraform.tfstate"
    region       = "us-east-1"
    use_lockfile = true
    encrypt      = true
  }
}
