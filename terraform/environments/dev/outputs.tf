# The module's whole output object, as one output: noveli reads it with `terraform output -json`
# (src/terraform/outputs.ts checks the values it uses), and an output added to the module reaches
# every environment without an edit here.
output "noveli" {
  description = "Every output of the noveli module (terraform/modules/noveli/outputs.tf)."
  value       = module.noveli
}
