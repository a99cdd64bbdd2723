import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { SYNTHETIC_USERNAME, unrecordedSyntheticUserPool } from "../../src/ops/deploy/half-created.js";
import { repoRoot } from "../helpers/cli.js";

const pool = { module: "module.noveli", mode: "managed", type: "aws_cognito_user_pool", name: "users", instances: [{ attributes: { id: "us-east-1_pool" } }] };
const user = { module: "module.noveli", mode: "managed", type: "aws_cognito_user", name: "synthetic", instances: [{ attributes: { id: "us-east-1_pool/noveli-synthetic-check" } }] };
const state = (...resources: object[]) => JSON.stringify({ version: 4, resources });

describe("a first apply killed between the user pool and its synthetic user", () => {
  it("names the pool when the state records it and not the user", () => {
    expect(unrecordedSyntheticUserPool(state(pool))).toBe("us-east-1_pool");
  });

  it("names nothing when the user is recorded, the pool is not, or the state is missing or unreadable", () => {
    expect(unrecordedSyntheticUserPool(state(pool, user))).toBeUndefined();
    expect(unrecordedSyntheticUserPool(state(user))).toBeUndefined();
    expect(unrecordedSyntheticUserPool(state())).toBeUndefined();
    expect(unrecordedSyntheticUserPool(undefined)).toBeUndefined();
    expect(unrecordedSyntheticUserPool("{not json")).toBeUndefined();
    expect(unrecordedSyntheticUserPool(state({ ...pool, module: "module.other" }))).toBeUndefined();
  });

  it("uses the synthetic user's name the Terraform module gives it", () => {
    const tf = readFileSync(path.join(repoRoot, "terraform", "modules", "noveli", "cognito.tf"), "utf8");
    expect(/synthetic_username\s*=\s*"([^"]+)"/.exec(tf)?.[1]).toBe(SYNTHETIC_USERNAME);
  });
});
