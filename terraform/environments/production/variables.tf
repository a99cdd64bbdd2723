# Inputs `noveli deploy` passes on every plan; the environment's settings live in main.tf.

variable "region" {
  description = "Primary region of the environment."
  type        = string
  default     = "us-east-1"
}

variable "emulator" {
  description = "True on emulator targets: switches off what the emulator does not implement."
  type        = bool
  default     = false
}

variable "lambda_package_path" {
  description = "Absolute path of the story-generator zip."
  type        = string
}

variable "target_color" {
  description = "Color (blue or green) whose alias receives the newly published version."
  type        = string
}

variable "alias_versions" {
  description = "Versions the aliases point at now, from the outputs ({} on the first deploy)."
  type        = map(string)
  default     = {}
}

variable "app_version" {
  description = "Application version reported by the Lambda."
  type        = string
  default     = "0.0.0"
}

variable "alert_emails" {
  description = "E-mail addresses subscribed to the environment's alerts."
  type        = list(string)
  default     = []
}

variable "backup_region" {
  description = "Region of the cross-region backup table."
  type        = string
  default     = "us-west-2"
}
