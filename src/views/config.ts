import type { ShowConfigResult } from "../ops/config/show.js";
import type { View } from "./view.js";

/** How `noveli config` shows the config file, the environment and every command's effective flags. */
export const configView: View<ShowConfigResult> = {
  json: (settings) => ({ command: "config", ...settings }),
  human: (settings, s) => {
    const lines: string[] = [];
    lines.push(
      settings.configFile
        ? `config file: ${s.bold(settings.configFile)} (${settings.configOrigin === "search" ? "found from the working directory" : `named by ${settings.configOrigin}`})`
        : `config file: none (no noveli.config.json in the working directory or above; --config names one)`,
    );
    lines.push(`environment: ${s.bold(settings.env)} (${settings.envSource})`);
    const flagWidth = Math.max(...settings.commands.flatMap((c) => c.flags.map((f) => f.flag.length)));
    const valueWidth = Math.max(8, ...settings.commands.flatMap((c) => c.flags.map((f) => (f.value === null ? 0 : String(f.value).length))));
    for (const command of settings.commands.filter((c) => c.flags.length > 0)) {
      lines.push("", s.bold(command.command));
      for (const flag of command.flags) {
        const value = flag.value === null ? "" : String(flag.value);
        const from = flag.source === "config" ? s.cyan("config file") : s.dim(flag.documentedDefault !== null ? `default (${flag.documentedDefault})` : "default");
        lines.push(`  ${flag.flag.padEnd(flagWidth)}  ${value.padEnd(valueWidth)}  ${from}`);
      }
    }
    return lines;
  },
};
