import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { motoAnswers } from "../../src/local/emulator.js";
import { processAlive } from "../../src/system/process.js";
import { runCli } from "../helpers/cli.js";
import { startPrivateMoto, type PrivateMoto } from "../helpers/moto.js";
import { listProcesses, waitFor } from "../helpers/processes.js";

/**
 * The emulator record is a hint, never proof: a garbled record must not orphan the running
 * emulator (no second one starts), and a record naming someone else's moto must not get it
 * stopped. Real moto processes, started by noveli (`local up`) and by this file (the "other" one).
 */
let stateDir: string;
let other: PrivateMoto;
const recordFile = () => path.join(stateDir, "local", "emulator.json");
const env = () => ({ NOVELI_STATE_DIR: stateDir });
const json = (stdout: string) => JSON.parse(stdout) as Record<string, unknown>;
/** moto servers started for this state dir (the group leaders noveli spawned). */
const ourMotos = () => listProcesses().filter((p) => p.pid === p.pgid && /moto/.test(p.commandLine) && readEnviron(p.pid).includes(`NOVELI_EMULATOR_HOME=${stateDir}`));
function readEnviron(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/environ`, "utf8");
  } catch {
    return "";
  }
}

beforeAll(async () => {
  stateDir = mkdtempSync(path.join(tmpdir(), "noveli-emulator-record-"));
  other = await startPrivateMoto();
});
afterAll(async () => {
  await runCli(["local", "down"], { env: env() });
  for (const p of ourMotos()) process.kill(-p.pid, "SIGKILL");
  await other?.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

describe("emulator record trust", () => {
  it("a garbled record: the running emulator is found again and reused, no second one starts", { timeout: 120_000 }, async () => {
    const up = await runCli(["local", "up", "--json"], { env: env() });
    expect(up.exitCode, up.stderr).toBe(0);
    const started = json(up.stdout) as { pid: number; url: string };
    const record = JSON.parse(readFileSync(recordFile(), "utf8")) as Record<string, unknown>;
    expect(record).toMatchObject({ pid: started.pid, token: expect.stringMatching(/^[0-9a-f-]{36}$/), startTicks: expect.stringMatching(/^\d+$/) });

    writeFileSync(recordFile(), readFileSync(recordFile(), "utf8").slice(0, 25)); // torn mid-write
    const status = await runCli(["local", "status", "--json"], { env: env() });
    expect(status.exitCode, status.stderr).toBe(0);
    expect(json(status.stdout)).toMatchObject({ state: "running", pid: started.pid, url: started.url });
    // Rebuilt from the process itself, the same identity as before.
    expect(JSON.parse(readFileSync(recordFile(), "utf8"))).toMatchObject({ pid: started.pid, token: record.token, instanceId: record.instanceId });

    writeFileSync(recordFile(), "null");
    const again = await runCli(["local", "up", "--json"], { env: env() });
    expect(again.exitCode, again.stderr).toBe(0);
    expect(json(again.stdout)).toMatchObject({ reused: true, pid: started.pid });
    expect(ourMotos().map((p) => p.pid)).toEqual([started.pid]);
  });

  it("a record naming another moto process: local down leaves it alone and stops our own", { timeout: 120_000 }, async () => {
    const ours = JSON.parse(readFileSync(recordFile(), "utf8")) as { pid: number };
    expect(processAlive(ours.pid)).toBe(true);
    mkdirSync(path.dirname(recordFile()), { recursive: true });
    writeFileSync(
      recordFile(),
      JSON.stringify({ pid: other.pid, port: other.port, url: other.url, instanceId: "x", startedAt: new Date().toISOString(), logFile: "/tmp/x", executable: "moto_server", token: "forged", startTicks: null }),
    );
    const status = await runCli(["local", "status", "--json"], { env: env() });
    expect(json(status.stdout)).toMatchObject({ state: "running", pid: ours.pid }); // ours, found again; not the other one

    writeFileSync(
      recordFile(),
      JSON.stringify({ pid: other.pid, port: other.port, url: other.url, instanceId: "x", startedAt: new Date().toISOString(), logFile: "/tmp/x", executable: "moto_server", token: "forged", startTicks: null }),
    );
    const down = await runCli(["local", "down", "--json"], { env: env() });
    expect(down.exitCode, down.stderr).toBe(0);
    expect(down.stderr).toMatch(new RegExp(`^warning: left process ${other.pid} alone: process ${other.pid} is not the emulator noveli started \\(its token differs\\)$`, "m"));
    expect(json(down.stdout)).toMatchObject({ stopped: { pid: ours.pid }, leftAlone: { pid: other.pid } });
    // Read back: the other moto still runs and answers; ours is gone.
    expect(processAlive(other.pid)).toBe(true);
    expect(await motoAnswers(other.url)).toBe(true);
    expect(await waitFor(() => !processAlive(ours.pid), 10_000)).toBe(true);
    expect(ourMotos()).toEqual([]);
  });
});
