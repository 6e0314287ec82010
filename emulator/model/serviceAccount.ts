import { createHash } from "node:crypto";
import { iso, isoOrNull } from "../clock";
import type { Ctx } from "../context";
import { conflict, invalid, notFound } from "../errors";
import { hashSecret, newServiceAccountToken } from "../secrets";
import type { Frozen, State } from "../store";
import { isObject, isServiceAccountName, isStackKeyName, queryValue } from "../validation";
import { Stack, requireActive, requireLiveStack, takeKeyId, takeUserId } from "./stack";

/**
 * Service accounts of a stack's Grafana and their tokens, reached through the Cloud API's instance
 * proxy (`/instances/{stack}/api/serviceaccounts…`) with an access-policy token. The proxy passes
 * the call to the stack's Grafana, so the stack must be running.
 *
 * As in Grafana: an account's login is derived from its name, and two accounts of one stack
 * cannot share a login (so neither a name); a token's name is unique on the whole stack, since
 * Grafana keeps tokens in the table that held API keys, unique per org and name (an API key of
 * that name takes it too); expired tokens stay listed (`hasExpired`) and keep their name taken
 * until deleted; deleting an account deletes its tokens. A token authenticates on the stack URL
 * with its account's role until it expires, or its account is disabled or deleted.
 */

export const SERVICE_ACCOUNT_ROLES = ["None", "Viewer", "Editor", "Admin"] as const;
export type ServiceAccountRole = (typeof SERVICE_ACCOUNT_ROLES)[number];

export interface ServiceAccountRecord {
  /** A user id of the stack's Grafana (service accounts are users there), numbered per stack. */
  id: number;
  stackId: number;
  name: string;
  login: string;
  role: ServiceAccountRole;
  isDisabled: boolean;
  createdAt: number;
}

export interface ServiceAccountTokenRecord {
  /** Numbered per stack together with API keys: Grafana keeps both in one table. */
  id: number;
  stackId: number;
  serviceAccountId: number;
  name: string;
  createdAt: number;
  /** null: never expires. */
  expiresAt: number | null;
  lastUsedAt: number | null;
  /** sha256 of the secret; the secret itself is only ever in the create answer. */
  secretHash: string;
}

export type ServiceAccount = Frozen<ServiceAccountRecord>;
export type ServiceAccountToken = Frozen<ServiceAccountTokenRecord>;

/** Grafana's default page size for the account search. */
const DEFAULT_PER_PAGE = 1000;

/** Grafana's login for an account made through its API: `sa-<org id>-<name, lower case, blanks as ->`. */
export function loginFor(orgId: number, name: string): string {
  return `sa-${orgId}-${name.trim().toLowerCase().replace(/\s+/g, "-")}`;
}

function isRole(v: unknown): v is ServiceAccountRole {
  return typeof v === "string" && (SERVICE_ACCOUNT_ROLES as readonly string[]).includes(v);
}

/** The stack behind the instance proxy: live (404 otherwise) and running (503 Loading otherwise). */
export function requireProxyStack(ctx: Ctx, idOrSlug: string): Stack {
  const stack = requireLiveStack(ctx, idOrSlug);
  requireActive(ctx, stack);
  return stack;
}

export function serviceAccountView(ctx: Ctx, sa: ServiceAccount): Record<string, unknown> {
  return {
    id: sa.id,
    name: sa.name,
    login: sa.login,
    orgId: ctx.opts.org.id,
    isDisabled: sa.isDisabled,
    isExternal: false,
    role: sa.role,
    tokens: ctx.state.serviceAccountTokens.filter(
      (t) => t.serviceAccountId === sa.id && t.stackId === sa.stackId,
    ).length,
    avatarUrl: `/avatar/${createHash("md5").update(sa.login).digest("hex")}`,
  };
}

/**
 * A token as Grafana lists it (never its secret). `expiration`, `secondsUntilExpiration` and
 * `lastUsedAt` are null when there is none, as Grafana answers; under the contract, which allows
 * no null there, they are left out.
 */
export function serviceAccountTokenView(ctx: Ctx, t: ServiceAccountToken): Record<string, unknown> {
  const now = ctx.now();
  const optional = (key: string, value: string | number | null) =>
    value === null && ctx.strict ? {} : { [key]: value };
  return {
    id: t.id,
    name: t.name,
    created: iso(t.createdAt),
    ...optional("expiration", isoOrNull(t.expiresAt)),
    ...optional(
      "secondsUntilExpiration",
      t.expiresAt === null ? null : Math.max(0, (t.expiresAt - now) / 1000),
    ),
    hasExpired: t.expiresAt !== null && t.expiresAt <= now,
    isRevoked: false,
    ...optional("lastUsedAt", isoOrNull(t.lastUsedAt)),
  };
}

export interface ServiceAccountInput {
  name: string;
  role: ServiceAccountRole;
  isDisabled: boolean;
}

export function parseServiceAccountCreate(body: unknown): ServiceAccountInput {
  if (!isObject(body)) throw invalid("Invalid request body: must be a JSON object");
  if (typeof body.name !== "string" || body.name.trim() === "") throw invalid("Field is required: name");
  if (!isServiceAccountName(body.name)) throw invalid("Invalid name: must be at most 255 characters");
  if (body.role === undefined || body.role === null) throw invalid("Field is required: role");
  if (!isRole(body.role)) {
    throw invalid(
      `invalid role specified: ${String(body.role)}; must be one of ${SERVICE_ACCOUNT_ROLES.join(", ")}`,
    );
  }
  const disabled = body.isDisabled;
  if (disabled !== undefined && disabled !== null && typeof disabled !== "boolean") {
    throw invalid("Invalid isDisabled: must be a boolean");
  }
  return { name: body.name, role: body.role, isDisabled: disabled === true };
}

export function createServiceAccount(ctx: Ctx, stack: Stack, input: ServiceAccountInput): ServiceAccount {
  const login = loginFor(ctx.opts.org.id, input.name);
  if (
    ctx.state.serviceAccounts.some(
      (s) => s.stackId === stack.id && (s.login === login || s.name === input.name),
    )
  ) {
    throw conflict("service account already exists");
  }
  return ctx.mutate((state, now) => {
    const sa: ServiceAccountRecord = {
      id: takeUserId(state.stacks, stack),
      stackId: stack.id,
      name: input.name,
      login,
      role: input.role,
      isDisabled: input.isDisabled,
      createdAt: now,
    };
    state.serviceAccounts.push(sa);
    return sa;
  });
}

/** The account with this id on the stack; a path id that is not a number is an invalid argument. */
export function requireServiceAccount(ctx: Ctx, stack: Stack, idText: string): ServiceAccount {
  if (!/^\d+$/.test(idText)) throw invalid("invalid service account id specified");
  const id = Number(idText);
  const sa = ctx.state.serviceAccounts.find((s) => s.stackId === stack.id && s.id === id);
  if (sa === undefined) throw notFound("service account not found");
  return sa;
}

function positiveInt(query: unknown, key: string, fallback: number): number {
  const v = queryValue(query, key);
  if (v === undefined || v === "") return fallback;
  if (!/^\d+$/.test(v) || Number(v) < 1) throw invalid(`${key}: must be a positive integer`);
  return Number(v);
}

export interface ServiceAccountPage {
  totalCount: number;
  page: number;
  perPage: number;
  serviceAccounts: ServiceAccount[];
}

/**
 * `GET …/serviceaccounts/search?query=&page=&perpage=`: accounts whose name or login contains
 * `query` (any case), by name, one page of them (`perpage`, lower case, in the query; `perPage` in
 * the answer).
 */
export function searchServiceAccounts(ctx: Ctx, stack: Stack, query: unknown): ServiceAccountPage {
  const page = positiveInt(query, "page", 1);
  const perPage = positiveInt(query, "perpage", DEFAULT_PER_PAGE);
  const text = (queryValue(query, "query") ?? "").toLowerCase();
  const matching = ctx.state.serviceAccounts
    .filter((s) => s.stackId === stack.id)
    .filter((s) => text === "" || s.name.toLowerCase().includes(text) || s.login.includes(text))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id - b.id));
  return {
    totalCount: matching.length,
    page,
    perPage,
    serviceAccounts: matching.slice((page - 1) * perPage, page * perPage),
  };
}

/** Deletes the account and its tokens. */
export function deleteServiceAccount(ctx: Ctx, sa: ServiceAccount): void {
  ctx.mutate((state) => {
    state.serviceAccounts = state.serviceAccounts.filter(
      (s) => !(s.stackId === sa.stackId && s.id === sa.id),
    );
    state.serviceAccountTokens = state.serviceAccountTokens.filter(
      (t) => !(t.stackId === sa.stackId && t.serviceAccountId === sa.id),
    );
  });
}

export function listServiceAccountTokens(ctx: Ctx, sa: ServiceAccount): ServiceAccountToken[] {
  return ctx.state.serviceAccountTokens
    .filter((t) => t.stackId === sa.stackId && t.serviceAccountId === sa.id)
    .sort((a, b) => a.id - b.id);
}

export interface TokenInput {
  name: string;
  /** Positive: seconds until expiry; null: never expires. */
  secondsToLive: number | null;
}

/** Expiries beyond this year are refused (Grafana stores them as SQL times). */
const LATEST_EXPIRY = Date.UTC(9999, 11, 31);

export function parseServiceAccountTokenCreate(body: unknown, now: number): TokenInput {
  if (!isObject(body)) throw invalid("Invalid request body: must be a JSON object");
  if (typeof body.name !== "string" || body.name.trim() === "") throw invalid("Field is required: name");
  if (!isStackKeyName(body.name)) throw invalid("Invalid name: must be at most 190 characters");
  const ttl = body.secondsToLive;
  if (ttl !== undefined && ttl !== null) {
    if (typeof ttl !== "number" || !Number.isInteger(ttl) || ttl < 0 || now + ttl * 1000 > LATEST_EXPIRY) {
      throw invalid("invalid SecondsToLive value");
    }
  }
  // null, 0 or absent: the token does not expire.
  return { name: body.name, secondsToLive: typeof ttl === "number" && ttl > 0 ? ttl : null };
}

/** Creates the token and answers `{id, name, key}`, the only time the secret is shown. */
export function createServiceAccountToken(
  ctx: Ctx,
  stack: Stack,
  sa: ServiceAccount,
  input: TokenInput,
): { id: number; name: string; key: string } {
  const taken =
    ctx.state.serviceAccountTokens.some((t) => t.stackId === stack.id && t.name === input.name) ||
    ctx.state.stackKeys.some((k) => k.stackId === stack.id && k.name === input.name);
  if (taken) throw conflict("service account token with given name already exists in the organization");
  const key = newServiceAccountToken();
  const record = ctx.mutate((state, now) => {
    const t: ServiceAccountTokenRecord = {
      id: takeKeyId(state.stacks, stack),
      stackId: stack.id,
      serviceAccountId: sa.id,
      name: input.name,
      createdAt: now,
      expiresAt: input.secondsToLive === null ? null : now + input.secondsToLive * 1000,
      lastUsedAt: null,
      secretHash: hashSecret(key),
    };
    state.serviceAccountTokens.push(t);
    return t;
  });
  return { id: record.id, name: record.name, key };
}

export function deleteServiceAccountToken(ctx: Ctx, sa: ServiceAccount, tokenIdText: string): void {
  if (!/^\d+$/.test(tokenIdText)) throw invalid("invalid service account token id specified");
  const id = Number(tokenIdText);
  const mine = (t: ServiceAccountToken) =>
    t.stackId === sa.stackId && t.serviceAccountId === sa.id && t.id === id;
  if (!ctx.state.serviceAccountTokens.some(mine)) throw notFound("service account token not found");
  ctx.mutate((state) => {
    state.serviceAccountTokens = state.serviceAccountTokens.filter((t) => !mine(t));
  });
}

/** The stack's token whose secret this is, with its account, if any (expired or not). */
export function tokenBySecretOnStack(
  ctx: Ctx,
  stack: Stack,
  secret: string,
): { token: ServiceAccountToken; account: ServiceAccount | undefined } | undefined {
  const hash = hashSecret(secret);
  const token = ctx.state.serviceAccountTokens.find((t) => t.stackId === stack.id && t.secretHash === hash);
  if (token === undefined) return undefined;
  const account = ctx.state.serviceAccounts.find(
    (s) => s.stackId === stack.id && s.id === token.serviceAccountId,
  );
  return { token, account };
}

/** Records a use of the token; kept in memory until the next change is saved. */
export function recordTokenUse(ctx: Ctx, token: ServiceAccountToken): void {
  ctx.note((state, now) => {
    const target = state.serviceAccountTokens.find((t) => t.stackId === token.stackId && t.id === token.id);
    if (target !== undefined) target.lastUsedAt = now;
  });
}

/**
 * What Grafana 12 does to the API keys of a stack it upgrades: each key becomes a service account
 * named `sa-autogen-<key name>` (login `sa-autogen-<org id>-<key name>`) with the key's role,
 * holding one token that keeps the key's id, name, expiry and secret (so the key goes on
 * working, as a service-account token). Applied to a state file loaded with API keys removed.
 */
export function migrateApiKeys(state: State, orgId: number, now: number): void {
  for (const key of state.stackKeys) {
    const stack = state.stacks.find((s) => s.id === key.stackId);
    if (stack === undefined) continue;
    const id = takeUserId(state.stacks, stack);
    state.serviceAccounts.push({
      id,
      stackId: key.stackId,
      name: `sa-autogen-${key.name}`,
      login: `sa-autogen-${orgId}-${key.name}`,
      role: key.role,
      isDisabled: false,
      createdAt: now,
    });
    state.serviceAccountTokens.push({
      id: key.id,
      stackId: key.stackId,
      serviceAccountId: id,
      name: key.name,
      createdAt: key.createdAt,
      expiresAt: key.expiresAt,
      lastUsedAt: null,
      secretHash: key.secretHash,
    });
  }
  state.stackKeys = [];
}
