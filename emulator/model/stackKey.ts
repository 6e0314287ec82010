import { iso } from "../clock";
import type { Ctx } from "../context";
import { ApiError, conflict, invalid, raw } from "../errors";
import { hashSecret, newGrafanaKey } from "../secrets";
import type { Frozen } from "../store";
import { MAX_SECONDS_TO_LIVE, isObject, isStackKeyName } from "../validation";
import { Stack, requireActive, takeKeyId } from "./stack";

/**
 * Hosted Grafana API keys of a stack. Only creation goes through the Cloud API
 * (`POST /instances/{stack}/api/auth/keys`); listing and deleting happen on the stack's own URL,
 * with an Admin credential of that stack. Grafana keeps expired keys (listed with
 * `includeExpired=true`), so their names stay taken until deleted; keys and service-account tokens
 * share one table in Grafana, so a token's name is taken for keys too.
 *
 * Grafana 12.1 removed API keys. With `stackApiKeys: "removed"` (the default, today's service)
 * these routes answer 404, as current Grafana answers any route it does not have, and keys no
 * longer authenticate.
 */

export type GrafanaRole = "Viewer" | "Editor" | "Admin";
const ROLES: readonly GrafanaRole[] = ["Viewer", "Editor", "Admin"];

export interface StackKeyRecord {
  id: number;
  stackId: number;
  name: string;
  role: GrafanaRole;
  expiresAt: number | null;
  createdAt: number;
  secretHash: string;
}

export type StackKey = Frozen<StackKeyRecord>;

/** An entry of the stack URL's key list; Grafana leaves `expiration` out for keys that never expire. */
export function keyView(k: StackKey): Record<string, unknown> {
  return {
    id: k.id,
    name: k.name,
    role: k.role,
    ...(k.expiresAt === null ? {} : { expiration: iso(k.expiresAt) }),
  };
}

export interface KeyInput {
  name: string;
  role: GrafanaRole;
  /** Positive: seconds until expiry; null: never expires. */
  secondsToLive: number | null;
}

function isRole(v: unknown): v is GrafanaRole {
  return typeof v === "string" && (ROLES as readonly string[]).includes(v);
}

export function parseKeyCreate(body: unknown): KeyInput {
  if (!isObject(body)) throw invalid("Invalid request body: must be a JSON object");
  if (typeof body.name !== "string" || body.name.trim() === "") throw invalid("Field is required: name");
  if (!isStackKeyName(body.name)) throw invalid("Invalid name: must be at most 190 characters");
  if (!isRole(body.role)) {
    throw invalid(`Invalid role ${String(body.role)} specified: must be one of ${ROLES.join(", ")}`);
  }
  const ttl = body.secondsToLive;
  if (ttl !== undefined && ttl !== null && (typeof ttl !== "number" || !Number.isInteger(ttl) || ttl < 0)) {
    throw invalid("Invalid secondsToLive: must be a non-negative integer");
  }
  if (typeof ttl === "number" && ttl > MAX_SECONDS_TO_LIVE) {
    throw invalid(`Invalid secondsToLive: must be at most ${MAX_SECONDS_TO_LIVE} (100 years)`);
  }
  // null, 0 or absent: the key does not expire.
  return { name: body.name, role: body.role, secondsToLive: typeof ttl === "number" && ttl > 0 ? ttl : null };
}

/** Creates the key and answers `{id, name, key}`, the only time the secret is shown. */
/** Whether the stacks' Grafana still has API keys (`stackApiKeys: "legacy"`). */
export function apiKeysServed(ctx: Ctx): boolean {
  return ctx.opts.stackApiKeys === "legacy";
}

/** The 404 current Grafana answers for a route it does not have, the API key routes included. */
export const removedRoute = (): ApiError => raw(404, "NotFound", "Not found");

/**
 * Key creation is proxied to the stack's Grafana: the stack must be running (503 Loading
 * otherwise) and still have API keys (404 otherwise, before the body is even read).
 */
export function requireKeyRoute(ctx: Ctx, stack: Stack): void {
  requireActive(ctx, stack);
  if (!apiKeysServed(ctx)) throw removedRoute();
}

export function createKey(
  ctx: Ctx,
  stack: Stack,
  input: KeyInput,
): { id: number; name: string; key: string } {
  requireKeyRoute(ctx, stack);
  const taken =
    ctx.state.stackKeys.some((k) => k.stackId === stack.id && k.name === input.name) ||
    ctx.state.serviceAccountTokens.some((t) => t.stackId === stack.id && t.name === input.name);
  if (taken) {
    throw conflict(`An API key named ${JSON.stringify(input.name)} already exists on stack ${stack.slug}`);
  }
  const key = newGrafanaKey(input.name, ctx.opts.org.id);
  const record = ctx.mutate((state, now) => {
    const k: StackKeyRecord = {
      id: takeKeyId(state.stacks, stack),
      stackId: stack.id,
      name: input.name,
      role: input.role,
      expiresAt: input.secondsToLive === null ? null : now + input.secondsToLive * 1000,
      createdAt: now,
      secretHash: hashSecret(key),
    };
    state.stackKeys.push(k);
    return k;
  });
  return { id: record.id, name: record.name, key };
}

export function listKeys(ctx: Ctx, stack: Stack, includeExpired: boolean): StackKey[] {
  const now = ctx.now();
  return ctx.state.stackKeys
    .filter((k) => k.stackId === stack.id && (includeExpired || k.expiresAt === null || k.expiresAt > now))
    .sort((a, b) => a.id - b.id);
}

export function deleteKey(ctx: Ctx, stack: Stack, id: number): void {
  if (!ctx.state.stackKeys.some((k) => k.stackId === stack.id && k.id === id)) {
    throw raw(404, "NotFound", "API key not found");
  }
  ctx.mutate((state) => {
    state.stackKeys = state.stackKeys.filter((k) => !(k.stackId === stack.id && k.id === id));
  });
}
