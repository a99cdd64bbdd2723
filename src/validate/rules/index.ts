import type { Rule } from "../rule.js";
import { apiMethodAuthorization, openPrincipal, stageAccessLogs, wafLogging } from "./api.js";
import { dynamodbCustomerKey, dynamodbPitr, kmsRotation } from "./data.js";
import { iamDataWildcards } from "./iam.js";
import { lambdaDeadLetterQueue, lambdaLogGroup, lambdaRuntime, lambdaTracing, productionConcurrency } from "./lambda.js";
import { lambdaInVpc, wafOnApi } from "./network.js";
import { alarmsNotifySns, logRetention, snsEncrypted } from "./observability.js";
import { defaultTags, stateBackend } from "./state.js";

/** Every rule, in id order. Ids are stable: a retired rule's id is never reused. */
export const RULES: readonly Rule[] = [
  dynamodbPitr,
  dynamodbCustomerKey,
  kmsRotation,
  lambdaTracing,
  lambdaDeadLetterQueue,
  lambdaRuntime,
  iamDataWildcards,
  wafOnApi,
  lambdaInVpc,
  logRetention,
  lambdaLogGroup,
  alarmsNotifySns,
  snsEncrypted,
  productionConcurrency,
  stateBackend,
  defaultTags,
  apiMethodAuthorization,
  openPrincipal,
  stageAccessLogs,
  wafLogging,
];
