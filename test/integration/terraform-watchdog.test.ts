import { execa } from "execa";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { repoRoot } from "../helpers/cli.js";
import { groupMembers, killGroups, waitFor } from "../helpers/processes.js";

/**
 * The terraform watchdog, with a fake terraform (a process group of two Node processes) so it runs
 * in a second: kill -9 of the parent's whole process group must still end the child group, with a
 * SIGINT first. The real thing (terraform apply, kill -9 of noveli) is in faults-deploy.test.ts.
 */
const dir = mkdtempSync(path.join(tmpdir(), "noveli-watchdog-"));
const leftovers: number[] = [];
afterAll(() => {
  killGroups(leftovers);
  rmSync(dir, { recursive: true, force: true });
});

async function startParent(marker: string, mode: "watch" | "release") {
  const parent = execa(process.execPath, ["--import", "tsx", path.join(repoRoot, "test/fixtures/faults/watchdog-parent.ts"), marker, mode], {
    cwd: repoRoot,
    detached: true,
    reject: false,
    stdin: "ignore",
  });
  const group = await new Promise<number>((resolve, reject) => {
    parent.stdout?.once("data", (chunk: Buffer) => resolve(Number(String(chunk).trim())));
    parent.once("exit", () => reject(new Error("the parent exited early")));
  });
  leftovers.push(group);
  return { parent, group };
}

describe("terraform watchdog", () => {
  it("ends terraform's process group, SIGINT first, when noveli is killed with kill -9", async () => {
    const marker = path.join(dir, "sigint-1");
    const { parent, group } = await startParent(marker, "watch");
    expect(await waitFor(() => groupMembers(group).length === 2, 5_000)).toBe(true);
    process.kill(-(parent.pid as number), "SIGKILL");
    await parent;
    expect(await waitFor(() => groupMembers(group).length === 0, 10_000)).toBe(true);
    expect(readFileSync(marker, "utf8")).toBe("SIGINT\n");
  }, 30_000);

  it("leaves terraform alone once released (terraform finished first)", async () => {
    const marker = path.join(dir, "sigint-2");
    const { parent, group } = await startParent(marker, "release");
    expect(await waitFor(() => groupMembers(group).length === 2, 5_000)).toBe(true);
    process.kill(-(parent.pid as number), "SIGKILL");
    await parent;
    await new Promise((r) => setTimeout(r, 1_500));
    expect(groupMembers(group)).toHaveLength(2);
    process.kill(-group, "SIGKILL");
  }, 30_000);
});
