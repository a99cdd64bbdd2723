import type { HistoryRecord } from "../../state/history.js";
import type { Color } from "../../core/color.js";
import type { ProbeResponse } from "./probe.js";

/**
 * Pure judgement of one color's health from the evidence the probes gathered: consecutive
 * successful `GET /health`, latency p50/p95 against a threshold, and whether the color reports the
 * release and code that deploy recorded for it. No I/O here; `run.ts` gathers, this decides.
 */

/** What `GET /health` answers (the story-generator handler's identity). */
export interface HealthBody {
  status?: string;
  color?: string;
  version?: string;
  /** The published Lambda version that answered (the runtime's AWS_LAMBDA_FUNCTION_VERSION). */
  functionVersion?: string | null;
  [key: string]: unknown;
}

/** What the color should report: from deploy's record for it, else from the Lambda itself. */
export interface Expectation {
  source: "deploy-record" | "lambda-configuration";
  /** When the deploy was recorded (deploy-record only). */
  recordedAt?: string;
  /** Release label (APP_VERSION). */
  version: string | null;
  /** base64 SHA-256 of the deployed zip, as Lambda reports CodeSha256. */
  codeSha256: string | null;
  /** The published Lambda version deploy pointed the alias at. */
  lambdaVersion: string | null;
}

/** What the Lambda API says about the color's alias right now. */
export interface LambdaFacts {
  aliasVersion: string;
  /** CodeSha256 of the version the alias points at. */
  codeSha256: string;
  /** APP_VERSION in that version's configuration, when readable. */
  appVersion: string | null;
}

export interface HealthThresholds {
  /** Consecutive successful GET /health needed. */
  requiredSuccesses: number;
  /** Highest acceptable p95 latency of those requests, in ms. */
  maxP95Ms: number;
}

export interface HealthEvidence {
  color: Color;
  /** The GET /health attempts, in order (the probe stops at the first failure). */
  attempts: ProbeResponse[];
  /** GET /health?deep=1 (DynamoDB reachable); also warms the function, so it is not in the latency. */
  deep?: ProbeResponse;
  /** POST /stories (--synthetic). */
  synthetic?: ProbeResponse;
  expected?: Expectation;
  lambda?: LambdaFacts;
}

export type CheckName = "health-endpoint" | "deep-health" | "latency" | "color" | "version" | "code-sha256" | "alias-version" | "synthetic";

export interface HealthCheckResult {
  name: CheckName;
  ok: boolean;
  /** One line saying what was seen, against what. */
  detail: string;
  expected?: unknown;
  actual?: unknown;
  /** Per-attempt evidence (health-endpoint). */
  attempts?: AttemptSummary[];
}

export interface AttemptSummary {
  attempt: number;
  ok: boolean;
  status: number | null;
  ms: number;
  error?: string;
}

export interface HealthReport {
  color: Color;
  healthy: boolean;
  checks: HealthCheckResult[];
  p50Ms: number | null;
  p95Ms: number | null;
  /** What the color reports (null when it never answered). */
  version: string | null;
  /** The code of the published version the color answered as (null when that is not known). */
  codeSha256: string | null;
}

const HEALTHY_STATUS = new Set(["ok", "healthy", "pass", "up"]);

export function parseHealthBody(body: string): HealthBody | undefined {
  try {
    const value = JSON.parse(body) as unknown;
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as HealthBody) : undefined;
  } catch {
    return undefined;
  }
}

/** Why one health answer is not a success, or undefined when it is. */
export function attemptFailure(response: ProbeResponse): string | undefined {
  if (response.kind === "error") return response.timedOut ? `no answer within the timeout (${Math.round(response.durationMs)}ms)` : response.message;
  if (response.status !== 200) return `HTTP ${response.status}${bodySnippet(response.body)}`;
  const body = parseHealthBody(response.body);
  if (!body) return `HTTP 200 but the body is not a JSON object${bodySnippet(response.body)}`;
  if (typeof body.status !== "string" || !HEALTHY_STATUS.has(body.status.toLowerCase())) {
    return `HTTP 200 but status is ${JSON.stringify(body.status ?? null)}`;
  }
  return undefined;
}

function bodySnippet(body: string): string {
  const text = body.replace(/\s+/g, " ").trim();
  if (text === "") return "";
  return `: ${text.length > 160 ? `${text.slice(0, 157)}...` : text}`;
}

/** Nearest-rank percentile of a list of durations (no interpolation: a p95 is a latency someone saw). */
export function percentile(values: number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return Math.round(sorted[rank - 1] as number);
}

export function summarizeAttempts(attempts: ProbeResponse[]): AttemptSummary[] {
  return attempts.map((response, index) => {
    const failure = attemptFailure(response);
    return {
      attempt: index + 1,
      ok: failure === undefined,
      status: response.kind === "response" ? response.status : null,
      ms: Math.round(response.durationMs),
      ...(failure ? { error: failure } : {}),
    };
  });
}

export function judgeHealth(evidence: HealthEvidence, thresholds: HealthThresholds): HealthReport {
  const checks: HealthCheckResult[] = [];
  const summaries = summarizeAttempts(evidence.attempts);
  const leadingSuccesses = summaries.findIndex((a) => !a.ok) === -1 ? summaries.length : summaries.findIndex((a) => !a.ok);
  const firstFailure = summaries.find((a) => !a.ok);
  checks.push({
    name: "health-endpoint",
    ok: leadingSuccesses >= thresholds.requiredSuccesses && !firstFailure,
    detail: firstFailure
      ? `${leadingSuccesses} consecutive successful GET /health, then attempt ${firstFailure.attempt}: ${firstFailure.error}`
      : `${leadingSuccesses}/${thresholds.requiredSuccesses} consecutive GET /health answered 200 ok`,
    expected: thresholds.requiredSuccesses,
    actual: leadingSuccesses,
    attempts: summaries,
  });

  if (evidence.deep) {
    const failure = attemptFailure(evidence.deep);
    checks.push({
      name: "deep-health",
      ok: failure === undefined,
      detail: failure === undefined ? "GET /health?deep=1 answered 200 ok (DynamoDB reachable)" : `GET /health?deep=1: ${failure}`,
    });
  }

  const durations = evidence.attempts.map((a) => a.durationMs);
  const p50Ms = percentile(durations, 0.5);
  const p95Ms = percentile(durations, 0.95);
  checks.push({
    name: "latency",
    ok: p95Ms !== null && p95Ms <= thresholds.maxP95Ms,
    detail: p95Ms === null ? "no GET /health answered: no latency to judge" : `p50 ${p50Ms}ms, p95 ${p95Ms}ms (max ${thresholds.maxP95Ms}ms)`,
    expected: { maxP95Ms: thresholds.maxP95Ms },
    actual: { p50Ms, p95Ms },
  });

  // Identity from every successful answer: they must agree (one version behind the stage, not a mix).
  const bodies = evidence.attempts.filter((a) => attemptFailure(a) === undefined).map((a) => parseHealthBody((a as { body: string }).body) as HealthBody);
  const reported = (field: "color" | "version" | "functionVersion"): { value: string | null; mixed: string[] } => {
    const values = [...new Set(bodies.map((b) => (typeof b[field] === "string" ? (b[field] as string) : null)))];
    return { value: values.length === 1 ? (values[0] ?? null) : null, mixed: values.length > 1 ? values.map(String) : [] };
  };
  const color = reported("color");
  const version = reported("version");
  const functionVersion = reported("functionVersion");
  const noAnswer = bodies.length === 0;

  checks.push(identityCheck("color", noAnswer, color, evidence.color, "the requested color"));

  const expected = evidence.expected;
  const from = expected?.source === "deploy-record" ? `deploy of ${evidence.color}${expected.recordedAt ? ` at ${expected.recordedAt}` : ""}` : "the Lambda configuration of its alias";
  checks.push(
    expected?.version
      ? identityCheck("version", noAnswer, version, expected.version, from)
      : { name: "version", ok: false, detail: `nothing to compare the reported version ${JSON.stringify(version.value)} with: no deploy of ${evidence.color} is recorded and the Lambda configuration has no APP_VERSION` },
  );

  const code = codeCheck(evidence, noAnswer, functionVersion, from);
  checks.push(code.check);

  if (evidence.lambda && expected?.source === "deploy-record" && expected.lambdaVersion) {
    const ok = evidence.lambda.aliasVersion === expected.lambdaVersion;
    checks.push({
      name: "alias-version",
      ok,
      detail: ok
        ? `alias ${evidence.color} points at Lambda version ${expected.lambdaVersion}, as deployed`
        : `alias ${evidence.color} points at Lambda version ${evidence.lambda.aliasVersion}, but deploy pointed it at ${expected.lambdaVersion}`,
      expected: expected.lambdaVersion,
      actual: evidence.lambda.aliasVersion,
    });
  }

  if (evidence.synthetic) {
    const response = evidence.synthetic;
    const ok = response.kind === "response" && response.status >= 200 && response.status < 300 && parseHealthBody(response.body) !== undefined;
    checks.push({
      name: "synthetic",
      ok,
      detail: ok
        ? `POST /stories started a story (HTTP ${(response as { status: number }).status}, ${Math.round(response.durationMs)}ms)`
        : `POST /stories: ${response.kind === "error" ? response.message : `HTTP ${response.status}${bodySnippet(response.body)}`}`,
    });
  }

  return {
    color: evidence.color,
    healthy: checks.every((c) => c.ok),
    checks,
    p50Ms,
    p95Ms,
    version: version.value,
    codeSha256: code.answered,
  };
}

/**
 * Whether the color runs the code deploy recorded. The function's environment carries no hash of
 * the zip: the answers say which published version runs (set by the Lambda runtime), and a
 * published version's code never changes. Its CodeSha256 comes from the Lambda API when the alias
 * was read (the stage must answer as the alias's version), else from the deploy record of the
 * version that deploy published.
 */
function codeCheck(
  evidence: HealthEvidence,
  noAnswer: boolean,
  functionVersion: { value: string | null; mixed: string[] },
  from: string,
): { check: HealthCheckResult; answered: string | null } {
  const name = "code-sha256" as const;
  const { expected, lambda } = evidence;
  if (noAnswer) return { check: { name, ok: false, detail: "no successful GET /health to read the running version from" }, answered: null };
  if (functionVersion.mixed.length > 0) {
    return { check: { name, ok: false, detail: `answers disagree on the Lambda version that runs: ${functionVersion.mixed.join(", ")}`, actual: functionVersion.mixed }, answered: null };
  }
  const running = functionVersion.value;
  if (running === null || !/^[0-9]+$/.test(running)) {
    return { check: { name, ok: false, detail: `reports Lambda version ${JSON.stringify(running)}, not a published version: its code cannot be proven`, actual: running }, answered: null };
  }
  let answered: string | null = null;
  let source = "";
  if (lambda) {
    if (running !== lambda.aliasVersion) {
      return {
        check: { name, ok: false, detail: `answers as Lambda version ${running}, but the ${evidence.color} alias points at version ${lambda.aliasVersion}`, expected: lambda.aliasVersion, actual: running },
        answered: null,
      };
    }
    answered = lambda.codeSha256;
    source = "CodeSha256 from the Lambda API";
  } else if (expected?.lambdaVersion === running && expected.codeSha256) {
    answered = expected.codeSha256;
    source = "recorded by the deploy that published it";
  }
  if (!expected?.codeSha256) {
    return { check: { name, ok: false, detail: `nothing to compare the code of Lambda version ${running} with: no deploy of ${evidence.color} is recorded` }, answered };
  }
  if (answered === null) {
    return {
      check: { name, ok: false, detail: `answers as Lambda version ${running}; without the alias from the Lambda API only version ${expected.lambdaVersion ?? "?"} is known to run ${expected.codeSha256} (${from})`, expected: expected.codeSha256 },
      answered,
    };
  }
  const ok = answered === expected.codeSha256;
  return {
    check: {
      name,
      ok,
      detail: ok
        ? `runs Lambda version ${running}, code ${answered} (${source}), as expected from ${from}`
        : `runs Lambda version ${running}, code ${answered} (${source}), expected ${expected.codeSha256} from ${from}`,
      expected: expected.codeSha256,
      actual: answered,
    },
    answered,
  };
}

function identityCheck(
  name: "color" | "version",
  noAnswer: boolean,
  reported: { value: string | null; mixed: string[] },
  expected: string,
  from: string,
): HealthCheckResult {
  if (noAnswer) return { name, ok: false, detail: `no successful GET /health to read the ${name} from`, expected };
  if (reported.mixed.length > 0) {
    return { name, ok: false, detail: `answers disagree on the ${name}: ${reported.mixed.join(", ")}`, expected, actual: reported.mixed };
  }
  const ok = reported.value === expected;
  return {
    name,
    ok,
    detail: ok ? `reports ${name} ${expected}, as expected from ${from}` : `reports ${name} ${JSON.stringify(reported.value)}, expected ${JSON.stringify(expected)} from ${from}`,
    expected,
    actual: reported.value,
  };
}

/**
 * What a color should report: the newest applied deploy of that color, or the newest first deploy
 * (which puts the same code on both colors), whichever is newer. Records come oldest first.
 */
export function expectationFromHistory(records: HistoryRecord[], color: Color): Expectation | undefined {
  for (let i = records.length - 1; i >= 0; i--) {
    const record = records[i] as HistoryRecord;
    if (record.type !== "deploy" || record.outcome !== "applied") continue;
    const firstDeploy = typeof record.liveColor === "string";
    if (record.color !== color && !firstDeploy) continue;
    return {
      source: "deploy-record",
      recordedAt: record.at,
      version: typeof record.version === "string" ? record.version : null,
      codeSha256: typeof record.codeSha256 === "string" && record.codeSha256 !== "" ? record.codeSha256 : null,
      // A first deploy records the deployed color's version; both aliases got the same one.
      lambdaVersion: typeof record.lambdaVersion === "string" ? record.lambdaVersion : null,
    };
  }
  return undefined;
}

/** Without a deploy record (another machine deployed): what the Lambda itself says it runs. */
export function expectationFromLambda(facts: LambdaFacts): Expectation {
  return { source: "lambda-configuration", version: facts.appVersion, codeSha256: facts.codeSha256, lambdaVersion: facts.aliasVersion };
}
