import type { Instance, ResolvedResource } from "../instances.js";
import { atEnvironmentInput, resourcesOfType, type RawFinding, type Rule } from "../rule.js";
import { blocks, isUncertain } from "../values.js";

/** Edge and network protection where real users are: staging and production. */

export const PROTECTED_ENVIRONMENTS = ["staging", "production"];

function protectedInstances(instances: readonly Instance[]): Instance[] {
  return instances.filter((instance) => instance.environment !== null && PROTECTED_ENVIRONMENTS.includes(instance.environment));
}

/** Where an environment-level finding about the API goes: the first stage, or the REST API. */
function apiAnchor(instance: Instance): ResolvedResource | undefined {
  return resourcesOfType(instance, "aws_api_gateway_stage")[0] ?? resourcesOfType(instance, "aws_api_gateway_rest_api")[0];
}

export const wafOnApi: Rule = {
  id: "NOV008",
  name: "waf-enabled",
  severity: "error",
  title: "In staging and production, a WAF web ACL protects the API stages",
  help: "Set `enable_waf = true` in the environment: a regional WAFv2 web ACL (rate limit, AWS managed common rules) associated with the stages.",
  check({ instances }) {
    const findings: RawFinding[] = [];
    for (const instance of protectedInstances(instances)) {
      const anchor = apiAnchor(instance);
      if (!anchor) continue; // no API in this environment
      const acls = resourcesOfType(instance, "aws_wafv2_web_acl").filter((acl) => acl.body.scope !== "CLOUDFRONT");
      const associations = resourcesOfType(instance, "aws_wafv2_web_acl_association");
      if (acls.length === 0 || associations.length === 0) {
        const missing = acls.length === 0 ? "no WAF web ACL" : "a WAF web ACL that is associated with nothing";
        findings.push(atEnvironmentInput(anchor, instance, "error", `${missing} protects the API in ${instance.environment}`, "enable_waf"));
      } else if ([...acls, ...associations].every((r) => r.presence === "conditional")) {
        findings.push(atEnvironmentInput(anchor, instance, "warning", `cannot tell statically whether WAF is on in ${instance.environment}`, "enable_waf"));
      }
    }
    return findings;
  },
};

export const lambdaInVpc: Rule = {
  id: "NOV009",
  name: "vpc-enabled",
  severity: "error",
  title: "In staging and production, Lambda functions run in private VPC subnets",
  help: "Set `enable_vpc = true` in the environment: the function gets vpc_config with private subnets and an egress-only security group.",
  check({ instances }) {
    const findings: RawFinding[] = [];
    for (const instance of protectedInstances(instances)) {
      for (const fn of resourcesOfType(instance, "aws_lambda_function")) {
        const configs = blocks(fn.body, "vpc_config");
        const subnets = configs.map((config) => config.subnet_ids);
        if (configs.length === 0 || subnets.every((ids) => Array.isArray(ids) && ids.length === 0)) {
          findings.push(atEnvironmentInput(fn, instance, "error", `runs outside a VPC in ${instance.environment} (no vpc_config)`, "enable_vpc"));
        } else if (configs.every((config) => isUncertain(config))) {
          findings.push(atEnvironmentInput(fn, instance, "warning", `cannot tell statically whether it runs in a VPC in ${instance.environment}`, "enable_vpc"));
        }
      }
    }
    return findings;
  },
};
