import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Ctx, Principal } from "../context";
import { missingScope, unauthenticated } from "../errors";
import { recordUse, tokenBySecret } from "../model/token";
import { pathOf } from "./requestLog";

declare module "fastify" {
  interface FastifyRequest {
    principal: Principal | null;
    /** The bearer token of an authenticated API request; the rate limit counts per token. */
    bearer: string | null;
  }
  interface FastifyContextConfig {
    /** The access policy scope the route needs, e.g. `stacks:read`. */
    scope?: string;
  }
}

/**
 * Every `/api` request needs `Authorization: Bearer <token>`: the emulator's own token (which
 * may do everything) or an access-policy token made through the API (which may do what its
 * policy's scopes allow, while the policy is active and the token unexpired).
 */
function authenticate(ctx: Ctx, req: FastifyRequest): void {
  const match = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? "");
  const bearer = match?.[1]?.trim();
  if (bearer === undefined || bearer === "") throw unauthenticated();
  if (bearer === ctx.opts.token) {
    req.principal = { kind: "admin" };
    req.bearer = bearer;
    return;
  }
  const token = tokenBySecret(ctx, bearer);
  if (token === undefined) throw unauthenticated();
  const policy = ctx.state.policies.find((p) => p.id === token.accessPolicyId);
  if (policy === undefined || policy.status !== "active") throw unauthenticated();
  recordUse(ctx, token);
  req.principal = { kind: "token", tokenId: token.id, scopes: policy.scopes };
  req.bearer = bearer;
}

function checkScope(req: FastifyRequest): void {
  const scope = req.routeOptions.config?.scope;
  const p = req.principal;
  if (scope === undefined || p === null || p.kind === "admin" || p.scopes.includes(scope)) return;
  throw missingScope(
    `invalid permission: access policy missing required scope [${scope}], received [${p.scopes.join(" ")}]`,
  );
}

export function registerAuth(app: FastifyInstance, ctx: Ctx): void {
  app.decorateRequest("principal", null);
  app.decorateRequest("bearer", null);
  app.addHook("onRequest", async (req) => {
    const path = pathOf(req.url);
    if (req.control || !(path.startsWith("/api/") || path === "/api")) return;
    authenticate(ctx, req);
    checkScope(req);
  });
}
