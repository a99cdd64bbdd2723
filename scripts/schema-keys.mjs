// The AWS SDK clients describe every shape and operation of their service in one module,
// dist-es/schemas/schemas_0.js, as arrays: `export var GetObjectAclOutput$ = [3, n0, _GOAO, { [_xN]: _ACP }, ...]`.
// A command sends a handful of operations, and esbuild drops the arrays nothing reaches, but only
// when they are free of side effects, and an object literal with a computed key (`{ [_xN]: ... }`)
// may not be to esbuild: a key is converted with ToPropertyKey, which for an object calls its
// toString. So it keeps every shape with a trait, and all they reach: 67 KB of S3's schemas for a
// command that sends GetObject, 47 KB of Lambda's, 36 KB of API Gateway's, and their compiling and
// evaluating on every start. The keys are the module's own string constants (`const _xN = "xmlName";`),
// so writing each as the literal it names (`{ "xmlName": ... }`) builds the same objects, and lets
// esbuild drop what no command reaches.

/** The schema modules of the SDK's clients (and of their nested clients' submodules). */
export const SCHEMA_FILE = /[\\/]@aws-sdk[\\/][^\\/]+[\\/]dist-es[\\/](?:submodules[\\/][^\\/]+[\\/])?schemas[\\/]schemas_\d+\.js$/;

/**
 * Pure: a schema module's text with every computed key that names one of its string constants
 * written as that string literal; `left` lists the computed keys it could not write so (a build
 * fails on any: a new SDK that writes its keys some other way must be looked at, not quietly
 * bundled whole again).
 */
export function literalSchemaKeys(text) {
  const constants = new Map();
  for (const [, name, literal] of text.matchAll(/^const ([A-Za-z_$][\w$]*) = ("(?:[^"\\\n]|\\.)*");$/gm)) constants.set(name, literal);
  let replaced = 0;
  const contents = text.replace(/([{,]\s*)\[([A-Za-z_$][\w$]*)\]:/g, (all, before, name) => {
    const literal = constants.get(name);
    if (literal === undefined) return all;
    replaced += 1;
    return `${before}${literal}:`;
  });
  const left = [...new Set([...contents.matchAll(/[{,]\s*\[([^\]\n]*)\]:/g)].map((match) => match[1]))];
  return { contents, replaced, left };
}
