import type { DeployResult } from "../ops/deploy/deploy.js";
import { renderPlanSummary } from "../ops/deploy/plan-summary.js";
import type { GlobalOptions } from "../options.js";
import type { View } from "./view.js";

/** How `noveli deploy` shows its result; `targetFlags` go into the follow-up commands it suggests. */
export function deployView(targetFlags: string): View<DeployResult> {
  return {
    json: (result) => ({
      command: "deploy",
      env: result.env,
      color: result.color,
      version: result.version,
      lambdaVersion: result.lambdaVersion,
      codeSha256: result.codeSha256,
      plan: result.plan,
      applied: result.applied,
      outcome: result.outcome,
      firstDeploy: result.firstDeploy,
      liveColor: result.liveColor ?? null,
      liveUrl: result.outputs?.stageInvokeUrls.live ?? null,
      completedPartial: result.completedPartial === true,
      republished: result.republished ?? null,
      outputs: result.outputs,
      ...(result.summary ? { changes: result.summary.changes } : {}),
      ...(result.commands ? { commands: result.commands } : {}),
    }),
    human: (result, s) => {
      const lines: string[] = [];
      if (result.commands) {
        lines.push(`Dry run for ${result.env} → ${result.color} (${result.colorReason}); these would run:`);
        for (const command of result.commands) lines.push(`  ${command}`);
        return lines;
      }
      // An applied plan was shown on stderr before the apply; the result says what it did.
      if (result.summary && result.outcome !== "applied") lines.push(...renderPlanSummary(result.summary));
      if (result.outcome !== "applied") {
        lines.push(
          result.outcome === "no-changes"
            ? `no changes: ${result.env} is up to date`
            : result.outcome === "plan-only"
              ? `plan only: nothing applied`
              : `not applied: confirmation declined`,
        );
        return lines;
      }
      const p = result.plan;
      lines.push(
        s.green(`✓ deployed ${result.env}: new code on ${s.bold(result.color)} (Lambda version ${result.lambdaVersion ?? "?"}, code ${result.codeSha256})`) +
          ` ${s.dim(`${p.add} added, ${p.change} changed, ${p.replace} replaced, ${p.destroy} destroyed`)}`,
      );
      if (result.completedPartial) lines.push(`  completed the deploy that had stopped before it finished`);
      if (result.republished) lines.push(`  published version ${result.republished} itself: an earlier deploy had put this release in the function without publishing it`);
      if (result.outputs) lines.push(`  live API: ${s.bold(result.outputs.stageInvokeUrls.live)}`);
      const flags = `--env ${result.env}${targetFlags}`;
      if (result.firstDeploy) {
        lines.push(`  both colors run this code; live serves blue`);
        lines.push(`  next: noveli health-check blue ${flags}`);
      } else if (result.liveColor === result.color) {
        lines.push(s.yellow(`  ${result.color} is the LIVE color: its new code already serves traffic`));
        lines.push(`  next: noveli health-check ${result.color} ${flags}`);
      } else {
        lines.push(`  live traffic is unchanged: it stays on ${result.liveColor ?? "the other color"}`);
        lines.push(`  next: noveli health-check ${result.color} ${flags}, then noveli switch-traffic ${result.color} ${flags}`);
      }
      return lines;
    },
  };
}

/** Pure: the target flags a follow-up command needs to reach the same place. */
export function targetFlags(globals: Pick<GlobalOptions, "local" | "endpointUrl" | "endpointSource" | "region" | "profile">): string {
  if (globals.local) return " --local";
  if (globals.endpointUrl && globals.endpointSource === "flag") return ` --endpoint-url ${globals.endpointUrl}`;
  return `${globals.region ? ` --region ${globals.region}` : ""}${globals.profile ? ` --profile ${globals.profile}` : ""}`;
}
