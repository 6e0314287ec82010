/**
 * Create with recovery. The API has no idempotency keys, so a create whose outcome is unknown (no
 * answer, or an answer that does not say whether it was applied: a lost or cut-short response, a
 * stalled body, a 5xx other than 503, a 2xx that is HTML, empty or lacks the id or the secret) may
 * have made the object. The rule: before the create returns or fails, whatever such an attempt
 * made is found and either kept (it becomes the result) or removed; attempts go on while the time
 * budget lasts; and when the look-up or the removal itself fails, the error says exactly what may
 * exist and how to clean it up.
 *
 * Each resource picks a named strategy for what such an attempt made:
 *
 * - `adoptWhatThisAttemptMade`: look the object up by its natural key and keep it if it was made
 *   since the attempt began (Stack, AccessPolicy, PluginInstallation);
 * - `deleteAndMakeAgain`: for objects whose secret is shown only at creation, delete what the
 *   attempt made (it is useless without its secret) and create again (Token, StackApiKey).
 *
 * and when to look: at once after the attempt, or only when a later attempt meets the natural key
 * taken (for objects whose look-up is costly, e.g. a stack's API keys). Whichever it is, an
 * unknown outcome still unsettled when the attempts end is looked for then.
 *
 * A resource's own failure handling (a taken name with `adoptExisting`, a slug still held by a
 * deleted stack) is a hook beside the strategy.
 */
import { clock } from "../../clock";
import { withContext } from "../../client/context";
import { isConflictError, isInvalidArgumentError, isOutcomeUnknown } from "../../client/errors";
import { refusedArgument } from "./errors";

/** Clock skew tolerated when deciding whether a found object was made by our own attempt. */
const SKEW_MS = 5 * 60_000;

/** Attempts at most, whatever the budget: a guard for clocks that do not move (tests). */
const MAX_ATTEMPTS = 20;

/** The time budget when the caller gives none (the client's default retry budget). */
const DEFAULT_BUDGET_MS = 120_000;

/**
 * Whether an object found after an unknown outcome was made since `startedAt` (our attempt),
 * allowing for clock skew. An object without a (readable) creation time counts as ours.
 */
export function madeSince(createdAt: string | null | undefined, startedAt: number): boolean {
  const parsed = createdAt ? Date.parse(createdAt) : Number.NaN;
  const created = Number.isNaN(parsed) ? startedAt : parsed;
  return created >= startedAt - SKEW_MS;
}

const fieldsOf = (e: unknown) => (e instanceof Error ? (e as Error & Record<string, unknown>) : undefined);

/**
 * What happened to an attempt whose outcome is unknown, in words that say what was seen: a lost
 * response, an answer cut short or stalled, a proxy's 5xx, an unusable answer.
 */
export function unknownOutcome(
  e: unknown,
  attempt: "the create" | "an earlier attempt" | "the last attempt",
): string {
  const f = fieldsOf(e);
  const status = typeof f?.["status"] === "number" ? f["status"] : undefined;
  const name = f?.name;
  if (name === "NetworkError") {
    return status === undefined
      ? `the response to ${attempt} was lost (the connection failed after the request was sent)`
      : `the answer to ${attempt} was cut short (${status} arrived, its body did not)`;
  }
  if (name === "TimeoutError") {
    return status === undefined
      ? `no answer to ${attempt} came in time`
      : `the answer to ${attempt} stalled (${status} arrived, its body did not complete in time)`;
  }
  if (name === "ResponseValidationError") {
    const field = typeof f?.["field"] === "string" ? f["field"] : "(body)";
    return field === "(body)"
      ? `the answer to ${attempt} was unusable (its body was not the JSON expected)`
      : `the answer to ${attempt} was unusable (it lacked a usable "${field}")`;
  }
  if (name === "ResponseTooLargeError") return `the answer to ${attempt} was too large to read`;
  if (status !== undefined && status >= 500) {
    return `${attempt} was answered ${status}, which a proxy may send after the API applied the request`;
  }
  return `${attempt} may have been applied (${name ?? "no usable answer"})`;
}

/** How a failed attempt goes on: with what was made, with another attempt, or not handled here. */
export type Step<T> = { done: T } | "again" | undefined;

/** Attempts whose outcome is unknown and whose objects are not yet found. */
export interface Unresolved {
  /** When the first of them began: anything made since may be theirs. */
  startedAt: number;
  /** The error of the first of them. */
  cause: unknown;
  /** How messages name them: the attempt just made, or an earlier one. */
  which: "the create" | "an earlier attempt";
  /** How many attempts they are. */
  count: number;
  /**
   * Until when a failed look-up or removal is tried again (a transient failure: no answer, a 5xx,
   * 429, 503); absent: tried once.
   */
  until?: number;
}

export interface AttemptState {
  /** 1 for the first attempt. */
  attempt: number;
  /** No attempt may follow this one (the count or the time budget is spent). */
  last: boolean;
  unresolved?: Unresolved;
}

/** When a strategy looks for what an attempt with an unknown outcome made. */
export type Look =
  /** Right after that attempt, before another one. */
  | "at once"
  /**
   * When a later attempt meets the natural key taken (409): the earlier one made it. Still
   * unsettled when the attempts end, it is looked for then.
   */
  | "on conflict";

interface Naming {
  /** What messages call the object: "stack", "access policy". */
  what: string;
  /** How its natural key reads in messages: "with this slug", "of this name". */
  sameKey: string;
  /** What the user does when a later run meets the object: "set adoptExisting: true". */
  fix: string;
  /**
   * Exactly what may be left when it cannot be settled, kind, name and place:
   * `token "ci" in region us (access policy 1a2b)`. Default: "a <what> <sameKey>".
   */
  identity?: string;
  /** How to remove it by hand, e.g. where in the Grafana UI or which API call. Default: `fix`. */
  cleanup?: string;
}

/** What settling an unknown outcome found. */
export type Settled<T> =
  /** Ours, and kept: it is the result. */
  | { kind: "kept"; value: T }
  /** Ours, and removed (how each removed one is named: "id 12"). */
  | { kind: "removed"; removed: string[] }
  /** Nothing made by the attempts. */
  | { kind: "none" }
  /** Something holds the natural key that was there before the attempts: not ours. */
  | { kind: "older" };

export interface Recovery<T> extends Naming {
  readonly strategy: string;
  readonly look: Look;
  /** Whether an error says the natural key is taken (default: any 409). */
  taken(e: unknown): boolean;
  /**
   * Finds what the attempts since `u.startedAt` made and keeps or removes it. Throws when the
   * look-up or the removal fails, saying what may exist and how to clean it up.
   */
  settle(u: Unresolved, where: string): Promise<Settled<T>>;
}

/** What a strategy looks for, when, and how messages name it. */
interface Target extends Naming {
  look: Look;
  /** Whether an error says the natural key is taken (default: any 409). */
  taken?: (e: unknown) => boolean;
}

/** What every strategy carries besides its `settle`. */
function common(strategy: string, o: Target) {
  const { what, sameKey, fix, look } = o;
  return {
    strategy,
    look,
    what,
    sameKey,
    fix,
    identity: o.identity ?? `a ${what} ${sameKey}`,
    cleanup: o.cleanup ?? fix,
    taken: o.taken ?? ((e: unknown) => isConflictError(e) && !isInvalidArgumentError(e)),
  };
}

/** A failure that a later try may get past: no usable answer, a 5xx, 408, 429, a refused connection. */
function isTransient(e: unknown): boolean {
  const status = fieldsOf(e)?.["status"];
  if (typeof status === "number") return status >= 500 || status === 408 || status === 429;
  return isOutcomeUnknown(e) || fieldsOf(e)?.name === "NetworkError";
}

/** First wait between tries of a look-up or removal; doubles up to the cap. */
const SETTLE_WAIT_MS = 250;
const SETTLE_WAIT_CAP_MS = 5000;

/**
 * Runs a look-up or a removal, again after a transient failure until `u.until`; if it still
 * fails, says what may exist and how to clean it up.
 */
async function orSay<F>(
  where: string,
  n: Required<Naming>,
  u: Unresolved,
  doing: string,
  run: () => Promise<F>,
) {
  let wait = SETTLE_WAIT_MS;
  for (;;) {
    try {
      return await run();
    } catch (err) {
      if (isTransient(err) && u.until !== undefined && clock.now() + wait < u.until) {
        await clock.sleep(wait);
        wait = Math.min(wait * 2, SETTLE_WAIT_CAP_MS);
        continue;
      }
      throw withContext(
        err,
        `${where}: ${unknownOutcome(u.cause, u.which)}, and ${doing} failed too, so ${n.identity} ` +
          `may exist on the server. To clean up: ${n.cleanup}`,
      );
    }
  }
}

/**
 * Keeps the object the attempt made: looked up by natural key, it is ours when it was made since
 * the attempt began. Found but older, it is not ours (the resource's conflict handling, e.g.
 * `adoptExisting`, decides about it).
 */
export function adoptWhatThisAttemptMade<T, F>(
  o: Target & {
    find: () => Promise<F | undefined>;
    createdAt: (found: F) => string | null | undefined;
    take: (found: F) => Promise<T>;
  },
): Recovery<T> {
  const c = common("adopt what this attempt made", o);
  return {
    ...c,
    async settle(u, where) {
      const found = await orSay(where, c, u, `looking for the ${c.what} it may have made`, o.find);
      if (found === undefined) return { kind: "none" };
      if (!madeSince(o.createdAt(found), u.startedAt)) return { kind: "older" };
      return { kind: "kept", value: await o.take(found) };
    },
  };
}

/**
 * For objects whose secret is shown only at creation: what the attempt made is useless without
 * it, so it is deleted and the create repeated. Without `createdAt` (the API does not say), what
 * holds the natural key after the unknown outcome counts as made by it.
 */
export function deleteAndMakeAgain<F>(
  o: Target & {
    find: () => Promise<F[]>;
    createdAt?: (found: F) => string | null | undefined;
    remove: (found: F) => Promise<void>;
    /** How a message names one found object, e.g. "id 12". */
    describe?: (found: F) => string;
  },
): Recovery<never> {
  const c = common("delete and make again", o);
  return {
    ...c,
    async settle(u, where) {
      const found = await orSay(where, c, u, `looking for the ${c.what} it may have made`, o.find);
      const createdAt = o.createdAt;
      const ours = createdAt ? found.filter((f) => madeSince(createdAt(f), u.startedAt)) : found;
      if (ours.length === 0) return { kind: found.length > 0 ? "older" : "none" };
      const removed: string[] = [];
      for (const f of ours) {
        const named = o.describe ? o.describe(f) : `the ${c.what}`;
        await orSay(where, { ...c, identity: `${c.identity} (${named})` }, u, `deleting it`, () =>
          o.remove(f),
        );
        removed.push(named);
      }
      return { kind: "removed", removed };
    },
  };
}

export interface CreateOptions<T> {
  /** What is being made, for every message: `creating token "ci" in region us`. */
  where: string;
  /**
   * Time within which attempts start, in milliseconds (the client's retry budget). An attempt
   * whose outcome is unknown is settled even when the budget has run out.
   */
  budgetMs?: number;
  /** How many attempts at most, whatever the budget (default 20). */
  attempts?: number;
  /** One attempt. */
  make: () => Promise<T>;
  recovery: Recovery<T>;
  /** The resource's own handling of a failed attempt, tried after the recovery's. */
  onFailure?: (e: unknown, s: AttemptState) => Promise<Step<T>>;
  /** A resource's own explanation of an error it gives up on, appended to the message. */
  explain?: (e: unknown) => string | undefined;
}

/** What the attempts did about unknown outcomes, for the final message. */
interface Account {
  /** Unknown outcomes settled with nothing left (none found, or what was found removed). */
  settled: number;
  removed: string[];
}

/** Makes an object, settling every attempt whose outcome is unknown with `recovery`. */
export async function createWithRecovery<T>(o: CreateOptions<T>): Promise<T> {
  const { recovery, where } = o;
  const maxAttempts = o.attempts ?? MAX_ATTEMPTS;
  const budgetMs = o.budgetMs ?? DEFAULT_BUDGET_MS;
  const deadline = clock.now() + budgetMs;
  // Looking for and removing what an attempt made may go on for one more budget after the
  // attempts stop: the object must not be left behind for want of a second try.
  const settleUntil = deadline + budgetMs;
  const account: Account = { settled: 0, removed: [] };
  let unresolved: Unresolved | undefined;

  /** Settles `u`; the object kept, or undefined when nothing of it is left. */
  const settle = async (u: Unresolved, e: unknown): Promise<{ value: T } | undefined> => {
    const s = await recovery.settle({ ...u, until: settleUntil }, where);
    if (s.kind === "kept") return { value: s.value };
    if (s.kind === "older") {
      throw withContext(
        e,
        `${where}: ${unknownOutcome(u.cause, u.which)}, and ${recovery.identity} already existed before ` +
          `it; it is not the one made here, and was left alone`,
      );
    }
    account.settled += u.count;
    if (s.kind === "removed") account.removed.push(...s.removed);
    return undefined;
  };

  for (let attempt = 1; ; attempt++) {
    const startedAt = clock.now();
    try {
      return await o.make();
    } catch (e) {
      const last = attempt >= maxAttempts || clock.now() >= deadline;
      const s: AttemptState = { attempt, last, ...(unresolved ? { unresolved } : {}) };
      // A bad argument never means that the object exists: neither the key-taken handling nor the
      // resource's own (adoption, "already exists") sees it.
      const invalid = isInvalidArgumentError(e);
      // A later attempt meets the key taken: an earlier one whose outcome is unknown made it.
      if (unresolved && !invalid && recovery.look === "on conflict" && recovery.taken(e)) {
        const r = await recovery.settle(
          { ...unresolved, which: "an earlier attempt", until: settleUntil },
          where,
        );
        if (r.kind === "kept") return r.value;
        account.settled += unresolved.count;
        unresolved = undefined;
        if (r.kind === "removed") {
          account.removed.push(...r.removed);
          if (!last) continue;
          throw gaveUp(e, o, attempt, budgetMs, account, undefined);
        }
        // Nothing of ours holds the key: the conflict is the resource's to handle.
      }
      const own = invalid ? undefined : await o.onFailure?.(e, s);
      // The resource's own handling bounds its own waits (e.g. for a slug still held).
      if (own === "again" && attempt < maxAttempts) continue;
      if (own && own !== "again") return own.done;
      if (isOutcomeUnknown(e)) {
        const u: Unresolved = unresolved
          ? { ...unresolved, which: "an earlier attempt", count: unresolved.count + 1 }
          : { startedAt, cause: e, which: "the create", count: 1 };
        if (recovery.look === "at once" || last) {
          const kept = await settle(u, e);
          if (kept) return kept.value;
          unresolved = undefined;
        } else {
          // Another attempt either makes the object (this one did not) or meets it taken.
          unresolved = u;
        }
        if (!last) continue;
        throw gaveUp(e, o, attempt, budgetMs, account, undefined);
      }
      // Nothing was applied by this attempt: it fails for good, after settling earlier ones. A bad
      // argument is refused for every attempt alike (each sent the same body): nothing to settle.
      if (unresolved && !invalid) {
        const u: Unresolved = { ...unresolved, which: "an earlier attempt" };
        unresolved = undefined;
        const kept = await settle(u, e);
        if (kept) return kept.value;
      }
      throw gaveUp(e, o, attempt, budgetMs, account, refusedArgument(e) ?? o.explain?.(e));
    }
  }
}

/**
 * The error a create ends with: the operation, what became of attempts whose outcome was unknown
 * (each was settled, so nothing of them is left), the resource's hint, then the last error.
 */
function gaveUp<T>(
  e: unknown,
  o: CreateOptions<T>,
  attempt: number,
  budgetMs: number,
  account: Account,
  hint: string | undefined,
): unknown {
  const parts = [o.where];
  const { recovery } = o;
  if (isOutcomeUnknown(e) && fieldsOf(e)?.["outcome"] !== "not-applied") {
    parts.push(
      `gave up after ${attempt} attempt${attempt === 1 ? "" : "s"} (time budget ${Math.round(budgetMs / 1000)} s): ` +
        unknownOutcome(e, attempt === 1 ? "the create" : "the last attempt"),
    );
  }
  if (account.settled > 0) {
    const one = account.settled === 1;
    const n = account.removed.length;
    const removed =
      n > 0
        ? `the ${recovery.what}${n === 1 ? "" : "s"} ${one ? "it" : "they"} made (${account.removed.join(", ")}) ` +
          `${n === 1 ? "was" : "were"} found and deleted`
        : `no ${recovery.what} made by ${one ? "it" : "them"} was found`;
    parts.push(
      `${one ? "an attempt" : `${account.settled} attempts`} may have been applied; ${removed}, so nothing ` +
        `of ${one ? "it" : "them"} is left on the server`,
    );
  }
  if (hint) parts.push(hint);
  return withContext(e, parts.join(": "));
}
