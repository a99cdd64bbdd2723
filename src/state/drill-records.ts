/** What a drill records before it creates anything, so `dr-drill gc` can undo a killed drill (see ops/drill/record.ts). */

/** A key of a sentinel item, as DynamoDB AttributeValues (S or N only). */
export type RecordedKey = Record<string, { S: string } | { N: string }>;

export interface DrillRecordEntry {
  drillId: string;
  scratchTable: string;
  sourceTable: string;
  sourceTableArn: string;
  region: string;
  /** Which AWS target the drill ran against (`targetKey`): records in a state dir are filtered by it. */
  target: string;
  pid: number;
  host: string;
  startedAt: string;
  /** recorded: nothing created yet · restore-requested: the scratch table may exist · kept: --keep left it on purpose. */
  state: "recorded" | "restore-requested" | "kept";
  /** Sentinel items written (or about to be written) into the source table. */
  sentinelKeys: RecordedKey[];
}

/** Where a drill's records go: the account's operations table, or this machine's state dir. */
export interface DrillRecords {
  save(entry: DrillRecordEntry): Promise<void>;
  remove(drillId: string): Promise<void>;
  /** The entries `dr-drill gc` acts on. */
  list(): Promise<DrillRecordEntry[]>;
  /** Records on this machine's disk need this machine's lock; the account's are guarded by the environment's lease. */
  readonly local: boolean;
}
