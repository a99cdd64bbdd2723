import { randomUUID } from "node:crypto";
import { deleteItem, deleteItemIf, getItemConsistent, putItem, putItemIf, putNewItem, putNewItemAndDeleteIf, queryPrefixNewestFirst, updateItemIf, type AttributeValue, type DynamoDBClient, type OpsItem } from "../aws/ops-table.js";
import type { Environment } from "../core/environment.js";
import type { Target } from "../core/target.js";
import type { DrillRecordEntry, DrillRecords } from "./drill-records.js";
import type { Reporter } from "../output/reporter.js";
import { openAccount, opsClientFor } from "./account.js";
import type { HistoryKind, HistoryQuery, HistoryRecord, HistoryStore } from "./history.js";
import type { LeaseRecord, LeaseStore } from "./lease.js";

/**
 * The operations table as the lease and the history see it. One item per environment's lease
 * (`pk = env#<env>`, `sk = lease`) and one per history record (`sk = history#<time>#<id>`). Every
 * call is bounded: a heartbeat or a fence never hangs on a stalled endpoint.
 */

const CALL_TIMEOUT_MS = 10_000;
const HISTORY_PAGE = 100;
const HISTORY_MAX_PAGES = 50;
/** The first page of a read that may stop early (HistoryQuery.enough): what it wants is nearly always among the newest few. */
const HISTORY_FIRST_PAGE = 10;

/** The largest page a read bounded by `scan` asks for at once (DynamoDB ends a page at 1 MB anyway). */
const HISTORY_MAX_PAGE = 1000;

/**
 * How many items a history read's first page reads. A read that may stop early starts
 * small; one that wants some kinds reads twice its limit, as the kinds mix; one that wants every
 * kind reads its limit. Up to a full page, or at once all of a `scan` it is bounded to. Each page
 * after reads four times as many as the one before, up to a full page.
 */
function firstHistoryPage(query: Pick<HistoryQuery, "limit" | "types" | "scan" | "enough">): number {
  const wanted = query.enough ? HISTORY_FIRST_PAGE : query.types ? Math.max(HISTORY_FIRST_PAGE, 2 * query.limit) : query.limit;
  return Math.max(1, Math.min(wanted, query.scan === undefined ? HISTORY_PAGE : Math.min(query.scan, HISTORY_MAX_PAGE)));
}

const partition = (env: Environment) => `env#${env}`;
const LEASE_SK = "lease";
const HISTORY_PREFIX = "history#";
const DRILL_PREFIX = "drill#";
/**
 * What a history read brings back of each item: its kind (checked again here) and the record. Not the
 * keys or the time, which the record holds: less to send on any account, and on an emulator less to
 * serialise (moto spends about 0.1 ms per attribute of every item it returns).
 */
const HISTORY_ATTRIBUTES = ["kind", "record"] as const;
const S = (value: string): AttributeValue => ({ S: value });
const N = (value: number): AttributeValue => ({ N: String(value) });

function leaseItem(env: Environment, lease: LeaseRecord): OpsItem {
  return { pk: S(partition(env)), sk: S(LEASE_SK), token: S(lease.token), holder: S(JSON.stringify(lease.holder)), heartbeatAt: S(lease.heartbeatAt), expiresAt: N(lease.expiresAt) };
}

/** The condition that the lease item still carries this token. */
const leaseTokenIs = (token: string) => ({ expression: "#token = :token", names: { "#token": "token" }, values: { ":token": S(token) } });

function leaseOf(item: OpsItem | undefined): LeaseRecord | undefined {
  if (!item?.token?.S || !item.holder?.S) return undefined;
  try {
    return { token: item.token.S, holder: JSON.parse(item.holder.S) as LeaseRecord["holder"], heartbeatAt: item.heartbeatAt?.S ?? "", expiresAt: Number(item.expiresAt?.N ?? 0) };
  } catch {
    return undefined;
  }
}

export class OpsStore implements LeaseStore, HistoryStore {
  constructor(
    private readonly client: DynamoDBClient,
    readonly tableName: string,
  ) {}

  private get signal(): AbortSignal {
    return AbortSignal.timeout(CALL_TIMEOUT_MS);
  }

  private key(env: Environment, sk: string): OpsItem {
    return { pk: S(partition(env)), sk: S(sk) };
  }

  async putLeaseIfFree(env: Environment, lease: LeaseRecord, now: number) {
    const result = await putItemIf(
      this.client,
      this.tableName,
      leaseItem(env, lease),
      { expression: "attribute_not_exists(pk) OR expiresAt < :now", values: { ":now": N(now) } },
      this.signal,
    );
    if (result.written) {
      const replaced = leaseOf(result.replaced);
      return { acquired: true as const, ...(replaced ? { replaced } : {}) };
    }
    const current = leaseOf(result.current);
    return { acquired: false as const, ...(current ? { current } : {}) };
  }

  renewLease(env: Environment, token: string, now: number, expiresAt: number): Promise<boolean> {
    return updateItemIf(
      this.client,
      this.tableName,
      this.key(env, LEASE_SK),
      { expression: "SET heartbeatAt = :beat, expiresAt = :expires", values: { ":beat": S(new Date(now).toISOString()), ":expires": N(expiresAt) } },
      { expression: "#token = :token AND expiresAt > :now", names: { "#token": "token" }, values: { ":token": S(token), ":now": N(now) } },
      this.signal,
    );
  }

  deleteLease(env: Environment, token: string): Promise<boolean> {
    return deleteItemIf(this.client, this.tableName, this.key(env, LEASE_SK), leaseTokenIs(token), this.signal);
  }

  async readLease(env: Environment): Promise<LeaseRecord | undefined> {
    return leaseOf(await getItemConsistent(this.client, this.tableName, this.key(env, LEASE_SK), this.signal));
  }

  async appendHistory(env: Environment, record: HistoryRecord, id: string): Promise<void> {
    const key = this.key(env, `${HISTORY_PREFIX}${id}`);
    const text = JSON.stringify(record);
    try {
      await putNewItem(this.client, this.tableName, this.historyItem(env, record, id, text), this.signal);
    } catch (error) {
      // The id is new, so a failed condition means an attempt that timed out on a slow endpoint
      // was written after all and the SDK's retry found it: the record is there, as it should be.
      if (!(error instanceof Error && error.name === "ConditionalCheckFailedException")) throw error;
      const stored = await getItemConsistent(this.client, this.tableName, key, this.signal);
      if (stored?.record?.S !== text) throw error;
    }
  }

  /**
   * The command's history record and the release of its lease, in one transaction: false (and
   * nothing written) when the lease no longer carries this token.
   */
  appendHistoryReleasingLease(env: Environment, record: HistoryRecord, id: string, token: string): Promise<boolean> {
    return putNewItemAndDeleteIf(
      this.client,
      this.tableName,
      this.historyItem(env, record, id),
      this.key(env, LEASE_SK),
      leaseTokenIs(token),
      randomUUID(),
      this.signal,
    );
  }

  private historyItem(env: Environment, record: HistoryRecord, id: string, text = JSON.stringify(record)): OpsItem {
    return { ...this.key(env, `${HISTORY_PREFIX}${id}`), kind: S(record.type), at: S(record.at), record: S(text) };
  }

  async readHistory(env: Environment, query: HistoryQuery): Promise<HistoryRecord[]> {
    const records: HistoryRecord[] = [];
    const only = query.types ? { attribute: "kind", values: query.types } : undefined;
    let scanLeft = query.scan ?? HISTORY_PAGE * HISTORY_MAX_PAGES;
    let pageSize = firstHistoryPage(query);
    let startKey: OpsItem | undefined;
    for (let page = 0; page < HISTORY_MAX_PAGES && scanLeft > 0 && records.length < query.limit; page++) {
      // Without a kind filter every item read is a record kept: read no more than the limit wants.
      const limit = Math.min(pageSize, scanLeft, only ? Infinity : query.limit - records.length);
      const { items, nextKey } = await queryPrefixNewestFirst(this.client, this.tableName, partition(env), HISTORY_PREFIX, { limit, attributes: HISTORY_ATTRIBUTES, ...(startKey ? { startKey } : {}), ...(only ? { only } : {}) }, this.signal);
      scanLeft -= limit;
      for (const item of items) {
        if (query.types && !query.types.includes(item.kind?.S as HistoryKind)) continue;
        try {
          records.push(JSON.parse(item.record?.S ?? "") as HistoryRecord);
        } catch {
          /* a record noveli cannot read is skipped, never fatal */
        }
        if (records.length >= query.limit) break;
      }
      if (!nextKey || query.enough?.(records)) break;
      startKey = nextKey;
      pageSize = Math.min(Math.max(HISTORY_PAGE, pageSize), pageSize * 4);
    }
    return records;
  }

  /**
   * The drills of an environment that may have left a scratch table or sentinels behind
   * (`sk = drill#<drill id>`): written before the drill creates anything, removed once its
   * cleanup is done, read by `dr-drill gc` on any machine.
   */
  drillRecords(env: Environment): DrillRecords {
    const key = (drillId: string) => this.key(env, `${DRILL_PREFIX}${drillId}`);
    return {
      local: false,
      save: (entry) => putItem(this.client, this.tableName, { ...key(entry.drillId), record: S(JSON.stringify(entry)) }, this.signal),
      remove: (drillId) => deleteItem(this.client, this.tableName, key(drillId), this.signal),
      list: async () => {
        const entries: DrillRecordEntry[] = [];
        let startKey: OpsItem | undefined;
        for (let page = 0; page < HISTORY_MAX_PAGES; page++) {
          const { items, nextKey } = await queryPrefixNewestFirst(this.client, this.tableName, partition(env), DRILL_PREFIX, { limit: HISTORY_PAGE, ...(startKey ? { startKey } : {}) }, this.signal);
          for (const item of items) {
            try {
              entries.push(JSON.parse(item.record?.S ?? "") as DrillRecordEntry);
            } catch {
              /* unreadable: skipped */
            }
          }
          if (!nextKey) break;
          startKey = nextKey;
        }
        return entries;
      },
    };
  }

  close(): void {
    this.client.destroy();
  }
}

/** The operations table of the target's account (bootstrapped on emulators, checked on AWS). Close it when done. */
export async function openOpsStore(input: { target: Target; env: Environment; reporter: Reporter; signal?: AbortSignal }): Promise<OpsStore> {
  const account = await openAccount(input);
  return new OpsStore(opsClientFor(input.target, account.region), account.table);
}
