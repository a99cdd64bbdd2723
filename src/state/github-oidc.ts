/**
 * Pure: the GitHub OIDC deploy role `noveli bootstrap --github-oidc <owner/repo>` makes: the
 * account's OIDC provider for GitHub Actions, and a role that only that repository's workflows
 * can assume, with the permissions noveli's commands need. The executor lives in bootstrap.ts.
 */

export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";
export const GITHUB_OIDC_URL = `https://${GITHUB_OIDC_HOST}`;
export const GITHUB_OIDC_AUDIENCE = "sts.amazonaws.com";
export const DEPLOY_ROLE_NAME = "noveli-github-deploy";
export const DEPLOY_POLICY_NAME = "noveli-commands";

const REPOSITORY = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/;

/** Pure: `owner/repo` as GitHub spells it, or undefined when it is not one. */
export function parseRepository(raw: string): string | undefined {
  const text = raw.trim();
  return REPOSITORY.test(text) && !text.endsWith(".git") ? text : undefined;
}

export function oidcProviderArn(partition: string, accountId: string): string {
  return `arn:${partition}:iam::${accountId}:oidc-provider/${GITHUB_OIDC_HOST}`;
}

/** The trust policy: web identity from GitHub's provider, audience STS, subject this repository only. */
export function trustPolicy(providerArn: string, repository: string): object {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Federated: providerArn },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: { [`${GITHUB_OIDC_HOST}:aud`]: GITHUB_OIDC_AUDIENCE },
          StringLike: { [`${GITHUB_OIDC_HOST}:sub`]: `repo:${repository}:*` },
        },
      },
    ],
  };
}

/**
 * What noveli's commands call (README, "IAM permissions"): the account's state bucket and
 * operations table, and the services the Terraform module manages, on `noveli-*` names where the
 * service allows scoping by name.
 */
export function deployPolicy(input: { partition: string; accountId: string; region: string; bucket: string; table: string }): object {
  const { partition: p, accountId: a, bucket, table } = input;
  const named = (service: string, type: string) => `arn:${p}:${service}:*:${a}:${type}noveli-*`;
  return {
    Version: "2012-10-17",
    Statement: [
      { Sid: "Identity", Effect: "Allow", Action: "sts:GetCallerIdentity", Resource: "*" },
      { Sid: "StateBucket", Effect: "Allow", Action: ["s3:ListBucket", "s3:GetBucketVersioning", "s3:GetEncryptionConfiguration", "s3:GetBucketPublicAccessBlock", "s3:GetBucketPolicy", "s3:GetLifecycleConfiguration"], Resource: `arn:${p}:s3:::${bucket}` },
      { Sid: "StateObjects", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], Resource: `arn:${p}:s3:::${bucket}/noveli/*` },
      {
        Sid: "OperationsTable",
        Effect: "Allow",
        Action: ["dynamodb:DescribeTable", "dynamodb:DescribeContinuousBackups", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query"],
        Resource: `arn:${p}:dynamodb:*:${a}:table/${table}`,
      },
      { Sid: "StoryTablesAndDrills", Effect: "Allow", Action: "dynamodb:*", Resource: [named("dynamodb", "table/"), `${named("dynamodb", "table/")}/*`] },
      { Sid: "DrillListing", Effect: "Allow", Action: ["dynamodb:ListTables", "dynamodb:ListBackups"], Resource: "*" },
      { Sid: "Functions", Effect: "Allow", Action: "lambda:*", Resource: [named("lambda", "function:"), `${named("lambda", "function:")}:*`] },
      { Sid: "Roles", Effect: "Allow", Action: ["iam:*Role*", "iam:*RolePolicy*", "iam:*Policy*", "iam:PassRole", "iam:TagRole", "iam:UntagRole"], Resource: [`arn:${p}:iam::${a}:role/noveli-*`, `arn:${p}:iam::${a}:policy/noveli-*`] },
      { Sid: "Secrets", Effect: "Allow", Action: "secretsmanager:*", Resource: named("secretsmanager", "secret:") },
      { Sid: "Topics", Effect: "Allow", Action: "sns:*", Resource: named("sns", "") },
      { Sid: "Queues", Effect: "Allow", Action: "sqs:*", Resource: named("sqs", "") },
      {
        Sid: "ServicesWithoutNameScoping",
        Effect: "Allow",
        Action: ["apigateway:*", "cloudwatch:*", "logs:*", "events:*", "kms:*", "wafv2:*", "ec2:*", "application-autoscaling:*", "route53:*", "budgets:*", "ce:*", "xray:*"],
        Resource: "*",
      },
    ],
  };
}

/** Pure: whether two policy documents say the same (JSON, key order aside). */
export function samePolicy(a: string | object | undefined, b: object): boolean {
  if (a === undefined) return false;
  const parse = (v: string | object): unknown => (typeof v === "string" ? JSON.parse(decodeURIComponent(v)) : v);
  const canonical = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(canonical) : v && typeof v === "object" ? Object.fromEntries(Object.entries(v).sort(([x], [y]) => x.localeCompare(y)).map(([k, x]) => [k, canonical(x)])) : v;
  try {
    return JSON.stringify(canonical(parse(a))) === JSON.stringify(canonical(b));
  } catch {
    return false;
  }
}
