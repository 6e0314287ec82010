/**
 * Short-lived Admin credentials for a stack's own Grafana API. Listing and deleting a stack's API
 * keys happen at the stack URL and need an Admin key of that stack (real-api-behaviour.md "Hosted
 * Grafana instance API keys"); the Cloud API can only create keys. The Terraform provider made one
 * temporary key per operation and per resource, which cost rate limit; here one temporary key
 * (60 s life) serves every key of a stack within this provider process while it stays valid.
 *
 * The cache is module state, keyed by API URL + stack slug. It holds the key in memory only: never
 * in state, logs or error messages. A temporary key is used for 45 s at most, deleted 50 s after
 * creation if the process still runs, and expires by itself at 60 s otherwise, so none outlives
 * its 60-second life.
 */
import { randomBytes } from "node:crypto";
import { getStack, isGoneStatus, type StackResponse } from "../api/stacks";
import { createStackApiKey, deleteStackApiKey, listStackApiKeys, type StackKey } from "../api/stackKeys";
import { isNotFoundError } from "../client/errors";
import type { ApiClient } from "../client/http";
import { getClient, resolveConfig } from "../config";
import { withContext } from "./framework";

/** Names of the temporary keys start with this, so they are recognisable in the Grafana UI. */
export const TEMP_KEY_PREFIX = "pulumi-grafana-cloud-temp-admin-";
export const TEMP_KEY_TTL_SECONDS = 60;
/** A session is not started on after this: a call begun with it finishes well before expiry. */
const USABLE_MS = 45_000;
/** When the key deletes itself, if the process still runs. */
const RETIRE_MS = 50_000;

/** What a read or delete gets when the stack itself no longer exists. */
export const STACK_GONE = Symbol("stack gone");
export type StackGone = typeof STACK_GONE;

export interface AdminSession {
  readonly stackSlug: string;
  /** The stack's own Grafana URL. */
  readonly stackUrl: string;
  /** The temporary Admin key (secret). */
  readonly key: string;
  readonly keyId: number;
  readonly usableUntil: number;
}

interface Entry extends AdminSession {
  cacheKey: string;
  retire: NodeJS.Timeout;
}

const sessions = new Map<string, Entry>();
const opening = new Map<string, Promise<Entry | StackGone>>();
const listing = new Map<string, Promise<StackKey[] | StackGone>>();

function cacheKeyOf(stackSlug: string): string {
  return `${resolveConfig().url}\u0000${stackSlug}`;
}

const isUnauthorized = (e: unknown): boolean => e instanceof Error && e.name === "UnauthorizedError";

/** The stack, or STACK_GONE when it no longer exists. */
export async function findLiveStack(
  client: ApiClient,
  stackSlug: string,
): Promise<StackResponse | StackGone> {
  try {
    const stack = await getStack(client, stackSlug);
    return isGoneStatus(stack.status) ? STACK_GONE : stack;
  } catch (e) {
    if (isNotFoundError(e)) return STACK_GONE;
    throw withContext(e, `looking up stack "${stackSlug}" for its URL`);
  }
}

async function open(client: ApiClient, cacheKey: string, stackSlug: string): Promise<Entry | StackGone> {
  const startedAt = Date.now();
  const stack = await findLiveStack(client, stackSlug);
  if (stack === STACK_GONE) return STACK_GONE;
  const name = `${TEMP_KEY_PREFIX}${startedAt}-${randomBytes(4).toString("hex")}`;
  let created;
  try {
    // retrySafe: a temporary key lost with its response is uniquely named and expires by itself.
    created = await createStackApiKey(
      client,
      stackSlug,
      { name, role: "Admin", secondsToLive: TEMP_KEY_TTL_SECONDS },
      { retrySafe: true },
    );
  } catch (e) {
    if (isNotFoundError(e)) return STACK_GONE;
    throw withContext(
      e,
      `making a temporary Admin API key for stack "${stackSlug}" (needed to read and delete its API keys ` +
        `through the stack URL; the access policy must be allowed to create the stack's API keys)`,
    );
  }
  const entry: Entry = {
    cacheKey,
    stackSlug,
    stackUrl: stack.url,
    key: created.key,
    keyId: created.id,
    // Counted from before the stack lookup, so a slow create only shortens the use.
    usableUntil: startedAt + USABLE_MS,
    retire: setTimeout(() => void retire(entry), Math.max(0, startedAt + RETIRE_MS - Date.now())),
  };
  // The timer must not keep a process (a test run, a provider host) alive.
  entry.retire.unref();
  sessions.set(cacheKey, entry);
  return entry;
}

/** Deletes the temporary key with itself; best effort, it expires anyway. */
async function retire(entry: Entry): Promise<void> {
  clearTimeout(entry.retire);
  if (sessions.get(entry.cacheKey) === entry) sessions.delete(entry.cacheKey);
  try {
    await deleteStackApiKey(getClient(), entry.stackUrl, entry.key, entry.keyId);
  } catch {
    // Already deleted or expired, or the configuration changed: the key dies at 60 s regardless.
  }
}

function forget(entry: Entry): void {
  clearTimeout(entry.retire);
  if (sessions.get(entry.cacheKey) === entry) sessions.delete(entry.cacheKey);
}

/** A valid session for the stack (shared with concurrent callers), or STACK_GONE. */
async function session(client: ApiClient, stackSlug: string): Promise<Entry | StackGone> {
  const cacheKey = cacheKeyOf(stackSlug);
  const cached = sessions.get(cacheKey);
  if (cached && Date.now() < cached.usableUntil) return cached;
  // A stale one stays until its retire timer deletes it; a new one replaces it in the cache.
  const inflight = opening.get(cacheKey);
  if (inflight) return inflight;
  const p = open(client, cacheKey, stackSlug).finally(() => opening.delete(cacheKey));
  opening.set(cacheKey, p);
  return p;
}

/**
 * Runs `fn` with an Admin session for the stack. A 401 means the temporary key died early (deleted
 * by someone, or the stack's clock runs ahead): the session is dropped and `fn` runs once more
 * with a new one.
 */
export async function withStackAdmin<T>(
  stackSlug: string,
  fn: (client: ApiClient, s: AdminSession) => Promise<T>,
): Promise<T | StackGone> {
  const client = getClient();
  const first = await session(client, stackSlug);
  if (first === STACK_GONE) return STACK_GONE;
  try {
    return await fn(client, first);
  } catch (e) {
    if (!isUnauthorized(e)) throw e;
    forget(first);
    const second = await session(client, stackSlug);
    if (second === STACK_GONE) return STACK_GONE;
    return fn(client, second);
  }
}

/**
 * Every API key of the stack, expired ones included, or STACK_GONE. Concurrent callers for one
 * stack (a refresh reads its resources in parallel) share one request.
 */
export function listStackKeys(stackSlug: string): Promise<StackKey[] | StackGone> {
  const cacheKey = cacheKeyOf(stackSlug);
  const inflight = listing.get(cacheKey);
  if (inflight) return inflight;
  const p = listOnce(stackSlug).finally(() => listing.delete(cacheKey));
  listing.set(cacheKey, p);
  return p;
}

async function listOnce(stackSlug: string): Promise<StackKey[] | StackGone> {
  try {
    return await withStackAdmin(stackSlug, (c, s) => listStackApiKeys(c, s.stackUrl, s.key));
  } catch (e) {
    // A 404 at the stack URL: the stack went away after its URL was cached, or the stack does not
    // serve this API. Only the first may drop the keys from state, so ask the Cloud API which.
    if (!isNotFoundError(e)) throw e;
    const cached = sessions.get(cacheKeyOf(stackSlug));
    if (cached) forget(cached);
    if ((await findLiveStack(getClient(), stackSlug)) === STACK_GONE) return STACK_GONE;
    throw e;
  }
}

/**
 * Deletes every cached temporary key now and empties the cache. Tests call it between cases; a
 * long-lived process may call it when done.
 */
export async function releaseStackAdminKeys(): Promise<void> {
  const entries = [...sessions.values()];
  await Promise.all(entries.map((e) => retire(e)));
}
