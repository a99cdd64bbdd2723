variable "name" {
  description = "Name of the role and of its inline policy."
  type        = string
}

variable "description" {
  description = "What the role lets the service do."
  type        = string
}

variable "service" {
  description = "Service principal that assumes the role, e.g. lambda.amazonaws.com."
  type        = string
}

variable "source_account" {
  description = "Account on whose behalf alone the service may assume the role (aws:SourceAccount)."
  type        = string
}

variable "policy_json" {
  description = "The role's inline policy, as JSON (an aws_iam_policy_document's json)."
  type        = string
}
