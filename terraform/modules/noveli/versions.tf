terraform {
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
      # aws.backup is the region of the optional cross-region backup table; environments without
      # one pass their primary provider.
      configuration_aliases = [aws.backup]
    }
  }
}
