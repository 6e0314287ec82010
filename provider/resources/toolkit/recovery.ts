/**
 * Create with recovery. The API has no idempotency keys, so a create whose outcome is unknown (no
 * response, or an answer that does not say whether it was applied) may have made the object. Each
 * resource picks a named strategy for that case:
 *
 * - `adoptWhatThisAttemptMade`: look the object up by its natural key and take it if it was made
 *   since the attempt began (Stack, AccessPolicy; the plugin installation on the conflict its retry
 *   meets);
 * - `deleteAndMakeAgain`: for objects whose secret is shown only at creation, delete what the
 *   attempt made and create again (Token, StackApiKey).
 *
 * A resource's own failure handling (a taken name with `adoptExisting`, a slug still held by a
 * deleted stack) is a hook beside the strategy.
 */
import { clock } from "../../clock";
import { withContext } from "../../client/context";
import {
  isConflictError,
  isInvalidArgumentError,
  isNetworkError,
  isOutcomeUnknown,
  isTimeoutError,
} from "../../client/errors";
import { refusedArgument } from "./errors";

/** Clock skew tolerated when deciding whether a found object was made by our own attempt. */
const SKEW_MS = 5 * 60_000;

/**
 * Whether an object found after an unknown outcome was made since `startedAt` (our attempt),
 * allowing for clock skew. An object without a creation time counts as ours.
 */
export function madeSince(createdAt: string | null | undefined, startedAt: number): boolean {
  const created = createdAt ? Date.parse(createdAt) : startedAt;
  return created >= startedAt - SKEW_MS;
}

/**
 * What happened to an attempt whose outcome is unknown, in words: "the response to the create was
 * lost" only when no response came back after the request went out; otherwise a neutral account.
 */
export function unknownOutcome(e: unknown, attempt: "the create" | "an earlier attempt"): string {
  if (isNetworkError(e) || isTimeoutError(e)) return `the response to ${attempt} was lost`;
  const reason =
    e instanceof Error && "status" in e && typeof e.status === "number"
      ? `the API answered ${e.status}`
      : e instanceof Error
        ? e.name
        : "no usable answer";
  return `${attempt} may have been applied (${reason})`;
}

/** How a failed attempt goes on: with what was made, with another attempt, or not handled here. */
export type Step<T> = { done: T } | "again" | undefined;

/** An earlier attempt whose outcome is unknown and not yet resolved. */
export interface Unresolved {
  startedAt: number;
  cause: unknown;
}

export interface AttemptState {
  /** 1 for the first attempt. */
  attempt: number;
  /** No attempt may follow this one. */
  last: boolean;
  unresolved?: Unresolved;
}

/** When a strategy looks for what an attempt with an unknown outcome made. */
export type Look =
  /** Right after that attempt, before another one. */
  | "at once"
  /** When a later attempt meets the natural key taken (409): the earlier one made it. */
  | "on conflict";

interface Naming {
  /** What messages call the object: "stack", "access policy". */
  what: string;
  /** How its natural key reads in messages: "with this slug", "of this name". */
  sameKey: string;
  /** What the user does when a later run meets the object: "set adoptExisting: true". */
  fix: string;
}

export interface Recovery<T> extends Naming {
  readonly strategy: string;
  readonly look: Look;
  /** Whether an error says the natural key is taken (default: a 409 that is not a bad argument). */
  taken(e: unknown): boolean;
  /** Resolves an unknown outcome; `cause` is the error of the attempt whose outcome is unknown. */
  resolve(e: unknown, unresolved: Unresolved, s: AttemptState, where: string): Promise<Step<T>>;
}

/** What a strategy looks for, when, and how messages name it. */
interface Target extends Naming {
  look: Look;
  /** Whether an error says the natural key is taken (default: a 409 that is not a bad argument). */
  taken?: (e: unknown) => boolean;
}

/** What every strategy carries besides its `resolve`. */
function common(strategy: string, o: Target) {
  const { what, sameKey, fix, look } = o;
  return {
    strategy,
    look,
    what,
    sameKey,
    fix,
    taken: o.taken ?? ((e: unknown) => isConflictError(e) && !isInvalidArgumentError(e)),
  };
}

/** The attempt whose outcome is unknown, as messages name it. */
const attemptOf = (look: Look) => (look === "at once" ? "the create" : "an earlier attempt");

/** Looking at once, the object found was there before the attempt: not ours to take or delete. */
const existedBefore = (e: unknown, where: string, u: Unresolved, n: Naming) =>
  withContext(
    e,
    `${where}: ${unknownOutcome(u.cause, "the create")}, and a ${n.what} ${n.sameKey} already existed before`,
  );

/** Runs a look-up after an unknown outcome; if it fails too, says that the object may exist. */
async function lookFor<F>(where: string, n: Target, u: Unresolved, find: () => Promise<F>) {
  try {
    return await find();
  } catch (lookup) {
    throw withContext(
      lookup,
      `${where}: ${unknownOutcome(u.cause, attemptOf(n.look))}, and looking for the ${n.what} it may have made failed ` +
        `too. Run \`pulumi up\` again; if it then reports that the ${n.what} already exists, it is the one ` +
        `made here: ${n.fix}`,
    );
  }
}

/**
 * Takes the object the attempt made: looked up by natural key, it is ours when it was made since
 * the attempt began. Looking at once, an object made before is an error; looking on a conflict,
 * it is left to the resource's own conflict handling (e.g. `adoptExisting`).
 */
export function adoptWhatThisAttemptMade<T, F>(
  o: Target & {
    find: () => Promise<F | undefined>;
    createdAt: (found: F) => string | null | undefined;
    take: (found: F) => Promise<T>;
  },
): Recovery<T> {
  return {
    ...common("adopt what this attempt made", o),
    async resolve(e, u, _s, where) {
      const found = await lookFor(where, o, u, o.find);
      if (found === undefined) return o.look === "at once" ? "again" : undefined;
      if (madeSince(o.createdAt(found), u.startedAt)) return { done: await o.take(found) };
      if (o.look === "on conflict") return undefined;
      throw existedBefore(e, where, u, o);
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
  return {
    ...common("delete and make again", o),
    async resolve(e, u, s, where) {
      const found = await lookFor(where, o, u, o.find);
      const ours = found.filter((f) => !o.createdAt || madeSince(o.createdAt(f), u.startedAt));
      if (o.look === "at once" && ours.length < found.length) throw existedBefore(e, where, u, o);
      if (ours.length === 0) return o.look === "at once" ? "again" : undefined;
      for (const f of ours) {
        const named = o.describe ? ` (${o.describe(f)})` : "";
        if (s.last) {
          throw withContext(
            e,
            `${where}: ${unknownOutcome(u.cause, "an earlier attempt")}, and a ${o.what} ${o.sameKey} now exists` +
              `${named}; it was probably made by that attempt, but its secret was lost with the response. ` +
              `To go on, ${o.fix}, or choose another name`,
          );
        }
        try {
          await o.remove(f);
        } catch (err) {
          throw withContext(err, `${where}: deleting the ${o.what} the earlier attempt made${named}`);
        }
      }
      return "again";
    },
  };
}

export interface CreateOptions<T> {
  /** What is being made, for every message: `creating token "ci" in region us`. */
  where: string;
  /** How many attempts at most. */
  attempts: number;
  /** One attempt. */
  make: () => Promise<T>;
  recovery: Recovery<T>;
  /** The resource's own handling of a failed attempt, tried after the recovery's. */
  onFailure?: (e: unknown, s: AttemptState) => Promise<Step<T>>;
  /** A resource's own explanation of an error it gives up on, appended to the message. */
  explain?: (e: unknown) => string | undefined;
}

/** Makes an object, recovering from attempts whose outcome is unknown with `recovery`. */
export async function createWithRecovery<T>(o: CreateOptions<T>): Promise<T> {
  const { recovery } = o;
  let unresolved: Unresolved | undefined;
  for (let attempt = 1; ; attempt++) {
    const startedAt = clock.now();
    try {
      return await o.make();
    } catch (e) {
      const s: AttemptState = { attempt, last: attempt >= o.attempts, ...(unresolved ? { unresolved } : {}) };
      // A bad argument is the user's to correct: it never means that the object exists, so neither
      // the recovery nor the resource's own handling (adoption, "already exists") sees it.
      const invalid = isInvalidArgumentError(e);
      if (unresolved && !invalid && recovery.look === "on conflict" && recovery.taken(e)) {
        const step = await recovery.resolve(e, unresolved, s, o.where);
        if (step === "again") {
          unresolved = undefined;
          continue;
        }
        if (step) return step.done;
      }
      const own = invalid ? undefined : await o.onFailure?.(e, s);
      if (own === "again") continue;
      if (own) return own.done;
      if (isOutcomeUnknown(e) && !s.last) {
        if (recovery.look === "on conflict") {
          // Another attempt either makes the object (this one did not) or meets it taken.
          unresolved ??= { startedAt, cause: e };
          continue;
        }
        const step = await recovery.resolve(e, { startedAt, cause: e }, s, o.where);
        if (step === "again" || step === undefined) continue;
        return step.done;
      }
      const parts = [o.where];
      // Every attempt sent the same body, so an earlier one refused nothing less: it made nothing.
      if (unresolved && !invalid) {
        parts.push(
          `${unknownOutcome(unresolved.cause, "an earlier attempt")}, so the ${recovery.what} may exist; if the ` +
            `next run reports that it already exists, ${recovery.fix}`,
        );
      }
      const hint = refusedArgument(e) ?? o.explain?.(e);
      if (hint) parts.push(hint);
      throw withContext(e, parts.join(": "));
    }
  }
}
