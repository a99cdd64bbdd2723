import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { findMotoServer, freePort, launchMoto, type LaunchedMoto } from "../../src/local/emulator.js";

export interface PrivateMoto {
  url: string;
  port: number;
  /** The server's pid, leader of its own process group (fault tests SIGSTOP it). */
  pid: number;
  /** Environment for SDK clients and child processes pointed at this server. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * A moto server of this test file's own, on a free loopback port. Call in beforeAll and stop it in
 * afterAll: each test file that needs moto starts and stops its own.
 */
export async function startPrivateMoto(): Promise<PrivateMoto> {
  const dir = mkdtempSync(path.join(tmpdir(), "noveli-moto-"));
  let launched: LaunchedMoto | undefined;
  // A port found free can be taken (by another file's server) before this one binds it: the launch
  // then fails, as its server exits, and a new port is tried. At most three.
  for (let attempt = 1; launched === undefined; attempt++) {
    try {
      launched = await launchMoto({ executable: findMotoServer(), port: await freePort(), logFile: path.join(dir, "moto.log"), detached: false });
    } catch (error) {
      if (attempt < 3 && /already in use/i.test(readLog(path.join(dir, "moto.log")))) continue;
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }
  const server = launched;
  return {
    url: server.url,
    port: server.port,
    pid: server.pid,
    env: {
      AWS_ENDPOINT_URL: server.url,
      AWS_REGION: "us-east-1",
      AWS_DEFAULT_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "testing",
      AWS_SECRET_ACCESS_KEY: "testing",
    },
    async stop() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function readLog(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

/** Empties a moto server between tests without restarting it. */
export async function resetMoto(url: string): Promise<void> {
  const response = await fetch(`${url}/moto-api/reset`, { method: "POST" });
  if (!response.ok) throw new Error(`moto reset failed: ${response.status}`);
}
