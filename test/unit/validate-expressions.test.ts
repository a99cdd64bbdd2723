import { describe, expect, it } from "vitest";
import { evaluateExpression, evaluateRaw, parseAccessor, resolveBody, splitTemplate, type Scope } from "../../src/validate/expressions.js";
import { Encoded, Reference, Unknown, isUncertain, type Value } from "../../src/validate/values.js";

function scope(variables: Record<string, Value> = {}, locals: Record<string, Value> = {}): Scope {
  return {
    variable: (name) => (name in variables ? (variables[name] as Value) : new Unknown(`var.${name}`)),
    local: async (name) => (name in locals ? (locals[name] as Value) : new Unknown(`local.${name}`)),
    iterator: () => undefined,
  };
}

describe("splitTemplate", () => {
  it("separates literal text from interpolations and honours $${ escapes", () => {
    expect(splitTemplate("noveli-${var.env}-api")).toEqual([{ literal: "noveli-" }, { expression: "var.env" }, { literal: "-api" }]);
    expect(splitTemplate("${var.a ? \"}\" : var.b}")).toEqual([{ expression: 'var.a ? "}" : var.b' }]);
    expect(splitTemplate("arn:...:$${stageVariables.deployment}/x")).toEqual([{ literal: "arn:...:${stageVariables.deployment}/x" }]);
    expect(splitTemplate("${jsonencode({ a = { b = 1 } })}")).toEqual([{ expression: "jsonencode({ a = { b = 1 } })" }]);
  });
});

describe("parseAccessor", () => {
  it("splits names, numeric and string indexes", () => {
    expect(parseAccessor('local.m["a.b"].c[0]')).toEqual(["local", "m", "a.b", "c", 0]);
    expect(parseAccessor("aws_subnet.private[count.index].id")).toEqual(["aws_subnet", "private", "[count.index]", "id"]);
  });
});

describe("evaluateExpression", () => {
  it("evaluates conditionals, logic and comparisons over variables and locals", async () => {
    const s = scope({ enable_vpc: true, emulator: false, size: 3, pc: { min: 10, max: 100 }, none: null }, { name: "noveli-dev" });
    expect(await evaluateExpression("var.enable_vpc && !var.emulator ? [1] : []", s)).toEqual([1]);
    expect(await evaluateExpression("var.emulator ? 0 : var.size * 2", s)).toBe(6);
    expect(await evaluateExpression("var.pc != null && var.pc.min >= 10", s)).toBe(true);
    expect(await evaluateExpression("var.none == null", s)).toBe(true);
    expect(await evaluateExpression('local.name == "noveli-dev" ? "yes" : "no"', s)).toBe("yes");
  });

  it("keeps resource attributes symbolic and never null", async () => {
    const value = await evaluateExpression("aws_sns_topic.alerts.arn", scope());
    expect(value).toBeInstanceOf(Reference);
    expect((value as Reference).refersTo("aws_sns_topic")).toBe(true);
    expect((value as Reference).resourceAddress).toBe("aws_sns_topic.alerts");
    expect(await evaluateExpression("aws_kms_key.main.arn != null", scope())).toBe(true);
    expect(((await evaluateExpression("data.aws_iam_policy_document.kms.json", scope())) as Reference).resourceAddress).toBe("data.aws_iam_policy_document.kms");
  });

  it("is Unknown when a condition depends on something it cannot know", async () => {
    expect(await evaluateExpression("var.missing ? 1 : 0", scope())).toBeInstanceOf(Unknown);
    expect(await evaluateExpression("[for x in var.list : upper(x)]", scope({ list: ["a"] }))).toBeInstanceOf(Unknown);
    expect(await evaluateExpression("timestamp()", scope())).toBeInstanceOf(Unknown);
    expect(await evaluateExpression("this is not ( hcl", scope())).toBeInstanceOf(Unknown);
  });

  it("reads object keys in source order, quoted and unicode keys included", async () => {
    const value = await evaluateExpression('{ zeta = 1, "Résumé" = "é", alpha = var.x }', scope({ x: 2 }));
    expect(value).toEqual({ zeta: 1, "Résumé": "é", alpha: 2 });
    expect(Object.keys(value as object)).toEqual(["zeta", "Résumé", "alpha"]);
  });

  it("keeps jsonencode'd documents inspectable", async () => {
    const value = await evaluateExpression('jsonencode({ Statement = [{ Effect = "Allow", Action = ["dynamodb:*"], Resource = aws_dynamodb_table.t.arn }] })', scope());
    expect(value).toBeInstanceOf(Encoded);
    const statement = ((value as Encoded).value as { Statement: Record<string, Value>[] }).Statement[0];
    expect(statement?.Action).toEqual(["dynamodb:*"]);
    expect(statement?.Resource).toBeInstanceOf(Reference);
  });

  it("implements the functions modules use for wiring", async () => {
    const s = scope({ m: { blue: "3" }, list: ["a", "", null, "a"] });
    expect(await evaluateExpression('lookup(var.m, "green", "7")', s)).toBe("7");
    expect(await evaluateExpression('lookup(var.m, "blue", "7")', s)).toBe("3");
    expect(await evaluateExpression("compact(var.list)", s)).toEqual(["a", "a"]);
    expect(await evaluateExpression('toset(["b", "a", "b"])', s)).toEqual(["b", "a"]);
    expect(await evaluateExpression('merge({ a = 1 }, { b = 2 }, { a = 3 })', s)).toEqual({ a: 3, b: 2 });
    expect(await evaluateExpression('format("%.2f", 2000)', s)).toBe("2000.00");
    expect(await evaluateExpression('format("%s-%d", "x", 4)', s)).toBe("x-4");
    expect(await evaluateExpression("length(var.list) + min(4, 2)", s)).toBe(6);
    expect(await evaluateExpression('contains(["a", "b"], "b")', s)).toBe(true);
  });
});

describe("evaluateRaw and resolveBody", () => {
  it("evaluates hcl2json strings: literals, single interpolations and templates", async () => {
    const s = scope({ env: "dev" });
    expect(await evaluateRaw("plain text", s)).toBe("plain text");
    expect(await evaluateRaw("${var.env}", s)).toBe("dev");
    expect(await evaluateRaw("noveli-${var.env}-api", s)).toBe("noveli-dev-api");
    expect(await evaluateRaw("noveli-${aws_x.y.id}", s)).toBeInstanceOf(Unknown);
  });

  it("expands dynamic blocks over known collections and marks unknown ones uncertain", async () => {
    const raw = {
      runtime: "nodejs22.x",
      count: 1,
      dynamic: {
        vpc_config: [{ for_each: "${var.enable_vpc ? [1] : []}", content: [{ subnet_ids: ["subnet-1"] }] }],
        dead_letter_config: [{ for_each: "${[aws_sqs_queue.dlq.arn]}", content: [{ target_arn: "${dead_letter_config.value}" }] }],
        statement: [{ for_each: "${var.unknown_list}", content: [{ actions: ["s3:GetObject"] }] }],
      },
    };
    const off = await resolveBody(raw, scope({ enable_vpc: false }));
    expect(off.vpc_config).toEqual([]);
    expect(off.count).toBeUndefined(); // meta-arguments are not configuration
    const on = await resolveBody(raw, scope({ enable_vpc: true }));
    expect(on.vpc_config).toEqual([{ subnet_ids: ["subnet-1"] }]);
    const dlq = (on.dead_letter_config as Record<string, Value>[])[0];
    expect((dlq?.target_arn as Reference).address).toBe("aws_sqs_queue.dlq.arn");
    const statements = on.statement as object[];
    expect(statements).toHaveLength(1);
    expect(isUncertain(statements[0] as object)).toBe(true);
  });
});
