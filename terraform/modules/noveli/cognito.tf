# The platform's users: one Cognito user pool per environment. The story routes of the API accept
# only this pool's ID tokens (api.tf); the front end signs in through the web client (SRP, no
# client secret, as a browser app must); the synthetic check signs in through its own client with
# the admin flow, which needs IAM credentials and so cannot be used from outside the account.

resource "aws_cognito_user_pool" "users" {
  name                     = "${local.name}-users"
  deletion_protection      = var.user_pool_deletion_protection ? "ACTIVE" : "INACTIVE"
  auto_verified_attributes = ["email"]
  mfa_configuration        = "OPTIONAL"

  password_policy {
    minimum_length                   = 12
    require_lowercase                = true
    require_uppercase                = true
    require_numbers                  = true
    require_symbols                  = true
    temporary_password_validity_days = 3
  }

  software_token_mfa_configuration {
    enabled = true
  }

  account_recovery_setting {
    recovery_mechanism {
      name     = "verified_email"
      priority = 1
    }
  }
}

resource "aws_cognito_user_pool_client" "web" {
  name                          = "${local.name}-web"
  user_pool_id                  = aws_cognito_user_pool.users.id
  generate_secret               = false
  explicit_auth_flows           = ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
  prevent_user_existence_errors = "ENABLED"
  enable_token_revocation       = true
  id_token_validity             = 60
  access_token_validity         = 60
  refresh_token_validity        = 30

  token_validity_units {
    id_token      = "minutes"
    access_token  = "minutes"
    refresh_token = "days"
  }
}

resource "aws_cognito_user_pool_client" "synthetic" {
  name                          = "${local.name}-synthetic-check"
  user_pool_id                  = aws_cognito_user_pool.users.id
  generate_secret               = false
  explicit_auth_flows           = ["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
  prevent_user_existence_errors = "ENABLED"
  enable_token_revocation       = true
  id_token_validity             = 15
  access_token_validity         = 15
  refresh_token_validity        = 1

  token_validity_units {
    id_token      = "minutes"
    access_token  = "minutes"
    refresh_token = "days"
  }
}

# The synthetic user `noveli health-check --synthetic` signs in as. Its password is generated once
# and kept in Secrets Manager (and, like every Terraform-managed value, in the encrypted state);
# later plans keep it (ignore_changes), so a deploy never logs the check out.
data "aws_secretsmanager_random_password" "synthetic_user" {
  password_length            = 40
  require_each_included_type = true
}

locals {
  synthetic_username = "noveli-synthetic-check"
}

resource "aws_secretsmanager_secret" "synthetic_user" {
  name                    = "${local.name}-synthetic-user"
  description             = "Sign-in of the noveli ${var.environment} synthetic health check user (JSON: username, password)"
  kms_key_id              = aws_kms_key.main.arn
  recovery_window_in_days = local.secret_recovery_window_days
}

resource "aws_secretsmanager_secret_version" "synthetic_user" {
  secret_id     = aws_secretsmanager_secret.synthetic_user.id
  secret_string = jsonencode({ username = local.synthetic_username, password = data.aws_secretsmanager_random_password.synthetic_user.random_password })

  lifecycle {
    ignore_changes = [secret_string]
  }
}

resource "aws_cognito_user" "synthetic" {
  user_pool_id   = aws_cognito_user_pool.users.id
  username       = local.synthetic_username
  password       = data.aws_secretsmanager_random_password.synthetic_user.random_password
  message_action = "SUPPRESS"

  lifecycle {
    ignore_changes = [password]
  }
}
