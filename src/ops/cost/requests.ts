/**
 * What the report itself costs: AWS bills each Cost Explorer API request (every page of a
 * paginated answer is one request) at $0.01. The meter counts HTTP requests sent, SDK retries
 * included (from each response's `$metadata.attempts`), so the estimate is an upper bound:
 * AWS may not bill the requests it refused.
 */

export const CE_REQUEST_PRICE_USD = 0.01;

export interface CeRequestMeter {
  readonly count: number;
  /** Records one API call that took `attempts` HTTP requests. */
  record(attempts: number | undefined): void;
}

export function createCeRequestMeter(): CeRequestMeter {
  let count = 0;
  return {
    get count() {
      return count;
    },
    record(attempts) {
      count += typeof attempts === "number" && Number.isInteger(attempts) && attempts > 0 ? attempts : 1;
    },
  };
}

/** Pure: the price of `count` Cost Explorer requests, in USD, to the cent. */
export function ceRequestCost(count: number): number {
  return Math.round(count * CE_REQUEST_PRICE_USD * 100) / 100;
}
