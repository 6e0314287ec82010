import type { FastifyInstance } from "fastify";
import type { OperationId } from "../contract";
import type { Ctx } from "../context";
import { requireRegionParam } from "../model/region";
import {
  createToken,
  deleteToken,
  listTokens,
  parseTokenCreate,
  parseTokenUpdate,
  requireToken,
  tokenView,
  updateToken,
} from "../model/token";
import { paginate } from "../paging";

type ById = { Params: { id: string } };

/** `/v1/tokens`: every call takes `?region=`; counted against the access-policy rate limit. */
export function registerTokens(app: FastifyInstance, ctx: Ctx): void {
  const route = (op: OperationId, scope: string) => ({ config: { op, scope, rateLimited: true } });

  app.post("/api/v1/tokens", route("postTokens", "accesspolicies:write"), async (req) => {
    const region = requireRegionParam(req.query);
    const { token, secret } = createToken(ctx, region.slug, parseTokenCreate(req.body, ctx.now()));
    // The secret is answered here and never again.
    return { ...tokenView(ctx, token), token: secret };
  });

  app.get("/api/v1/tokens", route("getTokens", "accesspolicies:read"), async (req) => {
    const region = requireRegionParam(req.query);
    const { page, pagination } = paginate(listTokens(ctx, region.slug, req.query), req.query, "/v1/tokens");
    return { items: page.map((t) => tokenView(ctx, t)), metadata: { pagination } };
  });

  app.get<ById>("/api/v1/tokens/:id", route("getToken", "accesspolicies:read"), async (req) => {
    const region = requireRegionParam(req.query);
    return tokenView(ctx, requireToken(ctx, req.params.id, region.slug));
  });

  app.post<ById>("/api/v1/tokens/:id", route("postToken", "accesspolicies:write"), async (req) => {
    const region = requireRegionParam(req.query);
    const token = requireToken(ctx, req.params.id, region.slug);
    return tokenView(ctx, updateToken(ctx, token, parseTokenUpdate(req.body, token, ctx.now())));
  });

  app.delete<ById>(
    "/api/v1/tokens/:id",
    route("deleteToken", "accesspolicies:delete"),
    async (req, reply) => {
      const region = requireRegionParam(req.query);
      deleteToken(ctx, requireToken(ctx, req.params.id, region.slug));
      // 200 with an empty object, as the contract says.
      return reply.status(200).send({});
    },
  );
}
