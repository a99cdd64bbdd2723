import { atResource, resourcesOfType, type RawFinding, type Rule } from "../rule.js";
import { Reference, describeValue, isSymbolic, type Value } from "../values.js";

/** Logs that expire, alarms that reach someone, alerts that stay private. */

export const logRetention: Rule = {
  id: "NOV010",
  name: "log-retention",
  severity: "error",
  title: "CloudWatch log groups have a retention",
  help: "Set `retention_in_days` (noveli: 7 in dev, 30 in staging, 365 in production); without it logs are kept, and billed, forever.",
  check({ instances }) {
    const findings: RawFinding[] = [];
    for (const instance of instances) {
      for (const group of resourcesOfType(instance, "aws_cloudwatch_log_group")) {
        const retention = group.body.retention_in_days;
        if (typeof retention === "number" && retention > 0) continue;
        if (isSymbolic(retention)) findings.push(atResource(group, instance, "warning", `cannot tell statically which retention is set (${describeValue(retention)})`));
        else findings.push(atResource(group, instance, "error", `logs never expire (retention_in_days = ${describeValue(retention)})`));
      }
    }
    return findings;
  },
};

function isSnsTarget(action: Value): boolean | undefined {
  if (action instanceof Reference) return action.refersTo("aws_sns_topic") || action.refersTo("data.aws_sns_topic");
  if (typeof action === "string") return /^arn:[^:]+:sns:/.test(action);
  return undefined;
}

export const alarmsNotifySns: Rule = {
  id: "NOV012",
  name: "alarm-sns",
  severity: "error",
  title: "Every CloudWatch alarm notifies an SNS topic",
  help: "Set `alarm_actions = [aws_sns_topic.<alerts>.arn]` (and ok_actions): an alarm that notifies nobody is noise on a dashboard.",
  check({ instances }) {
    const findings: RawFinding[] = [];
    for (const instance of instances) {
      for (const alarm of resourcesOfType(instance, "aws_cloudwatch_metric_alarm")) {
        if (alarm.body.actions_enabled === false) {
          findings.push(atResource(alarm, instance, "error", "actions are disabled (actions_enabled = false)"));
          continue;
        }
        const actions = alarm.body.alarm_actions;
        if (isSymbolic(actions)) {
          findings.push(atResource(alarm, instance, "warning", `cannot tell statically where the alarm goes (${describeValue(actions)})`));
          continue;
        }
        const list = Array.isArray(actions) ? actions : [];
        const verdicts = list.map(isSnsTarget);
        if (verdicts.includes(true)) continue;
        if (verdicts.includes(undefined)) findings.push(atResource(alarm, instance, "warning", `cannot tell statically whether ${describeValue(actions)} is an SNS topic`));
        else findings.push(atResource(alarm, instance, "error", list.length === 0 ? "notifies nobody (no alarm_actions)" : "no alarm action is an SNS topic"));
      }
    }
    return findings;
  },
};

export const snsEncrypted: Rule = {
  id: "NOV013",
  name: "sns-encryption",
  severity: "warning",
  title: "SNS topics are encrypted with a KMS key",
  help: "Set `kms_master_key_id` to the environment's key (its key policy must let CloudWatch, Budgets and Cost Anomaly Detection use it).",
  check({ instances }) {
    const findings: RawFinding[] = [];
    for (const instance of instances) {
      for (const topic of resourcesOfType(instance, "aws_sns_topic")) {
        const key = topic.body.kms_master_key_id;
        if (key === undefined || key === null || key === "") findings.push(atResource(topic, instance, "warning", "messages are not encrypted at rest (no kms_master_key_id)"));
      }
    }
    return findings;
  },
};
