/**
 * Short-lived Admin credentials for a stack's own Grafana API. Listing and deleting a stack's API
 * keys happen at the stack URL and need an Admin key of that stack; the Cloud API can only create
 * keys. The Terraform provider made one temporary key per operation and per resource, which cost
 * rate limit; here one temporary key (60 s life) serves every key of a stack while it stays valid.
 *
 * The sessions live with the `ApiClient` that opened them (one cache per client instance), keyed
 * by stack slug. A temporary key is held in memory only: never in state, logs or error messages.
 * It is used for 45 s at most, deleted 50 s after creation if the process still runs, and expires
 * by itself at 60 s otherwise, so none outlives its 60-second life.
 *
 * A stack whose Grafana has no API keys any more (12.1 and later) answers the key routes with 404:
 * the session then reports NO_API_KEYS (and the client remembers it for that stack), so callers go
 * through the stack's service accounts instead, where Grafana moved the keys.
 */
import { randomBytes } from "node:crypto";
import { clock } from "../clock";
import { withContext } from "../client/context";
import { isNotFoundError } from "../client/errors";
import type { ApiClient } from "../client/http";
import {
  createStackApiKey,
  deleteStackApiKey,
  isRemovedRouteError,
  listStackApiKeys,
  type StackKey,
} from "./stackKeys";
import { getStack, isGoneStatus, type StackResponse } from "./stacks";

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

/** What a key operation gets when the stack exists but its Grafana has no API keys (12.1+). */
export const NO_API_KEYS = Symbol("no API keys");
export type NoApiKeys = typeof NO_API_KEYS;

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
  client: ApiClient;
  retire: NodeJS.Timeout;
}

/**
 * One client's sessions, the sessions being opened, the key lists being fetched, by slug, and the
 * stacks found to have no API keys.
 */
interface Cache {
  sessions: Map<string, Entry>;
  opening: Map<string, Promise<Entry | StackGone | NoApiKeys>>;
  listing: Map<string, Promise<StackKey[] | StackGone | NoApiKeys>>;
  withoutApiKeys: Set<string>;
}

const caches = new WeakMap<ApiClient, Cache>();

function cacheOf(client: ApiClient): Cache {
  let cache = caches.get(client);
  if (!cache) {
    cache = { sessions: new Map(), opening: new Map(), listing: new Map(), withoutApiKeys: new Set() };
    caches.set(client, cache);
  }
  return cache;
}

/** Whether this client found the stack's Grafana without API keys (a Grafana does not get them back). */
export function knownWithoutApiKeys(client: ApiClient, stackSlug: string): boolean {
  return cacheOf(client).withoutApiKeys.has(stackSlug);
}

/** Records that the stack's Grafana has no API keys, so later key operations skip the key routes. */
export function markWithoutApiKeys(client: ApiClient, stackSlug: string): void {
  cacheOf(client).withoutApiKeys.add(stackSlug);
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

async function open(client: ApiClient, stackSlug: string): Promise<Entry | StackGone | NoApiKeys> {
  if (knownWithoutApiKeys(client, stackSlug)) return NO_API_KEYS;
  const startedAt = clock.now();
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
    // The stack was there a moment ago: a missing key route means its Grafana has no API keys.
    if (isRemovedRouteError(e)) {
      markWithoutApiKeys(client, stackSlug);
      return NO_API_KEYS;
    }
    throw withContext(
      e,
      `making a temporary Admin API key for stack "${stackSlug}" (needed to read and delete its API keys ` +
        `through the stack URL; the access policy must be allowed to create the stack's API keys)`,
    );
  }
  const entry: Entry = {
    client,
    stackSlug,
    stackUrl: stack.url,
    key: created.key,
    keyId: created.id,
    // Counted from before the stack lookup, so a slow create only shortens the use.
    usableUntil: startedAt + USABLE_MS,
    retire: setTimeout(() => void retire(entry), Math.max(0, startedAt + RETIRE_MS - clock.now())),
  };
  // The timer must not keep a process (a test run, a provider host) alive.
  entry.retire.unref();
  cacheOf(client).sessions.set(stackSlug, entry);
  return entry;
}

function forget(entry: Entry): void {
  clearTimeout(entry.retire);
  const sessions = cacheOf(entry.client).sessions;
  if (sessions.get(entry.stackSlug) === entry) sessions.delete(entry.stackSlug);
}

/** Deletes the temporary key with itself; best effort, it expires anyway. */
async function retire(entry: Entry): Promise<void> {
  forget(entry);
  try {
    await deleteStackApiKey(entry.client, entry.stackUrl, entry.key, entry.keyId);
  } catch {
    // Already deleted or expired: the key dies at 60 s regardless.
  }
}

/** A valid session for the stack (shared with concurrent callers), STACK_GONE or NO_API_KEYS. */
async function session(client: ApiClient, stackSlug: string): Promise<Entry | StackGone | NoApiKeys> {
  const { sessions, opening } = cacheOf(client);
  const cached = sessions.get(stackSlug);
  if (cached && clock.now() < cached.usableUntil) return cached;
  // A stale one stays until its retire timer deletes it; a new one replaces it in the cache.
  const inflight = opening.get(stackSlug);
  if (inflight) return inflight;
  const p = open(client, stackSlug).finally(() => opening.delete(stackSlug));
  opening.set(stackSlug, p);
  return p;
}

/**
 * Runs `fn` with an Admin session for the stack. A 401 means the temporary key died early (deleted
 * by someone, or the stack's clock runs ahead): the session is dropped and `fn` runs once more
 * with a new one.
 */
export async function withStackAdmin<T>(
  client: ApiClient,
  stackSlug: string,
  fn: (s: AdminSession) => Promise<T>,
): Promise<T | StackGone | NoApiKeys> {
  const first = await session(client, stackSlug);
  if (first === STACK_GONE || first === NO_API_KEYS) return first;
  try {
    return await fn(first);
  } catch (e) {
    if (!isUnauthorized(e)) throw e;
    forget(first);
    const second = await session(client, stackSlug);
    if (second === STACK_GONE || second === NO_API_KEYS) return second;
    return fn(second);
  }
}

/** The stack's keys as of now, expired ones included, or STACK_GONE, or NO_API_KEYS. */
export function fetchStackKeys(
  client: ApiClient,
  stackSlug: string,
): Promise<StackKey[] | StackGone | NoApiKeys> {
  return withStackAdmin(client, stackSlug, (s) => listStackApiKeys(client, s.stackUrl, s.key));
}

/**
 * Every API key of the stack, expired ones included, or STACK_GONE. Concurrent callers for one
 * stack (a refresh reads its resources in parallel) share one request, so the answer may predate a
 * key made meanwhile: a caller that needs a key it just made uses `fetchStackKeys`.
 */
export function listStackKeys(
  client: ApiClient,
  stackSlug: string,
): Promise<StackKey[] | StackGone | NoApiKeys> {
  const { listing } = cacheOf(client);
  const inflight = listing.get(stackSlug);
  if (inflight) return inflight;
  const p = listOnce(client, stackSlug).finally(() => listing.delete(stackSlug));
  listing.set(stackSlug, p);
  return p;
}

async function listOnce(client: ApiClient, stackSlug: string): Promise<StackKey[] | StackGone | NoApiKeys> {
  try {
    return await fetchStackKeys(client, stackSlug);
  } catch (e) {
    // A missing route at the stack URL: the stack went away after its URL was cached, or its
    // Grafana has no API keys any more. Only the first may drop the keys from state, so ask the
    // Cloud API which.
    if (!isRemovedRouteError(e)) throw e;
    const cached = cacheOf(client).sessions.get(stackSlug);
    if (cached) forget(cached);
    if ((await findLiveStack(client, stackSlug)) === STACK_GONE) return STACK_GONE;
    markWithoutApiKeys(client, stackSlug);
    return NO_API_KEYS;
  }
}

/**
 * Deletes a key through the stack URL; false when it (or the stack) was already gone, NO_API_KEYS
 * when the stack's Grafana has no API keys (the key, if Grafana migrated it, is a service-account
 * token now).
 */
export async function deleteStackKey(
  client: ApiClient,
  stackSlug: string,
  keyId: number,
): Promise<boolean | NoApiKeys> {
  try {
    const r = await withStackAdmin(client, stackSlug, (s) =>
      deleteStackApiKey(client, s.stackUrl, s.key, keyId),
    );
    return r === NO_API_KEYS ? NO_API_KEYS : r !== STACK_GONE;
  } catch (e) {
    if (isNotFoundError(e)) return false;
    throw e;
  }
}

/**
 * Deletes every temporary key this client holds now and empties its cache. Tests call it between
 * cases; a long-lived process may call it when done.
 */
export async function releaseStackAdminKeys(client: ApiClient): Promise<void> {
  const entries = [...cacheOf(client).sessions.values()];
  await Promise.all(entries.map((e) => retire(e)));
}
