import { atFile, type RawFinding, type Rule } from "../rule.js";
import { describeValue, firstBlock, isObject } from "../values.js";

/** How each environment keeps its state and labels its resources. */

export const stateBackend: Rule = {
  id: "NOV015",
  name: "state-backend",
  severity: "error",
  title: "Each environment keeps its state in S3, encrypted, with native locking",
  help: 'backend.tf holds `backend "s3" { key, encrypt = true, use_lockfile = true }`; noveli passes the account\'s bucket and the region with -backend-config at init, on every target.',
  check({ instances }) {
    const findings: RawFinding[] = [];
    for (const instance of instances) {
      if (instance.environment === null) continue;
      const where = instance.root.files.find((file) => file.path.endsWith("backend.tf")) ?? instance.root.files[0];
      if (!where) continue;
      const backend = instance.backends[0];
      if (!backend) {
        findings.push(atFile(where, 1, "terraform.backend", instance, "error", `no backend: ${instance.environment} would keep its state in a local file`));
        continue;
      }
      const resource = `terraform.backend.${backend.type}`;
      if (backend.type !== "s3") {
        findings.push(atFile(backend.file, backend.line, resource, instance, "error", `backend "${backend.type}" instead of "s3"`));
        continue;
      }
      if (backend.body.use_lockfile !== true) {
        findings.push(atFile(backend.file, backend.line, resource, instance, "error", `state is not locked natively (use_lockfile = ${describeValue(backend.body.use_lockfile)})`));
      }
      if (backend.body.encrypt !== true) {
        findings.push(atFile(backend.file, backend.line, resource, instance, "error", `state is not encrypted (encrypt = ${describeValue(backend.body.encrypt)})`));
      }
      if (backend.body.dynamodb_table !== undefined) {
        findings.push(atFile(backend.file, backend.line, resource, instance, "warning", "dynamodb_table locking is deprecated: use_lockfile replaces it"));
      }
    }
    return findings;
  },
};

export const REQUIRED_TAGS = ["Project", "Environment"];

export const defaultTags: Rule = {
  id: "NOV016",
  name: "default-tags",
  severity: "warning",
  title: "Each environment's AWS providers tag everything with Project = \"noveli\" and Environment",
  help: "Add `default_tags { tags = { Project = \"noveli\", Environment = \"<env>\", ... } }` to every aws provider block: cost reports and budgets group spend by these tags.",
  check({ instances }) {
    const findings: RawFinding[] = [];
    for (const instance of instances) {
      if (instance.environment === null) continue;
      for (const provider of instance.providers.filter((p) => p.name === "aws")) {
        const resource = `provider.aws${provider.alias ? `.${provider.alias}` : ""}`;
        const tags = firstBlock(provider.body, "default_tags")?.tags;
        if (!isObject(tags)) {
          findings.push(atFile(provider.file, provider.line, resource, instance, "warning", tags === undefined ? "no default_tags" : `cannot tell statically which default tags are set (${describeValue(tags)})`));
          continue;
        }
        const missing = REQUIRED_TAGS.filter((tag) => typeof tags[tag] !== "string" || tags[tag] === "");
        if (missing.length > 0) findings.push(atFile(provider.file, provider.line, resource, instance, "warning", `default_tags lack ${missing.join(" and ")}`));
        else if (tags.Project !== "noveli") findings.push(atFile(provider.file, provider.line, resource, instance, "warning", `default tag Project is ${describeValue(tags.Project)}, not "noveli"`));
        else if (tags.Environment !== instance.environment) {
          findings.push(atFile(provider.file, provider.line, resource, instance, "warning", `default tag Environment is ${describeValue(tags.Environment)} in environment ${instance.environment}`));
        }
      }
    }
    return findings;
  },
};
