import { existsSync } from "node:fs";
import path from "node:path";
import { evaluateRaw, iterate, resolveBody, type Scope } from "./expressions.js";
import type { ModuleSource, TerraformFile, TerraformTree } from "./hcl.js";
import { Unknown, type Value, type ValueObject } from "./values.js";

/**
 * An instance is a root module (an environment) with every local module it calls, evaluated with
 * the values that environment gives them: which resources exist there and how they are configured.
 */

export interface ResolvedCall {
  name: string;
  file: TerraformFile;
  line: number;
  source: string;
  inputs: ValueObject;
}

export interface ResolvedResource {
  mode: "resource" | "data";
  type: string;
  name: string;
  /** Address inside its module: `aws_x.y` or `data.aws_x.y`. */
  address: string;
  /** Module path from the root: "" or "module.noveli". */
  modulePath: string;
  file: TerraformFile;
  line: number;
  /** "conditional" when count/for_each could not be evaluated. */
  presence: "always" | "conditional";
  body: ValueObject;
  /** The root's module call through which the resource exists; undefined for root resources. */
  via?: ResolvedCall;
}

export interface ResolvedProvider {
  name: string;
  alias?: string;
  file: TerraformFile;
  line: number;
  body: ValueObject;
}

export interface ResolvedBackend {
  type: string;
  file: TerraformFile;
  line: number;
  body: ValueObject;
}

export interface Instance {
  /** Environment name, or null for a module checked on its own (no environment calls it). */
  environment: string | null;
  root: ModuleSource;
  resources: ResolvedResource[];
  /** The root's own module calls. */
  calls: ResolvedCall[];
  providers: ResolvedProvider[];
  backends: ResolvedBackend[];
  /** Module calls that could not be followed (registry sources, missing folders). */
  unresolvedCalls: { call: ResolvedCall; reason: string }[];
}

const MAX_MODULE_DEPTH = 5;

async function makeScope(source: ModuleSource, inputs: ValueObject): Promise<Scope> {
  const empty: Scope = { variable: (n) => new Unknown(`var.${n}`), local: async (n) => new Unknown(`local.${n}`), iterator: () => undefined };
  const variables = new Map<string, Value>();
  for (const [name, declaration] of source.variables) {
    if (name in inputs) variables.set(name, inputs[name] as Value);
    else if ("default" in declaration.body) variables.set(name, await evaluateRaw(declaration.body.default, empty));
  }
  const locals = new Map<string, Promise<Value>>();
  const evaluating = new Set<string>();
  const scope: Scope = {
    variable: (name) => (variables.has(name) ? (variables.get(name) as Value) : new Unknown(`var.${name}`)),
    local: (name) => {
      const cached = locals.get(name);
      if (cached) return cached;
      const declaration = source.locals.get(name);
      if (!declaration || evaluating.has(name)) return Promise.resolve(new Unknown(`local.${name}`));
      evaluating.add(name);
      const value = evaluateRaw(declaration.raw, scope).finally(() => evaluating.delete(name));
      locals.set(name, value);
      return value;
    },
    iterator: () => undefined,
  };
  return scope;
}

/** Whether count/for_each let a block exist: absent, always, or unknown. */
async function presenceOf(body: Record<string, unknown>, scope: Scope): Promise<"absent" | "always" | "conditional"> {
  if ("count" in body) {
    const count = await evaluateRaw(body.count, scope);
    if (typeof count === "number") return count > 0 ? "always" : "absent";
    return "conditional";
  }
  if ("for_each" in body) {
    const elements = iterate(await evaluateRaw(body.for_each, scope));
    if (elements) return elements.length > 0 ? "always" : "absent";
    return "conditional";
  }
  return "always";
}

interface Collected {
  resources: ResolvedResource[];
  calls: ResolvedCall[];
  unresolvedCalls: { call: ResolvedCall; reason: string }[];
  reached: Set<string>;
}

async function collect(
  tree: TerraformTree,
  source: ModuleSource,
  scope: Scope,
  modulePath: string,
  via: ResolvedCall | undefined,
  depth: number,
  out: Collected,
): Promise<void> {
  out.reached.add(path.resolve(source.dir));
  for (const raw of source.resources) {
    const presence = await presenceOf(raw.body, scope);
    if (presence === "absent") continue;
    out.resources.push({
      mode: raw.mode,
      type: raw.type,
      name: raw.name,
      address: `${raw.mode === "data" ? "data." : ""}${raw.type}.${raw.name}`,
      modulePath,
      file: raw.file,
      line: raw.line,
      presence,
      body: await resolveBody(raw.body, scope),
      ...(via ? { via } : {}),
    });
  }
  for (const raw of source.moduleCalls) {
    if ((await presenceOf(raw.body, scope)) === "absent") continue;
    const { source: _source, version: _version, providers: _providers, ...inputBody } = raw.body;
    const call: ResolvedCall = { name: raw.name, file: raw.file, line: raw.line, source: raw.source, inputs: await resolveBody(inputBody, scope) };
    if (depth === 0) out.calls.push(call);
    const local = raw.source.startsWith("./") || raw.source.startsWith("../");
    const childDir = path.resolve(source.dir, raw.source);
    if (!local || !existsSync(childDir)) {
      out.unresolvedCalls.push({ call, reason: local ? `module folder ${raw.source} does not exist` : `module source ${raw.source} is not a local path` });
      continue;
    }
    if (depth + 1 > MAX_MODULE_DEPTH) continue;
    const child = await tree.loadModule(childDir);
    const childScope = await makeScope(child, call.inputs);
    await collect(tree, child, childScope, `${modulePath ? `${modulePath}.` : ""}module.${raw.name}`, via ?? call, depth + 1, out);
  }
}

/** Evaluates one root module (an environment, or a module on its own with its defaults). */
export async function instantiate(tree: TerraformTree, root: ModuleSource, environment: string | null, reached: Set<string>): Promise<Instance> {
  // An environment root gets the values of its variable files, as `terraform plan` would.
  const fromFiles: ValueObject = {};
  const literal: Scope = { variable: (n) => new Unknown(`var.${n}`), local: async (n) => new Unknown(`local.${n}`), iterator: () => undefined };
  if (environment !== null) {
    for (const { values } of root.variableFiles) {
      for (const [name, raw] of Object.entries(values)) fromFiles[name] = await evaluateRaw(raw, literal);
    }
  }
  const scope = await makeScope(root, fromFiles);
  const out: Collected = { resources: [], calls: [], unresolvedCalls: [], reached };
  await collect(tree, root, scope, "", undefined, 0, out);
  const providers: ResolvedProvider[] = [];
  for (const provider of root.providers) {
    const body = await resolveBody(provider.body, scope);
    providers.push({
      name: provider.name,
      ...(typeof body.alias === "string" ? { alias: body.alias } : {}),
      file: provider.file,
      line: provider.line,
      body,
    });
  }
  const backends: ResolvedBackend[] = [];
  for (const backend of root.backends) backends.push({ type: backend.type, file: backend.file, line: backend.line, body: await resolveBody(backend.body, scope) });
  return { environment, root, resources: out.resources, calls: out.calls, providers, backends, unresolvedCalls: out.unresolvedCalls };
}

/**
 * One instance per environment (or only the requested ones); modules that no environment calls
 * are checked on their own, with their variables' defaults.
 */
export async function instantiateTree(tree: TerraformTree, environments?: readonly string[]): Promise<Instance[]> {
  const reached = new Set<string>();
  const instances: Instance[] = [];
  const chosen = environments ? tree.environments.filter((env) => environments.includes(env.name)) : tree.environments;
  for (const env of chosen) instances.push(await instantiate(tree, env.root, env.name, reached));
  if (!environments) {
    for (const module of tree.modules) {
      if (!reached.has(path.resolve(module.dir))) instances.push(await instantiate(tree, module, null, reached));
    }
  }
  return instances;
}
