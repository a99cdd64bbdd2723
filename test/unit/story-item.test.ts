import { parse } from "@cdktf/hcl2json";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { STORY_TABLE_KEYS, storyTableSchema } from "@noveli/providers/story-item";
import { repoRoot } from "../helpers/cli.js";

/**
 * The story table's schema is written once, in the shared package, for the Lambda, the CLI's
 * rehearsal seeding and the tests' fixture (test/helpers/story-table.ts). Terraform declares the
 * real table: the two must say the same.
 */
describe("the story table schema", () => {
  it("is the table terraform/modules/noveli declares: keys, attributes, index and TTL", async () => {
    const file = path.join(repoRoot, "terraform", "modules", "noveli", "dynamodb.tf");
    const hcl = (await parse(file, readFileSync(file, "utf8"))) as {
      resource: { aws_dynamodb_table: Record<string, { hash_key: string; range_key: string; attribute: { name: string; type: string }[]; global_secondary_index: { name: string; hash_key: string; range_key: string; projection_type: string }[]; ttl: { attribute_name: string; enabled: boolean }[] }[]> };
    };
    const table = hcl.resource.aws_dynamodb_table.story_sessions?.[0];
    expect(table).toBeDefined();
    const schema = storyTableSchema();
    expect(schema.KeySchema).toEqual([
      { AttributeName: table!.hash_key, KeyType: "HASH" },
      { AttributeName: table!.range_key, KeyType: "RANGE" },
    ]);
    expect(schema.AttributeDefinitions).toEqual(table!.attribute.map((a) => ({ AttributeName: a.name, AttributeType: a.type })));
    expect(schema.GlobalSecondaryIndexes).toEqual(
      table!.global_secondary_index.map((index) => ({
        IndexName: index.name,
        KeySchema: [
          { AttributeName: index.hash_key, KeyType: "HASH" },
          { AttributeName: index.range_key, KeyType: "RANGE" },
        ],
        Projection: { ProjectionType: index.projection_type },
      })),
    );
    expect(table!.ttl).toEqual([{ attribute_name: STORY_TABLE_KEYS.ttl, enabled: true }]);
  });

  it("hands out a fresh object each time, so a caller's changes do not leak into the next", () => {
    const first = storyTableSchema();
    first.KeySchema.pop();
    expect(storyTableSchema().KeySchema).toHaveLength(2);
  });
});
