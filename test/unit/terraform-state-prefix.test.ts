import { describe, expect, it } from "vitest";
import { outputsFromStatePrefix } from "../../src/terraform/state-prefix.js";

/**
 * The outputs of a Terraform state from the first bytes of its JSON (what a ranged GET of the state
 * object brings): found when they are there whole, never a wrong or partial set otherwise.
 */

const outputs = {
  noveli: {
    value: {
      api_id: "abc123",
      stage_invoke_urls: { live: "https://abc123.execute-api.us-east-1.amazonaws.com/live" },
      note: 'braces } { and brackets ] [ and "quotes" and a backslash \\ inside strings',
      alarm_names: ["a", "b"],
      count: 3,
      enabled: true,
      nothing: null,
    },
    type: ["object", {}],
  },
};
const state = (body: Record<string, unknown>) => JSON.stringify(body, null, 2);
const terraformState = state({
  version: 4,
  terraform_version: "1.11.4",
  serial: 12,
  lineage: "0f6b3c1e-0000-4000-8000-000000000000",
  outputs,
  resources: [{ mode: "managed", type: "aws_api_gateway_rest_api", name: "this", instances: [{ attributes: { id: "abc123", body: "}{][\"" } }] }],
  check_results: null,
});

describe("outputsFromStatePrefix", () => {
  it("finds the outputs in any beginning that holds them whole, and in none that cuts them", () => {
    const end = terraformState.indexOf('"resources"');
    for (let cut = 0; cut <= terraformState.length; cut++) {
      const found = outputsFromStatePrefix(terraformState.slice(0, cut));
      // The outputs' value ends before the comma that follows it.
      const whole = cut >= terraformState.lastIndexOf("}", end) + 1;
      if (whole) expect(found, `cut at ${cut}`).toEqual(outputs);
      else expect(found, `cut at ${cut}`).toBeUndefined();
    }
  });

  it("reads compact JSON and outputs that come first or last", () => {
    expect(outputsFromStatePrefix(JSON.stringify({ outputs, version: 4 }))).toEqual(outputs);
    expect(outputsFromStatePrefix(JSON.stringify({ version: 4, serial: 1.5e3, lineage: "x", check: false, outputs }))).toEqual(outputs);
  });

  it("gives nothing for empty outputs (the whole state must say whether resources exist), or no outputs before the text ends", () => {
    expect(outputsFromStatePrefix(state({ version: 4, outputs: {}, resources: [] }))).toBeUndefined();
    expect(outputsFromStatePrefix(state({ version: 4, resources: [] }))).toBeUndefined();
    expect(outputsFromStatePrefix('{"version": 4, "lineage": "abc')).toBeUndefined();
    expect(outputsFromStatePrefix('{"version": 4')).toBeUndefined();
  });

  it("gives nothing for what is not a state's JSON: the whole read then reports it", () => {
    for (const text of ["", "not json", "[1, 2]", '{"outputs": [1]}', '{"outputs": "x"}', '{"outputs": {"a": }', '{version: 4, "outputs": {"a": {"value": 1}}}', '{"version" 4, "outputs": {"a": {"value": 1}}}']) {
      expect(outputsFromStatePrefix(text), text).toBeUndefined();
    }
  });

  it("reads Terraform's layout and any other alike: a nested `resources` key at its indent, or outputs after the resources", () => {
    // The text before `,\n  "resources": ` parses only when that key is the top level's.
    const nested = `{"version": 4, "meta": {"a": 1,\n  "resources": 2}, "outputs": ${JSON.stringify(outputs)}}`;
    expect(outputsFromStatePrefix(nested)).toEqual(outputs);
    expect(outputsFromStatePrefix(state({ version: 4, resources: [], outputs }))).toEqual(outputs);
    expect(outputsFromStatePrefix(state({ version: 4, outputs: {}, resources: [] }))).toBeUndefined();
  });

  it("does not take an `outputs` key nested deeper than the top level", () => {
    expect(outputsFromStatePrefix(state({ version: 4, meta: { outputs: { a: { value: 1 } } } }).slice(0, -2))).toBeUndefined();
    expect(outputsFromStatePrefix(state({ version: 4, meta: { outputs: { a: { value: 1 } } }, outputs }))).toEqual(outputs);
  });
});
