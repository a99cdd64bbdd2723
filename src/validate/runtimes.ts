/**
 * When each Lambda runtime reaches end of support ("deprecation date": no more patches, then
 * creates and updates are blocked). Source: AWS Lambda developer guide, "Lambda runtimes"
 * (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html), checked 2026-11-25.
 * Update this table when AWS publishes new runtimes or moves a date.
 */
export const RUNTIME_END_OF_SUPPORT: Readonly<Record<string, string>> = {
  "nodejs24.x": "2028-04-30",
  "nodejs22.x": "2027-04-30",
  "nodejs20.x": "2026-04-30",
  "nodejs18.x": "2025-09-01",
  "nodejs16.x": "2024-06-12",
  "nodejs14.x": "2023-12-04",
  "nodejs12.x": "2023-03-31",
  "nodejs10.x": "2021-07-30",
  "nodejs8.10": "2020-03-06",
  "nodejs6.10": "2019-08-12",
  "nodejs4.3": "2020-03-05",
  nodejs: "2016-10-31",
  "python3.14": "2029-06-30",
  "python3.13": "2029-06-30",
  "python3.12": "2028-10-31",
  "python3.11": "2026-06-30",
  "python3.10": "2026-06-30",
  "python3.9": "2025-12-15",
  "python3.8": "2024-10-14",
  "python3.7": "2023-12-04",
  "python3.6": "2022-07-18",
  "python2.7": "2021-07-15",
  java25: "2029-06-30",
  java21: "2029-06-30",
  java17: "2026-06-30",
  java11: "2026-06-30",
  "java8.al2": "2026-06-30",
  java8: "2024-01-08",
  dotnet10: "2028-11-14",
  dotnet8: "2026-11-10",
  dotnet6: "2024-11-12",
  "ruby3.4": "2028-03-31",
  "ruby3.3": "2027-03-31",
  "ruby3.2": "2026-03-31",
  "ruby2.7": "2023-11-27",
  "provided.al2023": "2029-06-30",
  "provided.al2": "2026-06-30",
  provided: "2024-01-08",
  "go1.x": "2024-01-08",
};

/** Days before end of support from which a runtime is reported as a warning. */
export const RUNTIME_WARNING_DAYS = 180;

export type RuntimeStatus =
  | { kind: "supported"; endOfSupport: string }
  | { kind: "ending"; endOfSupport: string; daysLeft: number }
  | { kind: "unsupported"; endOfSupport: string }
  | { kind: "unknown" };

/** Pure: a runtime's support status on a given day. */
export function runtimeStatus(runtime: string, today: Date): RuntimeStatus {
  const end = RUNTIME_END_OF_SUPPORT[runtime];
  if (!end) return { kind: "unknown" };
  const endTime = Date.parse(`${end}T00:00:00Z`);
  const day = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
  const daysLeft = Math.round((endTime - day) / 86_400_000);
  if (daysLeft <= 0) return { kind: "unsupported", endOfSupport: end };
  if (daysLeft <= RUNTIME_WARNING_DAYS) return { kind: "ending", endOfSupport: end, daysLeft };
  return { kind: "supported", endOfSupport: end };
}
