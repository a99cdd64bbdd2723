# The version constraints are the calling module's (modules/noveli/versions.tf).
terraform {
  required_providers {
    aws = {
      source = "hashicorp/aws"
    }
  }
}
