/**
 * Making service accounts and their tokens, with recovery from answers that never arrived. Shared
 * by StackServiceAccount, StackServiceAccountToken and the service-account backing of
 * StackApiKey.
 *
 * - An account: a second create after an unknown outcome either makes it or meets its name taken;
 *   the account found under the name is the earlier attempt's when it has the role and disabled
 *   flag asked for (the API gives accounts no creation time to tell by).
 * - A token: its secret is shown only at creation, so a token made by an attempt whose answer was
 *   lost is found by name in the account's token list (made since the attempt began), deleted,
 *   and made again.
 */
import {
  createServiceAccount,
  createServiceAccountToken,
  deleteServiceAccountToken,
  findServiceAccountByName,
  getServiceAccount,
  isNameTakenError,
  listServiceAccountTokens,
  type CreatedServiceAccountToken,
  type ServiceAccountCreateBody,
  type ServiceAccountResponse,
  type ServiceAccountTokenCreateBody,
  type ServiceAccountTokenResponse,
} from "../api/serviceAccounts";
import { findLiveStack, STACK_GONE } from "../api/stackSession";
import { clock } from "../clock";
import { withContext } from "../client/context";
import { isNotFoundError } from "../client/errors";
import type { ApiClient } from "../client/http";
import {
  adoptWhatThisAttemptMade,
  createWithRecovery,
  deleteAndMakeAgain,
  type AttemptState,
  type Step,
} from "./toolkit";

/** Whether the account is as asked: role and disabled flag (absent in an answer: not known to differ). */
export function accountMatches(sa: ServiceAccountResponse, body: ServiceAccountCreateBody): boolean {
  return (
    (sa.role == null || sa.role === body.role) && (sa.isDisabled == null || sa.isDisabled === body.isDisabled)
  );
}

/** The account of this name, whole (search items may carry only id and name), or undefined. */
export async function findServiceAccount(
  client: ApiClient,
  stackSlug: string,
  name: string,
): Promise<ServiceAccountResponse | undefined> {
  const item = await findServiceAccountByName(client, stackSlug, name);
  if (!item) return undefined;
  try {
    return await getServiceAccount(client, stackSlug, item.id);
  } catch (e) {
    // Deleted between the search and the read.
    if (isNotFoundError(e)) return undefined;
    throw e;
  }
}

/** A 404 on a create: the stack is not there (said so), or else what `otherwise` names. */
async function notFoundOnCreate(
  client: ApiClient,
  e: unknown,
  stackSlug: string,
  where: string,
  otherwise: string,
) {
  const stack = await findLiveStack(client, stackSlug).catch(() => undefined);
  return withContext(
    e,
    `${where}: ${stack === STACK_GONE ? `stack "${stackSlug}" does not exist` : otherwise}`,
  );
}

export interface MakeAccountOptions {
  where: string;
  /** What the user does when the name is taken, in the recovery's messages. */
  fix: string;
  /** The name is taken (not by this run's earlier attempt): adopt, or throw a whole error. */
  onTaken: (e: unknown, s: AttemptState) => Promise<Step<ServiceAccountResponse>>;
}

export function makeServiceAccount(
  client: ApiClient,
  stackSlug: string,
  body: ServiceAccountCreateBody,
  o: MakeAccountOptions,
): Promise<ServiceAccountResponse> {
  return createWithRecovery({
    where: o.where,
    attempts: 3,
    make: () => createServiceAccount(client, stackSlug, body),
    recovery: adoptWhatThisAttemptMade({
      look: "on conflict",
      what: "service account",
      sameKey: "of this name",
      fix: o.fix,
      taken: isNameTakenError,
      // An account of another role or disabled flag was not made by the earlier attempt.
      find: async () => {
        const found = await findServiceAccount(client, stackSlug, body.name);
        return found && accountMatches(found, body) ? found : undefined;
      },
      // The API gives an account no creation time: one found as asked counts as the attempt's.
      createdAt: () => undefined,
      take: async (found) => found,
    }),
    async onFailure(e, s) {
      if (isNotFoundError(e)) {
        throw await notFoundOnCreate(
          client,
          e,
          stackSlug,
          o.where,
          "the instance proxy answered 404 though the stack exists",
        );
      }
      if (!isNameTakenError(e)) return undefined;
      return o.onTaken(e, s);
    },
  });
}

/** Expired as Grafana says, or by our clock (Grafana keeps expired tokens listed). */
export function tokenExpired(t: Pick<ServiceAccountTokenResponse, "hasExpired" | "expiration">): boolean {
  if (t.hasExpired === true) return true;
  if (!t.expiration) return false;
  const at = Date.parse(t.expiration);
  return !Number.isNaN(at) && at <= clock.now();
}

export interface MakeTokenOptions {
  where: string;
  /** What the token is in messages: "token", "API key". */
  what: string;
}

/**
 * Makes a token in the account. A name still held by an expired token of the account (Grafana
 * keeps them, and their names stay taken) is freed first: an expired token is worthless, and
 * refresh already dropped it from state.
 */
export function makeServiceAccountToken(
  client: ApiClient,
  stackSlug: string,
  serviceAccountId: number,
  body: ServiceAccountTokenCreateBody,
  o: MakeTokenOptions,
): Promise<CreatedServiceAccountToken> {
  const { where } = o;
  const named = async () =>
    (await listServiceAccountTokens(client, stackSlug, serviceAccountId)).filter((t) => t.name === body.name);
  const remove = (t: ServiceAccountTokenResponse) =>
    deleteServiceAccountToken(client, stackSlug, serviceAccountId, t.id).catch((e: unknown) => {
      if (!isNotFoundError(e)) throw e;
    });
  return createWithRecovery({
    where,
    attempts: 5,
    make: () => createServiceAccountToken(client, stackSlug, serviceAccountId, body),
    recovery: deleteAndMakeAgain({
      look: "at once",
      what: o.what,
      sameKey: "of this name",
      fix: "delete it in the stack's service account settings and run again",
      taken: isNameTakenError,
      find: named,
      createdAt: (t) => t.created,
      remove,
      describe: (t) => `id ${t.id}`,
    }),
    async onFailure(e, { attempt }) {
      if (isNotFoundError(e)) {
        throw await notFoundOnCreate(
          client,
          e,
          stackSlug,
          where,
          `service account ${serviceAccountId} does not exist on the stack`,
        );
      }
      if (!isNameTakenError(e)) return undefined;
      const held = await named().catch(() => []);
      const expired = held.filter(tokenExpired);
      if (expired.length > 0 && attempt < 3) {
        for (const t of expired) {
          await remove(t).catch((err: unknown) => {
            throw withContext(err, `${where}: removing the expired ${o.what} that holds the name`);
          });
        }
        return "again";
      }
      throw withContext(
        e,
        `${where}: a ${o.what} with this name already exists on the stack (perhaps left by an interrupted run; ` +
          `token names are unique on the whole stack, across service accounts). It cannot be adopted (its ` +
          `secret is shown only at creation): delete the existing one or choose another name`,
      );
    },
  });
}

/**
 * The token's expiry as the stack holds it, read back after create (which does not answer it), so
 * that a later refresh sees the same instant. A failure here must not lose the secret just made:
 * it falls back to our own clock.
 */
export async function expirationAfterCreate(
  client: ApiClient,
  stackSlug: string,
  serviceAccountId: number,
  tokenId: number,
  secondsToLive: number | undefined,
): Promise<string | undefined> {
  if (!secondsToLive || secondsToLive <= 0) return undefined;
  const estimate = new Date(clock.now() + secondsToLive * 1000).toISOString();
  const listed = await listServiceAccountTokens(client, stackSlug, serviceAccountId).catch(() => []);
  return listed.find((t) => t.id === tokenId)?.expiration ?? estimate;
}
