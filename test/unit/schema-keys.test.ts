import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
import { literalSchemaKeys, SCHEMA_FILE } from "../../scripts/schema-keys.mjs";

/**
 * The SDK's schema modules as the command bundles get them (scripts/build.mjs): every computed key
 * written as the string constant it names, so esbuild can drop the shapes no command reaches. (That
 * it does is checked on the built CLI, in cli-bundle.test.ts.)
 */
const root = path.resolve(import.meta.dirname, "..", "..");
const sdk = path.join(root, "node_modules", "@aws-sdk");

/** Every schema module of the SDK packages installed, the nested clients' submodules included. */
function schemaModules(): string[] {
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory() && depth < 5 && entry.name !== "node_modules" && entry.name !== "dist-cjs" && entry.name !== "dist-types") walk(file, depth + 1);
      else if (entry.isFile() && SCHEMA_FILE.test(file)) found.push(file);
    }
  };
  walk(sdk, 0);
  return found.sort();
}

/** The module's exports after esbuild bundled it (as a command bundle would, its imports included) from this text. */
async function evaluated(file: string, text: string): Promise<Record<string, unknown>> {
  const result = await build({
    stdin: { contents: text, resolveDir: path.dirname(file), sourcefile: file, loader: "js" },
    bundle: true,
    platform: "node",
    format: "cjs",
    mainFields: ["module", "main"],
    write: false,
    logLevel: "silent",
  });
  const module = { exports: {} as Record<string, unknown> };
  new Function("module", "exports", "require", result.outputFiles[0]?.text ?? "")(module, module.exports, createRequire(file));
  return module.exports;
}

/**
 * Pure: a value as text, with what the schemas hold: arrays, objects, strings and numbers, thunks
 * (`() => Shape$`, followed: the shapes reach each other, cycles included), error classes (by name),
 * the type registries (their maps).
 */
function described(value: unknown, seen = new Map<object, number>()): string {
  if (value === null || (typeof value !== "object" && typeof value !== "function")) return JSON.stringify(value) ?? String(value);
  const object = value as object;
  const id = seen.get(object);
  if (id !== undefined) return `#${id}`;
  seen.set(object, seen.size);
  if (typeof value === "function") {
    const source = Function.prototype.toString.call(value);
    return source.startsWith("class") || value.length > 0 ? `function ${value.name}` : `() => ${described((value as () => unknown)(), seen)}`;
  }
  if (value instanceof Map) return `Map{${[...value].map(([k, v]) => `${described(k, seen)}=>${described(v, seen)}`).join(",")}}`;
  if (Array.isArray(value)) return `[${value.map((item) => described(item, seen)).join(",")}]`;
  return `${object.constructor?.name ?? ""}{${Object.entries(object).map(([k, v]) => `${JSON.stringify(k)}:${described(v, seen)}`).join(",")}}`;
}

describe("the SDK's schemas with literal keys (scripts/schema-keys.mjs)", () => {
  it("writes each computed key that names a string constant as that string, and leaves the rest", () => {
    const text = [
      'const _h = "http";',
      'const _xN = "xmlName";',
      'const _q = "a \\"quoted\\" key";',
      "const n0 = \"com.amazonaws.s3\";",
      "export var A$ = [3, n0, \"A\", { [_xN]: \"B\", [_q]: 1 }, [0], [0]];",
      "export var Op$ = [9, n0, \"Op\",",
      '    { [_h]: ["GET", "/{Key+}?acl", 200] }, () => A$, () => A$',
      "];",
      "export var Odd$ = [3, n0, \"Odd\", { [other]: 1 }];",
    ].join("\n");
    const { contents, replaced, left } = literalSchemaKeys(text);
    expect(replaced).toBe(3);
    expect(contents).toContain('{ "xmlName": "B", "a \\"quoted\\" key": 1 }');
    expect(contents).toContain('{ "http": ["GET", "/{Key+}?acl", 200] }');
    expect(left).toEqual(["other"]);
    expect(contents).toContain("{ [other]: 1 }");
  });

  it("finds every client's schemas, and leaves none of their computed keys", () => {
    const files = schemaModules();
    const clients = ["client-s3", "client-dynamodb", "client-lambda", "client-api-gateway", "client-cloudwatch", "client-eventbridge", "client-sts"];
    for (const client of clients) expect(files.some((file) => file.includes(`${path.sep}${client}${path.sep}`))).toBe(true);
    for (const file of files) {
      const { replaced, left } = literalSchemaKeys(readFileSync(file, "utf8"));
      expect({ file, left }).toEqual({ file, left: [] });
      if (file.includes(`${path.sep}client-s3${path.sep}`)) expect(replaced).toBeGreaterThan(1000);
    }
  });

  it("builds the same schemas as the SDK's own text, in every schema module installed", { timeout: 120_000 }, async () => {
    const files = schemaModules();
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const text = readFileSync(file, "utf8");
      const { contents, replaced } = literalSchemaKeys(text);
      const [before, after] = await Promise.all([evaluated(file, text), evaluated(file, contents)]);
      expect(Object.keys(after).sort(), file).toEqual(Object.keys(before).sort());
      const shape = Object.keys(before).find((name) => name.endsWith("$") && Array.isArray(before[name]));
      expect(shape, `${file} exports shapes`).toBeDefined();
      expect(described(after), file).toBe(described(before));
      if (file.includes(`${path.sep}client-s3${path.sep}`)) {
        expect(replaced).toBeGreaterThan(0);
        // The comparison sees keys: the same text with one key renamed does not compare equal.
        const renamed = contents.replace(/([{,]\s*)"[^"\n]*":/, '$1"renamed-key":');
        expect(renamed).not.toBe(contents);
        expect(described(await evaluated(file, renamed))).not.toBe(described(before));
      }
    }
  });
});
