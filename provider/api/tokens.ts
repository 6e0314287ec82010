/**
 * Access-policy tokens: cloud-api.md "Create a token" etc. The secret `token` comes back from
 * create only (real-api-behaviour.md "Tokens").
 */
import { z } from "zod";
import type { ApiClient } from "../client/http";
import { paginate } from "../client/paging";

export const tokenSchema = z.looseObject({
  id: z.string(),
  accessPolicyId: z.string(),
  name: z.string(),
  displayName: z.string().nullish(),
  expiresAt: z.string().nullish(),
  createdAt: z.string().nullish(),
  updatedAt: z.string().nullish(),
});
export type TokenResponse = z.infer<typeof tokenSchema>;
export const createdTokenSchema = tokenSchema.extend({ token: z.string() });
export type CreatedTokenResponse = z.infer<typeof createdTokenSchema>;

export interface TokenCreateBody {
  accessPolicyId: string;
  name: string;
  displayName?: string;
  expiresAt?: string;
}
export interface TokenUpdateBody {
  displayName?: string;
  /** null clears the expiry. */
  expiresAt: string | null;
}

const base = "/api/v1/tokens";

export function createToken(
  c: ApiClient,
  region: string,
  body: TokenCreateBody,
): Promise<CreatedTokenResponse> {
  // Never retried blindly: a lost response would leave a token whose secret nobody can read.
  return c.request({ method: "POST", path: base, query: { region }, body, schema: createdTokenSchema });
}

export function getToken(c: ApiClient, region: string, id: string): Promise<TokenResponse> {
  return c.request({
    method: "GET",
    path: `${base}/${encodeURIComponent(id)}`,
    query: { region },
    schema: tokenSchema,
  });
}

export function updateToken(
  c: ApiClient,
  region: string,
  id: string,
  body: TokenUpdateBody,
): Promise<TokenResponse> {
  return c.request({
    method: "POST",
    path: `${base}/${encodeURIComponent(id)}`,
    query: { region },
    body,
    schema: tokenSchema,
    retrySafe: true,
  });
}

export async function deleteToken(c: ApiClient, region: string, id: string): Promise<void> {
  await c.request({
    method: "DELETE",
    path: `${base}/${encodeURIComponent(id)}`,
    query: { region },
    schema: z.unknown(),
  });
}

export function listTokens(
  c: ApiClient,
  region: string,
  filters: { accessPolicyId?: string; name?: string } = {},
): Promise<TokenResponse[]> {
  return paginate(c, { path: base, query: { region, ...filters }, item: tokenSchema });
}
