import type { FastifyInstance } from "fastify";
import type { OperationId } from "../contract";
import type { Ctx } from "../context";
import { notFound } from "../errors";
import {
  connectionsV1View,
  connectionsView,
  createStack,
  deleteStack,
  listStacks,
  parseStackCreate,
  parseStackUpdate,
  readiness,
  requireLiveStack,
  requireStack,
  stackView,
  updateStack,
} from "../model/stack";

type ByIdOrSlug = { Params: { idOrSlug: string } };

/** Stacks: `/instances`, `/orgs/{org}/instances` and the v1 readiness and connections routes. */
export function registerStacks(app: FastifyInstance, ctx: Ctx): void {
  const route = (op: OperationId, scope: string) => ({ config: { op, scope } });

  const list = (query: unknown) => ({
    ...listStacks(ctx, query),
    links: [{ rel: "self", href: "/instances" }],
  });

  app.get("/api/instances", route("getInstances", "stacks:read"), async (req) => list(req.query));

  app.get<{ Params: { org: string } }>(
    "/api/orgs/:org/instances",
    route("getOrgInstances", "stacks:read"),
    async (req) => {
      const org = ctx.opts.org;
      if (req.params.org !== org.slug && req.params.org !== String(org.id)) {
        throw notFound(`Org ${req.params.org} not found`);
      }
      return list(req.query);
    },
  );

  app.post("/api/instances", route("postInstances", "stacks:write"), async (req) =>
    stackView(ctx, createStack(ctx, parseStackCreate(req.body, ctx.strict))),
  );

  // A deleted stack still answers 200, with status "deleted".
  app.get<ByIdOrSlug>("/api/instances/:idOrSlug", route("getInstance", "stacks:read"), async (req) =>
    stackView(ctx, requireStack(ctx, req.params.idOrSlug)),
  );

  app.post<ByIdOrSlug>("/api/instances/:idOrSlug", route("postInstance", "stacks:write"), async (req) => {
    const stack = requireLiveStack(ctx, req.params.idOrSlug);
    return stackView(ctx, updateStack(ctx, stack, parseStackUpdate(req.body, stack)));
  });

  // Answers the whole stack, as it is now: `deleting`, or `deleted` without a delete delay.
  app.delete<ByIdOrSlug>("/api/instances/:idOrSlug", route("deleteInstance", "stacks:delete"), async (req) =>
    stackView(ctx, deleteStack(ctx, requireLiveStack(ctx, req.params.idOrSlug))),
  );

  app.get<ByIdOrSlug>(
    "/api/instances/:idOrSlug/readiness",
    route("getInstanceReadiness", "stacks:read"),
    async (req) => readiness(ctx, requireStack(ctx, req.params.idOrSlug)),
  );
  app.get<ByIdOrSlug>(
    "/api/v1/stacks/:idOrSlug/readiness",
    route("checkStackReadinessV1", "stacks:read"),
    async (req) => readiness(ctx, requireStack(ctx, req.params.idOrSlug)),
  );

  app.get<ByIdOrSlug>(
    "/api/instances/:idOrSlug/connections",
    route("getConnections", "stacks:read"),
    async (req) => connectionsView(ctx, requireLiveStack(ctx, req.params.idOrSlug)),
  );
  app.get<ByIdOrSlug>(
    "/api/v1/stacks/:idOrSlug/connections",
    route("getStackConnectionsV1", "stacks:read"),
    async (req) => connectionsV1View(ctx, requireLiveStack(ctx, req.params.idOrSlug)),
  );
}
