import { Ctx, ResolvedOptions } from "./context";
import { buildServer } from "./server";

export type { AppliedAnswer, FaultKind, FaultSpec } from "./faults";
export type { RequestLogEntry } from "./hooks/requestLog";

/**
 * The local Grafana Cloud API emulator: a real HTTP server with its own model of the service
 * (see emulator/README.md). It imports nothing from provider/, so a misunderstanding of the API
 * cannot hide on both sides at once.
 */

/** The bearer token the emulator accepts unless told otherwise; for local use only. */
export const DEFAULT_TOKEN = "emulator-token";

export const DEFAULT_ORG = { id: 1, slug: "emulator-org", name: "Emulator Org" } as const;

export interface EmulatorOptions {
  /** Port to listen on; default 0 (a free port). */
  port?: number | undefined;
  /** Address to listen on; default "127.0.0.1". */
  host?: string | undefined;
  /** Accepted bearer token; default DEFAULT_TOKEN. */
  token?: string | undefined;
  /** Load state from this file at start and write every change to it atomically. */
  stateFile?: string | undefined;
  /** A new stack is `pending`, then `starting`, for this long before `active`; default 2000. */
  readinessDelayMs?: number | undefined;
  /** A deleted stack stays `deleting` this long before `deleted`; default 0. */
  deleteDelayMs?: number | undefined;
  /** Re-creating a slug deleted less than this long ago answers 409; default 30000. */
  slugReuseWindowMs?: number | undefined;
  /** After each plugin change, plugin calls on that stack answer 409 for this long; default 0. */
  pluginBusyMs?: number | undefined;
  /** Access-policy and token requests per bearer token per rolling hour; default 600, 0 disables. */
  rateLimitPerHour?: number | undefined;
  /** Added to every API and stack-URL response; default 0. */
  latencyMs?: number | undefined;
  /** Stack quota; creating more answers 403 "Hosted instance limit reached"; default 100. */
  maxStacks?: number | undefined;
  /** The org the token belongs to; default `{ id: 1, slug: "emulator-org", name: "Emulator Org" }`. */
  org?: { id: number; slug: string; name: string } | undefined;
  /** Fastify's request logger; default false. */
  logger?: boolean | undefined;
  /**
   * Answer exactly as Grafana's official OpenAPI contract says where it and the observed service
   * disagree (error statuses and codes, optional fields left out instead of null, ...; the list is
   * in emulator/README.md); default false: as observed.
   */
  strictContract?: boolean | undefined;
  /**
   * Whether the stacks' Grafana still has API keys. `removed` (the default) is today's service:
   * Grafana 12.1 removed them, so the key routes answer 404 (the Cloud API's
   * `POST /instances/{stack}/api/auth/keys` and the stack URL's `/api/auth/keys`), keys no longer
   * authenticate, and keys found in a `--state` file are migrated to service accounts as Grafana
   * migrates them. `legacy`: the stacks run a Grafana that still has API keys.
   */
  stackApiKeys?: StackApiKeysMode | undefined;
}

export const STACK_API_KEYS_MODES = ["legacy", "removed"] as const;
export type StackApiKeysMode = (typeof STACK_API_KEYS_MODES)[number];

export interface RunningEmulator {
  /** `http://HOST:PORT`, no trailing slash; the API is under `${url}/api`. */
  url: string;
  port: number;
  close(): Promise<void>;
}

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0)
    throw new Error(`emulator option ${name} must be >= 0, got ${value}`);
  return value;
}

function isStackApiKeysMode(value: string): value is StackApiKeysMode {
  return (STACK_API_KEYS_MODES as readonly string[]).includes(value);
}

function stackApiKeysMode(value: string | undefined): StackApiKeysMode {
  if (value === undefined) return "removed";
  if (!isStackApiKeysMode(value)) {
    throw new Error(
      `emulator option stackApiKeys must be "legacy" or "removed", got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

export function resolveOptions(options: EmulatorOptions = {}): ResolvedOptions {
  return {
    port: nonNegative("port", options.port, 0),
    host: options.host ?? "127.0.0.1",
    token: options.token ?? DEFAULT_TOKEN,
    stateFile: options.stateFile,
    readinessDelayMs: nonNegative("readinessDelayMs", options.readinessDelayMs, 2000),
    deleteDelayMs: nonNegative("deleteDelayMs", options.deleteDelayMs, 0),
    slugReuseWindowMs: nonNegative("slugReuseWindowMs", options.slugReuseWindowMs, 30_000),
    pluginBusyMs: nonNegative("pluginBusyMs", options.pluginBusyMs, 0),
    rateLimitPerHour: nonNegative("rateLimitPerHour", options.rateLimitPerHour, 600),
    latencyMs: nonNegative("latencyMs", options.latencyMs, 0),
    maxStacks: nonNegative("maxStacks", options.maxStacks, 100),
    org: options.org ?? { ...DEFAULT_ORG },
    logger: options.logger ?? false,
    strictContract: options.strictContract ?? false,
    stackApiKeys: stackApiKeysMode(options.stackApiKeys),
  };
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const ctx = new Ctx(resolveOptions(options));
  const app = buildServer(ctx);
  await app.listen({ port: ctx.opts.port, host: ctx.opts.host });
  const address = app.server.address();
  if (address === null || typeof address === "string") throw new Error("emulator: unexpected listen address");
  const host = ctx.opts.host.includes(":") ? `[${ctx.opts.host}]` : ctx.opts.host;
  ctx.baseUrl = `http://${host}:${address.port}`;
  return {
    url: ctx.baseUrl,
    port: address.port,
    close: async () => {
      await app.close();
    },
  };
}
