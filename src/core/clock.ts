import { sleep } from "@noveli/providers/time";

/** Time, injectable so loops with waits run instantly in unit tests. */
export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export { sleep };

export const systemClock: Clock = { now: () => Date.now(), sleep };
