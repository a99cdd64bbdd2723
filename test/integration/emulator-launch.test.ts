import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MOTO_SITECUSTOMIZE, findMotoServer, freePort, launchMoto, type LaunchedMoto } from "../../src/local/emulator.js";
import { processAlive } from "../../src/system/process.js";

/**
 * How noveli starts moto_server (src/local/emulator.ts launchMoto): with a sitecustomize of its own
 * on PYTHONPATH that lists moto's service folders once instead of on every request, without hiding
 * a sitecustomize the caller's PYTHONPATH has, and saying in the server's log what it did.
 */

let dir: string;
let moto: LaunchedMoto;
const logFile = () => path.join(dir, "local", "moto.log");

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "noveli-moto-launch-"));
  // The caller's own sitecustomize, which must still run: it leaves a file behind.
  const own = path.join(dir, "own-python");
  mkdirSync(own);
  writeFileSync(path.join(own, "sitecustomize.py"), `open(${JSON.stringify(path.join(dir, "own-ran"))}, "w").write("yes")\n`);
  moto = await launchMoto({ executable: findMotoServer(), port: await freePort(), logFile: logFile(), detached: false, env: { PYTHONPATH: own } });
}, 60_000);

afterAll(async () => {
  await moto?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("starting the embedded emulator", () => {
  it("puts noveli's sitecustomize beside the log, and moto takes it: the service list is read once", async () => {
    expect(readFileSync(path.join(dir, "local", "python", "sitecustomize.py"), "utf8")).toBe(MOTO_SITECUSTOMIZE);
    expect(readFileSync(logFile(), "utf8")).toMatch(/^noveli: moto's service folders listed once \(\d{2,}\), not on every request$/m);
    // And it still answers as moto: a DynamoDB call and an API Gateway call, each routed to its service.
    const headers = (service: string) => ({ authorization: `AWS4-HMAC-SHA256 Credential=testing/20261203/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=0` });
    const tables = await fetch(moto.url, { method: "POST", headers: { ...headers("dynamodb"), "x-amz-target": "DynamoDB_20120810.ListTables", "content-type": "application/x-amz-json-1.0" }, body: "{}" });
    expect(tables.status).toBe(200);
    expect(await tables.json()).toEqual({ TableNames: [] });
    const apis = await fetch(`${moto.url}/restapis`, { headers: headers("apigateway") });
    expect(apis.status).toBe(200);
    expect(await apis.json()).toMatchObject({ item: [] });
  });

  it("still runs the sitecustomize of the caller's PYTHONPATH, which noveli's would otherwise hide", () => {
    expect(readFileSync(path.join(dir, "own-ran"), "utf8")).toBe("yes");
  });

  it("stops what it started", async () => {
    await moto.stop();
    expect(processAlive(moto.pid)).toBe(false);
    expect(existsSync(logFile())).toBe(true);
  });
});
