import { atEnvironmentInput, atResource, resourcesOfType, type RawFinding, type Rule } from "../rule.js";
import { runtimeStatus } from "../runtimes.js";
import type { Instance, ResolvedResource } from "../instances.js";
import { Reference, blocks, describeValue, firstBlock, isSymbolic, type Value } from "../values.js";

/** The story generator: tracing, failure handling, runtime, logs and production capacity. */

export const lambdaTracing: Rule = {
  id: "NOV004",
  name: "lambda-tracing",
  severity: "error",
  title: "Lambda functions have active X-Ray tracing",
  help: "Add `tracing_config { mode = \"Active\" }` so every invocation is traced end to end.",
  check({ instances }) {
    const findings: RawFinding[] = [];
    for (const instance of instances) {
      for (const fn of resourcesOfType(instance, "aws_lambda_function")) {
        const mode = firstBlock(fn.body, "tracing_config")?.mode;
        if (mode === "Active") continue;
        if (isSymbolic(mode)) findings.push(atResource(fn, instance, "warning", `cannot tell statically whether tracing is active (${describeValue(mode)})`));
        else findings.push(atResource(fn, instance, "error", mode === undefined ? "X-Ray tracing is off (no tracing_config)" : `X-Ray tracing mode is ${describeValue(mode)}, not Active`));
      }
    }
    return findings;
  },
};

/** Whether a reference or name points at this function. */
function targetsFunction(value: Value | undefined, fn: ResolvedResource): boolean {
  if (value instanceof Reference) return value.resourceAddress === fn.address;
  return typeof value === "string" && value !== "" && value === fn.body.function_name;
}

export const lambdaDeadLetterQueue: Rule = {
  id: "NOV005",
  name: "lambda-dlq",
  severity: "error",
  title: "Lambda functions keep failed asynchronous invocations (dead-letter queue or on-failure destination)",
  help: "Add `dead_letter_config { target_arn = aws_sqs_queue.<dlq>.arn }`, or an aws_lambda_function_event_invoke_config with an on_failure destination.",
  check({ instances }) {
    const findings: RawFinding[] = [];
    for (const instance of instances) {
      const invokeConfigs = resourcesOfType(instance, "aws_lambda_function_event_invoke_config");
      for (const fn of resourcesOfType(instance, "aws_lambda_function")) {
        const dlq = blocks(fn.body, "dead_letter_config").find((block) => block.target_arn !== undefined && block.target_arn !== null && block.target_arn !== "");
        if (dlq) continue;
        const destination = invokeConfigs.some(
          (config) =>
            targetsFunction(config.body.function_name, fn) &&
            blocks(config.body, "destination_config").some((d) => blocks(d, "on_failure").some((f) => f.destination !== undefined && f.destination !== null)),
        );
        if (destination) continue;
        findings.push(atResource(fn, instance, "error", "no dead-letter queue: failed asynchronous invocations (EventBridge) are dropped"));
      }
    }
    return findings;
  },
};

export const lambdaRuntime: Rule = {
  id: "NOV006",
  name: "lambda-runtime",
  severity: "error",
  title: "Lambda functions use a runtime that AWS still supports",
  help: "Move to a supported runtime (nodejs22.x or newer for Node.js). Past end of support AWS stops patching the runtime and then blocks updates.",
  check({ instances, today }) {
    const findings: RawFinding[] = [];
    for (const instance of instances) {
      for (const fn of resourcesOfType(instance, "aws_lambda_function")) {
        if (fn.body.package_type === "Image") continue;
        const runtime = fn.body.runtime;
        if (typeof runtime !== "string") {
          findings.push(atResource(fn, instance, "warning", `cannot tell statically which runtime is used (${describeValue(runtime)})`));
          continue;
        }
        const status = runtimeStatus(runtime, today);
        if (status.kind === "unsupported") findings.push(atResource(fn, instance, "error", `runtime ${runtime} reached end of support on ${status.endOfSupport}`));
        else if (status.kind === "ending") {
          findings.push(atResource(fn, instance, "warning", `runtime ${runtime} reaches end of support on ${status.endOfSupport} (in ${status.daysLeft} days)`));
        } else if (status.kind === "unknown") findings.push(atResource(fn, instance, "warning", `runtime ${runtime} is not in noveli's runtime table`));
      }
    }
    return findings;
  },
};

export const lambdaLogGroup: Rule = {
  id: "NOV011",
  name: "lambda-log-group",
  severity: "warning",
  title: "Each Lambda function's log group is managed by Terraform",
  help: "Declare `aws_cloudwatch_log_group` named /aws/lambda/<function_name> (with a retention) before the function; otherwise Lambda creates it itself and keeps the logs forever.",
  check({ instances }) {
    const findings: RawFinding[] = [];
    for (const instance of instances) {
      const groups = resourcesOfType(instance, "aws_cloudwatch_log_group");
      for (const fn of resourcesOfType(instance, "aws_lambda_function")) {
        const name = fn.body.function_name;
        const custom = firstBlock(fn.body, "logging_config")?.log_group;
        if (custom !== undefined && custom !== null) {
          if (custom instanceof Reference && custom.refersTo("aws_cloudwatch_log_group")) continue;
          if (groups.some((group) => group.body.name === custom)) continue;
        }
        if (typeof name !== "string") continue; // a name Terraform computes cannot be matched statically
        if (groups.some((group) => group.body.name === `/aws/lambda/${name}`)) continue;
        findings.push(atResource(fn, instance, "warning", "no aws_cloudwatch_log_group named /aws/lambda/<function_name>: Lambda creates it without a retention"));
      }
    }
    return findings;
  },
};

function positive(value: Value | undefined): boolean | undefined {
  if (typeof value === "number") return value > 0;
  if (isSymbolic(value)) return undefined;
  return false;
}

function provisionedFor(instance: Instance, fn: ResolvedResource): ResolvedResource[] {
  return resourcesOfType(instance, "aws_lambda_provisioned_concurrency_config").filter((config) => targetsFunction(config.body.function_name, fn));
}

export const productionConcurrency: Rule = {
  id: "NOV014",
  name: "production-concurrency",
  severity: "error",
  title: "In production, Lambda functions have reserved and provisioned concurrency",
  help: "Production sets `lambda_reserved_concurrency` (a guaranteed share and a cost ceiling) and `provisioned_concurrency` (warm instances for both colors, scaled by Application Auto Scaling).",
  check({ instances }) {
    const findings: RawFinding[] = [];
    for (const instance of instances) {
      if (instance.environment !== "production") continue;
      for (const fn of resourcesOfType(instance, "aws_lambda_function")) {
        const reserved = fn.body.reserved_concurrent_executions;
        const reservedOk = positive(reserved);
        if (reservedOk === false) {
          findings.push(atEnvironmentInput(fn, instance, "error", `no reserved concurrency in production (reserved_concurrent_executions = ${describeValue(reserved)})`, "lambda_reserved_concurrency"));
        } else if (reservedOk === undefined) {
          findings.push(atEnvironmentInput(fn, instance, "warning", `cannot tell statically whether reserved concurrency is set (${describeValue(reserved)})`, "lambda_reserved_concurrency"));
        }
        const provisioned = provisionedFor(instance, fn);
        if (provisioned.length === 0) {
          findings.push(atEnvironmentInput(fn, instance, "error", "no provisioned concurrency in production: every scale-out and traffic switch starts cold", "provisioned_concurrency"));
          continue;
        }
        for (const config of provisioned) {
          const units = config.body.provisioned_concurrent_executions;
          const ok = positive(units);
          if (ok === false) findings.push(atEnvironmentInput(fn, instance, "error", `provisioned concurrency of ${config.address} is ${describeValue(units)}`, "provisioned_concurrency"));
          else if (ok === undefined || config.presence === "conditional") {
            findings.push(atEnvironmentInput(fn, instance, "warning", `cannot tell statically whether ${config.address} provisions any concurrency`, "provisioned_concurrency"));
          }
        }
      }
    }
    return findings;
  },
};
