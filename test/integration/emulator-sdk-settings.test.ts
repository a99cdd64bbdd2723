import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../../src/aws/clients.js";
import type { Target } from "../../src/core/target.js";

/**
 * The embedded emulator's clients take none of the SDK settings a caller's environment or ~/.aws
 * files may hold for real accounts (src/aws/clients.ts, emulatorSdkSettings); an --endpoint-url
 * target still does. Real clients of the bundled SDK, against a small server that answers
 * DynamoDB's ListTables.
 */

let dir: string;
let server: Server;
let url: string;
const seen: string[] = [];
const saved = { ...process.env };

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "noveli-sdk-settings-"));
  const config = path.join(dir, "config");
  // A profile for a real account: FIPS and dual-stack endpoints, checksums only when required.
  writeFileSync(config, "[default]\nuse_fips_endpoint = true\nuse_dualstack_endpoint = true\nrequest_checksum_calculation = when_required\n");
  writeFileSync(path.join(dir, "credentials"), "");
  process.env.AWS_CONFIG_FILE = config;
  process.env.AWS_SHARED_CREDENTIALS_FILE = path.join(dir, "credentials");
  delete process.env.AWS_PROFILE;
  delete process.env.AWS_USE_FIPS_ENDPOINT;
  delete process.env.AWS_USE_DUALSTACK_ENDPOINT;
  server = createServer((request, response) => {
    seen.push(String(request.headers["x-amz-target"]));
    request.resume();
    response.writeHead(200, { "content-type": "application/x-amz-json-1.0" });
    response.end(JSON.stringify({ TableNames: ["stories"] }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
  process.env = saved;
});

describe("SDK settings of the embedded emulator's clients", () => {
  it("are the SDK's defaults whatever ~/.aws/config says, so its requests reach the emulator", async () => {
    const local: Target = { kind: "local", endpointUrl: url, region: "us-east-1" };
    const client = createClient(DynamoDBClient, local);
    try {
      expect(await client.config.useFipsEndpoint()).toBe(false);
      expect(await client.config.useDualstackEndpoint()).toBe(false);
      const answer = await client.send(new ListTablesCommand({}));
      expect(answer.TableNames).toEqual(["stories"]);
      expect(seen.at(-1)).toBe("DynamoDB_20120810.ListTables");
    } finally {
      client.destroy();
    }
    const s3 = createClient(S3Client, local, { forcePathStyle: true });
    try {
      expect(await s3.config.requestChecksumCalculation()).toBe("WHEN_SUPPORTED");
    } finally {
      s3.destroy();
    }
  });

  it("are the caller's for an --endpoint-url target, where that config file applies as it says", async () => {
    const endpoint: Target = { kind: "endpoint", endpointUrl: url, region: "us-east-1", source: "flag" };
    const client = createClient(DynamoDBClient, endpoint);
    const before = seen.length;
    try {
      expect(await client.config.useFipsEndpoint()).toBe(true);
      // DynamoDB's endpoint rules refuse FIPS with a custom endpoint: the file was read and used.
      await expect(client.send(new ListTablesCommand({}))).rejects.toThrow(/FIPS/i);
      expect(seen.length).toBe(before);
    } finally {
      client.destroy();
    }
  });
});
