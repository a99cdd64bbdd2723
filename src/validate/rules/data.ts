import { atResource, resourcesOfType, type RawFinding, type Rule } from "../rule.js";
import { Reference, describeValue, firstBlock, isSymbolic, isUncertain, type Value } from "../values.js";

/** Data protection: the story table and the keys that encrypt it. */

export const dynamodbPitr: Rule = {
  id: "NOV001",
  name: "dynamodb-pitr",
  severity: "error",
  title: "DynamoDB tables have point-in-time recovery on",
  help: "Without PITR a bad write or delete cannot be undone and `noveli dr-drill` has nothing to restore. Add `point_in_time_recovery { enabled = true }`.",
  check({ instances }) {
    const findings: RawFinding[] = [];
    for (const instance of instances) {
      for (const table of resourcesOfType(instance, "aws_dynamodb_table")) {
        const pitr = firstBlock(table.body, "point_in_time_recovery");
        const enabled = pitr?.enabled;
        if (enabled === true && !isUncertain(pitr as object)) continue;
        if (pitr === undefined) findings.push(atResource(table, instance, "error", "point-in-time recovery is off (no point_in_time_recovery block)"));
        else if (isSymbolic(enabled) || isUncertain(pitr)) {
          findings.push(atResource(table, instance, "warning", `cannot tell statically whether point-in-time recovery is on (${describeValue(enabled)})`));
        } else findings.push(atResource(table, instance, "error", "point-in-time recovery is off (point_in_time_recovery.enabled is not true)"));
      }
    }
    return findings;
  },
};

function isAwsManagedKey(value: Value | undefined): boolean {
  return typeof value === "string" && /(^|:)alias\/aws\//.test(value);
}

export const dynamodbCustomerKey: Rule = {
  id: "NOV002",
  name: "dynamodb-sse-cmk",
  severity: "error",
  title: "DynamoDB tables are encrypted with a customer managed KMS key",
  help: "The default AWS owned key gives no control over access or rotation and no audit trail. Add `server_side_encryption { enabled = true, kms_key_arn = aws_kms_key.<key>.arn }`.",
  check({ instances }) {
    const findings: RawFinding[] = [];
    for (const instance of instances) {
      for (const table of resourcesOfType(instance, "aws_dynamodb_table")) {
        const sse = firstBlock(table.body, "server_side_encryption");
        if (sse === undefined || sse.enabled === false) {
          findings.push(atResource(table, instance, "error", "encrypted with the AWS owned key, not a customer managed key (no server_side_encryption)"));
          continue;
        }
        const key = sse.kms_key_arn;
        if (isSymbolic(sse.enabled)) {
          findings.push(atResource(table, instance, "warning", `cannot tell statically whether server-side encryption is on (${describeValue(sse.enabled)})`));
        } else if (key === undefined || key === null || key === "") {
          findings.push(atResource(table, instance, "error", "server-side encryption uses the AWS managed key aws/dynamodb: set kms_key_arn to a customer managed key"));
        } else if (isAwsManagedKey(key)) {
          findings.push(atResource(table, instance, "error", `kms_key_arn ${describeValue(key)} is an AWS managed key, not a customer managed one`));
        } else if (key instanceof Reference && !key.refersTo("aws_kms_key") && !key.refersTo("aws_kms_replica_key") && !key.refersTo("data.aws_kms_key")) {
          findings.push(atResource(table, instance, "warning", `cannot tell statically whether ${key.address} is a customer managed key`));
        }
      }
    }
    return findings;
  },
};

export const kmsRotation: Rule = {
  id: "NOV003",
  name: "kms-rotation",
  severity: "error",
  title: "Customer managed KMS keys rotate their key material",
  help: "Set `enable_key_rotation = true` on every symmetric aws_kms_key.",
  check({ instances }) {
    const findings: RawFinding[] = [];
    for (const instance of instances) {
      for (const key of resourcesOfType(instance, "aws_kms_key")) {
        const spec = key.body.customer_master_key_spec ?? key.body.key_spec;
        if (typeof spec === "string" && spec !== "SYMMETRIC_DEFAULT") continue; // only symmetric keys can rotate
        const rotation = key.body.enable_key_rotation;
        if (rotation === true) continue;
        if (isSymbolic(rotation)) findings.push(atResource(key, instance, "warning", `cannot tell statically whether key rotation is on (${describeValue(rotation)})`));
        else findings.push(atResource(key, instance, "error", "key rotation is off (enable_key_rotation is not true)"));
      }
    }
    return findings;
  },
};
