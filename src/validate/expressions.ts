import { getExpressionAst } from "@cdktf/hcl2json";
import { Encoded, Reference, Unknown, isObject, isSymbolic, markUncertain, valuesEqual, type Value, type ValueObject } from "./values.js";

/**
 * Evaluates the expressions hcl2json leaves as "${...}" strings, with the AST of @cdktf/hcl2json
 * (the HCL library itself, compiled to WebAssembly). Covers what module wiring uses: literals,
 * variables, locals, conditionals, operators, collections, indexes and common functions.
 * Anything else evaluates to Unknown, which rules report as "cannot be checked statically".
 */

// The AST as @cdktf/hcl2json returns it; only the fields read here.
interface AstNode {
  type: string;
  children: AstNode[];
  meta?: Record<string, unknown> & { value?: string };
  range?: { start: { byte: number }; end: { byte: number } };
}

/** What an expression can see: variables, locals and iterators (each, count, dynamic blocks). */
export interface Scope {
  variable(name: string): Value;
  local(name: string): Promise<Value>;
  iterator(name: string): { key: Value; value: Value } | undefined;
}

export function withIterator(scope: Scope, name: string, element: { key: Value; value: Value }): Scope {
  return {
    variable: (n) => scope.variable(n),
    local: (n) => scope.local(n),
    iterator: (n) => (n === name ? element : scope.iterator(n)),
  };
}

const astCache = new Map<string, Promise<AstNode | null>>();

function parseExpression(text: string): Promise<AstNode | null> {
  let cached = astCache.get(text);
  if (!cached) {
    cached = (getExpressionAst("expression.tf", text) as Promise<AstNode | null>).catch(() => null);
    astCache.set(text, cached);
  }
  return cached;
}

/** A plain traversal (`var.x`, `local.m["k"]`, `aws_x.y[0].arn`) needs no parser. */
const SIMPLE_TRAVERSAL = /^[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*|\[\d+\]|\["[^"\\]*"\])*$/;

/** Evaluates one expression's source text. */
export async function evaluateExpression(text: string, scope: Scope): Promise<Value> {
  const trimmed = text.trim();
  if (trimmed === "true" || trimmed === "false") return trimmed === "true";
  if (trimmed === "null") return null;
  if (/^-?\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed);
  if (SIMPLE_TRAVERSAL.test(trimmed)) return evaluateTraversal(trimmed, scope);
  const ast = await parseExpression(text);
  if (!ast) return new Unknown(trimmed);
  return evaluateNode(ast, scope, trimmed, Buffer.from(text, "utf8"));
}

type TemplatePart = { literal: string } | { expression: string };

/**
 * Splits an hcl2json string into literal text and `${...}` interpolations. `$${` is an escaped
 * literal `${`. Braces inside quoted strings of an interpolation do not count.
 */
export function splitTemplate(raw: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let literal = "";
  let i = 0;
  while (i < raw.length) {
    if (raw.startsWith("$${", i)) {
      literal += "${";
      i += 3;
      continue;
    }
    if (raw.startsWith("%%{", i)) {
      literal += "%{";
      i += 3;
      continue;
    }
    if (raw.startsWith("${", i)) {
      const end = closingBrace(raw, i + 2);
      if (end < 0) {
        literal += raw.slice(i);
        break;
      }
      if (literal !== "") parts.push({ literal });
      literal = "";
      parts.push({ expression: raw.slice(i + 2, end) });
      i = end + 1;
      continue;
    }
    literal += raw[i];
    i += 1;
  }
  if (literal !== "" || parts.length === 0) parts.push({ literal });
  return parts;
}

/** Index of the `}` closing an interpolation whose body starts at `start`, or -1. */
function closingBrace(text: string, start: number): number {
  let depth = 1;
  let i = start;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '"') {
      i = closingQuote(text, i + 1);
      if (i < 0) return -1;
    } else if (ch === "{") {
      depth += 1;
    } else if (ch === "}") {
      depth -= 1;
      if (depth === 0) return i;
    }
    i += 1;
  }
  return -1;
}

function closingQuote(text: string, start: number): number {
  let i = start;
  while (i < text.length) {
    const ch = text[i];
    if (ch === "\\") {
      i += 2;
      continue;
    }
    if (ch === '"') return i;
    if (text.startsWith("${", i)) {
      const end = closingBrace(text, i + 2);
      if (end < 0) return -1;
      i = end + 1;
      continue;
    }
    i += 1;
  }
  return -1;
}

/** Evaluates one value as hcl2json produced it (strings may hold expressions or templates). */
export async function evaluateRaw(raw: unknown, scope: Scope): Promise<Value> {
  if (raw === null || typeof raw === "boolean" || typeof raw === "number") return raw;
  if (typeof raw === "string") {
    const parts = splitTemplate(raw);
    if (parts.length === 1) {
      const only = parts[0] as TemplatePart;
      return "literal" in only ? only.literal : evaluateExpression(only.expression, scope);
    }
    let text = "";
    for (const part of parts) {
      if ("literal" in part) {
        text += part.literal;
        continue;
      }
      const value = await evaluateExpression(part.expression, scope);
      if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") text += String(value);
      else return new Unknown(raw);
    }
    return text;
  }
  if (Array.isArray(raw)) return Promise.all(raw.map((item) => evaluateRaw(item, scope)));
  if (typeof raw === "object") return resolveBody(raw as Record<string, unknown>, scope, { topLevel: false });
  return new Unknown(String(raw));
}

/** Meta-arguments that describe how Terraform manages a block rather than what it configures. */
const META_ARGUMENTS = new Set(["count", "for_each", "depends_on", "lifecycle", "provider", "provisioner", "connection"]);

/**
 * Resolves a block body: attributes evaluated, nested blocks resolved, `dynamic` blocks expanded
 * into the blocks they generate (kept once, marked uncertain, when their for_each is unknown).
 * A top-level body (resource, module call) leaves out the meta-arguments.
 */
export async function resolveBody(raw: Record<string, unknown>, scope: Scope, options: { topLevel?: boolean } = {}): Promise<ValueObject> {
  const body: ValueObject = {};
  const topLevel = options.topLevel ?? true;
  for (const [key, value] of Object.entries(raw)) {
    if ((topLevel && META_ARGUMENTS.has(key)) || key === "dynamic") continue;
    body[key] = await evaluateRaw(value, scope);
  }
  const dynamic = raw.dynamic;
  if (dynamic && typeof dynamic === "object" && !Array.isArray(dynamic)) {
    for (const [blockName, specs] of Object.entries(dynamic as Record<string, unknown>)) {
      const generated: ValueObject[] = [];
      for (const spec of Array.isArray(specs) ? (specs as Record<string, unknown>[]) : []) {
        const iteratorName = typeof spec.iterator === "string" ? spec.iterator.replace(/^\$\{|\}$/g, "") : blockName;
        const content = (Array.isArray(spec.content) ? spec.content[0] : spec.content) as Record<string, unknown> | undefined;
        const elements = iterate(await evaluateRaw(spec.for_each, scope));
        if (elements === undefined) {
          const unknownElement = { key: new Unknown(`${iteratorName}.key`), value: new Unknown(`${iteratorName}.value`) };
          generated.push(markUncertain(await resolveBody(content ?? {}, withIterator(scope, iteratorName, unknownElement), { topLevel: false })));
          continue;
        }
        for (const element of elements) {
          generated.push(await resolveBody(content ?? {}, withIterator(scope, iteratorName, element), { topLevel: false }));
        }
      }
      const existing = body[blockName];
      body[blockName] = [...(Array.isArray(existing) ? existing : []), ...generated];
    }
  }
  return body;
}

/** The elements a for_each would iterate, or undefined when the collection is not known. */
export function iterate(collection: Value): { key: Value; value: Value }[] | undefined {
  if (Array.isArray(collection)) return collection.map((value, index) => ({ key: typeof value === "string" ? value : index, value }));
  if (isObject(collection)) return Object.entries(collection).map(([key, value]) => ({ key, value }));
  return undefined;
}

/** Splits a traversal like `local.m["a"].b[0]` into its steps. */
export function parseAccessor(text: string): (string | number)[] {
  const steps: (string | number)[] = [];
  let i = 0;
  let name = "";
  const flush = () => {
    if (name !== "") steps.push(name);
    name = "";
  };
  while (i < text.length) {
    const ch = text[i] as string;
    if (ch === ".") {
      flush();
      i += 1;
    } else if (ch === "[") {
      flush();
      const end = text.indexOf("]", i);
      const inner = text.slice(i + 1, end < 0 ? undefined : end).trim();
      if (/^\d+$/.test(inner)) steps.push(Number(inner));
      else if (/^".*"$/.test(inner)) steps.push(JSON.parse(inner) as string);
      else steps.push(`[${inner}]`);
      i = end < 0 ? text.length : end + 1;
    } else {
      name += ch;
      i += 1;
    }
  }
  flush();
  return steps;
}

function traverse(value: Value, steps: (string | number)[], text: string): Value {
  let current = value;
  for (const step of steps) {
    if (current instanceof Reference) return new Reference(`${current.address}${typeof step === "number" ? `[${step}]` : `.${step}`}`);
    if (current instanceof Unknown || current instanceof Encoded) return new Unknown(text);
    if (typeof step === "string" && step.startsWith("[")) return new Unknown(text);
    if (Array.isArray(current) && typeof step === "number") {
      if (step >= current.length) return new Unknown(text);
      current = current[step] as Value;
    } else if (isObject(current)) {
      const key = String(step);
      current = key in current ? (current[key] as Value) : null;
    } else {
      return new Unknown(text);
    }
  }
  return current;
}

async function evaluateTraversal(accessor: string, scope: Scope): Promise<Value> {
  const steps = parseAccessor(accessor);
  const [root, second, ...rest] = steps;
  if (typeof root !== "string") return new Unknown(accessor);
  if (root === "var" && typeof second === "string") return traverse(scope.variable(second), rest, accessor);
  if (root === "local" && typeof second === "string") return traverse(await scope.local(second), rest, accessor);
  const iterator = scope.iterator(root);
  if (iterator) {
    if (second === "key" || second === "index") return traverse(iterator.key, rest, accessor);
    if (second === "value") return traverse(iterator.value, rest, accessor);
    return new Unknown(accessor);
  }
  if (["each", "count", "self", "path", "terraform", "module", "var", "local"].includes(root)) return new Unknown(accessor);
  if (root === "data") return steps.length >= 3 ? new Reference(accessor) : new Unknown(accessor);
  return steps.length >= 2 && typeof second === "string" ? new Reference(accessor) : new Unknown(accessor);
}

function metaString(node: AstNode, key: string): string {
  const value = node.meta?.[key];
  return typeof value === "string" ? value : "";
}

/** The source text of a node, from its byte range in the whole expression. */
function sourceOf(node: AstNode, expression: Buffer): string | undefined {
  if (!node.range) return undefined;
  return expression.subarray(node.range.start.byte, node.range.end.byte).toString("utf8");
}

async function evaluateNode(node: AstNode, scope: Scope, text: string, expression: Buffer): Promise<Value> {
  const source = node.meta?.value ?? text;
  const child = (i: number) =>
    node.children[i] ? evaluateNode(node.children[i] as AstNode, scope, source, expression) : Promise.resolve(new Unknown(source));
  switch (node.type) {
    case "literalValue": {
      const kind = metaString(node, "type");
      const raw = node.meta?.value ?? "";
      if (kind === "number") return Number(raw);
      if (kind === "bool" || kind === "boolean") return raw === "true";
      if (kind === "string") return raw;
      return raw === "null" ? null : new Unknown(source);
    }
    case "":
    case "templateWrap":
      return node.children.length === 1 ? child(0) : new Unknown(source);
    case "template": {
      let out = "";
      for (let i = 0; i < node.children.length; i += 1) {
        const part = await child(i);
        if (typeof part === "string" || typeof part === "number" || typeof part === "boolean") out += String(part);
        else return new Unknown(source);
      }
      return out;
    }
    case "scopeTraversal":
      return evaluateTraversal(metaString(node, "fullAccessor") || source, scope);
    case "relativeTraversal":
      return traverse(await child(0), parseAccessor(metaString(node, "fullAccessor")), source);
    case "tuple":
      return Promise.all(node.children.map((_, i) => child(i)));
    case "object": {
      // Children alternate key and value. meta.items is a map (its order is not the source's), so
      // each key is read from its own byte range.
      if (node.children.length % 2 !== 0) return new Unknown(source);
      const object: ValueObject = {};
      for (let i = 0; i < node.children.length; i += 2) {
        const keyText = sourceOf(node.children[i] as AstNode, expression)?.trim();
        if (keyText === undefined) return new Unknown(source);
        let key: string;
        if (/^[A-Za-z_][\w-]*$/.test(keyText)) key = keyText;
        else if (/^"([^"\\$]|\\.)*"$/.test(keyText)) key = JSON.parse(keyText) as string;
        else {
          const computed = await child(i);
          if (typeof computed !== "string") return new Unknown(source);
          key = computed;
        }
        object[key] = await child(i + 1);
      }
      return object;
    }
    case "conditional": {
      const condition = await child(0);
      if (condition === true) return child(1);
      if (condition === false) return child(2);
      return new Unknown(source);
    }
    case "unaryOp": {
      const operand = await child(0);
      const operator = metaString(node, "operator");
      if (operator === "logicalNot" && typeof operand === "boolean") return !operand;
      if (operator === "negate" && typeof operand === "number") return -operand;
      return new Unknown(source);
    }
    case "binaryOp":
      return binaryOperation(metaString(node, "operator"), await child(0), await child(1), source);
    case "index": {
      const collection = await child(0);
      const key = await child(1);
      if (typeof key !== "string" && typeof key !== "number") {
        return collection instanceof Reference ? new Reference(source) : new Unknown(source);
      }
      return traverse(collection, [key], source);
    }
    case "splat": {
      const base = await child(0);
      if (base instanceof Reference) return new Reference(source);
      return new Unknown(source);
    }
    case "function":
      return callFunction(metaString(node, "name"), await Promise.all(node.children.map((_, i) => child(i))), node.meta?.expandedFinalArgument === true, source);
    default:
      return new Unknown(source);
  }
}

function binaryOperation(operator: string, left: Value, right: Value, source: string): Value {
  switch (operator) {
    case "logicalAnd":
      if (left === false || right === false) return false;
      return left === true && right === true ? true : new Unknown(source);
    case "logicalOr":
      if (left === true || right === true) return true;
      return left === false && right === false ? false : new Unknown(source);
    case "equal":
    case "notEqual": {
      // A reference to an existing resource's attribute is never null.
      if ((left === null && right instanceof Reference) || (right === null && left instanceof Reference)) return operator === "notEqual";
      const same = valuesEqual(left, right);
      if (same === undefined) return new Unknown(source);
      return operator === "equal" ? same : !same;
    }
  }
  if (typeof left !== "number" || typeof right !== "number") return new Unknown(source);
  switch (operator) {
    case "greaterThan":
      return left > right;
    case "greaterThanOrEqual":
      return left >= right;
    case "lessThan":
      return left < right;
    case "lessThanOrEqual":
      return left <= right;
    case "add":
      return left + right;
    case "subtract":
      return left - right;
    case "multiply":
      return left * right;
    case "divide":
      return right === 0 ? new Unknown(source) : left / right;
    case "modulo":
      return right === 0 ? new Unknown(source) : left % right;
    default:
      return new Unknown(source);
  }
}

function allKnown(values: Value[]): boolean {
  return values.every((value) => !isSymbolic(value) && !(value instanceof Encoded));
}

function callFunction(name: string, args: Value[], expanded: boolean, source: string): Value {
  const unknown = new Unknown(source);
  if (expanded) return unknown;
  const [first, second, third] = args;
  switch (name) {
    case "jsonencode":
      return first === undefined ? unknown : new Encoded(first);
    case "jsondecode":
      try {
        return typeof first === "string" ? (JSON.parse(first) as Value) : unknown;
      } catch {
        return unknown;
      }
    case "length":
      if (Array.isArray(first) || typeof first === "string") return first.length;
      return isObject(first) ? Object.keys(first).length : unknown;
    case "toset":
      return Array.isArray(first) ? (allKnown(first) ? [...new Map(first.map((v) => [JSON.stringify(v), v])).values()] : first) : unknown;
    case "tolist":
      return Array.isArray(first) ? first : unknown;
    case "tomap":
      return isObject(first) ? first : unknown;
    case "tostring":
      return typeof first === "string" || typeof first === "number" || typeof first === "boolean" ? String(first) : first === null ? null : unknown;
    case "tonumber":
      if (typeof first === "number") return first;
      return typeof first === "string" && first.trim() !== "" && !Number.isNaN(Number(first)) ? Number(first) : unknown;
    case "tobool":
      if (typeof first === "boolean") return first;
      return first === "true" ? true : first === "false" ? false : unknown;
    case "min":
    case "max":
      if (args.length === 0 || !args.every((a) => typeof a === "number")) return unknown;
      return name === "min" ? Math.min(...(args as number[])) : Math.max(...(args as number[]));
    case "abs":
      return typeof first === "number" ? Math.abs(first) : unknown;
    case "compact":
      if (!Array.isArray(first) || !allKnown(first)) return unknown;
      return first.filter((v) => v !== null && v !== "");
    case "concat":
      return args.every(Array.isArray) ? (args as Value[][]).flat() : unknown;
    case "flatten": {
      if (!Array.isArray(first)) return unknown;
      const out: Value[] = [];
      const walk = (list: Value[]): boolean => list.every((item) => (Array.isArray(item) ? walk(item) : (out.push(item), true)));
      return walk(first) ? out : unknown;
    }
    case "merge":
      if (!args.every((a) => isObject(a) || a === null)) return unknown;
      return Object.assign({}, ...args.filter((a) => a !== null)) as ValueObject;
    case "lookup":
      if (!isObject(first) || typeof second !== "string") return unknown;
      return second in first ? (first[second] as Value) : third === undefined ? unknown : third;
    case "contains":
      if (!Array.isArray(first) || isSymbolic(second ?? null)) return unknown;
      if (first.some((item) => valuesEqual(item, second ?? null) === true)) return true;
      return allKnown(first) ? false : unknown;
    case "coalesce":
      for (const arg of args) {
        if (isSymbolic(arg)) return unknown;
        if (arg !== null && arg !== "") return arg;
      }
      return unknown;
    case "lower":
    case "upper":
      return typeof first === "string" ? (name === "lower" ? first.toLowerCase() : first.toUpperCase()) : unknown;
    case "format":
      return typeof first === "string" ? format(first, args.slice(1)) ?? unknown : unknown;
    default:
      return unknown;
  }
}

/** Terraform's format() for the verbs modules use in names and amounts. */
function format(spec: string, args: Value[]): string | undefined {
  let index = 0;
  let failed = false;
  const out = spec.replace(/%(%|(\.(\d+))?([sdfv]))/g, (_match, whole: string, _precision, digits: string | undefined, verb: string | undefined) => {
    if (whole === "%") return "%";
    const arg = args[index];
    index += 1;
    if (arg === undefined || isSymbolic(arg) || (typeof arg === "object" && arg !== null)) {
      failed = true;
      return "";
    }
    if (verb === "d") return typeof arg === "number" ? String(Math.trunc(arg)) : ((failed = true), "");
    if (verb === "f") return typeof arg === "number" ? arg.toFixed(digits === undefined ? 6 : Number(digits)) : ((failed = true), "");
    return String(arg);
  });
  return failed ? undefined : out;
}
