// The layers of ARCHITECTURE.md ("Layers: who may import whom"), enforced by `npm run check:layers`.
// Every rule names the layer it protects; a rule here and a sentence in ARCHITECTURE.md change
// together. Type-only imports count: a layer that needs another's types depends on it all the same.
// test/unit/check-layers.test.ts runs this file against small trees that break each rule.

/** The AWS SDK and the Smithy runtime under it, wherever npm put them. */
const SDK = "(^|/)node_modules/@(aws-sdk|smithy)/|^@(aws-sdk|smithy)/";

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "sdk-only-in-aws",
      comment:
        "Only src/aws/ imports the AWS SDK: one client factory, one small named function per call; operations receive clients or " +
        "small interfaces. Aside: the provider package's Bedrock adapter, and the Lambda's own storage and secrets modules " +
        "(the Lambda is a separate deployable and never imports src/).",
      severity: "error",
      from: {
        path: "^(src|packages|lambda)/",
        pathNot: [
          "^src/aws/",
          "^packages/providers/src/adapters/bedrock\\.ts$",
          "^lambda/story-generator/src/(sessions|secrets|index)\\.ts$",
          "^lambda/story-generator/testing/",
        ],
      },
      to: { path: SDK },
    },
    {
      name: "ops-not-to-commands",
      comment: "An operation (src/ops/) never calls a command or the CLI's entry: commands call operations and read their typed results.",
      severity: "error",
      from: { path: "^src/ops/" },
      to: { path: "^src/(commands/|cli\\.ts$|runner\\.ts$)" },
    },
    {
      name: "commands-only-from-entry",
      comment: "Only src/cli.ts (and the runner) loads a command module; no layer below imports one (src/ops/ has its own rule).",
      severity: "error",
      from: { path: "^(src|packages|lambda)/", pathNot: "^src/(commands/|ops/|cli\\.ts$|runner\\.ts$)" },
      to: { path: "^src/commands/" },
    },
    {
      name: "commands-independent",
      comment:
        "A command does not import another command: what two commands share is an operation in src/ops/ or a view in src/views/ " +
        "(a command split into a folder may import its own files).",
      severity: "error",
      from: { path: "^src/commands/([^/.]+)" },
      to: { path: "^src/commands/", pathNot: "^src/commands/$1([./])" },
    },
    {
      name: "nothing-imports-entry",
      comment: "src/cli.ts and src/runner.ts are the top: only cli.ts loads the runner, nothing imports either.",
      severity: "error",
      from: { path: "^(src|packages|lambda)/", pathNot: "^src/cli\\.ts$" },
      to: { path: "^src/(cli|runner)\\.ts$" },
    },
    {
      name: "views-render-only",
      comment:
        "A view (src/views/) turns a typed result into JSON and lines: it may read the result types of src/ops/, the output " +
        "style and the core vocabulary, never a command, an AWS call, terraform, the state stores or the emulator.",
      severity: "error",
      from: { path: "^src/views/" },
      to: { path: "^src/(commands|aws|terraform|state|local|package)/|^src/(cli|runner)\\.ts$" },
    },
    {
      name: "aws-not-upward",
      comment: "src/aws/ wraps the SDK and knows nothing of the operations, commands, views or the command context above it.",
      severity: "error",
      from: { path: "^src/aws/" },
      to: { path: "^src/(ops|commands|views)/|^src/(cli|runner|context)\\.ts$" },
    },
    {
      name: "core-self-contained",
      comment:
        "src/core/ (environments, colors, clock, targets and their keys, version) is the vocabulary every layer imports; it imports " +
        "none of them, only itself, the typed errors (src/errors.ts) its checks throw, and the one sleep the provider package shares (packages/providers/src/time.ts).",
      severity: "error",
      from: { path: "^src/core/" },
      to: { path: "^(src/|packages/|lambda/)", pathNot: "^(src/(core/|errors\\.ts$)|packages/providers/src/time\\.ts$)" },
    },
    {
      name: "errors-self-contained",
      comment: "src/errors.ts, the typed error family with its exit codes, sits beside the core vocabulary and imports nothing of src/.",
      severity: "error",
      from: { path: "^src/errors\\.ts$" },
      to: { path: "^(src/|packages/|lambda/)" },
    },
    {
      name: "providers-package-independent",
      comment: "packages/providers is shared by the CLI and the Lambda: it imports nothing of either.",
      severity: "error",
      from: { path: "^packages/providers/" },
      to: { path: "^(src|lambda)/" },
    },
    {
      name: "lambda-not-to-cli",
      comment: "The Lambda imports the provider package by its name, never the CLI's src/.",
      severity: "error",
      from: { path: "^lambda/" },
      to: { path: "^src/" },
    },
    {
      name: "cli-not-to-lambda",
      comment: "The CLI packages the Lambda (src/package/) but never imports its code; what both need lives in packages/providers.",
      severity: "error",
      from: { path: "^src/" },
      to: { path: "^lambda/" },
    },
    {
      name: "packages-by-name",
      comment: "A workspace package is imported by its name (its package.json exports), never by a relative path into its files.",
      severity: "error",
      from: { path: "^(src|lambda)/" },
      // By name, npm's workspace link resolves into packages/ too: that is the aliased-workspace kind.
      to: { path: "^packages/", dependencyTypes: ["local"], dependencyTypesNot: ["aliased-workspace"] },
    },
    {
      name: "no-circular",
      comment: "No import cycles: a cycle means two modules are one, or one of them sits in the wrong layer.",
      severity: "error",
      from: { path: "^(src|packages|lambda)/" },
      to: { circular: true },
    },
    {
      name: "not-to-unresolvable",
      comment: "Every import resolves: one that does not would escape the rules above unseen.",
      severity: "error",
      from: { path: "^(src|packages|lambda)/" },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    // Type-only imports are dependencies too (see the top of this file).
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    doNotFollow: { path: "node_modules" },
    moduleSystems: ["es6", "cjs"],
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "types", "default"],
      mainFields: ["module", "main", "types", "typings"],
      extensions: [".ts", ".mts", ".js", ".mjs", ".cjs", ".json"],
    },
  },
};
