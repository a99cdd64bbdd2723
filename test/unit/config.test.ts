import { Command, Option } from "commander";
import { describe, expect, it } from "vitest";
import { commandTree, runnableCommands } from "../../src/commandline/tree.js";
import { applyConfig, attributeToConfig } from "../../src/config/apply.js";
import { effectiveSettings } from "../../src/config/effective.js";
import { validateConfig } from "../../src/config/validate.js";
import { ConfigError, UsageError } from "../../src/errors.js";

/** A program shaped like noveli's: global options, a nested group, value flags, switches, negations, choices. */
function program(): Command {
  const root = new Command("noveli").exitOverride().option("--env <env>").option("--json");
  root.command("local").command("up").option("--port <port>", "listen here");
  root
    .command("switch-traffic")
    .argument("<color>")
    .option("--canary <steps>", "canary steps (default: all at once)")
    .option("--interval <duration>", "time per step (default 60s)")
    .option("--no-rollback", "only report")
    .option("--dry-run", "change nothing")
    .action(() => undefined);
  root.command("cost-report").addOption(new Option("--format <format>").choices(["table", "json"])).option("--budget <usd>").action(() => undefined);
  return root;
}

const FILE = "/project/noveli.config.json";

describe("validateConfig", () => {
  it("reads like the command line: command names, then flags' long names as typed", () => {
    const config = validateConfig(
      { environments: { production: { "switch-traffic": { canary: "10,50,100", "no-rollback": true }, "cost-report": { budget: 2000, format: "json" }, "local up": { port: 4566 } } } },
      commandTree(program()),
      FILE,
    );
    expect(config.environments.production?.map((f) => [f.command, f.key, f.value])).toEqual([
      ["switch-traffic", "canary", "10,50,100"],
      ["switch-traffic", "no-rollback", true],
      ["cost-report", "budget", "2000"],
      ["cost-report", "format", "json"],
      ["local up", "port", "4566"],
    ]);
  });

  it.each([
    [{ environments: { dev: { "switch-traffic": { "--canary": "10,100" } } } }, null],
    [{ environments: { dev: { local: { port: 1 } } } }, /environments\.dev\.local: no such command/],
    [{ environments: { dev: { "switch-traffic": { color: "blue" } } } }, /switch-traffic\.color: noveli switch-traffic has no flag --color/],
    [{ environments: { dev: { "switch-traffic": { env: "dev" } } } }, /has no flag --env/],
    [{ environments: { dev: { "switch-traffic": { "dry-run": 1 } } } }, /--dry-run is a switch: use true or false, got 1/],
    [{ environments: { dev: { "switch-traffic": { interval: "" } } } }, /--interval takes a value/],
    [{ environments: { dev: { "switch-traffic": { interval: null } } } }, /--interval takes a value/],
    [{ environments: { dev: { "cost-report": { format: "TABLE" } } } }, /"TABLE" is not one of table, json/],
    [{ environments: { dev: [] } }, /environments\.dev must be an object keyed by command name/],
    [{ environments: [] }, /"environments" must be an object/],
    [[], /must hold a JSON object/],
  ])("%j", (content, message) => {
    const run = () => validateConfig(content, commandTree(program()), FILE);
    if (message === null) {
      expect(run().environments.dev?.[0]?.key).toBe("canary");
      return;
    }
    expect(run).toThrow(ConfigError);
    expect(run).toThrow(message);
    expect(run).toThrow(`${FILE}: `);
  });

  it("an empty file or environment is valid and configures nothing", () => {
    expect(validateConfig({}, commandTree(program()), FILE).environments).toEqual({});
    expect(validateConfig({ $schema: "x", environments: { dev: {} } }, commandTree(program()), FILE).environments).toEqual({ dev: [] });
  });
});

describe("applyConfig", () => {
  const parse = async (argv: string[], content: unknown) => {
    const root = program();
    let seen: Record<string, unknown> = {};
    let applied: ReturnType<typeof applyConfig> = [];
    const command = root.commands.find((c) => c.name() === argv[0]) as Command;
    command.action((_color: string, options: Record<string, unknown>, cmd: Command) => {
      applied = applyConfig(cmd, validateConfig(content, commandTree(root), FILE), "production");
      seen = { ...options };
    });
    await root.parseAsync(argv, { from: "user" });
    return { seen, applied };
  };
  const content = { environments: { production: { "switch-traffic": { canary: "10,25,50,100", interval: "120s", "no-rollback": true } }, dev: { "switch-traffic": { canary: "50,100" } } } };

  it("fills the flags not typed, from the environment's section only", async () => {
    const { seen, applied } = await parse(["switch-traffic", "green"], content);
    expect(seen).toEqual({ canary: "10,25,50,100", interval: "120s", rollback: false });
    expect(applied.map((a) => `${a.key}=${String(a.value)}`)).toEqual(["canary=10,25,50,100", "interval=120s", "no-rollback=true"]);
  });

  it("a flag on the command line overrides the file", async () => {
    const { seen, applied } = await parse(["switch-traffic", "green", "--canary", "50,100", "--interval", "5s"], content);
    expect(seen).toEqual({ canary: "50,100", interval: "5s", rollback: false });
    expect(applied.map((a) => a.key)).toEqual(["no-rollback"]);
  });

  it("a usage error about a configured flag names the file and the key; other errors pass through", async () => {
    const { applied } = await parse(["switch-traffic", "green"], content);
    const mapped = attributeToConfig(new UsageError("--interval must be a duration like 30s"), applied) as Error & { hint?: string; exitCode: number };
    expect(mapped.message).toBe(`${FILE}: environments.production.switch-traffic.interval: --interval must be a duration like 30s`);
    expect(mapped.exitCode).toBe(2);
    expect(mapped.hint).toMatch(/override it with --interval/);
    const unrelated = new UsageError("--health-interval must be a duration");
    expect(attributeToConfig(unrelated, applied)).toBe(unrelated);
  });
});

describe("effectiveSettings", () => {
  it("lists every flag of every command with its value and source, the documented default beside", () => {
    const tree = commandTree(program());
    const config = validateConfig({ environments: { staging: { "switch-traffic": { canary: "10,100" } } } }, tree, FILE);
    const settings = effectiveSettings({ env: "staging", envSource: "--env", commands: runnableCommands(tree), config, origin: "search" });
    expect(settings.commands.map((c) => c.command)).toEqual(["local up", "switch-traffic", "cost-report"]);
    expect(settings.commands[1]?.flags.slice(0, 2)).toEqual([
      { flag: "--canary", value: "10,100", source: "config", documentedDefault: "all at once" },
      { flag: "--interval", value: null, source: "default", documentedDefault: "60s" },
    ]);
    expect(effectiveSettings({ env: "dev", envSource: "--env", commands: runnableCommands(tree), config }).commands[1]?.flags[0]).toMatchObject({ source: "default" });
  });
});
