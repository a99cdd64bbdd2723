import { createServer as createHttpServer } from "node:http";
import { createServer, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { watchEmulatorAnswers } from "../../src/local/emulator.js";

/**
 * A command on `--local` trusts the emulator's record without a probe; one that still runs a
 * moment later asks the server once, and hears when it does not answer.
 */
const servers: Server[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(servers.splice(0).map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
});

async function listen(server: Server): Promise<string> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("watchEmulatorAnswers", () => {
  it("a server that accepts connections and never answers (a frozen emulator) is reported, once", async () => {
    const url = await listen(createServer((socket) => sockets.push(socket)));
    const silent: string[] = [];
    watchEmulatorAnswers(url, () => silent.push(url), 20, 1_000);
    await settle(1_600); // 20 ms, then the probe's 1 s timeout
    expect(silent).toEqual([url]);
  });

  it("a server that answers is not reported, and nothing is asked before the delay", async () => {
    const asked: string[] = [];
    const url = await listen(createHttpServer((request, response) => {
      asked.push(request.url ?? "");
      response.end("{}");
    }));
    const silent: string[] = [];
    watchEmulatorAnswers(url, () => silent.push(url), 200);
    await settle(100);
    expect(asked).toEqual([]);
    await settle(400);
    expect(asked).toEqual(["/moto-api/config"]);
    expect(silent).toEqual([]);
  });
});
