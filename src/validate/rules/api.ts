import type { Instance, ResolvedResource } from "../instances.js";
import { atAttribute, atEnvironmentInput, atResource, resourcesOfType, type RawFinding, type Rule } from "../rule.js";
import { Reference, asList, blocks, describeValue, isObject, isSymbolic, policyDocument, type Value, type ValueObject } from "../values.js";
import { PROTECTED_ENVIRONMENTS } from "./network.js";

/** Who may reach the API and its function, and what they leave behind in the logs. */

/** The first line of the resource's block matching `pattern`, else the block's own line. */
function lineMatching(resource: ResolvedResource, pattern: RegExp): number {
  const lines = resource.file.text.split("\n");
  for (let i = resource.line; i < lines.length; i += 1) {
    const line = lines[i] as string;
    if (line.startsWith("}")) break;
    if (pattern.test(line)) return i + 1;
  }
  return resource.line;
}

const referenced = (value: Value | undefined): string | undefined => (value instanceof Reference ? value.resourceAddress : undefined);

/** The integration of a method: the one naming the method itself, or the same resource and HTTP method. */
function integrationOf(method: ResolvedResource, integrations: ResolvedResource[]): ResolvedResource | undefined {
  return integrations.find((integration) => {
    if (referenced(integration.body.http_method) === method.address) return true;
    const sameResource = referenced(integration.body.resource_id) !== undefined && referenced(integration.body.resource_id) === referenced(method.body.resource_id);
    return sameResource && typeof integration.body.http_method === "string" && integration.body.http_method === method.body.http_method;
  });
}

/** Whether an integration invokes a Lambda function: REST API's AWS_PROXY is Lambda proxy; AWS with a Lambda URI. */
function reachesFunction(integration: ResolvedResource): boolean {
  const { type, uri } = integration.body;
  if (type === "AWS_PROXY") return true;
  if (type !== "AWS") return false;
  if (typeof uri === "string") return uri.includes(":lambda:path/");
  return uri instanceof Reference && (uri.refersTo("aws_lambda_function") || uri.refersTo("aws_lambda_alias"));
}

/** Whether a method is the open health route: GET (or HEAD) on a resource whose path part is `health`. */
function isHealthRoute(method: ResolvedResource, instance: Instance): boolean {
  if (method.body.http_method !== "GET" && method.body.http_method !== "HEAD") return false;
  const target = referenced(method.body.resource_id);
  const resource = resourcesOfType(instance, "aws_api_gateway_resource").find((r) => r.address === target);
  return resource?.body.path_part === "health";
}

export const apiMethodAuthorization: Rule = {
  id: "NOV017",
  name: "api-method-authorization",
  severity: "error",
  title: "API methods that reach a Lambda function require authorization (GET /health aside)",
  help: "Give the method the user pool authorizer (authorization COGNITO_USER_POOLS, or AWS_IAM / CUSTOM); only the health route may stay open.",
  check({ instances }) {
    const findings: RawFinding[] = [];
    for (const instance of instances) {
      const integrations = resourcesOfType(instance, "aws_api_gateway_integration");
      for (const method of resourcesOfType(instance, "aws_api_gateway_method")) {
        const authorization = method.body.authorization;
        if (isSymbolic(authorization)) {
          findings.push(atAttribute(method, instance, "warning", `cannot tell statically which authorization it requires (${describeValue(authorization)})`, "authorization"));
          continue;
        }
        if (typeof authorization !== "string" || authorization.toUpperCase() !== "NONE") continue;
        const integration = integrationOf(method, integrations);
        if (!integration || !reachesFunction(integration) || isHealthRoute(method, instance)) continue;
        findings.push(atAttribute(method, instance, "error", `anyone can invoke the function through ${describeValue(method.body.http_method)}: its authorization is NONE`, "authorization"));
      }
    }
    return findings;
  },
};

/** Condition keys that tie a grant to one source (the confused-deputy guard). */
const SOURCE_CONDITION_KEYS = /^aws:(SourceArn|SourceAccount|SourceVpce|SourceVpc|SourceIp|PrincipalOrgID|PrincipalAccount|PrincipalArn|SourceOrgID)$/i;

const list = asList;

/** Whether a JSON policy's Principal is everyone: "*" or { AWS: "*" }. */
function jsonPrincipalIsEveryone(principal: Value | undefined): boolean {
  if (principal === "*") return true;
  if (!isObject(principal)) return false;
  return Object.values(principal).some((ids) => list(ids).includes("*"));
}

function jsonConditionNamesSource(condition: Value | undefined): boolean {
  if (!isObject(condition)) return false;
  return Object.values(condition).some((operator) => isObject(operator) && Object.keys(operator).some((key) => SOURCE_CONDITION_KEYS.test(key)));
}

/** Allow statements granting everyone with no source condition, in a JSON policy. */
function openJsonStatements(policy: Value | undefined): number {
  const document = policyDocument(policy);
  if (!document) return 0;
  return list(document.Statement).filter(
    (statement) => isObject(statement) && statement.Effect !== "Deny" && jsonPrincipalIsEveryone(statement.Principal) && !jsonConditionNamesSource(statement.Condition),
  ).length;
}

/** Allow statements of a policy document granting everyone with no source condition. */
function openDocumentStatements(document: ResolvedResource): ValueObject[] {
  return blocks(document.body, "statement").filter((statement) => {
    if (statement.effect === "Deny") return false;
    const everyone = blocks(statement, "principals").some((p) => p.type === "*" || list(p.identifiers).includes("*"));
    const sourced = blocks(statement, "condition").some((c) => typeof c.variable === "string" && SOURCE_CONDITION_KEYS.test(c.variable));
    return everyone && !sourced;
  });
}

/** Resource policies: the resource type and its policy attribute. */
const RESOURCE_POLICIES: ReadonlyArray<[string, string]> = [
  ["aws_api_gateway_rest_api_policy", "policy"],
  ["aws_api_gateway_rest_api", "policy"],
  ["aws_sqs_queue_policy", "policy"],
  ["aws_sns_topic_policy", "policy"],
  ["aws_secretsmanager_secret_policy", "policy"],
  ["aws_s3_bucket_policy", "policy"],
  ["aws_kms_key", "policy"],
  ["aws_cloudwatch_event_bus_policy", "policy"],
];

export const openPrincipal: Rule = {
  id: "NOV018",
  name: "open-principal",
  severity: "error",
  title: "No resource policy or Lambda permission grants principal * without a source condition",
  help: "Name the service or account as principal and bind it to its source: `source_arn` on aws_lambda_permission, an aws:SourceArn / aws:SourceAccount condition in a resource policy.",
  check({ instances }) {
    const findings: RawFinding[] = [];
    for (const instance of instances) {
      for (const permission of resourcesOfType(instance, "aws_lambda_permission")) {
        if (permission.body.principal !== "*") continue;
        const bound = ["source_arn", "source_account", "principal_org_id"].some((key) => permission.body[key] !== undefined && permission.body[key] !== null && permission.body[key] !== "");
        if (!bound) findings.push(atAttribute(permission, instance, "error", "anyone may invoke the function (principal = \"*\", no source_arn, source_account or principal_org_id)", "principal"));
      }
      for (const document of resourcesOfType(instance, "aws_iam_policy_document", "data")) {
        const open = openDocumentStatements(document);
        // Only documents that serve as resource policies carry principals; point at the wildcard.
        if (open.length > 0) {
          findings.push({
            ...atResource(document, instance, "error", `${open.length} Allow statement(s) grant principal "*" with no source condition`),
            line: lineMatching(document, /^\s*(identifiers\s*=.*"\*"|type\s*=\s*"\*")/),
          });
        }
      }
      for (const [type, attribute] of RESOURCE_POLICIES) {
        for (const resource of resourcesOfType(instance, type)) {
          const policy = resource.body[attribute];
          if (policy instanceof Reference || policy === undefined) continue; // a policy document: checked on its own
          const open = openJsonStatements(policy);
          if (open > 0) findings.push(atAttribute(resource, instance, "error", `its policy has ${open} Allow statement(s) granting principal "*" with no source condition`, attribute));
        }
      }
    }
    return findings;
  },
};

export const stageAccessLogs: Rule = {
  id: "NOV019",
  name: "api-access-logs",
  severity: "error",
  title: "API Gateway stages write access logs",
  help: "Add an `access_log_settings` block with a log group (`destination_arn`) and a JSON `format` naming the request id, user, status, latency and stage.",
  check({ instances }) {
    const findings: RawFinding[] = [];
    for (const instance of instances) {
      for (const type of ["aws_api_gateway_stage", "aws_apigatewayv2_stage"]) {
        for (const stage of resourcesOfType(instance, type)) {
          const settings = blocks(stage.body, "access_log_settings");
          if (settings.length === 0) {
            findings.push(atResource(stage, instance, "error", "writes no access logs (no access_log_settings block)"));
            continue;
          }
          const destination = settings[0]?.destination_arn;
          if (destination === undefined || destination === null || destination === "") {
            findings.push(atAttribute(stage, instance, "error", "access_log_settings names no log group (destination_arn)", settings[0]?.destination_arn === undefined ? "access_log_settings" : "destination_arn"));
          } else if (settings[0]?.format === undefined || settings[0]?.format === "") {
            findings.push(atAttribute(stage, instance, "error", "access_log_settings has no format", "destination_arn"));
          }
        }
      }
    }
    return findings;
  },
};

export const wafLogging: Rule = {
  id: "NOV020",
  name: "waf-logging",
  severity: "error",
  title: "In staging and production, every WAF web ACL has logging",
  help: "Set `enable_waf_logging = true` in the environment: an aws_wafv2_web_acl_logging_configuration to an aws-waf-logs- log group (Authorization header redacted).",
  check({ instances }) {
    const findings: RawFinding[] = [];
    for (const instance of instances) {
      if (instance.environment === null || !PROTECTED_ENVIRONMENTS.includes(instance.environment)) continue;
      const logging = resourcesOfType(instance, "aws_wafv2_web_acl_logging_configuration");
      for (const acl of resourcesOfType(instance, "aws_wafv2_web_acl")) {
        const configured = logging.filter((config) => referenced(config.body.resource_arn) === acl.address);
        if (configured.length === 0) {
          findings.push(atEnvironmentInput(acl, instance, "error", `logs nothing in ${instance.environment} (no aws_wafv2_web_acl_logging_configuration)`, "enable_waf_logging"));
        } else if (configured.every((config) => config.presence === "conditional")) {
          findings.push(atEnvironmentInput(acl, instance, "warning", `cannot tell statically whether WAF logging is on in ${instance.environment}`, "enable_waf_logging"));
        }
      }
    }
    return findings;
  },
};
