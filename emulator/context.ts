import { Clock } from "./clock";
import { FaultStore } from "./faults";
import { RateLimiter } from "./hooks/rateLimit";
import { RequestLog } from "./hooks/requestLog";
import { migrateApiKeys } from "./model/serviceAccount";
import { Frozen, State, Store } from "./store";

export interface OrgInfo {
  id: number;
  slug: string;
  name: string;
}

/** Options after defaults are applied (see `EmulatorOptions` in index.ts for each one). */
export interface ResolvedOptions {
  port: number;
  host: string;
  token: string;
  stateFile: string | undefined;
  readinessDelayMs: number;
  deleteDelayMs: number;
  slugReuseWindowMs: number;
  pluginBusyMs: number;
  rateLimitPerHour: number;
  latencyMs: number;
  maxStacks: number;
  org: OrgInfo;
  logger: boolean;
  strictContract: boolean;
  stackApiKeys: "legacy" | "removed";
}

/** Who a request authenticated as. */
export type Principal = { kind: "admin" } | { kind: "token"; tokenId: string; scopes: readonly string[] };

/**
 * Everything the hooks, routes and models share. State is read through `state` (read-only) and
 * changed only through `mutate`, which applies one change and writes the `--state` file once.
 */
export class Ctx {
  readonly clock = new Clock();
  readonly faults = new FaultStore();
  readonly log = new RequestLog();
  readonly limiter: RateLimiter;
  private readonly store: Store;
  /** Stack id -> until when plugin calls on it answer "operation in progress"; not persisted. */
  readonly pluginBusyUntil = new Map<number, number>();
  /** Set once the server listens: `http://HOST:PORT`. */
  baseUrl = "";

  constructor(readonly opts: ResolvedOptions) {
    this.limiter = new RateLimiter(opts.rateLimitPerHour);
    this.store = new Store(opts.stateFile);
    // A state file from a time the stacks still had API keys, loaded into stacks without them: the
    // keys become service accounts, as Grafana migrates them when it removes API keys.
    if (opts.stackApiKeys === "removed" && this.store.state.stackKeys.length > 0) {
      this.mutate((state, now) => migrateApiKeys(state, opts.org.id, now));
    }
  }

  now(): number {
    return this.clock.now();
  }

  /** Answer exactly as the official contract says, where it and the observed service disagree. */
  get strict(): boolean {
    return this.opts.strictContract;
  }

  get state(): Frozen<State> {
    return this.store.state;
  }

  /**
   * Applies one change to the state and saves it once. Tokens past their expiry, which every read
   * already treats as gone, are dropped here too, so no read ever writes the state file.
   */
  mutate<T>(change: (state: State, now: number) => T): T {
    const state = this.store.state;
    const now = this.now();
    state.tokens = state.tokens.filter((t) => t.expiresAt === null || t.expiresAt > now);
    const result = change(state, now);
    this.store.save();
    return result;
  }

  /**
   * A change too small to save on its own (a token's last use): kept in memory and written with
   * the next `mutate`, so authenticating a request never writes the state file.
   */
  note(change: (state: State, now: number) => void): void {
    change(this.store.state, this.now());
  }

  /** Empties state, faults, the request log, rate-limit counters and busy windows; real time again. */
  reset(): void {
    this.store.reset();
    this.clock.reset();
    this.faults.clear();
    this.log.clear();
    this.limiter.clear();
    this.pluginBusyUntil.clear();
  }
}
