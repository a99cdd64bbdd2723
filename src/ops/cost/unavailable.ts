import { errorMessage } from "../../errors.js";

/**
 * Pure: why a section of the report could not be produced, in one line. A failing section is
 * listed with its reason and the rest of the report still prints; it is never filled with a
 * made-up figure.
 */

export type ReportSection = "spend" | "forecast" | "budgets" | "anomalies" | "ai" | "budget-gate";

export interface Unavailable {
  section: ReportSection;
  reason: string;
  /** The emulator does not implement what the section needs: expected there, not a fault. */
  emulatorGap?: boolean;
}

/** The wording for a section an emulator is known not to implement. */
export const EMULATOR_GAP = "not available on the emulator";

interface AwsErrorShape {
  name?: string;
  message?: string;
  code?: string;
  $fault?: string;
  $metadata?: { httpStatusCode?: number; attempts?: number };
}

/** Errors that mean "no credentials at all": every section would fail, so the command stops. */
export function isCredentialsError(error: unknown): boolean {
  const name = (error as AwsErrorShape | null)?.name ?? "";
  return name === "CredentialsProviderError" || name === "ExpiredTokenException" || name === "ExpiredToken" || name === "InvalidClientTokenId" || name === "UnrecognizedClientException";
}

/**
 * @param action the IAM action the section needs, e.g. "ce:GetCostForecast"
 * @param emulator whether the target is an emulator (moto, LocalStack), where a 5xx without an
 *   AWS error body or a 404 means the endpoint does not implement the operation
 */
export function unavailableReason(error: unknown, action: string, emulator: boolean): string {
  const e = (error ?? {}) as AwsErrorShape;
  const name = e.name ?? "Error";
  const message = errorMessage(error).replace(/\s+/g, " ").trim();
  const status = e.$metadata?.httpStatusCode;
  const lower = message.toLowerCase();

  if (lower.includes("not enabled for cost explorer") || name === "OptInRequiredException") {
    return "Cost Explorer is not enabled for this account (enable it in the Billing console; data appears within 24 hours)";
  }
  if (name === "AccessDeniedException" || name === "AccessDenied" || name === "UnauthorizedOperation" || name === "AccessDeniedError" || status === 403) {
    return `access denied: the caller needs ${action}`;
  }
  if (name === "DataUnavailableException") return `no data: ${message}`;
  if (name === "LimitExceededException" || name === "ThrottlingException" || name === "Throttling") return `throttled by AWS after retries: ${message}`;
  if (name === "ValidationException" || name === "InvalidParameterValue" || name === "InvalidParameterCombination") return `request rejected: ${message}`;
  if (name === "UnknownOperationException" || name === "InvalidAction" || name === "NotImplemented" || status === 501) {
    return `not implemented by the endpoint (${action})`;
  }
  const undecodable = name === "SyntaxError" || lower.includes("deserialization error");
  if (emulator && status !== undefined && (status === 404 || (status >= 500 && undecodable))) {
    return `not implemented by the endpoint: ${action} answered HTTP ${status} without an AWS error`;
  }
  if (status !== undefined && status >= 500) return `AWS answered HTTP ${status}${e.$metadata?.attempts ? ` after ${e.$metadata.attempts} attempts` : ""}: ${undecodable ? "an unreadable error page" : message}`;
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === "ECONNREFUSED" || code === "ENOTFOUND" || code === "ETIMEDOUT" || code === "ECONNRESET") return `endpoint unreachable (${code})`;
  return `${name}: ${message}`;
}
