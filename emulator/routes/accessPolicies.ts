import type { FastifyInstance } from "fastify";
import type { OperationId } from "../contract";
import type { Ctx } from "../context";
import {
  createPolicy,
  deletePolicy,
  listPolicies,
  parsePolicyCreate,
  parsePolicyUpdate,
  policyView,
  requirePolicy,
  updatePolicy,
} from "../model/accessPolicy";
import { requireRegionParam } from "../model/region";
import { paginate } from "../paging";

type ById = { Params: { id: string } };

/** `/v1/accesspolicies`: every call takes `?region=`; counted against the access-policy rate limit. */
export function registerAccessPolicies(app: FastifyInstance, ctx: Ctx): void {
  const route = (op: OperationId, scope: string) => ({ config: { op, scope, rateLimited: true } });

  app.post("/api/v1/accesspolicies", route("postAccessPolicies", "accesspolicies:write"), async (req) => {
    const region = requireRegionParam(req.query);
    return policyView(ctx, createPolicy(ctx, region.slug, parsePolicyCreate(req.body)));
  });

  app.get("/api/v1/accesspolicies", route("getAccessPolicies", "accesspolicies:read"), async (req) => {
    const region = requireRegionParam(req.query);
    const { page, pagination } = paginate(
      listPolicies(ctx, region.slug, req.query),
      req.query,
      "/v1/accesspolicies",
    );
    return { items: page.map((p) => policyView(ctx, p)), metadata: { pagination } };
  });

  app.get<ById>(
    "/api/v1/accesspolicies/:id",
    route("getAccessPolicy", "accesspolicies:read"),
    async (req) => {
      const region = requireRegionParam(req.query);
      return policyView(ctx, requirePolicy(ctx, req.params.id, region.slug));
    },
  );

  app.post<ById>(
    "/api/v1/accesspolicies/:id",
    route("postAccessPolicy", "accesspolicies:write"),
    async (req) => {
      const region = requireRegionParam(req.query);
      const policy = requirePolicy(ctx, req.params.id, region.slug);
      return policyView(ctx, updatePolicy(ctx, policy, parsePolicyUpdate(req.body, policy)));
    },
  );

  app.delete<ById>(
    "/api/v1/accesspolicies/:id",
    route("deleteAccessPolicy", "accesspolicies:delete"),
    async (req, reply) => {
      const region = requireRegionParam(req.query);
      deletePolicy(ctx, requirePolicy(ctx, req.params.id, region.slug));
      // 200, as the contract says (it gives no body schema): an empty body.
      return reply.status(200).send();
    },
  );
}
