import { performance } from "node:perf_hooks";
import { createProviderManager, providerConfigFromEnv, type ProviderManager } from "@noveli/providers";
import { refusedUrl, startConnectionCounter, startOpenAiServer } from "../test/helpers/provider-servers.js";
import { median, type Bench } from "./types.js";

/**
 * The price of a dead provider. (a) Bedrock first, refusing connections, then OpenAI (a local
 * server speaking its protocol) answers; (b) OpenAI called directly. Both through the real SDKs
 * and the real manager, interleaved, medians of repeated runs. Then (c): once Bedrock's circuit is
 * open, a listener on its port counts connection attempts while calls go on: there must be none.
 */
const RUNS = 60;
const WARMUP = 8;
const TARGET_MS = 15;

const bench: Bench = async () => {
  const openai = await startOpenAiServer({ kind: "ok" });
  const dead = await refusedUrl();
  const env = { OPENAI_API_KEY: "sk-bench-0000000000000000", OPENAI_BASE_URL: openai.url };
  const noSleep = { sleep: async () => {} };
  try {
    // The circuit never opens here: every (a) call really tries the refused port first.
    const failover = createProviderManager(
      providerConfigFromEnv(env, { providers: ["bedrock", "openai"], endpointUrl: dead.url, policy: { circuit: { failureThreshold: 1_000_000, cooldownMs: 1 } } }),
      noSleep,
    );
    const direct = createProviderManager(providerConfigFromEnv(env, { providers: ["openai"] }), noSleep);

    const time = async (manager: ProviderManager): Promise<number> => {
      const started = performance.now();
      const result = await manager.generateBeat({ prompt: "a lighthouse" });
      const elapsed = performance.now() - started;
      if (result.provider !== "openai") throw new Error(`unexpected provider ${result.provider}`);
      return elapsed;
    };

    for (let i = 0; i < WARMUP; i++) {
      await time(failover);
      await time(direct);
    }
    const viaFailover: number[] = [];
    const viaDirect: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      // Alternate the order so neither side always runs on a warmer connection.
      if (i % 2 === 0) {
        viaFailover.push(await time(failover));
        viaDirect.push(await time(direct));
      } else {
        viaDirect.push(await time(direct));
        viaFailover.push(await time(failover));
      }
    }
    const overhead = median(viaFailover) - median(viaDirect);

    // (c) An open circuit: the dead provider must receive nothing.
    const breaking = createProviderManager(
      providerConfigFromEnv(env, { providers: ["bedrock", "openai"], endpointUrl: dead.url, policy: { circuit: { failureThreshold: 3, cooldownMs: 600_000 } } }),
      noSleep,
    );
    for (let i = 0; i < 3; i++) await time(breaking);
    const state = breaking.status()[0]?.circuit;
    const counter = await startConnectionCounter(dead.port);
    const viaOpenCircuit: number[] = [];
    try {
      for (let i = 0; i < RUNS; i++) viaOpenCircuit.push(await time(breaking));
    } finally {
      await counter.stop();
    }
    const openOverhead = median(viaOpenCircuit) - median(viaDirect);

    return {
      title: "Provider failover (issue #3)",
      method: `Real SDKs and the real provider manager against a local OpenAI chat-completions server on 127.0.0.1; Bedrock (first in priority) points at a loopback port nothing listens on. ${RUNS} interleaved runs after ${WARMUP} warm-up runs, medians; backoff sleeps are not involved (a refused connection fails over at once).`,
      rows: [
        { metric: "OpenAI called directly (median)", value: `${median(viaDirect).toFixed(2)} ms` },
        { metric: "Bedrock refusing connections, then OpenAI (median)", value: `${median(viaFailover).toFixed(2)} ms` },
        { metric: "failover overhead (difference of medians)", value: `${overhead.toFixed(2)} ms`, target: `<= ${TARGET_MS} ms`, ok: overhead <= TARGET_MS },
        { metric: "overhead while Bedrock's circuit is open (median)", value: `${openOverhead.toFixed(2)} ms`, target: `<= ${TARGET_MS} ms`, ok: openOverhead <= TARGET_MS },
        { metric: `connection attempts to Bedrock during ${RUNS} calls with its circuit ${state}`, value: String(counter.connections), target: "0", ok: counter.connections === 0 && state === "open" },
      ],
      notes: [
        `p90 direct ${percentile(viaDirect, 0.9).toFixed(2)} ms, p90 via failover ${percentile(viaFailover, 0.9).toFixed(2)} ms, p90 with the circuit open ${percentile(viaOpenCircuit, 0.9).toFixed(2)} ms.`,
        "The connection counter listens on the dead provider's port only after its circuit opened, so any call the manager let through would have been counted.",
      ],
    };
  } finally {
    await openai.stop();
  }
};

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
}

export default bench;
