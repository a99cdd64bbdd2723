import { Argument, Command, CommanderError, Option, type OutputConfiguration } from "commander";
import { fstatSync, writeSync } from "node:fs";
import type { Invoke } from "./runner.js";

// This module imports nothing of noveli's own at load time: whatever it shared with the commands
// would become an extra chunk that every start, `--help` included, has to load. Hence the
// environments and exit codes below are literals (tests check them against src/core/environment.ts, src/core/color.ts and
// src/errors.ts), and the version is inlined by the build.
declare const __NOVELI_VERSION__: string;
const ENVIRONMENTS = ["dev", "staging", "production"];
const COLORS = ["blue", "green"];
const EXIT_SUCCESS = 0;
const EXIT_USAGE = 2;

/**
 * The commander program: global options, one lazily loaded module per command, and the single
 * exit point that turns typed errors into the documented exit codes. Nothing here imports an AWS
 * or LLM SDK; each action imports its own command module when it runs.
 */

// The runner (reporter, errors, options, context) loads only when a command runs.
const run = async (cmd: Command, invoke: Invoke): Promise<void> => {
  guardStdio();
  return (await import("./runner.js")).run(cmd, invoke);
};

/**
 * A reader that stops early (`noveli history | head -3`) closes the pipe: what it did not read is
 * nobody's loss, so the command goes on (a lease is still released) and exits as it would,
 * instead of dying on Node's unhandled EPIPE with a stack trace. Attached when a command runs:
 * help, the version and usage errors are written by `writeTo`, which needs no stream.
 */
let stdioGuarded = false;
function guardStdio(): void {
  if (stdioGuarded) return;
  stdioGuarded = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EPIPE" && error.code !== "ERR_STREAM_DESTROYED") process.exitCode = 1;
    });
  }
}

const stdio = (fd: 1 | 2) => (fd === 1 ? process.stdout : process.stderr);

/**
 * Commander's own output (help, the version, usage errors), written straight to the descriptor,
 * synchronously as Node writes its own stdio on Linux: a start that only prints help builds no
 * stream for it (Node's streams, and for a pipe its net module: about 6 ms of `noveli --help`).
 * A descriptor that refuses to block (EAGAIN) gets the rest through its stream, which waits.
 */
function writeTo(fd: 1 | 2, text: string): void {
  let rest = Buffer.from(text);
  while (rest.length > 0) {
    try {
      rest = rest.subarray(writeSync(fd, rest));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "EPIPE") return; // the reader is gone (see guardStdio)
      if (code !== "EAGAIN") throw error;
      guardStdio();
      stdio(fd).write(rest);
      return;
    }
  }
}

/**
 * The descriptor's stream when it is a terminal; undefined otherwise. Only a character device can
 * be one, so for a pipe or a file no stream is built to ask.
 */
const characterDevices = new Map<number, boolean>();
function terminal(fd: 1 | 2): NodeJS.WriteStream | undefined {
  let characterDevice = characterDevices.get(fd);
  if (characterDevice === undefined) {
    try {
      characterDevice = fstatSync(fd).isCharacterDevice();
    } catch {
      characterDevice = false;
    }
    characterDevices.set(fd, characterDevice);
  }
  const stream = characterDevice ? stdio(fd) : undefined;
  return stream?.isTTY ? stream : undefined;
}

/** Commander's own rule for colour from the environment (its useColor, which it does not export). */
function colorFromEnv(env: NodeJS.ProcessEnv = process.env): boolean | undefined {
  if (env.NO_COLOR || env.FORCE_COLOR === "0" || env.FORCE_COLOR === "false") return false;
  if (env.FORCE_COLOR || env.CLICOLOR_FORCE !== undefined) return true;
  return undefined;
}

/**
 * Commander's defaults, but a terminal's width and colours are asked of its stream only when the
 * descriptor can be one. No width (commander's own default answers so too, though its types say
 * number) means its default of 80 columns.
 */
const helpWidth = (fd: 1 | 2): number => terminal(fd)?.columns as number;
const hasColors = (fd: 1 | 2): boolean => colorFromEnv() ?? terminal(fd)?.hasColors() ?? false;
const OUTPUT: OutputConfiguration = {
  writeOut: (text) => writeTo(1, text),
  writeErr: (text) => writeTo(2, text),
  getOutHelpWidth: () => helpWidth(1),
  getErrHelpWidth: () => helpWidth(2),
  getOutHasColors: () => hasColors(1),
  getErrHasColors: () => hasColors(2),
};

export function buildProgram(): Command {
  const program = new Command("noveli")
    .description("Operations CLI for the NOVELI.SH story platform: deploy, blue-green traffic, DR drills, cost reports, story generation.")
    .version(__NOVELI_VERSION__, "-V, --version")
    .addOption(new Option("--env <env>", "target environment (dev on emulator targets by default)").choices(ENVIRONMENTS))
    .option("--region <region>", "AWS region (default: AWS_REGION, the profile's, or us-east-1 on emulators)")
    .option("--profile <profile>", "named AWS profile from the shared config")
    .option("--endpoint-url <url>", "any AWS-compatible endpoint, e.g. LocalStack or moto (default: AWS_ENDPOINT_URL)")
    .option("--local", "use the embedded local AWS emulator that noveli local up started (deploy and rehearse start it when none runs)")
    .option("--json", "print one JSON document on stdout; progress goes to stderr")
    .option("--yes", "answer yes to confirmations (needed for production outside a terminal)")
    .option("--verbose", "show debug lines and the output of terraform and other tools")
    .option("--config <file>", "per-environment defaults for command flags (default: noveli.config.json in the working directory or above)")
    .option("--no-color", "no colours in the output (as NO_COLOR=1 or FORCE_COLOR=0)")
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .showSuggestionAfterError(true)
    .exitOverride();

  const local = program.command("local").description("the embedded local AWS emulator (moto) on 127.0.0.1");
  local
    .command("up")
    .description("start the emulator (or reuse the running one) and record its pid and URL")
    .option("--port <port>", "listen on this port instead of a free one")
    .action(async (options: { port?: string }, cmd: Command) =>
      run(cmd, async (ctx) => (await import("./commands/local.js")).localUp(options, ctx)),
    );
  local
    .command("down")
    .description("stop the emulator noveli started (never any other process)")
    .action(async (_options: object, cmd: Command) => run(cmd, async (ctx) => (await import("./commands/local.js")).localDown(ctx)));
  local
    .command("status")
    .description("whether the emulator runs, and its URL")
    .action(async (_options: object, cmd: Command) => run(cmd, async (ctx) => (await import("./commands/local.js")).localStatus(ctx)));

  program
    .command("bootstrap")
    .description("prepare the account and region: the state bucket noveli-tfstate-<account>-<region> and the operations table noveli-ops; idempotent, never deletes")
    .option("--repair", "apply what an existing bucket or table lacks (otherwise reported setting by setting, exit 1)")
    .option("--dry-run", "list what it would do and change nothing")
    .option("--github-oidc <owner/repo>", "also the GitHub OIDC provider and a deploy role only that repository's workflows may assume; prints its ARN")
    .action(async (options: object, cmd: Command) => run(cmd, async (ctx) => (await import("./commands/bootstrap.js")).bootstrap(options, ctx)));
  program
    .command("deploy")
    .description("package the Lambda and apply the environment's Terraform from a saved plan, new code to the idle color")
    .addOption(new Option("--color <color>", "deploy to this color instead of the idle one").choices(COLORS))
    .option("--allow-destroy", "allow a plan that deletes or replaces the story table or the KMS key")
    .option("--plan-only", "stop after the plan summary")
    .option("--dry-run", "print the commands it would run and run none")
    .option("--wait-lock <duration>", "wait up to this long (at most 1h) for the environment's lease instead of failing at once, e.g. 5m")
    .option("--release <label>", "release label recorded as the Lambda's APP_VERSION, e.g. a commit id (default: noveli's version)")
    .action(async (options: object, cmd: Command) => run(cmd, async (ctx) => (await import("./commands/deploy.js")).deploy(options, ctx)));
  program
    .command("health-check")
    .addArgument(new Argument("<color>", "the color to judge").choices(COLORS))
    .description("judge one color (blue|green): consecutive GET /health, latency p50/p95, version and code hash against the deploy record")
    .option("--attempts <n>", "consecutive successful GET /health needed (default 5)")
    .option("--interval <duration>", "wait between attempts, e.g. 500ms, 1s (default 1s)")
    .option("--timeout <duration>", "per-request timeout (default 5s)")
    .option("--max-p95 <ms>", "highest acceptable p95 latency in ms (default 1500)")
    .option("--synthetic", "also start a real story (POST /stories)")
    .option("--no-deep", "skip GET /health?deep=1 (the DynamoDB check)")
    .action(async (color: string, options: object, cmd: Command) => run(cmd, async (ctx) => (await import("./commands/health-check.js")).healthCheck({ ...options, color }, ctx)));
  program
    .command("switch-traffic")
    .addArgument(new Argument("<color>", "the color to send live traffic to").choices(COLORS))
    .description("move live traffic to a color (blue|green), with canary steps, alarm watch and automatic rollback")
    .option("--canary <steps>", "canary percentages ending with 100, e.g. 10,50,100 (default: all at once)")
    .option("--interval <duration>", "time at each canary step, alarms and health polled meanwhile (default 60s)")
    .option("--watch <duration>", "after the shift, watch alarms and health this long and roll back on trouble, e.g. 2m")
    .option("--poll-interval <duration>", "how often the watch polls (default 10s)")
    .option("--no-rollback", "when the watch trips, only report: do not roll back")
    .option("--max-error-rate <rate>", "canary analysis: highest error, throttle and generation failure rate of the new color, e.g. 1% or 0.01 (default 1%)")
    .option("--max-latency-ratio <ratio>", "canary analysis: highest p95 duration of the new color over the old one's (default 1.5)")
    .option("--min-requests <n>", "canary analysis: requests the new color must serve in a window for a verdict (default 20)")
    .option("--failure-limit <n>", "canary analysis: failed analyses that roll back (default 1)")
    .option("--require-traffic", "canary analysis: a step that ends with too few requests fails instead of waiting another interval")
    .option("--skip-analysis", "emergency bypass: no canary analysis, alarms and health only (recorded in the history)")
    .option("--propagation-timeout <duration>", "real AWS: how long the live stage may take to answer from the new color after the switch (default 60s)")
    .option("--dry-run", "print the exact patch operations and change nothing")
    .option("--wait-lock <duration>", "wait up to this long (at most 1h) for the environment's lease instead of failing at once, e.g. 5m")
    .option("--health-attempts <n>", "health gate: consecutive successes needed (default 5)")
    .option("--health-interval <duration>", "health gate: wait between attempts (default 1s)")
    .option("--health-timeout <duration>", "per-request timeout of health requests (default 5s)")
    .option("--max-p95 <ms>", "highest acceptable p95 latency of the target in ms (default 1500)")
    .action(async (color: string, options: object, cmd: Command) => run(cmd, async (ctx) => (await import("./commands/switch-traffic.js")).switchTraffic({ ...options, color }, ctx)));
  program
    .command("rollback")
    .description("send live traffic back to the previous color at once (health-checked first unless --force)")
    .option("--force", "do not health-check the previous color first")
    .option("--dry-run", "print the exact patch operations and change nothing")
    .option("--wait-lock <duration>", "wait up to this long (at most 1h) for the environment's lease instead of failing at once, e.g. 5m")
    .option("--health-attempts <n>", "consecutive successes needed (default 5)")
    .option("--health-interval <duration>", "wait between attempts (default 1s)")
    .option("--health-timeout <duration>", "per-request timeout (default 5s)")
    .option("--max-p95 <ms>", "highest acceptable p95 latency in ms (default 1500)")
    .action(async (options: object, cmd: Command) => run(cmd, async (ctx) => (await import("./commands/rollback.js")).rollback(options, ctx)));
  program
    .command("unlock")
    .description("break the environment's lease on purpose (a holder that is gone), recorded in the history with who and why")
    .requiredOption("--reason <text>", "why the lease is broken: recorded in the history")
    .action(async (options: { reason: string }, cmd: Command) => run(cmd, async (ctx) => (await import("./commands/unlock.js")).unlock(options, ctx)));
  program
    .command("history")
    .description("the environment's shared history, newest first: deploys, switches, rollbacks, drills, gc, lease takeovers and unlocks, with who and where")
    .option("--limit <n>", "at most this many records, 1 to 1000 (default 20)")
    .addOption(new Option("--kind <kind>", "only records of this kind").choices(["deploy", "switch", "rollback", "drill", "gc", "teardown", "lease"]))
    .action(async (options: { limit?: string; kind?: string }, cmd: Command) => run(cmd, async (ctx) => (await import("./commands/history.js")).history(options, ctx)));
  program
    .command("status")
    .description("live color, canary, versions, alarms and recent history of an environment")
    .action(async (_options: object, cmd: Command) => run(cmd, async (ctx) => (await import("./commands/status.js")).status({}, ctx)));
  program
    .command("dr-drill")
    .addArgument(new Argument("[action]", "gc: delete what drills left behind instead of running a drill").choices(["gc"]))
    .description("restore the story table to a scratch table, verify every item, measure RTO and RPO; `dr-drill gc` deletes what drills left behind")
    .addOption(new Option("--method <method>", "restore to the latest restorable time (pitr) or from a backup (backup) (default: pitr)").choices(["pitr", "backup"]))
    .option("--backup-arn <arn>", "restore this backup (implies --method backup; default: the newest available)")
    .option("--keep", "keep the scratch table after the drill (dr-drill gc deletes it later)")
    .option("--report <file.md>", "also write the report as Markdown to this file")
    .option("--segments <n>", "parallel scan segments per table, 1 to 64 (default: 4)")
    .option("--guard <seconds>", "leave out items stamped this close before the restore point, 0 to 3600: the gap between the application's stamp and DynamoDB's commit (default: 10)")
    .option("--verify-timeout <duration>", "deadline of the whole verification, 1s to 24h (default: 15m plus 1s per 100 items per segment of the source table)")
    .option("--wait-lock <duration>", "wait up to this long (at most 1h) for the environment's lease instead of failing at once, e.g. 5m")
    .option("--min-age <minutes>", "gc: leave drill restores nobody recorded alone while younger than this (default: 60)")
    .addHelpText("after", "\nExit codes: 0 every item matched and cleanup finished, 1 mismatch or failure, 2 bad flags or environment not deployed,\n130 interrupted (after cleanup). Leftovers of a killed drill are recorded in the account's operations table; dr-drill gc on any machine deletes them.")
    .action(async (action: string | undefined, options: object, cmd: Command) =>
      run(cmd, async (ctx) => (await import("./commands/dr-drill.js")).drDrill({ ...options, ...(action !== undefined ? { action } : {}) }, ctx)),
    );
  program
    .command("cost-report")
    .description("AWS spend by service and environment, forecast, budgets, anomalies and AI provider cost")
    .option("--from <date>", "first day, YYYY-MM-DD in UTC (default: the first of the month)")
    .option("--to <date>", "last day, YYYY-MM-DD in UTC, inclusive: Cost Explorer's exclusive End is the day after (default: today)")
    .addOption(new Option("--granularity <granularity>", "daily or monthly buckets (default: daily)").choices(["daily", "monthly"]))
    .addOption(new Option("--group-by <group>", "group spend by service or env (the Environment tag; untagged spend is its own line) (default: service)").choices(["service", "env"]))
    .addOption(new Option("--format <format>", "report format (default: table; --json means json)").choices(["table", "json", "csv", "markdown"]))
    .option("--budget <usd>", "monthly budget in USD: exit 1 when actual or forecast spend is over it (default with --env: the environment's configured budget)")
    .addHelpText("after", "\nSpend is filtered on the tag Project=noveli (and Environment=<env> with --env). Each Cost Explorer request costs $0.01;\nthe report says how many it made. A section that cannot be read is listed under 'unavailable' and the rest still prints.\nExit codes: 0 report printed (within budget), 1 over budget or spend unknown with a budget, 2 bad flags.")
    .action(async (options: object, cmd: Command) => run(cmd, async (ctx) => (await import("./commands/cost-report.js")).costReport(options, ctx)));
  program
    .command("generate [prompt]")
    .description("tell a story beat through the provider manager (Bedrock, Anthropic, OpenAI) with failover; --interactive plays a branching story")
    .option("--provider <list>", "providers to try, in order, e.g. anthropic,openai (default: NOVELI_PROVIDERS, else bedrock,anthropic,openai)")
    .option("--model <id>", "model id; with several providers name each: openai=gpt-6-luna,anthropic=claude-haiku-5-5 (default: NOVELI_<PROVIDER>_MODEL, else current defaults)")
    .option("--max-tokens <n>", "output token limit per beat, 64 to 32000 (default 1024)")
    .option("--temperature <t>", "sampling temperature 0 to 1, sent where the model's API takes it, else reported as not applied")
    .option("--genre <genre>", "genre to steer the story, e.g. \"gothic horror\"")
    .option("--interactive", "play a branching story: type a choice number for the next beat, q to end")
    .action(async (prompt: string | undefined, options: { provider?: string; model?: string; maxTokens?: string; temperature?: string; genre?: string; interactive?: boolean }, cmd: Command) =>
      run(cmd, async (ctx) => (await import("./commands/generate.js")).generate({ ...options, ...(prompt !== undefined ? { prompt } : {}) }, ctx)),
    );
  program
    .command("models")
    .description("the AI model catalog: ids, prices with source and date, thinking and structured-output mode; --check asks each configured provider")
    .option("--check", "ask each configured provider's own model list; exit 1 when a selected model is unknown, retired or not enabled")
    .option("--provider <list>", "providers to show and check, e.g. anthropic,openai (default: NOVELI_PROVIDERS, else all)")
    .action(async (options: { check?: boolean; provider?: string }, cmd: Command) => run(cmd, async (ctx) => (await import("./commands/models.js")).models(options, ctx)));
  program
    .command("validate")
    .description("check the Terraform against the platform's well-architected rules (NOV001...); exit 1 on any error finding")
    .option("--dir <path>", "Terraform root with modules/ and environments/ (default: noveli's own terraform/)")
    .addOption(new Option("--format <format>", "output: text, json (as --json) or sarif (SARIF 2.1.0)").choices(["text", "json", "sarif"]))
    .action(async (options: { dir?: string; format?: string }, cmd: Command) =>
      run(cmd, async (ctx) => (await import("./commands/validate.js")).validate(options, ctx)),
    );
  program
    .command("rehearse")
    .description("run the whole release runbook end to end: deploy, health-check, switch, health-check live, DR drill, cost report")
    .option("--teardown", "destroy the environment at the end (emulator targets only)")
    .option("--wait-lock <duration>", "wait up to this long (at most 1h) for the environment's lease instead of failing at once, e.g. 5m")
    .option("--release <label>", "release label for the deploy step, e.g. a commit id")
    .action(async (options: object, cmd: Command) => run(cmd, async (ctx) => (await import("./commands/rehearse.js")).rehearse(options, ctx)));
  program
    .command("config")
    .description("the effective per-environment settings of every command: from noveli.config.json or the default, and which")
    .action(async (_options: object, cmd: Command) =>
      run(cmd, async (ctx) => (await import("./commands/config.js")).showConfig({ program: cmd.parent as Command }, ctx)),
    );
  program
    .command("completion")
    .description("print a shell completion script for every command, flag and choice")
    .addArgument(new Argument("<shell>", "the shell to complete in").choices(["bash", "zsh", "fish"]))
    .action(async (shell: string, _options: object, cmd: Command) =>
      run(cmd, async (ctx) => (await import("./commands/completion.js")).completion({ shell, program: cmd.parent as Command }, ctx)),
    );
  addExamples(program);
  return program;
}

/**
 * Examples at the end of each command's help, keyed by the command's path. Literal here: this
 * module loads nothing of noveli's own at start (see above). A test checks every command has some.
 */
const EXAMPLES: Record<string, string[]> = {
  "": ["noveli deploy --local", "noveli status --local", "noveli rehearse --local --teardown", "noveli completion bash > ~/.local/share/bash-completion/completions/noveli"],
  "local up": ["noveli local up", "noveli local up --port 5000"],
  "local down": ["noveli local down"],
  "local status": ["noveli local status --json"],
  deploy: ["noveli deploy --local", "noveli deploy --env staging --plan-only", "noveli deploy --env production --release \"$(git rev-parse --short HEAD)\""],
  "health-check": ["noveli health-check green --local", "noveli health-check blue --env staging --synthetic --attempts 10"],
  "switch-traffic": ["noveli switch-traffic green --local", "noveli switch-traffic green --env production --canary 10,50,100 --interval 2m --watch 10m"],
  rollback: ["noveli rollback --local", "noveli rollback --env production --dry-run"],
  status: ["noveli status --local", "noveli status --env production --json"],
  bootstrap: ["noveli bootstrap --env dev --region eu-west-1 --dry-run", "noveli bootstrap --env dev --region eu-west-1 --profile ops --github-oidc acme/noveli", "noveli bootstrap --env production --repair"],
  history: ["noveli history --local", "noveli history --env production --kind lease --limit 50 --json"],
  unlock: ["noveli unlock --env staging --reason \"runner lost mid-deploy\""],
  "dr-drill": ["noveli dr-drill --local", "noveli dr-drill --env production --method backup --report drill.md", "noveli dr-drill gc --env production"],
  "cost-report": ["noveli cost-report --local", "noveli cost-report --env production --budget 2000", "noveli cost-report --from 2026-11-01 --to 2026-11-30 --granularity monthly --format markdown"],
  generate: ["noveli generate \"a lighthouse keeper hears a knock\"", "noveli generate --provider anthropic,openai --genre noir --interactive"],
  models: ["noveli models", "noveli models --check", "noveli models --check --provider bedrock --region us-west-2 --json"],
  validate: ["noveli validate", "noveli validate --format sarif > noveli.sarif"],
  rehearse: ["noveli rehearse --local", "noveli rehearse --local --teardown --release rc1"],
  config: ["noveli config --env production", "noveli config --env staging --json", "noveli config --env dev --config ./ci/noveli.config.json"],
  completion: ["noveli completion bash > ~/.local/share/bash-completion/completions/noveli", "noveli completion zsh > \"${fpath[1]}/_noveli\"", "noveli completion fish > ~/.config/fish/completions/noveli.fish"],
};

function addExamples(command: Command, path: string[] = []): void {
  const examples = EXAMPLES[path.join(" ")];
  if (examples) command.addHelpText("after", `\nExamples:\n${examples.map((line) => `  $ ${line}`).join("\n")}`);
  for (const sub of command.commands) addExamples(sub, [...path, sub.name()]);
}

/** Commander's error as one line: its first line, and its "(Did you mean deploy?)" when it has one. */
function oneLine(text: string): string {
  const [first = "", ...rest] = text.trim().split("\n");
  const suggestion = rest.find((line) => line.startsWith("(Did you mean"));
  return suggestion ? `${first} ${suggestion}` : first;
}

export async function main(argv: string[] = process.argv): Promise<void> {
  // The SDK warns on every run under Node 20 that its 2027 releases need Node 22; the README
  // says so once, and a warning on every command would bury the output that matters.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const program = buildProgram();
  const wantsJson = argv.includes("--json");
  // Commander's own usage errors: one line on stderr (with its "(Did you mean deploy?)"), plus
  // the error document with --json. Every command reports its own errors, so each gets this.
  const configureErrors = (command: Command): void => {
    command.configureOutput({ ...OUTPUT, outputError: (text, write) => write(`${oneLine(text)}\n`) });
    for (const sub of command.commands) configureErrors(sub);
  };
  configureErrors(program);
  if (argv.length <= 2) {
    program.outputHelp({ error: true });
    process.exitCode = EXIT_USAGE;
    return;
  }
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      const benign = error.code === "commander.helpDisplayed" || error.code === "commander.version";
      process.exitCode = benign ? EXIT_SUCCESS : EXIT_USAGE;
      if (!benign && wantsJson) {
        writeTo(1, `${JSON.stringify({ schemaVersion: 1, error: { code: "usage", message: oneLine(error.message).replace(/^error: /, "") } }, null, 2)}\n`);
      }
      return;
    }
    throw error;
  }
}

main().catch((error: unknown) => {
  // The runner turns every error of a command into its exit code; this is the last resort.
  process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
