import type { FastifyInstance } from "fastify";
import type { Ctx } from "../context";
import { notFound } from "../errors";
import {
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

/** Stacks: `/instances`, `/orgs/{org}/instances` and the v1 readiness route. */
export function registerStacks(app: FastifyInstance, ctx: Ctx): void {
  const read = { config: { scope: "stacks:read" } };
  const write = { config: { scope: "stacks:write" } };
  const del = { config: { scope: "stacks:delete" } };

  const list = () => {
    const items = listStacks(ctx).map((s) => stackView(ctx, s));
    return {
      items,
      orderBy: "name",
      direction: "asc",
      total: items.length,
      pages: 1,
      pageSize: 1000000,
      page: 1,
      links: [{ rel: "self", href: "/instances" }],
    };
  };

  app.get("/api/instances", read, async () => list());

  app.get<{ Params: { org: string } }>("/api/orgs/:org/instances", read, async (req) => {
    const org = ctx.opts.org;
    if (req.params.org !== org.slug && req.params.org !== String(org.id)) {
      throw notFound(`Org ${req.params.org} not found`);
    }
    return list();
  });

  app.post("/api/instances", write, async (req) =>
    stackView(ctx, createStack(ctx, parseStackCreate(req.body))),
  );

  // A deleted stack still answers 200, with status "deleted".
  app.get<ByIdOrSlug>("/api/instances/:idOrSlug", read, async (req) =>
    stackView(ctx, requireStack(ctx, req.params.idOrSlug)),
  );

  app.post<ByIdOrSlug>("/api/instances/:idOrSlug", write, async (req) => {
    const stack = requireLiveStack(ctx, req.params.idOrSlug);
    return stackView(ctx, updateStack(ctx, stack, parseStackUpdate(req.body, stack)));
  });

  app.delete<ByIdOrSlug>("/api/instances/:idOrSlug", del, async (req) =>
    stackView(ctx, deleteStack(ctx, requireLiveStack(ctx, req.params.idOrSlug))),
  );

  app.get<ByIdOrSlug>("/api/instances/:idOrSlug/readiness", read, async (req) =>
    readiness(ctx, requireStack(ctx, req.params.idOrSlug)),
  );
  app.get<ByIdOrSlug>(
    "/api/v1/stacks/:idOrSlug/readiness",
    { config: { scope: "stacks:read", family: "v1Stacks" } },
    async (req) => readiness(ctx, requireStack(ctx, req.params.idOrSlug)),
  );

  app.get<ByIdOrSlug>("/api/instances/:idOrSlug/connections", read, async (req) =>
    connectionsView(ctx, requireLiveStack(ctx, req.params.idOrSlug)),
  );
}
