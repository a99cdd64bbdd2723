import { EventBridgeClient, ListTargetsByRuleCommand, PutTargetsCommand, type Target } from "@aws-sdk/client-eventbridge";

export { EventBridgeClient };
export type { Target };

/** Pure: a Lambda ARN with its qualifier (alias) replaced. */
export function withQualifier(functionArn: string, qualifier: string): string {
  const parts = functionArn.split(":");
  // arn:aws:lambda:region:account:function:name[:qualifier]
  if (parts.length < 7 || parts[2] !== "lambda" || parts[5] !== "function") throw new Error(`not a Lambda function ARN: ${functionArn}`);
  return [...parts.slice(0, 7), qualifier].join(":");
}

/** A rule's targets (ListTargetsByRule). */
export async function listRuleTargets(client: EventBridgeClient, ruleName: string, signal?: AbortSignal): Promise<Target[]> {
  const listed = await client.send(new ListTargetsByRuleCommand({ Rule: ruleName }), signal ? { abortSignal: signal } : {});
  return listed.Targets ?? [];
}

/** The ARN a rule's target delivers to, or undefined when the rule has no such target. */
export async function getRuleTargetArn(client: EventBridgeClient, ruleName: string, targetId: string, signal?: AbortSignal): Promise<string | undefined> {
  return (await listRuleTargets(client, ruleName, signal)).find((t) => t.Id === targetId)?.Arn;
}

/**
 * Points an EventBridge rule's target at another alias of the same function, keeping every other
 * setting of the target (retry policy, dead-letter queue, input transformation).
 * Returns the alias it pointed at before, or undefined when it already pointed at `alias`.
 */
export async function retargetRuleToAlias(
  client: EventBridgeClient,
  ruleName: string,
  targetId: string,
  alias: string,
  /** Must pass before the write (a lease's fence); it runs while the targets are read, not after. */
  beforeWrite: () => Promise<void>,
  /** The rule's targets, when the caller started reading them sooner (under the same lease). */
  targets: Promise<Target[]> = listRuleTargets(client, ruleName),
): Promise<{ before: string; after: string } | undefined> {
  const [listed] = await Promise.all([targets, beforeWrite()]);
  const target = listed.find((t) => t.Id === targetId);
  if (!target?.Arn) throw new Error(`EventBridge rule ${ruleName} has no target ${targetId}`);
  const next = withQualifier(target.Arn, alias);
  if (next === target.Arn) return undefined;
  const result = await client.send(new PutTargetsCommand({ Rule: ruleName, Targets: [{ ...target, Arn: next }] }));
  if ((result.FailedEntryCount ?? 0) > 0) {
    throw new Error(`PutTargets on ${ruleName} failed: ${result.FailedEntries?.map((e) => e.ErrorMessage).join("; ")}`);
  }
  return { before: target.Arn, after: next };
}
