import { Command, CommanderError, Option } from "commander";
import { ENVIRONMENTS } from "./aws/target.js";
import type { CommandContext } from "./context.js";
import { AbortError, ExitCode, NotImplementedError, errorMessage, isNoveliError } from "./errors.js";
import { parseGlobalOptions, type RawGlobalOptions } from "./options.js";
import { packageVersion } from "./state/paths.js";

/**
 * The commander program: global options, one lazily loaded module per command, and the single
 * exit point that turns typed errors into the documented exit codes. Nothing here imports an AWS
 * or LLM SDK; each action imports its own command module when it runs.
 */

// TEMPORARY while the Lambda packaging lands: keeps esbuild from bundling deploy.
const DEPLOY_MODULE = "./commands/deploy.js" as string;

type Invoke = (ctx: CommandContext) => Promise<void>;

async function run(cmd: Command, invoke: Invoke): Promise<void> {
  const raw = cmd.optsWithGlobals() as RawGlobalOptions;
  const { StreamReporter } = await import("./output/reporter.js");
  const reporter = new StreamReporter({ json: raw.json === true, verbose: raw.verbose === true });
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) {
      reporter.warn(`second ${signal}: exiting without waiting for cleanup`);
      process.exit(ExitCode.Interrupted);
    }
    reporter.warn(`${signal} received: stopping and cleaning up (press Ctrl-C again to exit at once)`);
    controller.abort(new AbortError(`interrupted by ${signal}`));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    const globals = parseGlobalOptions(raw);
    const { createContext } = await import("./context.js");
    await invoke(createContext(globals, reporter, controller.signal));
    if (controller.signal.aborted) throw controller.signal.reason;
  } catch (error) {
    const failure = controller.signal.aborted && !(isNoveliError(error) && error.exitCode === ExitCode.Interrupted)
      ? new AbortError(`interrupted (${errorMessage(error)})`)
      : error;
    reporter.failure(isNoveliError(failure) ? failure : internalError(failure));
    process.exitCode = isNoveliError(failure) ? failure.exitCode : ExitCode.Failed;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

function internalError(error: unknown): Error {
  const wrapped = new Error(`unexpected error: ${errorMessage(error)} (run with --verbose for details)`);
  if (error instanceof Error) wrapped.stack = error.stack;
  return wrapped;
}

/** A command registered before its issue landed: says so and exits 2, never pretends to work. */
function pending(program: Command, name: string, description: string, issue: number, args = ""): Command {
  return program
    .command(`${name}${args ? ` ${args}` : ""}`)
    .description(`${description} (not available yet: issue #${issue})`)
    .allowUnknownOption(true)
    .allowExcessArguments(true)
    .action(async (...params: unknown[]) => {
      const cmd = params[params.length - 1] as Command;
      await run(cmd, async () => {
        throw new NotImplementedError(name, issue);
      });
    });
}

export function buildProgram(): Command {
  const program = new Command("noveli")
    .description("Operations CLI for the NOVELI.SH story platform: deploy, blue-green traffic, DR drills, cost reports, story generation.")
    .version(packageVersion(), "-V, --version")
    .addOption(new Option("--env <env>", "target environment (dev on emulator targets by default)").choices(ENVIRONMENTS))
    .option("--region <region>", "AWS region (default: AWS_REGION, the profile's, or us-east-1 on emulators)")
    .option("--profile <profile>", "named AWS profile from the shared config")
    .option("--endpoint-url <url>", "any AWS-compatible endpoint, e.g. LocalStack or moto (default: AWS_ENDPOINT_URL)")
    .option("--local", "use the embedded local AWS emulator, starting it when needed")
    .option("--json", "print one JSON document on stdout; progress goes to stderr")
    .option("--yes", "answer yes to confirmations (needed for production outside a terminal)")
    .option("--verbose", "show debug lines and the output of terraform and other tools")
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
    .command("deploy")
    .description("package the Lambda and apply the environment's Terraform from a saved plan, new code to the idle color")
    .option("--color <color>", "deploy to this color (blue|green) instead of the idle one")
    .option("--allow-destroy", "allow a plan that deletes or replaces the story table or the KMS key")
    .option("--plan-only", "stop after the plan summary")
    .option("--dry-run", "print the commands it would run and run none")
    .option("--force-unlock", "break a stale environment lock left by a dead process")
    .action(async (options: object, cmd: Command) => run(cmd, async (ctx) => (await import(DEPLOY_MODULE)).deploy(options, ctx)));
  pending(program, "health-check", "judge one color: health endpoint, latency, version and code hash", 7, "[color]");
  pending(program, "switch-traffic", "move live traffic to a color, with canary steps, alarm watch and automatic rollback", 7, "[color]");
  pending(program, "rollback", "send live traffic back to the previous color", 7);
  pending(program, "status", "live color, canary, versions, alarms and recent history of an environment", 7);
  pending(program, "dr-drill", "restore the story table to a scratch table, verify every item, measure RTO and RPO", 8, "[action]");
  pending(program, "cost-report", "AWS spend by service and environment, forecast, budgets, anomalies and AI provider cost", 9);
  pending(program, "generate", "generate a story beat through the provider manager (Bedrock, Anthropic, OpenAI)", 3, "[prompt]");
  pending(program, "validate", "check the Terraform against the platform's well-architected rules", 5);
  pending(program, "rehearse", "run the whole release runbook end to end", 10);
  return program;
}

export async function main(argv: string[] = process.argv): Promise<void> {
  const program = buildProgram();
  const wantsJson = argv.includes("--json");
  program.configureOutput({
    // Commander's own usage errors: one line on stderr, plus the error document with --json.
    outputError: (text, write) => write(text.split("\n")[0] + "\n"),
  });
  if (argv.length <= 2) {
    program.outputHelp({ error: true });
    process.exitCode = ExitCode.Usage;
    return;
  }
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      const benign = error.code === "commander.helpDisplayed" || error.code === "commander.version";
      process.exitCode = benign ? ExitCode.Success : ExitCode.Usage;
      if (!benign && wantsJson) {
        process.stdout.write(
          `${JSON.stringify({ schemaVersion: 1, error: { code: "usage", message: error.message.replace(/^error: /, "") } }, null, 2)}\n`,
        );
      }
      return;
    }
    throw error;
  }
}

await main();
