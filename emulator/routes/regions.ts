import type { FastifyInstance } from "fastify";
import { REGIONS, regionView } from "../model/region";

/** `GET /stack-regions`: the regions a stack can be created in. */
export function registerRegions(app: FastifyInstance): void {
  app.get("/api/stack-regions", async () => ({
    items: REGIONS.map(regionView),
    orderBy: "id",
    direction: "asc",
    total: REGIONS.length,
    pages: 1,
    pageSize: 1000000,
    page: 1,
    links: [{ rel: "self", href: "/stack-regions" }],
  }));
}
