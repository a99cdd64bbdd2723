import {
  APIGatewayClient,
  GetAccountCommand,
  GetAuthorizersCommand,
  GetMethodCommand,
  GetResourcesCommand,
  GetStageCommand,
  GetStagesCommand,
  UpdateStageCommand,
} from "@aws-sdk/client-api-gateway";
import { AdminInitiateAuthCommand, CognitoIdentityProviderClient, DescribeUserPoolCommand, ListUserPoolClientsCommand } from "@aws-sdk/client-cognito-identity-provider";
import { CloudWatchClient, DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import { DescribeContinuousBackupsCommand, DescribeTableCommand, DescribeTimeToLiveCommand, DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { GetAliasCommand, GetFunctionConfigurationCommand, LambdaClient, ListFunctionsCommand } from "@aws-sdk/client-lambda";
import { DescribeSecretCommand, GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ENVIRONMENTS, type Environment } from "../../src/core/environment.js";
import { type Target } from "../../src/core/target.js";
import { MemoryReporter } from "../../src/output/reporter.js";
import { deterministicZip } from "../../src/package/zip.js";
import { moduleOutputs, parseOutputs, type EnvironmentOutputs } from "../../src/terraform/outputs.js";
import {
  terraformApply,
  terraformDestroy,
  terraformInit,
  terraformOutputJson,
  terraformPlan,
  type TerraformCall,
} from "../../src/terraform/runner.js";
import { openAccount } from "../../src/state/account.js";
import { prepareWorkspace, terraformCall } from "../../src/terraform/workspace.js";
import { repoRoot } from "../helpers/cli.js";
import { startPrivateMoto, type PrivateMoto } from "../helpers/moto.js";

/**
 * Every environment of the project's Terraform, applied and destroyed by real terraform (the
 * hashicorp/aws provider) against a private moto, through noveli's own workspace staging and
 * runner. What the emulator cannot do is switched off by `emulator = true` (terraform/README.md).
 */

let moto: PrivateMoto;
let scratch: string;
const timings: string[] = [];

beforeAll(async () => {
  moto = await startPrivateMoto();
  scratch = mkdtempSync(path.join(tmpdir(), "noveli-tf-apply-"));
});

afterAll(async () => {
  await moto?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  // Measured, not asserted: the figures go to the report and BENCHMARKS.md.
  if (timings.length > 0) process.stderr.write(`terraform on moto:\n  ${timings.join("\n  ")}\n`);
});

const target = (): Target => ({ kind: "endpoint", endpointUrl: moto.url, region: "us-east-1", source: "flag" });
const aws = () => ({ endpoint: moto.url, region: "us-east-1", credentials: { accessKeyId: "testing", secretAccessKey: "testing" } });

/** A tiny Lambda package; `marker` changes its bytes (and so its hash). */
function lambdaZip(name: string, marker: string): { path: string; sha256: string } {
  const source = `export const handler = async () => ({ statusCode: 200, body: ${JSON.stringify(marker)} });\n`;
  const { bytes } = deterministicZip([{ name: "index.mjs", data: Buffer.from(source) }]);
  const file = path.join(scratch, name);
  writeFileSync(file, bytes);
  return { path: file, sha256: createHash("sha256").update(bytes).digest("base64") };
}

function varFile(name: string, vars: Record<string, unknown>): string {
  const file = path.join(scratch, `${name}.tfvars.json`);
  writeFileSync(file, JSON.stringify({ emulator: true, ...vars }, null, 2));
  return file;
}

async function timed<T>(label: string, run: () => Promise<T>): Promise<T> {
  const started = Date.now();
  try {
    return await run();
  } finally {
    timings.push(`${label}: ${((Date.now() - started) / 1000).toFixed(1)}s`);
  }
}

async function applyEnvironment(call: TerraformCall, planDir: string, label: string, vars: string): Promise<EnvironmentOutputs & { eventRuleName: string }> {
  const planFile = path.join(planDir, `${label.replace(/\W+/g, "-")}.tfplan`);
  await timed(`${label} plan+apply`, async () => {
    const { changes } = await terraformPlan(call, planFile, vars);
    expect(changes).toBe(true);
    await terraformApply(call, planFile);
  });
  const raw = await terraformOutputJson(call);
  return { ...parseOutputs(raw), eventRuleName: String(moduleOutputs(raw).event_rule_name?.value) };
}

/** The ARN the story-events rule targets (EventBridge's JSON API; no SDK client is installed for it). */
async function eventTargetArn(rule: string): Promise<string | undefined> {
  const response = await fetch(moto.url, {
    method: "POST",
    headers: {
      "Content-Type": "application/x-amz-json-1.1",
      "X-Amz-Target": "AWSEvents.ListTargetsByRule",
      // moto routes a request by the service in the credential scope; it does not check signatures.
      Authorization: "AWS4-HMAC-SHA256 Credential=testing/20261125/us-east-1/events/aws4_request, SignedHeaders=host, Signature=0",
    },
    body: JSON.stringify({ Rule: rule }),
  });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { Targets?: { Arn: string }[] };
  return body.Targets?.[0]?.Arn;
}

async function expectTable(outputs: EnvironmentOutputs, region: string, tableName: string): Promise<void> {
  const dynamodb = new DynamoDBClient({ ...aws(), region });
  const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
  expect(Table?.BillingModeSummary?.BillingMode).toBe("PAY_PER_REQUEST");
  expect(Table?.KeySchema).toEqual([
    { AttributeName: "session_id", KeyType: "HASH" },
    { AttributeName: "timestamp", KeyType: "RANGE" },
  ]);
  expect(Table?.GlobalSecondaryIndexes?.map((index) => [index.IndexName, index.KeySchema?.map((k) => k.AttributeName)])).toEqual([
    ["UserStoryIndex", ["user_id", "timestamp"]],
  ]);
  expect(Table?.SSEDescription?.Status).toBe("ENABLED");
  expect(Table?.SSEDescription?.SSEType).toBe("KMS");
  if (region === outputs.region) expect(Table?.SSEDescription?.KMSMasterKeyArn).toBe(outputs.kmsKeyArn);
  const backups = await dynamodb.send(new DescribeContinuousBackupsCommand({ TableName: tableName }));
  expect(backups.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus).toBe("ENABLED");
  const ttl = await dynamodb.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
  expect(ttl.TimeToLiveDescription).toMatchObject({ AttributeName: "expires_at", TimeToLiveStatus: "ENABLED" });
}

/** The AWS JSON API of a service without an SDK client here (moto routes by the credential scope; it checks no signature). */
async function awsJson(service: string, target: string, body: unknown): Promise<any> {
  const response = await fetch(moto.url, {
    method: "POST",
    headers: {
      "Content-Type": "application/x-amz-json-1.1",
      "X-Amz-Target": target,
      Authorization: `AWS4-HMAC-SHA256 Credential=testing/20261125/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text === "" ? {} : JSON.parse(text) };
}

/**
 * The story API as deployed, read back with independent clients: the user pool and its synthetic
 * user, every story method behind the user pool authorizer and only GET /health open, access logs
 * and ERROR execution logging on every stage, the quota in the function's environment, WAF on the
 * stages (logged where the environment asks for it).
 */
async function expectStoryApiSecured(env: Environment, outputs: EnvironmentOutputs, functionVersion: string): Promise<void> {
  const cognito = new CognitoIdentityProviderClient(aws());
  const { UserPool } = await cognito.send(new DescribeUserPoolCommand({ UserPoolId: outputs.userPoolId as string }));
  expect(UserPool?.Name).toBe(`noveli-${env}-users`);
  const clients = await cognito.send(new ListUserPoolClientsCommand({ UserPoolId: outputs.userPoolId as string, MaxResults: 10 }));
  expect(clients.UserPoolClients?.map((c) => c.ClientName).sort()).toEqual([`noveli-${env}-synthetic-check`, `noveli-${env}-web`]);
  const secret = await new SecretsManagerClient(aws()).send(new GetSecretValueCommand({ SecretId: outputs.syntheticUserSecretName as string }));
  const signIn = JSON.parse(secret.SecretString as string) as { username: string; password: string };
  expect(signIn.username).toBe("noveli-synthetic-check");
  expect(signIn.password.length).toBeGreaterThanOrEqual(32);
  const auth = await cognito.send(
    new AdminInitiateAuthCommand({
      UserPoolId: outputs.userPoolId as string,
      ClientId: outputs.syntheticClientId as string,
      AuthFlow: "ADMIN_USER_PASSWORD_AUTH",
      AuthParameters: { USERNAME: signIn.username, PASSWORD: signIn.password },
    }),
  );
  expect(auth.AuthenticationResult?.IdToken).toMatch(/^ey/);

  const api = new APIGatewayClient(aws());
  const { items: authorizers = [] } = await api.send(new GetAuthorizersCommand({ restApiId: outputs.apiId }));
  expect(authorizers.map((a) => [a.type, a.providerARNs, a.identitySource])).toEqual([["COGNITO_USER_POOLS", [UserPool?.Arn], "method.request.header.Authorization"]]);
  const { items: resources = [] } = await api.send(new GetResourcesCommand({ restApiId: outputs.apiId }));
  const methods: Array<[string, string, string | undefined, string | undefined]> = [];
  for (const resource of resources) {
    for (const httpMethod of Object.keys(resource.resourceMethods ?? {})) {
      const method = await api.send(new GetMethodCommand({ restApiId: outputs.apiId, resourceId: resource.id as string, httpMethod }));
      methods.push([resource.path as string, httpMethod, method.authorizationType, method.authorizerId]);
    }
  }
  expect(methods.sort()).toEqual(
    [
      ["/", "ANY", "COGNITO_USER_POOLS", authorizers[0]?.id],
      ["/health", "GET", "NONE", undefined],
      ["/{proxy+}", "ANY", "COGNITO_USER_POOLS", authorizers[0]?.id],
    ].sort(),
  );

  const { item: stages = [] } = await api.send(new GetStagesCommand({ restApiId: outputs.apiId }));
  expect(stages.map((s) => s.stageName).sort()).toEqual(["blue", "green", "live"]);
  for (const stage of stages) {
    const where = `stage ${stage.stageName}`;
    expect(stage.accessLogSettings?.destinationArn, where).toMatch(new RegExp(`:log-group:/aws/apigateway/noveli-${env}-api/access$`));
    const format = JSON.parse(stage.accessLogSettings?.format as string) as Record<string, string>;
    expect(format, where).toMatchObject({ requestId: "$context.requestId", userSub: "$context.authorizer.claims.sub", status: "$context.status", latencyMs: "$context.responseLatency", stage: "$context.stage", deployment: "$stageVariables.deployment" });
    expect(stage.methodSettings?.["*/*"], where).toMatchObject({ loggingLevel: "ERROR", metricsEnabled: true, dataTraceEnabled: false });
  }
  const account = await api.send(new GetAccountCommand({}));
  expect(account.cloudwatchRoleArn).toMatch(new RegExp(`:role/noveli-${env}-apigateway-logs$`));

  const config = await new LambdaClient(aws()).send(new GetFunctionConfigurationCommand({ FunctionName: outputs.functionName, Qualifier: functionVersion }));
  expect(config.Environment?.Variables?.NOVELI_DAILY_BEAT_QUOTA).toBe(env === "dev" ? "100" : "200");

  // WAF on every stage, dev included; its logs (Authorization redacted) in staging and production.
  for (const stage of stages) {
    const acl = await awsJson("wafv2", "AWSWAF_20190729.GetWebACLForResource", { ResourceArn: `arn:aws:apigateway:us-east-1::/restapis/${outputs.apiId}/stages/${stage.stageName}` });
    expect(acl.body.WebACL?.Name, `WAF on ${stage.stageName}`).toBe(`noveli-${env}-api`);
  }
  const acl = await awsJson("wafv2", "AWSWAF_20190729.GetWebACLForResource", { ResourceArn: `arn:aws:apigateway:us-east-1::/restapis/${outputs.apiId}/stages/live` });
  // The rules the module writes once (as rule_json on an emulator, rule blocks on AWS): a per-IP rate limit that blocks, then AWS's common rules.
  const rules = [...((acl.body.WebACL?.Rules ?? []) as { Priority: number }[])].sort((a, b) => a.Priority - b.Priority);
  expect(rules).toMatchObject([
    { Name: "RateLimitPerIp", Priority: 1, Action: { Block: {} }, Statement: { RateBasedStatement: { Limit: 2000, AggregateKeyType: "IP" } } },
    { Name: "AWSManagedRulesCommonRuleSet", Priority: 2, OverrideAction: { None: {} }, Statement: { ManagedRuleGroupStatement: { Name: "AWSManagedRulesCommonRuleSet", VendorName: "AWS" } } },
  ]);
  const logging = await awsJson("wafv2", "AWSWAF_20190729.GetLoggingConfiguration", { ResourceArn: acl.body.WebACL.ARN });
  if (env === "dev") expect(logging.status).toBe(400);
  else {
    expect(logging.body.LoggingConfiguration?.LogDestinationConfigs?.[0]).toMatch(new RegExp(`:log-group:aws-waf-logs-noveli-${env}-api$`));
    expect(JSON.stringify(logging.body.LoggingConfiguration?.RedactedFields)).toMatch(/authorization/i);
  }
}

const SETTINGS: Record<Environment, { memory: number; vpc: boolean; backup: boolean }> = {
  dev: { memory: 512, vpc: false, backup: false },
  staging: { memory: 1024, vpc: true, backup: false },
  production: { memory: 1024, vpc: true, backup: true },
};

describe.sequential("terraform apply and destroy on the emulator", () => {
  for (const env of ENVIRONMENTS) {
    it(`${env}: init, apply, check what was built, destroy, nothing left`, async () => {
      const reporter = new MemoryReporter();
      // The emulator bootstraps itself: state in its S3 bucket, like a real account's.
      const account = await openAccount({ target: target(), env, reporter });
      const workspace = prepareWorkspace({ stateDir: path.join(scratch, "state"), env, target: target(), reporter, account, terraformRoot: path.join(repoRoot, "terraform") });
      expect(workspace.backend).toEqual({ bucket: "noveli-tfstate-123456789012-us-east-1", key: `noveli/${env}/terraform.tfstate`, region: "us-east-1" });
      const call = terraformCall(workspace, reporter);
      await timed(`${env} init`, () => terraformInit(call, workspace.backendConfig));

      const zip = lambdaZip(`${env}-v1.zip`, `${env} v1`);
      const firstVars = varFile(`${env}-v1`, { lambda_package_path: zip.path, target_color: "blue", alias_versions: {}, app_version: "1.0.0" });
      const outputs = await applyEnvironment(call, workspace.planDir, `${env} first apply`, firstVars);

      // Outputs: every identifier the CLI reads.
      expect(outputs).toMatchObject({
        environment: env,
        region: "us-east-1",
        liveStageName: "live",
        colorStageNames: { blue: "blue", green: "green" },
        functionName: `noveli-${env}-story-generator`,
        aliasNames: { blue: "blue", green: "green" },
        tableName: `noveli-${env}-story-sessions`,
        providerSecretName: `noveli-${env}-provider-keys`,
        dashboardName: `noveli-${env}`,
        budgetName: null, // budgets are off on emulator targets
        monthlyBudgetUsd: null,
      });
      expect(outputs.aliasVersions.blue).toMatch(/^\d+$/);
      expect(outputs.aliasVersions.green).toBe(outputs.aliasVersions.blue); // first deploy: both colors
      expect(outputs.stageInvokeUrls.live).toMatch(new RegExp(`${outputs.apiId}.*/live$`));
      expect(outputs.alarmNames).toEqual(
        ["lambda-errors", "lambda-duration", "api-5xx", "dynamodb-throttles", "dlq-messages", "blue-error-rate", "blue-duration-p95", "green-error-rate", "green-duration-p95"].map((alarm) => `noveli-${env}-${alarm}`),
      );
      expect(outputs.colorAlarmNames).toEqual({ blue: [`noveli-${env}-blue-error-rate`, `noveli-${env}-blue-duration-p95`], green: [`noveli-${env}-green-error-rate`, `noveli-${env}-green-duration-p95`] });
      expect(outputs.backupTableName).toBe(SETTINGS[env].backup ? `noveli-${env}-story-sessions-backup` : null);
      expect(outputs.backupRegion).toBe(SETTINGS[env].backup ? "us-west-2" : null);

      // The story table: PITR, SSE with the environment's key, TTL, the GSI.
      await expectTable(outputs, "us-east-1", outputs.tableName);
      if (outputs.backupTableName && outputs.backupRegion) await expectTable(outputs, outputs.backupRegion, outputs.backupTableName);

      // The function and its two aliases.
      const lambda = new LambdaClient(aws());
      const config = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: outputs.functionName, Qualifier: outputs.aliasVersions.blue }));
      expect(config).toMatchObject({ Runtime: "nodejs22.x", Handler: "index.handler", MemorySize: SETTINGS[env].memory, TracingConfig: { Mode: "Active" }, CodeSha256: zip.sha256 });
      expect(config.Environment?.Variables).toMatchObject({
        DYNAMODB_TABLE: outputs.tableName,
        NOVELI_PROVIDER_SECRET: outputs.providerSecretName,
        APP_VERSION: "1.0.0",
        NOVELI_ENV: env,
      });
      // Nothing in the environment follows the code: a code change is one code update, no configuration update.
      expect(config.Environment?.Variables).not.toHaveProperty("CODE_SHA256");
      expect((config.VpcConfig?.SubnetIds ?? []).length > 0).toBe(SETTINGS[env].vpc);
      for (const color of ["blue", "green"] as const) {
        const alias = await lambda.send(new GetAliasCommand({ FunctionName: outputs.functionName, Name: outputs.aliasNames[color] }));
        expect(alias.FunctionVersion).toBe(outputs.aliasVersions[color]);
      }

      // Only signed-in users reach the story routes; every stage logs.
      await expectStoryApiSecured(env, outputs, outputs.aliasVersions.blue);

      // Events go to the live color from the first deploy on: the stage starts on blue.
      expect(await eventTargetArn(outputs.eventRuleName)).toMatch(/:blue$/);

      // The live stage starts on blue; each color stage is pinned to its color.
      const api = new APIGatewayClient(aws());
      const stage = (name: string) => api.send(new GetStageCommand({ restApiId: outputs.apiId, stageName: name }));
      expect((await stage(outputs.liveStageName)).variables).toEqual({ deployment: "blue" });
      expect((await stage(outputs.colorStageNames.green)).variables).toEqual({ deployment: "green" });
      expect((await stage(outputs.colorStageNames.blue)).tracingEnabled).toBe(true);

      // Alarms notify the alerts topic; the provider secret exists without a value.
      const alarms = await new CloudWatchClient(aws()).send(new DescribeAlarmsCommand({ AlarmNames: outputs.alarmNames }));
      expect(alarms.MetricAlarms?.map((alarm) => alarm.AlarmName).sort()).toEqual([...outputs.alarmNames].sort());
      for (const alarm of alarms.MetricAlarms ?? []) expect(alarm.AlarmActions).toEqual([outputs.snsTopicArn]);
      const secret = await new SecretsManagerClient(aws()).send(new DescribeSecretCommand({ SecretId: outputs.providerSecretName }));
      expect(secret.KmsKeyId).toBe(outputs.kmsKeyArn);

      if (env === "dev") {
        // A blue-green release: new code to green, blue keeps its version; a switch made outside
        // terraform (switch-traffic's UpdateStage) survives the next plan.
        const zip2 = lambdaZip("dev-v2.zip", "dev v2");
        const secondVars = varFile("dev-v2", { lambda_package_path: zip2.path, target_color: "green", alias_versions: outputs.aliasVersions, app_version: "1.1.0" });
        const second = await applyEnvironment(call, workspace.planDir, "dev second apply (green)", secondVars);
        expect(second.aliasVersions.blue).toBe(outputs.aliasVersions.blue);
        expect(Number(second.aliasVersions.green)).toBeGreaterThan(Number(outputs.aliasVersions.blue));
        // Each version has its own code (what a health check proves a color runs) and release label;
        // the label is the only difference between their environments.
        const green = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: second.functionName, Qualifier: second.aliasVersions.green }));
        expect(green).toMatchObject({ CodeSha256: zip2.sha256, Environment: { Variables: expect.objectContaining({ APP_VERSION: "1.1.0" }) } });
        const blue = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: second.functionName, Qualifier: second.aliasVersions.blue }));
        expect(blue).toMatchObject({ CodeSha256: zip.sha256, Environment: { Variables: expect.objectContaining({ APP_VERSION: "1.0.0" }) } });
        expect(green.Environment?.Variables).toEqual({ ...blue.Environment?.Variables, APP_VERSION: "1.1.0" });
        expect(await eventTargetArn(second.eventRuleName)).toMatch(/:blue$/); // blue stays live until the switch

        await api.send(new UpdateStageCommand({ restApiId: second.apiId, stageName: second.liveStageName, patchOperations: [{ op: "replace", path: "/variables/deployment", value: "green" }] }));
        const steadyVars = varFile("dev-v2-steady", { lambda_package_path: zip2.path, target_color: "green", alias_versions: second.aliasVersions, app_version: "1.1.0" });
        const steadyPlan = path.join(workspace.planDir, "steady.tfplan");
        const steady = await timed("dev steady plan", () => terraformPlan(call, steadyPlan, steadyVars));
        // The switch stands; the only change is the event target following the stage as read back
        // (switch-traffic repoints it itself; this switch was made behind noveli's back).
        expect(steady.changes).toBe(true);
        expect(steady.planned.map((c) => [c.address, c.action])).toEqual([["module.noveli.aws_cloudwatch_event_target.story_generator", "update"]]);
        expect((await stage(second.liveStageName)).variables).toEqual({ deployment: "green" });
      }

      // Destroy, and nothing of the environment is left.
      await timed(`${env} destroy`, () => terraformDestroy(call, firstVars));
      const tables = await new DynamoDBClient(aws()).send(new ListTablesCommand({}));
      expect(tables.TableNames ?? []).not.toContain(outputs.tableName);
      if (outputs.backupRegion) {
        const backupTables = await new DynamoDBClient({ ...aws(), region: outputs.backupRegion }).send(new ListTablesCommand({}));
        expect(backupTables.TableNames ?? []).not.toContain(outputs.backupTableName);
      }
      const functions = await lambda.send(new ListFunctionsCommand({}));
      expect((functions.Functions ?? []).map((fn) => fn.FunctionName)).not.toContain(outputs.functionName);
      expect(await terraformOutputJson(call)).toEqual({});
      // The account's bootstrap resources outlive any environment's destroy.
      expect(tables.TableNames ?? []).toContain("noveli-ops");
    }, 420_000);
  }
});
