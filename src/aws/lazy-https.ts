import type { ClientRequest, IncomingMessage } from "node:http";
import type { Agent as HttpsAgent, AgentOptions, RequestOptions } from "node:https";

/**
 * What the SDK's HTTP handler (@smithy/node-http-handler) gets in place of node:https in noveli's
 * command bundles: scripts/build.mjs swaps the handler's node-https.js (which imports the module
 * and exports it) for this one. The handler builds an https Agent with every client, so node:https,
 * TLS and their crypto loaded at every start, about 5 ms on this machine, although an emulator is
 * reached over http. Here they load with the first https request, and nothing else changes: the
 * handler uses only `Agent` (to build its agent, or to tell one it was given) and `request`, and
 * the agent it builds is its own, used only through `request` and `destroy`.
 */

type HttpsModule = typeof import("node:https");

let loaded: HttpsModule | undefined;

function https(): HttpsModule {
  return (loaded ??= process.getBuiltinModule("node:https"));
}

/** An https Agent made on its first request, with the options it was built with. */
export class LazyHttpsAgent {
  readonly #options: AgentOptions | undefined;
  #agent: HttpsAgent | undefined;

  constructor(options?: AgentOptions) {
    this.#options = options;
  }

  /** The real agent (made now if it was not yet). */
  get agent(): HttpsAgent {
    return (this.#agent ??= new (https().Agent)(this.#options));
  }

  // What the handler reads of its agent to warn about socket use (NodeHttpHandler.checkSocketUsage).
  get sockets(): HttpsAgent["sockets"] {
    return this.#agent?.sockets ?? {};
  }

  get requests(): HttpsAgent["requests"] {
    return this.#agent?.requests ?? {};
  }

  get maxSockets(): number {
    return this.#agent?.maxSockets ?? this.#options?.maxSockets ?? Infinity;
  }

  destroy(): void {
    this.#agent?.destroy();
  }
}

function request(options: RequestOptions, callback?: (response: IncomingMessage) => void): ClientRequest {
  const agent = options.agent instanceof LazyHttpsAgent ? options.agent.agent : options.agent;
  return https().request({ ...options, agent }, callback);
}

/** The handler's `node_https`. */
export const node_https = { Agent: LazyHttpsAgent, request };
