import { Argument, Command, Option } from "commander";
import { describe, expect, it } from "vitest";
import { bashCompletion, fishCompletion, zshCompletion } from "../../src/commandline/completion.js";
import { commandTree } from "../../src/commandline/tree.js";

function program(): Command {
  const root = new Command("noveli").addOption(new Option("--env <env>", "environment").choices(["dev", "prod"])).option("--config <file>", "config file");
  root.command("local", { hidden: false }).description("emulator").command("up").description("start it").option("--port <port>", "port");
  root.command("deploy").description("it's a deploy").addOption(new Option("--color <color>", "color").choices(["blue", "green"])).option("--dry-run", "nothing");
  root.command("health-check").addArgument(new Argument("<color>").choices(["blue", "green"])).option("--no-deep", "skip the deep check");
  return root;
}

describe("commandTree", () => {
  it("reads commands, flags, choices, negations, paths and arguments from commander", () => {
    const tree = commandTree(program());
    expect(tree.subcommands.map((c) => c.path.join(" "))).toEqual(["local", "deploy", "health-check"]);
    expect(tree.subcommands[0]?.subcommands[0]?.path).toEqual(["local", "up"]);
    expect(tree.options.find((o) => o.flag === "--config")).toMatchObject({ takesValue: true, takesPath: true });
    expect(tree.subcommands[1]?.options).toEqual([
      expect.objectContaining({ flag: "--color", key: "color", takesValue: true, choices: ["blue", "green"] }),
      expect.objectContaining({ flag: "--dry-run", key: "dry-run", attribute: "dryRun", takesValue: false, negate: false }),
    ]);
    expect(tree.subcommands[2]?.options[0]).toMatchObject({ flag: "--no-deep", key: "no-deep", attribute: "deep", negate: true });
    expect(tree.subcommands[2]?.arguments).toEqual([{ name: "color", required: true, choices: ["blue", "green"] }]);
  });

  it("a command registered later is covered without edits", () => {
    const root = program();
    root.command("history").option("--limit <n>", "how many");
    const tree = commandTree(root);
    expect(bashCompletion(tree)).toMatch(/'history'\) echo '--limit --env --config --help' ;;/);
    expect(fishCompletion(tree)).toContain("-l limit -x");
  });
});

describe("completion scripts", () => {
  it("bash: tables per command path, choices per flag and argument", () => {
    const script = bashCompletion(commandTree(program()));
    expect(script).toContain("_noveli_value_flags='--env --config --port --color'");
    expect(script).toContain("_noveli_path_flags='--config'");
    expect(script).toContain(`'') echo 'local deploy health-check' ;;`);
    expect(script).toContain(`'local') echo 'up' ;;`);
    expect(script).toContain(`'deploy|--color') echo 'blue green' ;;`);
    expect(script).toContain(`*'|--env') echo 'dev prod' ;;`);
    expect(script).toContain(`'health-check|0') echo 'blue green' ;;`);
    expect(script).toContain("complete -F _noveli_complete noveli");
  });

  it("zsh: descriptions quoted for the shell, loadable from fpath or by source", () => {
    const script = zshCompletion(commandTree(program()));
    expect(script.startsWith("#compdef noveli\n")).toBe(true);
    expect(script).toContain(`'deploy:it'\\''s a deploy'`);
    expect(script).toContain('if [[ "${funcstack[1]}" == "_noveli" ]]; then _noveli "$@"; else compdef _noveli noveli; fi');
  });

  it("fish: one complete line per flag, conditioned on the command path", () => {
    const script = fishCompletion(commandTree(program()));
    expect(script).toContain(`complete -c noveli -n '__noveli_at \\'deploy\\'' -l color -x -a 'blue green' -d 'color'`);
    expect(script).toContain(`complete -c noveli -l config -r -F -d 'config file'`);
    expect(script).toContain(`complete -c noveli -n '__noveli_argument \\'health-check\\' 0' -a 'blue green'`);
    expect(script).toContain(`-a 'deploy' -d 'it\\'s a deploy'`);
  });
});
