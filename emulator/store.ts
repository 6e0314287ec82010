import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { CatalogEntry, defaultCatalog } from "./catalog";

/**
 * The emulator's state model: plain JSON-serializable records, so the whole state can be
 * written to the `--state` file after every change and read back on start. Times are epoch
 * milliseconds of the emulator clock; statuses that change with time (stack readiness,
 * deletion, token expiry) are derived from them when read, so a restart keeps them right.
 */

export type RealmType = "org" | "stack";

export interface LabelPolicy {
  selector: string;
}

export interface Realm {
  type: RealmType;
  identifier: string;
  labelPolicies: LabelPolicy[];
}

export type PolicyStatus = "active" | "inactive";

export interface AccessPolicyRecord {
  id: string;
  /** Creation order; list order and paging cursors use it. */
  seq: number;
  region: string;
  name: string;
  displayName: string;
  scopes: string[];
  realms: Realm[];
  /** null when the policy has no conditions. */
  allowedSubnets: string[] | null;
  status: PolicyStatus;
  createdAt: number;
  updatedAt: number;
}

export interface TokenRecord {
  id: string;
  seq: number;
  region: string;
  accessPolicyId: string;
  name: string;
  displayName: string;
  expiresAt: number | null;
  firstUsedAt: number | null;
  lastUsedAt: number | null;
  createdAt: number;
  updatedAt: number;
  /** sha256 of the secret; the secret itself is only ever in the create response. */
  secretHash: string;
}

export interface ServiceIds {
  prom: number;
  graphite: number;
  logs: number;
  traces: number;
  alerts: number;
  profiles: number;
}

export interface StackRecord {
  id: number;
  seq: number;
  slug: string;
  name: string;
  description: string;
  /** A custom domain given at create or update; null means the emulator-served stack URL. */
  customUrl: string | null;
  region: string;
  labels: Record<string, string>;
  deleteProtection: boolean;
  createdAt: number;
  updatedAt: number | null;
  /** When the stack becomes `active` (created + readiness delay). */
  readyAt: number;
  deletedAt: number | null;
  /** When `deleting` turns into `deleted`. */
  deleteDoneAt: number | null;
  serviceIds: ServiceIds;
  /** Next id for a hosted Grafana API key on this stack (Grafana numbers them per instance). */
  nextKeyId: number;
}

export interface PluginRecord {
  id: number;
  stackId: number;
  plugin: string;
  version: string;
  createdAt: number;
  updatedAt: number | null;
}

export type GrafanaRole = "Viewer" | "Editor" | "Admin";

export interface StackKeyRecord {
  id: number;
  stackId: number;
  name: string;
  role: GrafanaRole;
  expiresAt: number | null;
  createdAt: number;
  secretHash: string;
}

export interface OrgKeyRecord {
  id: number;
  name: string;
  role: string;
  createdAt: number;
  secretHash: string;
}

export interface State {
  version: 1;
  seq: number;
  policies: AccessPolicyRecord[];
  tokens: TokenRecord[];
  stacks: StackRecord[];
  plugins: PluginRecord[];
  stackKeys: StackKeyRecord[];
  orgKeys: OrgKeyRecord[];
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
    orgKeys: [],
    catalog: defaultCatalog(),
  };
}

export class Store {
  state: State;

  constructor(private readonly file: string | undefined) {
    this.state = file === undefined ? emptyState() : loadState(file);
  }

  nextSeq(): number {
    this.state.seq += 1;
    return this.state.seq;
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
  return { ...emptyState(), ...parsed };
}
