import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MOTO_SITECUSTOMIZE, findMotoServer, freePort, launchMoto, type LaunchedMoto } from "../../src/local/emulator.js";
import { processAlive } from "../../src/system/process.js";

/**
 * How noveli starts moto_server (src/local/emulator.ts launchMoto): with a sitecustomize of its own
 * on PYTHONPATH (moto's service folders listed once, DynamoDB item requests one at a time,
 * EC2's ClientToken honoured, an SDK's retried request answered as its first attempt was; the
 * server says which launch started it), without hiding a sitecustomize the caller's PYTHONPATH
 * has, and saying in the server's log what it did.
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
    expect(readFileSync(logFile(), "utf8")).toMatch(/^noveli: moto's DynamoDB item requests run one at a time \(7 of 7 operations\), as DynamoDB's conditional writes are atomic$/m);
    // And it still answers as moto: a DynamoDB call and an API Gateway call, each routed to its service.
    const headers = (service: string) => ({ authorization: `AWS4-HMAC-SHA256 Credential=testing/20261203/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=0` });
    const tables = await fetch(moto.url, { method: "POST", headers: { ...headers("dynamodb"), "x-amz-target": "DynamoDB_20120810.ListTables", "content-type": "application/x-amz-json-1.0" }, body: "{}" });
    expect(tables.status).toBe(200);
    expect(await tables.json()).toEqual({ TableNames: [] });
    const apis = await fetch(`${moto.url}/restapis`, { headers: headers("apigateway") });
    expect(apis.status).toBe(200);
    expect(await apis.json()).toMatchObject({ item: [] });
  });

  it("an EC2 create sent again with its ClientToken gets the first one's answer, as EC2 does; another token gets moto's own refusal", async () => {
    expect(readFileSync(logFile(), "utf8")).toMatch(/^noveli: moto's EC2 honours ClientToken, as EC2 does: a create sent again with its token gets the first one's answer$/m);
    // EC2's query API, as the AWS provider sends it.
    const ec2 = async (action: string, params: Record<string, string>) => {
      const response = await fetch(moto.url, {
        method: "POST",
        headers: { authorization: "AWS4-HMAC-SHA256 Credential=testing/20261204/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=0", "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
        body: new URLSearchParams({ Action: action, Version: "2016-11-15", ...params }).toString(),
      });
      return { status: response.status, text: await response.text() };
    };
    const field = (text: string, name: string) => new RegExp(`<${name}>([^<]+)</${name}>`).exec(text)?.[1];
    const vpc = field((await ec2("CreateVpc", { CidrBlock: "10.9.0.0/16" })).text, "vpcId") as string;
    const subnet = field((await ec2("CreateSubnet", { VpcId: vpc, CidrBlock: "10.9.1.0/24" })).text, "subnetId") as string;
    const allocation = field((await ec2("AllocateAddress", { Domain: "vpc" })).text, "allocationId") as string;
    expect([vpc, subnet, allocation].every(Boolean)).toBe(true);
    const create = (token: string) => ec2("CreateNatGateway", { SubnetId: subnet, AllocationId: allocation, ClientToken: token });

    const first = await create("terraform-20261204-1");
    expect(first.status, first.text).toBe(200);
    const again = await create("terraform-20261204-1");
    expect(again.status, again.text).toBe(200);
    expect(field(again.text, "natGatewayId")).toBe(field(first.text, "natGatewayId"));
    const other = await create("terraform-20261204-2");
    expect(other.status).toBe(400);
    expect(other.text).toMatch(/Resource\.AlreadyAssociated/);
    const listed = await ec2("DescribeNatGateways", {});
    expect(listed.text.match(/<natGatewayId>/g)).toHaveLength(1);
    // The same for any create with a token: a flow log sent twice is one flow log.
    const bucket = await fetch(`${moto.url}/noveli-flow-logs`, { method: "PUT", headers: { authorization: "AWS4-HMAC-SHA256 Credential=testing/20261204/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0" } });
    expect(bucket.status).toBe(200);
    const flowLog = { "ResourceId.1": vpc, ResourceType: "VPC", TrafficType: "ALL", LogDestinationType: "s3", LogDestination: "arn:aws:s3:::noveli-flow-logs", ClientToken: "terraform-20261204-3" };
    const logs = [await ec2("CreateFlowLogs", flowLog), await ec2("CreateFlowLogs", flowLog)];
    expect(logs.map((l) => field(l.text, "item")), logs[0]?.text).toEqual([expect.stringMatching(/^fl-/), expect.stringMatching(/^fl-/)]);
    expect(field(logs[1]?.text ?? "", "item")).toBe(field(logs[0]?.text ?? "", "item"));
    expect((await ec2("DescribeFlowLogs", {})).text.match(/<flowLogId>/g)).toHaveLength(1);
  });

  it("a write sent again by its SDK (the same invocation id) gets its first attempt's answer, also while that is still being answered; a new call gets moto's own refusal", async () => {
    expect(readFileSync(logFile(), "utf8")).toMatch(/^noveli: a request sent again by its SDK \(the same amz-sdk-invocation-id\) gets the answer its first attempt got, as if that answer had arrived$/m);
    // WAFv2's JSON API, as the AWS provider sends it: CreateWebACL has no client token.
    const waf = async (action: string, body: Record<string, unknown>, invocation: string) => {
      const response = await fetch(moto.url, {
        method: "POST",
        headers: {
          authorization: "AWS4-HMAC-SHA256 Credential=testing/20261204/us-east-1/wafv2/aws4_request, SignedHeaders=host, Signature=0",
          "content-type": "application/x-amz-json-1.1",
          "x-amz-target": `AWSWAF_20190729.${action}`,
          "amz-sdk-invocation-id": invocation,
        },
        body: JSON.stringify(body),
      });
      return { status: response.status, json: (await response.json()) as { Summary?: { Id: string }; WebACLs?: unknown[]; __type?: string } };
    };
    const acl = (name: string) => ({ Name: name, Scope: "REGIONAL", DefaultAction: { Allow: {} }, VisibilityConfig: { SampledRequestsEnabled: false, CloudWatchMetricsEnabled: false, MetricName: name } });

    const first = await waf("CreateWebACL", acl("noveli-dev-api"), "0f5b2c1e-0000-4000-8000-000000000001");
    expect(first.status, JSON.stringify(first.json)).toBe(200);
    const retried = await waf("CreateWebACL", acl("noveli-dev-api"), "0f5b2c1e-0000-4000-8000-000000000001");
    expect(retried).toEqual(first);
    const anotherCall = await waf("CreateWebACL", acl("noveli-dev-api"), "0f5b2c1e-0000-4000-8000-000000000002");
    expect(anotherCall.status).toBe(400);
    expect(anotherCall.json.__type).toMatch(/DuplicateItem/);
    // Two attempts of one call at once: one is answered, the other gets the same answer.
    const both = await Promise.all([1, 2].map(() => waf("CreateWebACL", acl("noveli-staging-api"), "0f5b2c1e-0000-4000-8000-000000000003")));
    expect(both.map((b) => b.status)).toEqual([200, 200]);
    expect(both[1]?.json.Summary?.Id).toBe(both[0]?.json.Summary?.Id);
    const listed = await waf("ListWebACLs", { Scope: "REGIONAL" }, "0f5b2c1e-0000-4000-8000-000000000004");
    expect(listed.json.WebACLs).toHaveLength(2);
  });

  it("knows its own server: a port another emulator took before it bound it fails the launch, and the other emulator is left as it was", async () => {
    expect(readFileSync(logFile(), "utf8")).toMatch(/^noveli: \/moto-api\/noveli-launch names the launch that started this server$/m);
    const otherDir = mkdtempSync(path.join(tmpdir(), "noveli-moto-taken-"));
    try {
      // This file's emulator already listens on the port: the new server exits, while this one answers in its place.
      const launching = launchMoto({ executable: findMotoServer(), port: moto.port, logFile: path.join(otherDir, "moto.log"), detached: false, readyTimeoutMs: 30_000 });
      await expect(launching).rejects.toThrow(/^moto_server exited with code \d+ before answering$/);
      expect(readFileSync(path.join(otherDir, "moto.log"), "utf8")).toMatch(/already in use/i);
      expect(processAlive(moto.pid)).toBe(true);
      const config = await fetch(`${moto.url}/moto-api/config`);
      expect(config.ok).toBe(true);
    } finally {
      rmSync(otherDir, { recursive: true, force: true });
    }
  });

  it("still runs the sitecustomize of the caller's PYTHONPATH, which noveli's would otherwise hide", () => {
    expect(readFileSync(path.join(dir, "own-ran"), "utf8")).toBe("yes");
  });

  it("lets one of many simultaneous conditional puts of a new key win, however long moto takes between its check and its write", async () => {
    // A moto of its own whose condition check takes 50 ms (the caller's sitecustomize, which runs
    // first, slows it): unlocked, every put would pass the check before the first one writes.
    const raceDir = mkdtempSync(path.join(tmpdir(), "noveli-moto-race-"));
    const slow = path.join(raceDir, "slow-python");
    mkdirSync(slow);
    writeFileSync(
      path.join(slow, "sitecustomize.py"),
      [
        "import time",
        "import moto.dynamodb.models.table as table",
        "original = table.get_filter_expression",
        "class Slow:",
        "    def __init__(self, op):",
        "        self.op = op",
        "    def expr(self, item):",
        "        result = self.op.expr(item)",
        "        time.sleep(0.05)",
        "        return result",
        "table.get_filter_expression = lambda *args, **kwargs: Slow(original(*args, **kwargs))",
        "",
      ].join("\n"),
    );
    const raced = await launchMoto({ executable: findMotoServer(), port: await freePort(), logFile: path.join(raceDir, "moto.log"), detached: false, env: { PYTHONPATH: slow } });
    try {
      const call = (target: string, body: unknown) =>
        fetch(raced.url, {
          method: "POST",
          headers: {
            authorization: "AWS4-HMAC-SHA256 Credential=testing/20261203/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0",
            "x-amz-target": `DynamoDB_20120810.${target}`,
            "content-type": "application/x-amz-json-1.0",
          },
          body: JSON.stringify(body),
        });
      const created = await call("CreateTable", {
        TableName: "race",
        AttributeDefinitions: [{ AttributeName: "k", AttributeType: "S" }],
        KeySchema: [{ AttributeName: "k", KeyType: "HASH" }],
        BillingMode: "PAY_PER_REQUEST",
      });
      expect(created.status).toBe(200);
      const puts = await Promise.all(
        Array.from({ length: 8 }, (_, i) => call("PutItem", { TableName: "race", Item: { k: { S: "step-1" }, who: { N: String(i) } }, ConditionExpression: "attribute_not_exists(k)" })),
      );
      const statuses = puts.map((put) => put.status).sort();
      expect(statuses).toEqual([200, 400, 400, 400, 400, 400, 400, 400]);
      const losers = await Promise.all(puts.filter((put) => put.status === 400).map(async (put) => ((await put.json()) as { __type: string }).__type));
      expect(losers.every((type) => type.endsWith("ConditionalCheckFailedException"))).toBe(true);
      // The item is the winner's, whole.
      const stored = await call("GetItem", { TableName: "race", Key: { k: { S: "step-1" } }, ConsistentRead: true });
      const winner = puts.findIndex((put) => put.status === 200);
      expect(((await stored.json()) as { Item: { who: { N: string } } }).Item.who.N).toBe(String(winner));
    } finally {
      await raced.stop();
      rmSync(raceDir, { recursive: true, force: true });
    }
  }, 60_000);

  it("stops what it started", async () => {
    await moto.stop();
    expect(processAlive(moto.pid)).toBe(false);
    expect(existsSync(logFile())).toBe(true);
  });
});
