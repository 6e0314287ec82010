import { Clock } from "./clock";
import { FaultStore } from "./faults";
import { RateLimiter } from "./rateLimit";
import { RequestLog } from "./requestLog";
import { Store } from "./store";

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
}

/** Who a request authenticated as. */
export type Principal =
  | { kind: "admin" }
  | { kind: "token"; tokenId: string; scopes: readonly string[] }
  | { kind: "orgKey"; role: string };

/** Everything the route modules share. */
export class Ctx {
  readonly clock = new Clock();
  readonly faults = new FaultStore();
  readonly log = new RequestLog();
  readonly limiter: RateLimiter;
  readonly store: Store;
  /** Stack id -> until when plugin calls on it answer "operation in progress". */
  readonly pluginBusyUntil = new Map<number, number>();
  /** Set once the server listens: `http://HOST:PORT`. */
  baseUrl = "";

  constructor(readonly opts: ResolvedOptions) {
    this.limiter = new RateLimiter(opts.rateLimitPerHour);
    this.store = new Store(opts.stateFile);
  }

  now(): number {
    return this.clock.now();
  }

  get state() {
    return this.store.state;
  }

  save(): void {
    this.store.save();
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

  /**
   * Tokens past `expiresAt` are deleted by the service (real-api-behaviour.md, "Tokens"), so they
   * disappear from every read; stack API keys are kept, since Grafana lists them as expired.
   */
  purgeExpired(): void {
    const now = this.now();
    const before = this.state.tokens.length;
    this.state.tokens = this.state.tokens.filter((t) => t.expiresAt === null || t.expiresAt > now);
    if (this.state.tokens.length !== before) this.save();
  }
}
