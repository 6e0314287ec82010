import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { CatalogEntry, defaultCatalog } from "./model/catalog";
import type { AccessPolicyRecord } from "./model/accessPolicy";
import type { PluginRecord } from "./model/plugin";
import type { ServiceAccountRecord, ServiceAccountTokenRecord } from "./model/serviceAccount";
import { migrateStack, type StackRecord } from "./model/stack";
import type { StackKeyRecord } from "./model/stackKey";
import type { TokenRecord } from "./model/token";

/**
 * The emulator's state: plain JSON-serializable records (each defined by its model module), so the
 * whole state can be written to the `--state` file after every change and read back on start.
 * Times are epoch milliseconds of the emulator clock; what changes with time (stack readiness and
 * deletion, token expiry) is derived from them when read, so a restart keeps it right.
 */
export interface State {
  version: 1;
  /** Creation counter: list order and paging cursors use it. */
  seq: number;
  policies: AccessPolicyRecord[];
  tokens: TokenRecord[];
  stacks: StackRecord[];
  plugins: PluginRecord[];
  stackKeys: StackKeyRecord[];
  /** Service accounts of the stacks' Grafana, and their tokens. */
  serviceAccounts: ServiceAccountRecord[];
  serviceAccountTokens: ServiceAccountTokenRecord[];
  catalog: Record<string, CatalogEntry>;
}

export function emptyState(): State {
  return {
    version: 1,
    seq: 0,
    policies: [],
    tokens: [],
    stacks: [],
    plugins: [],
    stackKeys: [],
    serviceAccounts: [],
    serviceAccountTokens: [],
    catalog: defaultCatalog(),
  };
}

/** Deeply read-only view of the state: only `Ctx.mutate` hands out a writable one. */
export type Frozen<T> = T extends (infer U)[]
  ? readonly Frozen<U>[]
  : T extends object
    ? { readonly [K in keyof T]: Frozen<T[K]> }
    : T;

export class Store {
  state: State;

  constructor(private readonly file: string | undefined) {
    this.state = file === undefined ? emptyState() : loadState(file);
  }

  reset(): void {
    this.state = emptyState();
    this.save();
  }

  /**
   * Writes the whole state atomically: a temp file beside the target, then a rename, so a
   * crash mid-write leaves the previous file intact. Synchronous on purpose: the change is on
   * disk before the response leaves.
   */
  save(): void {
    if (this.file === undefined) return;
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.state, null, 2));
    renameSync(tmp, this.file);
  }
}

function loadState(file: string): State {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return emptyState();
    throw err;
  }
  let parsed: Partial<State>;
  try {
    parsed = JSON.parse(text) as Partial<State>;
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${(err as Error).message})`);
  }
  if (parsed.version !== 1) {
    throw new Error(`${file}: not an emulator state file (expected "version": 1)`);
  }
  // Only the known collections are kept: files written by older emulators may hold more.
  const empty = emptyState();
  return {
    version: 1,
    seq: parsed.seq ?? empty.seq,
    policies: parsed.policies ?? empty.policies,
    tokens: parsed.tokens ?? empty.tokens,
    stacks: (parsed.stacks ?? empty.stacks).map(migrateStack),
    plugins: parsed.plugins ?? empty.plugins,
    stackKeys: parsed.stackKeys ?? empty.stackKeys,
    serviceAccounts: parsed.serviceAccounts ?? empty.serviceAccounts,
    serviceAccountTokens: parsed.serviceAccountTokens ?? empty.serviceAccountTokens,
    catalog: parsed.catalog ?? empty.catalog,
  };
}
