import { FastifyInstance } from "fastify";
import { REGIONS, regionView } from "../catalog";
import { iso } from "../clock";
import { Ctx } from "../context";
import { conflict, legacyInvalid, notFound } from "../errors";
import { hashSecret, newGrafanaKey } from "../secrets";
import { isGone } from "../stackModel";
import { OrgKeyRecord } from "../store";
import { isObject, queryValue } from "../validation";
import { sendJsonLiteral } from "./common";

/**
 * The org, its deprecated Cloud API keys, billed usage and the region list
 * (grafana-cloud-api.md "Regions", "API keys", "Billed usage").
 */

/** Fixed creation time of the emulated org. */
const ORG_CREATED_AT = "2023-01-04T06:43:00.000Z";

const ORG_KEY_ROLES = ["Viewer", "Editor", "Admin", "MetricsPublisher"];

export function registerOrg(app: FastifyInstance, ctx: Ctx): void {
  const org = ctx.opts.org;
  const requireOrg = (param: string): void => {
    if (param !== org.slug && param !== String(org.id)) throw notFound(`Org ${param} not found`);
  };
  const keyView = (k: OrgKeyRecord) => ({
    id: k.id,
    orgId: org.id,
    orgSlug: org.slug,
    orgName: org.name,
    instanceId: null,
    name: k.name,
    role: k.role,
    createdAt: iso(k.createdAt),
    updatedAt: null,
    firstUsed: null,
    links: [
      { rel: "self", href: `/orgs/${org.slug}/api-keys/${k.name}` },
      { rel: "org", href: `/orgs/${org.slug}` },
    ],
  });

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

  app.get<{ Params: { org: string } }>("/api/orgs/:org", { config: { scope: "orgs:read" } }, async (req) => {
    requireOrg(req.params.org);
    return {
      id: org.id,
      slug: org.slug,
      name: org.name,
      url: `https://grafana.com/orgs/${org.slug}`,
      createdAt: ORG_CREATED_AT,
      updatedAt: null,
      hgInstanceLimit: ctx.opts.maxStacks,
      links: [
        { rel: "self", href: `/orgs/${org.slug}` },
        { rel: "instances", href: `/orgs/${org.slug}/instances` },
        { rel: "api-keys", href: `/orgs/${org.slug}/api-keys` },
      ],
    };
  });

  app.get<{ Params: { org: string } }>(
    "/api/orgs/:org/api-keys",
    { config: { scope: "api-keys:read" } },
    async (req) => {
      requireOrg(req.params.org);
      return {
        items: [...ctx.state.orgKeys].sort((a, b) => a.name.localeCompare(b.name)).map(keyView),
        orderBy: "name",
        direction: "asc",
        links: [{ rel: "self", href: `/orgs/${org.slug}/api-keys` }],
      };
    },
  );

  app.post<{ Params: { org: string } }>(
    "/api/orgs/:org/api-keys",
    { config: { scope: "api-keys:write" } },
    async (req) => {
      requireOrg(req.params.org);
      const body = req.body;
      if (!isObject(body)) throw legacyInvalid("Invalid request body: must be a JSON object");
      if (typeof body.name !== "string" || body.name === "") throw legacyInvalid("Field is required: name");
      if (typeof body.role !== "string" || !ORG_KEY_ROLES.includes(body.role)) {
        throw legacyInvalid(`Invalid role ${String(body.role)} specified`);
      }
      if (ctx.state.orgKeys.some((k) => k.name === body.name)) {
        throw conflict(`An API key named ${body.name} already exists`);
      }
      const token = newGrafanaKey(body.name, org.id);
      const record: OrgKeyRecord = {
        id: Math.max(0, ...ctx.state.orgKeys.map((k) => k.id)) + 1,
        name: body.name,
        role: body.role,
        createdAt: ctx.now(),
        secretHash: hashSecret(token),
      };
      ctx.state.orgKeys.push(record);
      ctx.save();
      return { ...keyView(record), token };
    },
  );

  app.delete<{ Params: { org: string; name: string } }>(
    "/api/orgs/:org/api-keys/:name",
    { config: { scope: "api-keys:delete" } },
    async (req, reply) => {
      requireOrg(req.params.org);
      const key = ctx.state.orgKeys.find((k) => k.name === req.params.name);
      if (key === undefined) throw notFound(`API key ${req.params.name} not found`);
      ctx.state.orgKeys = ctx.state.orgKeys.filter((k) => k !== key);
      ctx.save();
      return sendJsonLiteral(reply, true);
    },
  );

  app.get<{ Params: { org: string } }>(
    "/api/orgs/:org/billed-usage",
    { config: { scope: "billing-metrics:read" } },
    async (req) => {
      requireOrg(req.params.org);
      const int = (key: string, min: number, max: number): number => {
        const v = queryValue(req.query, key);
        if (v === undefined || v === "") throw legacyInvalid(`Field is required: ${key}`);
        if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) {
          throw legacyInvalid(`Invalid ${key} ${v} specified`);
        }
        return Number(v);
      };
      const month = int("month", 1, 12);
      const year = int("year", 2000, 9999);
      const periodStart = new Date(Date.UTC(year, month - 1, 1)).toISOString().replace(".000Z", "Z");
      const periodEnd = new Date(Date.UTC(year, month, 1) - 1000).toISOString().replace(".000Z", "Z");
      const monthName = new Date(Date.UTC(year, month - 1, 1)).toLocaleString("en-US", {
        month: "long",
        timeZone: "UTC",
      });
      const stacks = ctx.state.stacks.filter((s) => !isGone(s));
      // The emulator ingests nothing, so every dimension bills zero usage per live stack.
      const dimension = (n: number, id: string, name: string, unit: string, included: number) => ({
        id: n,
        dimensionId: id,
        dimensionName: name,
        unit,
        includedUsage: included,
        totalUsage: 0,
        overage: 0,
        orgRates: { tiers: [{ min: included, rate: 0 }] },
        amountDue: 0,
        periodStart,
        periodEnd,
        description: `Hosted ${name} Usage - ${monthName} ${year}`,
        notes: "",
        usages: stacks.map((s) => ({
          id: s.id * 10 + n,
          stackId: s.id,
          periodStart,
          periodEnd,
          totalUsage: 0,
          isProrated: false,
          stackName: s.name,
          stackLabels: { ...s.labels },
        })),
      });
      return {
        items: [
          dimension(1, "hl", "Logs", "GB", 50),
          dimension(2, "hm", "Metrics", "series", 10000),
          dimension(3, "hg", "Grafana Users", "user", 3),
        ],
      };
    },
  );
}
