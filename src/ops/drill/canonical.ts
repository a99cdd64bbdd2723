/**
 * Canonical encoding of DynamoDB items in their raw wire form (`{S: "..."}`, `{N: "..."}`, ...),
 * so that two copies of the same item encode to the same string whatever the attribute order,
 * set order, number spelling ("1.50" vs "1.5" vs "15e-1") or binary representation (bytes vs
 * base64 text). Pure: no SDK import; the SDK's AttributeValue is structurally assignable.
 */

/** A DynamoDB attribute value as the low-level SDK (or the AWS CLI's JSON) returns it. */
export interface AttributeValueLike {
  S?: string;
  N?: string;
  B?: Uint8Array | string;
  SS?: string[];
  NS?: string[];
  BS?: (Uint8Array | string)[];
  M?: Record<string, AttributeValueLike>;
  L?: AttributeValueLike[];
  NULL?: boolean;
  BOOL?: boolean;
}

export type ItemLike = Record<string, AttributeValueLike>;

const NUMBER = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/**
 * A number in one spelling: sign, significant digits without leading or trailing zeros, and a
 * decimal exponent, e.g. "-1.500" → "-15e-1", "0.0" → "0". DynamoDB numbers have up to 38
 * significant digits, so this works on the text and never goes through a float.
 */
export function canonicalNumber(text: string): string {
  const match = NUMBER.exec(text.trim());
  if (!match || (match[2] === "" && (match[3] ?? "") === "")) throw new Error(`not a DynamoDB number: ${JSON.stringify(text)}`);
  const sign = match[1] === "-" ? "-" : "";
  const integer = match[2] ?? "";
  const fraction = match[3] ?? "";
  let exponent = Number(match[4] ?? "0") - fraction.length;
  let digits = (integer + fraction).replace(/^0+/, "");
  if (digits === "") return "0";
  const trailing = /0+$/.exec(digits);
  if (trailing) {
    digits = digits.slice(0, trailing.index);
    exponent += trailing[0].length;
  }
  return `${sign}${digits}e${exponent}`;
}

function canonicalBinary(value: Uint8Array | string): string {
  // Text is base64 (the AWS CLI's and lib-dynamodb's JSON form); normalise padding and alphabet.
  const bytes = typeof value === "string" ? Buffer.from(value, "base64") : value;
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

function encodeString(value: string): string {
  return `${value.length}:${value}`;
}

/** The canonical encoding of one attribute value; length prefixes make it unambiguous. */
export function encodeValue(value: AttributeValueLike): string {
  if (value.S !== undefined) return `s${encodeString(value.S)}`;
  if (value.N !== undefined) return `n${canonicalNumber(value.N)};`;
  if (value.B !== undefined) return `b${canonicalBinary(value.B)};`;
  if (value.BOOL !== undefined) return value.BOOL ? "t" : "f";
  if (value.NULL !== undefined) return "z";
  if (value.SS !== undefined) return `S${value.SS.length}[${value.SS.map(encodeString).sort().join("")}]`;
  if (value.NS !== undefined) return `N${value.NS.length}[${value.NS.map((n) => `${canonicalNumber(n)};`).sort().join("")}]`;
  if (value.BS !== undefined) return `B${value.BS.length}[${value.BS.map((b) => `${canonicalBinary(b)};`).sort().join("")}]`;
  if (value.L !== undefined) return `l${value.L.length}[${value.L.map(encodeValue).join("")}]`;
  if (value.M !== undefined) return `m${encodeMap(value.M)}`;
  throw new Error(`unsupported DynamoDB attribute value with fields ${Object.keys(value).join(", ") || "none"}`);
}

function encodeMap(map: Record<string, AttributeValueLike>): string {
  const names = Object.keys(map).sort();
  let out = `${names.length}{`;
  for (const name of names) out += encodeString(name) + encodeValue(map[name] as AttributeValueLike);
  return `${out}}`;
}

/** The canonical encoding of a whole item: attributes sorted by name. */
export function encodeItem(item: ItemLike): string {
  return encodeMap(item);
}

/** The canonical encoding of an item's primary key, attributes in key-schema order. */
export function encodeKey(item: ItemLike, keyAttributes: readonly string[]): string {
  let out = "";
  for (const name of keyAttributes) {
    const value = item[name];
    if (value === undefined) throw new Error(`item has no key attribute ${name}`);
    out += encodeValue(value);
  }
  return out;
}

/** A primary key for people: `{"session_id":"abc","timestamp":"1700000000000"}`. */
export function displayKey(item: ItemLike, keyAttributes: readonly string[]): string {
  const shown: Record<string, string | boolean | null> = {};
  for (const name of keyAttributes) {
    const value = item[name];
    if (value === undefined) continue;
    shown[name] = value.S ?? value.N ?? (value.B !== undefined ? canonicalBinary(value.B) : null);
  }
  return JSON.stringify(shown);
}

/** FNV-1a (32 bit) of a string's UTF-16 code units: a cheap, stable bucket selector. */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
