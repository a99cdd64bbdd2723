/**
 * Values of Terraform expressions as far as they can be known without running a plan: literals
 * and what variables, locals and a few functions make of them. Anything that depends on the
 * cloud (resource attributes, data sources) stays symbolic.
 */

/** An expression whose value cannot be known statically (a for expression, an unset variable...). */
export class Unknown {
  constructor(readonly expression: string) {}
}

/** A reference to another resource's attribute, e.g. `aws_sns_topic.alerts.arn`. Known to exist, value unknown. */
export class Reference {
  constructor(readonly address: string) {}

  /** Whether this refers to a resource (or data source) of the given type, e.g. "aws_sns_topic". */
  refersTo(type: string): boolean {
    return this.address.startsWith(`${type}.`);
  }

  /** The referenced resource's address without attributes or indexes: `aws_sns_topic.alerts`. */
  get resourceAddress(): string {
    const parts = this.address.split(".");
    const take = parts[0] === "data" ? 3 : 2;
    return parts
      .slice(0, take)
      .map((part) => part.replace(/\[.*$/, ""))
      .join(".");
  }
}

/** The result of `jsonencode(...)`: the encoded value stays inspectable (IAM policies). */
export class Encoded {
  constructor(readonly value: Value) {}
}

export type Value = null | boolean | number | string | Value[] | ValueObject | Unknown | Reference | Encoded;
export interface ValueObject {
  [key: string]: Value;
}

export function isObject(value: Value | undefined): value is ValueObject {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Unknown) && !(value instanceof Reference) && !(value instanceof Encoded);
}

/** Whether a value is not (fully) known: an Unknown or a Reference. */
export function isSymbolic(value: Value | undefined): value is Unknown | Reference {
  return value instanceof Unknown || value instanceof Reference;
}

/** Short text of a value for messages. */
export function describeValue(value: Value | undefined): string {
  if (value === undefined) return "unset";
  if (value instanceof Unknown) return value.expression;
  if (value instanceof Reference) return value.address;
  if (value instanceof Encoded) return `jsonencode(${describeValue(value.value)})`;
  return JSON.stringify(value, (_key, v: unknown) =>
    v instanceof Unknown ? v.expression : v instanceof Reference ? v.address : v instanceof Encoded ? "jsonencode(...)" : v,
  );
}

/**
 * Blocks whose `for_each` could not be evaluated: they are kept (a rule should see what the block
 * would contain) but are not certain to exist.
 */
const uncertainBlocks = new WeakSet<object>();

export function markUncertain<T extends object>(block: T): T {
  uncertainBlocks.add(block);
  return block;
}

export function isUncertain(block: object): boolean {
  return uncertainBlocks.has(block);
}

/** Nested blocks of a resolved body: hcl2json turns each block type into a list of objects. */
export function blocks(body: ValueObject, name: string): ValueObject[] {
  const value = body[name];
  if (!Array.isArray(value)) return [];
  return value.filter((item): item is ValueObject => isObject(item));
}

export function firstBlock(body: ValueObject, name: string): ValueObject | undefined {
  return blocks(body, name)[0];
}

/** Deep structural equality of known values; undefined when either side is symbolic. */
export function valuesEqual(a: Value, b: Value): boolean | undefined {
  if (isSymbolic(a) || isSymbolic(b)) return undefined;
  if (a instanceof Encoded || b instanceof Encoded) return undefined;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return a === b;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return false;
    let all = true;
    for (let i = 0; i < a.length; i += 1) {
      const same = valuesEqual(a[i] as Value, b[i] as Value);
      if (same === undefined) return undefined;
      all &&= same;
    }
    return all;
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  let all = true;
  for (const key of ka) {
    if (!(key in (b as ValueObject))) return false;
    const same = valuesEqual((a as ValueObject)[key] as Value, (b as ValueObject)[key] as Value);
    if (same === undefined) return undefined;
    all &&= same;
  }
  return all;
}

/** A value as a list: a list as it is, one value as a list of one, nothing as none. */
export function asList(value: Value | undefined): Value[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/** A policy attribute as a document: jsonencode(...) or a JSON string; undefined when it is neither. */
export function policyDocument(policy: Value | undefined): ValueObject | undefined {
  let document: Value | undefined = policy;
  if (policy instanceof Encoded) document = policy.value;
  else if (typeof policy === "string") {
    try {
      document = JSON.parse(policy) as Value;
    } catch {
      return undefined;
    }
  }
  return isObject(document) ? document : undefined;
}
