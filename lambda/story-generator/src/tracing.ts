import { randomBytes } from "node:crypto";

/**
 * X-Ray hooks without the X-Ray SDK. With active tracing, Lambda creates the function's segment
 * and passes its trace header in `_X_AMZN_TRACE_ID` (`Root=1-...;Parent=...;Sampled=1`); the
 * handler (1) puts the trace id on every log line so logs and traces join, and (2) times the
 * calls that matter (DynamoDB, the provider manager, Secrets Manager) as subsegments, sent as
 * UDP datagrams to the X-Ray daemon at AWS_XRAY_DAEMON_ADDRESS, exactly the wire format the X-Ray
 * SDK uses. Outside Lambda (no daemon address, or not sampled) spans only time the call.
 */

export interface TraceHeader {
  root: string;
  parent?: string;
  sampled?: boolean;
}

/** Pure: parses `Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1`. */
export function parseTraceHeader(value: string | undefined | null): TraceHeader | undefined {
  if (!value) return undefined;
  const fields = new Map<string, string>();
  for (const part of value.split(";")) {
    const at = part.indexOf("=");
    if (at > 0) fields.set(part.slice(0, at).trim().toLowerCase(), part.slice(at + 1).trim());
  }
  const root = fields.get("root");
  if (!root || !/^1-[0-9a-f]{8}-[0-9a-f]{24}$/.test(root)) return undefined;
  const parent = fields.get("parent");
  const sampled = fields.get("sampled");
  return {
    root,
    ...(parent && /^[0-9a-f]{16}$/.test(parent) ? { parent } : {}),
    ...(sampled === "1" ? { sampled: true } : sampled === "0" ? { sampled: false } : {}),
  };
}

/** The subsegment document the X-Ray daemon accepts (one per datagram, after the JSON header line). */
export interface Subsegment {
  name: string;
  id: string;
  trace_id: string;
  parent_id: string;
  start_time: number;
  end_time: number;
  type: "subsegment";
  namespace?: "aws" | "remote";
  error?: boolean;
  fault?: boolean;
  annotations?: Record<string, string | number | boolean>;
  aws?: Record<string, unknown>;
}

/** Pure: the datagram for one subsegment. */
export function subsegmentDatagram(subsegment: Subsegment): string {
  return `${JSON.stringify({ format: "json", version: 1 })}\n${JSON.stringify(subsegment)}`;
}

export interface SpanOptions {
  /** "aws" for AWS service calls, "remote" for other HTTP services (the LLM providers). */
  namespace?: "aws" | "remote";
  annotations?: Record<string, string | number | boolean>;
  /** Whether a thrown error is the caller's fault (error) or ours (fault). Default: fault. */
  classify?: (error: unknown) => "error" | "fault";
}

export interface Tracer {
  /** The active trace header for this invocation, if tracing is on. */
  readonly header: TraceHeader | undefined;
  /** Times `work` as a subsegment of the function's segment. */
  span<T>(name: string, work: () => Promise<T>, options?: SpanOptions): Promise<T>;
}

export type DatagramSender = (datagram: string) => void;

export interface TracerOptions {
  header: TraceHeader | undefined;
  /** Where datagrams go; undefined disables sending (spans still run the work). */
  send?: DatagramSender;
  now?: () => number;
}

export function createTracer(options: TracerOptions): Tracer {
  const { header, send } = options;
  const now = options.now ?? Date.now;
  const active = header !== undefined && header.parent !== undefined && header.sampled === true && send !== undefined;
  return {
    header,
    async span<T>(name: string, work: () => Promise<T>, spanOptions: SpanOptions = {}): Promise<T> {
      if (!active) return work();
      const start = now() / 1000;
      const finish = (failure?: "error" | "fault") => {
        const subsegment: Subsegment = {
          name,
          id: randomBytes(8).toString("hex"),
          trace_id: header.root,
          parent_id: header.parent as string,
          start_time: start,
          end_time: now() / 1000,
          type: "subsegment",
          ...(spanOptions.namespace ? { namespace: spanOptions.namespace } : {}),
          ...(failure ? { [failure]: true } : {}),
          ...(spanOptions.annotations ? { annotations: spanOptions.annotations } : {}),
        };
        try {
          send(subsegmentDatagram(subsegment));
        } catch {
          // Tracing must never fail a request.
        }
      };
      try {
        const result = await work();
        finish();
        return result;
      } catch (error) {
        finish(spanOptions.classify ? spanOptions.classify(error) : "fault");
        throw error;
      }
    },
  };
}

/** Pure: host and port of AWS_XRAY_DAEMON_ADDRESS (`169.254.79.129:2000`, or `udp:h:p tcp:h:p`). */
export function daemonAddress(value: string | undefined): { host: string; port: number } | undefined {
  if (!value) return undefined;
  const udp = value.split(/\s+/).find((part) => part.startsWith("udp:")) ?? value.split(/\s+/).find((part) => !part.startsWith("tcp:"));
  if (!udp) return undefined;
  const address = udp.replace(/^udp:/, "");
  const at = address.lastIndexOf(":");
  if (at <= 0) return undefined;
  const port = Number(address.slice(at + 1));
  if (!Number.isInteger(port) || port <= 0 || port > 65_535) return undefined;
  return { host: address.slice(0, at), port };
}
