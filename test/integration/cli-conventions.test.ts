import { execa } from "execa";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { which } from "../../src/system/which.js";
import { repoRoot, runCli } from "../helpers/cli.js";
import { runInTerminal } from "../helpers/terminal.js";

/**
 * zsh and fish are optional on a developer's machine, where their tests say "(needs zsh)" when
 * skipped; CI installs both (.ci/run), so there a missing shell fails the test instead of skipping it.
 */
const shellAvailable = (shell: string): boolean => which(shell) !== undefined || process.env.CI === "true";

/**
 * The conventions a platform engineer expects of a CLI: completion generated from the command
 * tree, examples in every help, commander's suggestions, declared choices, colour switches, and
 * the per-environment config file. No emulator is needed: nothing here reaches AWS.
 */

let dir: string;
let stateDir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "noveli-conventions-"));
  stateDir = path.join(dir, "state");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const env = () => ({ NOVELI_STATE_DIR: stateDir });

/** The runnable commands and their long flags, read from the help output (an independent view of the tree). */
async function helpTree(): Promise<Map<string, { flags: string[]; help: string }>> {
  const commands = new Map<string, { flags: string[]; help: string }>();
  const visit = async (commandPath: string[]) => {
    const result = await runCli([...commandPath, "--help"]);
    expect(result.exitCode).toBe(0);
    const subs: string[] = [];
    const flags: string[] = [];
    let section = "";
    for (const line of result.stdout.split("\n")) {
      if (/^\S.*:$/.test(line)) section = line;
      const sub = /^ {2}([a-z][a-z-]*)\b/.exec(line);
      if (section === "Commands:" && sub?.[1] && sub[1] !== "help") subs.push(sub[1]);
      const flag = /^\s+(?:-\w, )?(--[a-z][a-z0-9-]*)/.exec(line);
      if (section === "Options:" && flag?.[1] && flag[1] !== "--help") flags.push(flag[1]);
    }
    if (subs.length === 0 && commandPath.length > 0) commands.set(commandPath.join(" "), { flags, help: result.stdout });
    for (const sub of subs) await visit([...commandPath, sub]);
  };
  await visit([]);
  return commands;
}

describe("help and usage errors", () => {
  it("every command's help ends with examples that use real commands", async () => {
    const tree = await helpTree();
    expect([...tree.keys()]).toEqual(expect.arrayContaining(["deploy", "status", "local up", "config", "completion", "cost-report"]));
    for (const [name, { help }] of tree) {
      const examples = help.split("\nExamples:\n")[1];
      expect(examples, `noveli ${name} --help has no Examples section`).toBeDefined();
      const lines = (examples ?? "").replace(/\n+$/, "").split("\n");
      expect(lines.length, name).toBeGreaterThan(0);
      for (const line of lines) expect(line, name).toMatch(new RegExp(`^  \\$ noveli ${name}\\b`));
    }
  });

  it("a mistyped command or flag keeps commander's suggestion, on one line", async () => {
    const command = await runCli(["deplo"], { env: env() });
    expect(command.exitCode).toBe(2);
    expect(command.stderr).toBe("error: unknown command 'deplo' (Did you mean deploy?)\n");
    const flag = await runCli(["deploy", "--plan-onyl"], { env: env() });
    expect(flag.exitCode).toBe(2);
    expect(flag.stderr).toBe("error: unknown option '--plan-onyl' (Did you mean --plan-only?)\n");
    const json = await runCli(["deplo", "--json"], { env: env() });
    expect(JSON.parse(json.stdout)).toEqual({ schemaVersion: 1, error: { code: "usage", message: "unknown command 'deplo' (Did you mean deploy?)" } });
  });

  it("a reader that closes the pipe early gets no stack trace: the command ends as it would", async () => {
    for (const args of [["--help"], ["completion", "bash"]]) {
      const child = execa(process.execPath, [path.join(repoRoot, "bin", "noveli.cjs"), ...args], { reject: false, env: { ...process.env, ...env() }, stdout: "pipe", stderr: "pipe" });
      // Closed before the CLI has started, so its first write finds no reader (EPIPE).
      child.stdout?.destroy();
      const result = await child;
      expect(result.stderr, args.join(" ")).toBe("");
      expect(result.exitCode, args.join(" ")).toBe(0);
    }
  });

  it("help to a pipe is written to the descriptor itself, 80 columns wide; in a terminal through its stream, as wide as the terminal", async () => {
    const log = path.join(dir, "help-builtins.txt");
    const preload = path.join(dir, "help-builtins.cjs");
    writeFileSync(preload, `process.on("exit", () => require("node:fs").writeFileSync(${JSON.stringify(log)}, process.moduleLoadList.join("\\n")));\n`);
    const piped = await execa(process.execPath, ["--require", preload, path.join(repoRoot, "bin", "noveli.cjs"), "--help"], { reject: false, env: { ...process.env, ...env() }, stdout: "pipe" });
    expect(piped.exitCode).toBe(0);
    const description = "Operations CLI for the NOVELI.SH story platform: deploy, blue-green traffic, DR drills, cost reports, story generation.";
    // Commander's width without a terminal: 80 columns.
    expect(piped.stdout).toContain("Operations CLI for the NOVELI.SH story platform: deploy, blue-green traffic, DR\ndrills, cost reports, story generation.");
    expect(Math.max(...piped.stdout.split("\n").map((line) => line.length))).toBeLessThanOrEqual(80);
    const loaded = readFileSync(log, "utf8").split("\n");
    // No stream was built for stdout: neither a pipe's socket nor Node's streams were loaded.
    expect(loaded).not.toContain("NativeModule net");
    expect(loaded).not.toContain("NativeModule stream");

    const terminal = await runInTerminal(["--help"], { env: env(), timeoutMs: 30_000 });
    expect(terminal.exitCode).toBe(0);
    // 200 columns: the description fits on one line.
    expect(terminal.output.replace(/\r\n/g, "\n")).toContain(`${description}\n`);
  });

  it.each([
    [["health-check", "purple"], /value 'purple' is invalid for argument 'color'. Allowed choices are blue, green\./],
    [["switch-traffic", "red"], /value 'red' is invalid for argument 'color'. Allowed choices are blue, green\./],
    [["deploy", "--color", "teal"], /--color <color>' argument 'teal' is invalid. Allowed choices are blue, green\./],
    [["cost-report", "--format", "xml"], /Allowed choices are table, json, csv, markdown\./],
    [["completion", "tcsh"], /value 'tcsh' is invalid for argument 'shell'. Allowed choices are bash, zsh, fish\./],
  ])("choices are declared with commander: %j is exit 2 before anything runs", async (args, message) => {
    const result = await runCli(args, { env: env() });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
  });
});

describe("colour", () => {
  const inTerminal = async (args: string[], extraEnv: Record<string, string> = {}) =>
    (await runInTerminal(args, { env: { NOVELI_STATE_DIR: stateDir, ...extraEnv }, timeoutMs: 30_000 })).output;
  // Any SGR sequence (colour, bold, dim): ESC [ <digits;...> m
  const SGR = /\u001b\[[0-9;]*m/;

  it("a terminal gets colour; FORCE_COLOR=0, NO_COLOR and --no-color turn it off", async () => {
    expect(await inTerminal(["local", "status"])).toMatch(SGR);
    const forcedOff = await inTerminal(["local", "status"], { FORCE_COLOR: "0" });
    expect(forcedOff).toMatch(/not running/);
    expect(forcedOff).not.toMatch(SGR);
    expect(await inTerminal(["local", "status"], { NO_COLOR: "1" })).not.toMatch(SGR);
    const flag = await inTerminal(["local", "status", "--no-color"]);
    expect(flag).toMatch(/not running \(start it with: noveli local up\)/);
    expect(flag).not.toMatch(SGR);
  });

  it("a pipe gets no colour unless FORCE_COLOR asks for it", async () => {
    const piped = await runCli(["local", "status"], { env: { ...env(), NO_COLOR: undefined, FORCE_COLOR: undefined } });
    expect(piped.stdout).not.toMatch(SGR);
    const forced = await runCli(["local", "status"], { env: { ...env(), NO_COLOR: undefined, FORCE_COLOR: "1" } });
    expect(forced.stdout).toMatch(SGR);
  });
});

describe("noveli completion", () => {
  const script = async (shell: string) => {
    const result = await runCli(["completion", shell], { env: env() });
    expect(result.exitCode, result.stderr).toBe(0);
    const file = path.join(dir, `noveli.${shell}`);
    writeFileSync(file, result.stdout);
    return file;
  };

  it("bash: commands, subcommands, every command's flags, flag choices, argument choices, files for paths", async () => {
    const file = await script("bash");
    const complete = async (line: string): Promise<string[]> => {
      const words = line.split(" ");
      const program = `source ${JSON.stringify(file)}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${words.length - 1}; _noveli_complete; printf '%s\\n' "\${COMPREPLY[@]}"`;
      const result = await execa("bash", ["--norc", "-c", program], { cwd: dir, reject: false });
      expect(result.stderr).toBe("");
      return String(result.stdout).split("\n").filter((w) => w !== "").sort();
    };
    expect(await complete("noveli de")).toEqual(["deploy"]);
    expect(await complete("noveli local ")).toEqual(["down", "status", "up"]);
    expect(await complete("noveli --env ")).toEqual(["dev", "production", "staging"]);
    expect(await complete("noveli cost-report --format ")).toEqual(["csv", "json", "markdown", "table"]);
    expect(await complete("noveli cost-report --group-by ")).toEqual(["env", "service"]);
    expect(await complete("noveli --env staging switch-traffic ")).toEqual(["blue", "green"]);
    expect(await complete("noveli health-check --attempts 3 ")).toEqual(["blue", "green"]);
    expect(await complete("noveli health-check blue ")).toEqual([]);
    expect(await complete("noveli dr-drill ")).toEqual(["gc"]);
    expect(await complete("noveli completion ")).toEqual(["bash", "fish", "zsh"]);
    expect(await complete("noveli deploy --")).toEqual(expect.arrayContaining(["--allow-destroy", "--color", "--plan-only", "--env", "--local", "--no-color", "--help"]));
    expect(await complete("noveli switch-traffic green --no-")).toEqual(["--no-color", "--no-rollback"]);
    mkdirSync(path.join(dir, "reports"), { recursive: true });
    expect(await complete("noveli dr-drill --report rep")).toEqual(["reports"]);
  });

  it("bash: covers every command and flag the help lists", async () => {
    const file = await script("bash");
    const tree = await helpTree();
    for (const [name, { flags }] of tree) {
      const result = await execa("bash", ["--norc", "-c", `source ${JSON.stringify(file)}; _noveli_options ${JSON.stringify(name)}`]);
      const offered = String(result.stdout).trim().split(" ");
      for (const flag of flags) expect(offered, `noveli ${name} ${flag}`).toContain(flag);
    }
  });

  it.runIf(shellAvailable("zsh"))("zsh (needs zsh): the completion function offers the same words", async () => {
    const file = await script("zsh");
    const complete = async (line: string): Promise<string[]> => {
      const words = line.split(" ");
      // compadd, _describe and _files exist only inside a completion widget: record what they get.
      const program = [
        "compdef() { :; }",
        "compadd() { shift; print -rl -- ${(P)1}; }",
        "_describe() { print -rl -- ${${(P)4}%%:*}; }",
        "_files() { print -r -- FILES; }",
        `source ${JSON.stringify(file)}`,
        `words=(${words.map((w) => `'${w}'`).join(" ")}); CURRENT=${words.length}`,
        "_noveli",
      ].join("\n");
      const result = await execa("zsh", ["-f", "-c", program], { reject: false });
      expect(result.stderr).toBe("");
      const cur = words.at(-1) ?? "";
      return String(result.stdout).split("\n").filter((w) => w !== "" && w.startsWith(cur)).sort();
    };
    expect(await complete("noveli local ")).toEqual(["down", "status", "up"]);
    expect(await complete("noveli --env ")).toEqual(["dev", "production", "staging"]);
    expect(await complete("noveli cost-report --granularity ")).toEqual(["daily", "monthly"]);
    expect(await complete("noveli switch-traffic ")).toEqual(["blue", "green"]);
    expect(await complete("noveli rollback --")).toEqual(expect.arrayContaining(["--force", "--dry-run", "--max-p95", "--env", "--help"]));
    expect(await complete("noveli validate --dir ")).toEqual(["FILES"]);
  });

  it.runIf(shellAvailable("fish"))("fish (needs fish): complete -C offers commands, flags and choices", async () => {
    const file = await script("fish");
    const complete = async (line: string): Promise<string[]> => {
      const result = await execa("fish", ["--no-config", "-c", `source ${JSON.stringify(file)}; complete -C ${JSON.stringify(line)}`], { reject: false });
      expect(result.stderr).toBe("");
      return String(result.stdout).split("\n").filter((w) => w !== "").map((w) => w.split("\t")[0] as string).sort();
    };
    expect(await complete("noveli local ")).toEqual(["down", "status", "up"]);
    expect(await complete("noveli cost-report --format ")).toEqual(["csv", "json", "markdown", "table"]);
    expect(await complete("noveli health-check ")).toEqual(["blue", "green"]);
    expect(await complete("noveli deploy --pl")).toEqual(["--plan-only"]);
    expect(await complete("noveli status --e")).toEqual(["--endpoint-url", "--env"]);
  });

  it("--json wraps the script in one document", async () => {
    const result = await runCli(["completion", "fish", "--json"], { env: env() });
    expect(JSON.parse(result.stdout)).toMatchObject({ schemaVersion: 1, command: "completion", shell: "fish", script: expect.stringContaining("complete -c noveli") });
  });
});

describe("noveli.config.json", () => {
  const project = () => {
    const folder = mkdtempSync(path.join(dir, "project-"));
    mkdirSync(path.join(folder, "deep", "below"), { recursive: true });
    return folder;
  };

  it("the repository's own config holds the release settings the deploy workflow used to carry", async () => {
    const result = await runCli(["config", "--env", "production", "--json"], { env: env() });
    expect(result.exitCode, result.stderr).toBe(0);
    const doc = JSON.parse(result.stdout) as { configFile: string; commands: { command: string; flags: { flag: string; value: unknown; source: string }[] }[] };
    expect(doc.configFile).toBe(path.join(repoRoot, "noveli.config.json"));
    const flags = (command: string) => Object.fromEntries((doc.commands.find((c) => c.command === command)?.flags ?? []).filter((f) => f.source === "config").map((f) => [f.flag, f.value]));
    expect(flags("switch-traffic")).toEqual({ "--canary": "10,25,50,100", "--interval": "120s", "--watch": "10m" });
    expect(flags("health-check")).toEqual({ "--synthetic": true });
    expect(flags("cost-report")).toEqual({ "--budget": "2000" });
    const staging = JSON.parse((await runCli(["config", "--env", "staging", "--json"], { env: env() })).stdout) as typeof doc;
    expect(staging.commands.find((c) => c.command === "switch-traffic")?.flags.find((f) => f.flag === "--canary")).toMatchObject({ value: "10,50,100", source: "config" });
    const human = await runCli(["config", "--env", "production"], { env: env() });
    expect(human.stdout).toMatch(/^config file: .*noveli\.config\.json \(found from the working directory\)$/m);
    expect(human.stdout).toMatch(/^ {2}--canary +10,25,50,100 +config file$/m);
    expect(human.stdout).toMatch(/^ {2}--poll-interval +default \(10s\)$/m);
  });

  it("is found in the working directory or above, and applies to the environment's commands; flags override it", async () => {
    const folder = project();
    writeFileSync(path.join(folder, "noveli.config.json"), JSON.stringify({ environments: { dev: { validate: { format: "json" } }, staging: { validate: { format: "sarif" } } } }));
    const below = path.join(folder, "deep", "below");
    const fromFile = await runCli(["validate", "--env", "dev"], { cwd: below, env: env() });
    expect(fromFile.exitCode, fromFile.stderr).toBe(0);
    expect(JSON.parse(fromFile.stdout)).toMatchObject({ schemaVersion: 1 });
    const staging = await runCli(["validate", "--env", "staging"], { cwd: below, env: env() });
    expect(JSON.parse(staging.stdout)).toMatchObject({ version: "2.1.0" }); // SARIF
    const typed = await runCli(["validate", "--env", "dev", "--format", "text"], { cwd: below, env: env() });
    expect(typed.exitCode).toBe(0);
    expect(() => JSON.parse(typed.stdout)).toThrow();
    expect(typed.stdout).toMatch(/^noveli validate /);
    const shown = JSON.parse((await runCli(["config", "--env", "dev", "--json"], { cwd: below, env: env() })).stdout) as { configFile: string; configOrigin: string };
    expect(shown).toMatchObject({ configFile: path.join(folder, "noveli.config.json"), configOrigin: "search" });
    // --config names another file; NOVELI_ENV picks the environment as --env would.
    const other = path.join(folder, "other.json");
    writeFileSync(other, JSON.stringify({ environments: { production: { validate: { format: "json" } } } }));
    const named = await runCli(["validate", "--config", other], { cwd: below, env: { ...env(), NOVELI_ENV: "production" } });
    expect(JSON.parse(named.stdout)).toMatchObject({ schemaVersion: 1 });
  });

  it.each([
    [{ environments: { production: { "switch-trafic": { canary: "10,100" } } } }, /environments\.production\.switch-trafic: no such command \(did you mean "switch-traffic"\?\)/],
    [{ environments: { production: { "switch-traffic": { canery: "10,100" } } } }, /environments\.production\.switch-traffic\.canery: noveli switch-traffic has no flag --canery \(did you mean "canary"\?\)/],
    [{ environments: { qa: {} } }, /unknown environment environments\.qa: use dev, staging, production/],
    [{ environments: { dev: { "cost-report": { format: "xml" } } } }, /environments\.dev\.cost-report\.format: "xml" is not one of table, json, csv, markdown/],
    [{ environments: { dev: { "health-check": { synthetic: "yes" } } } }, /environments\.dev\.health-check\.synthetic: --synthetic is a switch: use true or false/],
    [{ environments: { dev: { "switch-traffic": { canary: ["10", "100"] } } } }, /environments\.dev\.switch-traffic\.canary: --canary takes a value/],
    [{ environment: {} }, /unknown key "environment": the top level holds only "environments" \(did you mean "environments"\?\)/],
  ])("a bad file %j is exit 2 naming the key and the file", async (content, message) => {
    const folder = project();
    const file = path.join(folder, "noveli.config.json");
    writeFileSync(file, JSON.stringify(content));
    const result = await runCli(["validate", "--env", "dev"], { cwd: folder, env: env() });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toContain(`error: ${file}: `);
    expect(result.stdout).toBe("");
  });

  it("a bad value the command itself rejects names the key and the file too; the flag typed instead wins", async () => {
    const folder = project();
    const file = path.join(folder, "noveli.config.json");
    writeFileSync(file, JSON.stringify({ environments: { dev: { "cost-report": { from: "2026-13-01" } } } }));
    const result = await runCli(["cost-report", "--env", "dev", "--local"], { cwd: folder, env: env() });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(`error: ${file}: environments.dev.cost-report.from: --from "2026-13-01" is not a calendar date`);
    expect(result.stderr).toContain(`hint: fix the value in ${file}, or override it with --from on the command line`);
    const json = await runCli(["cost-report", "--env", "dev", "--local", "--json"], { cwd: folder, env: env() });
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: "config-invalid" } });
  });

  it("broken JSON, or a --config that does not exist, is exit 2 naming the file", async () => {
    const folder = project();
    writeFileSync(path.join(folder, "noveli.config.json"), "{ environments: ");
    const broken = await runCli(["validate"], { cwd: folder, env: env() });
    expect(broken.exitCode).toBe(2);
    expect(broken.stderr).toMatch(new RegExp(`^error: ${path.join(folder, "noveli.config.json").replace(/[.]/g, "\\.")}: not valid JSON`));
    const missing = await runCli(["validate", "--config", "nope.json"], { cwd: folder, env: env() });
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toBe("error: --config nope.json: no such file\n");
  });
});
