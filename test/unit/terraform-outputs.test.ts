import { parse } from "@cdktf/hcl2json";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/errors.js";
import { stateOutputs } from "../../src/terraform/environment.js";
import { inspectOutputs, moduleOutputs, MODULE_OUTPUT, parseOutputs } from "../../src/terraform/outputs.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** The module's outputs as values, the way `value = module.noveli` hands them to the root. */
const MODULE_VALUES: Record<string, unknown> = {
  environment: "staging",
  region: "eu-west-1",
  api_id: "a1b2c3",
  live_stage_name: "live",
  color_stage_names: { blue: "blue", green: "green" },
  stage_invoke_urls: { live: "https://x/live", blue: "https://x/blue", green: "https://x/green" },
  function_name: "noveli-staging-story-generator",
  alias_names: { blue: "blue", green: "green" },
  alias_versions: { blue: "3", green: "4" },
  published_version: "4",
  code_sha256: "c2hh",
  provider_secret_name: "noveli-staging/provider-keys",
  table_name: "noveli-staging-story-sessions",
  table_arn: "arn:aws:dynamodb:eu-west-1:1:table/noveli-staging-story-sessions",
  kms_key_arn: "arn:aws:kms:eu-west-1:1:key/k",
  alarm_names: ["a", "b"],
  color_alarm_names: { blue: ["a"], green: ["b"] },
  sns_topic_arn: "arn:aws:sns:eu-west-1:1:alerts",
  dashboard_name: "noveli-staging",
  backup_table_name: null,
  backup_region: null,
  budget_name: "noveli-staging-monthly",
  monthly_budget_usd: 200,
  dlq_url: null,
  event_rule_name: "noveli-staging-story-events",
  event_target_id: "story-generator",
  user_pool_id: "eu-west-1_pool",
  synthetic_client_id: "client",
  synthetic_user_secret_name: "noveli-staging/synthetic-user",
};

const oneOutput = () => ({ [MODULE_OUTPUT]: { value: structuredClone(MODULE_VALUES) } });
const onePerValue = () => Object.fromEntries(Object.entries(structuredClone(MODULE_VALUES)).map(([name, value]) => [name, { value }]));

describe("the environment roots' one output", () => {
  it("is read as the module's outputs, the same as one output per value", () => {
    const outputs = parseOutputs(oneOutput());
    expect(outputs).toEqual(parseOutputs(onePerValue()));
    expect(outputs).toMatchObject({
      environment: "staging",
      apiId: "a1b2c3",
      aliasVersions: { blue: "3", green: "4" },
      colorAlarmNames: { blue: ["a"], green: ["b"] },
      backupTableName: null,
      budgetName: "noveli-staging-monthly",
      monthlyBudgetUsd: 200,
      eventRuleName: "noveli-staging-story-events",
    });
    expect(moduleOutputs(oneOutput()).dlq_url).toEqual({ value: null });
  });

  it("a value missing or malformed inside it fails with one line naming the value", () => {
    const missing = oneOutput();
    delete (missing.noveli.value as Record<string, unknown>).table_name;
    expect(() => parseOutputs(missing)).toThrow(ConfigError);
    expect(() => parseOutputs(missing)).toThrow(/^terraform output table_name is missing or malformed$/);
    const malformed = oneOutput();
    (malformed.noveli.value as Record<string, unknown>).alias_versions = { blue: "3" };
    expect(() => parseOutputs(malformed)).toThrow(/^terraform output alias_versions is missing or malformed$/);
    // Not an object at all: nothing is read from it, and the first value noveli needs is named.
    expect(() => parseOutputs({ [MODULE_OUTPUT]: { value: "noveli" } })).toThrow(/^terraform output environment is missing or malformed$/);
  });

  it("inspectOutputs tells complete from partial inside it, and takes no outputs at all as deployed in part", () => {
    expect(inspectOutputs(oneOutput())).toMatchObject({ kind: "complete", outputs: { apiId: "a1b2c3" } });
    const partial = oneOutput();
    delete (partial.noveli.value as Record<string, unknown>).stage_invoke_urls;
    expect(inspectOutputs(partial)).toMatchObject({ kind: "partial", missing: ["stage_invoke_urls"], present: 25, required: 26 });
    // The module's values, not the root's, are what a partial deploy's live state is read from.
    expect((inspectOutputs(partial) as { raw: Record<string, { value: unknown }> }).raw.api_id).toEqual({ value: "a1b2c3" });
    const none = inspectOutputs({});
    expect(none).toMatchObject({ kind: "partial", present: 0, required: 16 });
    expect((none as { missing: string[] }).missing.slice(0, 3)).toEqual(["environment", "region", "api_id"]);
  });
});

describe("a Terraform state's outputs", () => {
  const resource = { mode: "managed", type: "aws_kms_key", name: "main", instances: [{ attributes: {} }] };

  it("are the root outputs it records", () => {
    expect(stateOutputs({ outputs: oneOutput(), resources: [resource] })).toEqual(oneOutput());
  });

  it("are empty, deployed in part, when it records resources and no outputs (a first apply that stopped)", () => {
    expect(stateOutputs({ outputs: {}, resources: [resource] })).toEqual({});
    expect(stateOutputs({ resources: [resource] })).toEqual({});
  });

  it("are none, never deployed, when it records no resource (data sources and emptied resources aside)", () => {
    expect(stateOutputs({ outputs: {}, resources: [] })).toBeUndefined();
    expect(stateOutputs({ outputs: {}, resources: [{ ...resource, mode: "data" }, { ...resource, instances: [] }] })).toBeUndefined();
    expect(stateOutputs({ version: 4 })).toBeUndefined();
  });
});

describe("the Terraform code noveli reads outputs from", () => {
  const hcl = async (file: string) => (await parse(file, readFileSync(path.join(root, file), "utf8"))) as { output?: Record<string, { value?: string }[]> };

  it("every output noveli reads is declared by the module", async () => {
    const declared = Object.keys((await hcl("terraform/modules/noveli/outputs.tf")).output ?? {});
    // Every value parseOutputs asks for: inspect a set where each is present but wrong, so each is named.
    const asked = inspectOutputs(Object.fromEntries(declared.map((name) => [name, { value: Symbol(name) }])));
    expect(asked.kind).toBe("partial");
    const read = (asked as { missing: string[] }).missing;
    expect(read.length).toBeGreaterThanOrEqual(26);
    expect(read.filter((name) => !declared.includes(name))).toEqual([]);
  });

  it.each(["dev", "staging", "production"])("%s has one output, the module's whole output object", async (env) => {
    const outputs = (await hcl(`terraform/environments/${env}/outputs.tf`)).output ?? {};
    expect(Object.keys(outputs)).toEqual([MODULE_OUTPUT]);
    expect(outputs[MODULE_OUTPUT]?.[0]?.value).toBe("${module.noveli}");
  });
});
