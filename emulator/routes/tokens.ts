import type { FastifyInstance } from "fastify";
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
  const config = (scope: string) => ({ config: { scope, rateLimited: true, family: "v1Policies" as const } });
  const read = config("accesspolicies:read");
  const write = config("accesspolicies:write");
  const del = config("accesspolicies:delete");

  app.post("/api/v1/tokens", write, async (req) => {
    const region = requireRegionParam(req.query);
    const { token, secret } = createToken(ctx, region.slug, parseTokenCreate(req.body, ctx.now()));
    // The secret is answered here and never again.
    return { ...tokenView(token), token: secret };
  });

  app.get("/api/v1/tokens", read, async (req) => {
    const region = requireRegionParam(req.query);
    const { page, pagination } = paginate(listTokens(ctx, region.slug, req.query), req.query, "/v1/tokens");
    return { items: page.map(tokenView), metadata: { pagination } };
  });

  app.get<ById>("/api/v1/tokens/:id", read, async (req) => {
    const region = requireRegionParam(req.query);
    return tokenView(requireToken(ctx, req.params.id, region.slug));
  });

  app.post<ById>("/api/v1/tokens/:id", write, async (req) => {
    const region = requireRegionParam(req.query);
    const token = requireToken(ctx, req.params.id, region.slug);
    return tokenView(updateToken(ctx, token, parseTokenUpdate(req.body, token, ctx.now())));
  });

  app.delete<ById>("/api/v1/tokens/:id", del, async (req, reply) => {
    const region = requireRegionParam(req.query);
    deleteToken(ctx, requireToken(ctx, req.params.id, region.slug));
    return reply.status(204).send();
  });
}
