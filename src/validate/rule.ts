import { attributeLine, type TerraformFile, type TerraformTree } from "./hcl.js";
import type { Instance, ResolvedResource } from "./instances.js";

export type Severity = "error" | "warning";

/** What a rule reports; the engine adds the rule id and merges the same finding across environments. */
export interface RawFinding {
  severity: Severity;
  message: string;
  file: string;
  line: number;
  /** Address of the resource (or block) the finding is about, e.g. `module.noveli.aws_dynamodb_table.story_sessions`. */
  resource: string;
  environment: string | null;
}

export interface RuleInput {
  tree: TerraformTree;
  instances: readonly Instance[];
  /** Today, for rules that depend on dates (runtime end of support). */
  today: Date;
}

export interface Rule {
  /** Stable id: NOV### (never reused, never renumbered). */
  id: string;
  /** Short kebab-case name, e.g. dynamodb-pitr. */
  name: string;
  /** Default severity of a definite violation; findings that cannot be decided statically are warnings. */
  severity: Severity;
  /** One line: what the rule requires. */
  title: string;
  /** Why it matters and how to fix it. */
  help: string;
  check(input: RuleInput): RawFinding[];
}

/** Resources of one type present in an instance. */
export function resourcesOfType(instance: Instance, type: string, mode: "resource" | "data" = "resource"): ResolvedResource[] {
  return instance.resources.filter((resource) => resource.type === type && resource.mode === mode);
}

export function fullAddress(resource: ResolvedResource): string {
  return resource.modulePath ? `${resource.modulePath}.${resource.address}` : resource.address;
}

/** A finding located at the resource's own block. */
export function atResource(resource: ResolvedResource, instance: Instance, severity: Severity, message: string): RawFinding {
  return { severity, message, file: resource.file.display, line: resource.line, resource: resource.address, environment: instance.environment };
}

/**
 * A finding about one attribute of a resource, located at that attribute's line (`name = ...`,
 * nested blocks included), or at the resource's block when the attribute is not written there.
 */
export function atAttribute(resource: ResolvedResource, instance: Instance, severity: Severity, message: string, attribute: string): RawFinding {
  return { ...atResource(resource, instance, severity, message), line: attributeLine(resource.file, resource.line, attribute) };
}

/**
 * A finding about how an environment configures a resource: located at the environment's module
 * call (on the named input when it is set there), or at the resource itself for root resources.
 */
export function atEnvironmentInput(resource: ResolvedResource, instance: Instance, severity: Severity, message: string, input?: string): RawFinding {
  const via = resource.via;
  if (!via) return { ...atResource(resource, instance, severity, message), resource: fullAddress(resource) };
  const line = input && input in via.inputs ? attributeLine(via.file, via.line, input) : via.line;
  return { severity, message, file: via.file.display, line, resource: fullAddress(resource), environment: instance.environment };
}

export function atFile(file: TerraformFile, line: number, resource: string, instance: Instance, severity: Severity, message: string): RawFinding {
  return { severity, message, file: file.display, line, resource, environment: instance.environment };
}
