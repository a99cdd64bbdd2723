import type { Instance, ResolvedResource } from "../instances.js";
import { atResource, resourcesOfType, type RawFinding, type Rule } from "../rule.js";
import { Reference, asList, blocks, isObject, policyDocument, type Value } from "../values.js";

/**
 * No wildcard actions on data: an identity policy (no principal) must name each action it allows
 * on a data service. Resource policies (with principals, like the KMS key policy) are out of scope.
 */

/** Services that hold or protect data: a wildcard action on them reads, changes or deletes it. */
export const DATA_SERVICES = new Set([
  "dynamodb",
  "dax",
  "s3",
  "s3-object-lambda",
  "kms",
  "secretsmanager",
  "ssm",
  "sqs",
  "sns",
  "kinesis",
  "firehose",
  "rds",
  "rds-data",
  "redshift",
  "redshift-data",
  "elasticfilesystem",
  "backup",
  "glue",
  "athena",
  "es",
  "aoss",
  "timestream",
  "neptune-db",
  "cassandra",
  "logs",
]);

/** Managed policies that grant every action on a data service (or on everything). */
const BROAD_MANAGED_POLICY = /:policy\/(AdministratorAccess|PowerUserAccess|Amazon(DynamoDB|S3|SQS|SNS|RDS|Kinesis)FullAccess|SecretsManagerReadWrite|AWSKeyManagementServicePowerUser)$/;

/** Pure: why an action is a wildcard on data, or undefined when it is not. */
export function dataWildcard(action: string): string | undefined {
  const normalized = action.trim().toLowerCase();
  if (normalized === "*" || normalized === "*:*") return `"${action}" allows every action on every service`;
  const [service, operation] = normalized.split(":");
  if (!service || operation === undefined || !/[*?]/.test(operation)) return undefined;
  if (DATA_SERVICES.has(service)) return `"${action}" is a wildcard on ${service} data`;
  return undefined;
}

interface Statement {
  effect: Value | undefined;
  actions: Value[];
  notActions: Value[];
  hasPrincipal: boolean;
}

const list = asList;

/** Statements of an aws_iam_policy_document data source. */
function documentStatements(document: ResolvedResource): Statement[] {
  return blocks(document.body, "statement").map((statement) => ({
    effect: statement.effect,
    actions: list(statement.actions),
    notActions: list(statement.not_actions),
    hasPrincipal: blocks(statement, "principals").length > 0 || blocks(statement, "not_principals").length > 0,
  }));
}

/** Statements of a JSON policy (jsonencode(...) or a JSON string). */
function jsonStatements(policy: Value | undefined): Statement[] | undefined {
  const document = policyDocument(policy);
  if (!document) return undefined;
  return list(document.Statement).flatMap((statement) =>
    isObject(statement)
      ? [
          {
            effect: statement.Effect,
            actions: list(statement.Action),
            notActions: list(statement.NotAction),
            hasPrincipal: statement.Principal !== undefined || statement.NotPrincipal !== undefined,
          },
        ]
      : [],
  );
}

function statementFindings(statements: Statement[], resource: ResolvedResource, instance: Instance): RawFinding[] {
  const findings: RawFinding[] = [];
  for (const statement of statements) {
    if (statement.effect === "Deny" || statement.hasPrincipal) continue;
    for (const action of statement.actions) {
      if (typeof action !== "string") continue;
      const why = dataWildcard(action);
      if (why) findings.push(atResource(resource, instance, "error", why));
    }
    if (statement.notActions.length > 0) {
      findings.push(atResource(resource, instance, "error", "an Allow statement with NotAction allows every other action, data included"));
    }
  }
  return findings;
}

const POLICY_RESOURCES = ["aws_iam_role_policy", "aws_iam_policy", "aws_iam_user_policy", "aws_iam_group_policy"];
const ATTACHMENTS = ["aws_iam_role_policy_attachment", "aws_iam_user_policy_attachment", "aws_iam_group_policy_attachment", "aws_iam_policy_attachment"];

export const iamDataWildcards: Rule = {
  id: "NOV007",
  name: "iam-data-wildcards",
  severity: "error",
  title: "IAM policies name the actions they allow on data (no wildcard actions)",
  help: "List the actions the code calls (dynamodb:GetItem, dynamodb:Query, ...) instead of dynamodb:*, s3:* or *; avoid FullAccess managed policies.",
  check({ instances }) {
    const findings: RawFinding[] = [];
    for (const instance of instances) {
      for (const document of resourcesOfType(instance, "aws_iam_policy_document", "data")) {
        findings.push(...statementFindings(documentStatements(document), document, instance));
      }
      for (const type of POLICY_RESOURCES) {
        for (const policy of resourcesOfType(instance, type)) {
          if (policy.body.policy instanceof Reference) continue; // a policy document: checked on its own
          findings.push(...statementFindings(jsonStatements(policy.body.policy) ?? [], policy, instance));
        }
      }
      for (const role of resourcesOfType(instance, "aws_iam_role")) {
        for (const inline of blocks(role.body, "inline_policy")) {
          if (!(inline.policy instanceof Reference)) findings.push(...statementFindings(jsonStatements(inline.policy) ?? [], role, instance));
        }
        for (const arn of list(role.body.managed_policy_arns)) {
          if (typeof arn === "string" && BROAD_MANAGED_POLICY.test(arn)) findings.push(atResource(role, instance, "error", `managed policy ${arn} allows wildcard actions on data`));
        }
      }
      for (const type of ATTACHMENTS) {
        for (const attachment of resourcesOfType(instance, type)) {
          const arn = attachment.body.policy_arn;
          if (typeof arn === "string" && BROAD_MANAGED_POLICY.test(arn)) {
            findings.push(atResource(attachment, instance, "error", `managed policy ${arn} allows wildcard actions on data`));
          }
        }
      }
    }
    return findings;
  },
};
