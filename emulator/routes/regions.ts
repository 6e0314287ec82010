import type { FastifyInstance } from "fastify";
import { listRegions, regionView } from "../model/region";

/** `GET /stack-regions`: the regions a stack can be created in. */
export function registerRegions(app: FastifyInstance): void {
  app.get("/api/stack-regions", { config: { op: "getStackRegions" } }, async (req) => {
    const { items, orderBy, direction } = listRegions(req.query);
    return {
      items: items.map(regionView),
      orderBy,
      direction,
      total: items.length,
      pages: 1,
      pageSize: 1000000,
      page: 1,
      links: [{ rel: "self", href: "/stack-regions" }],
    };
  });
}
