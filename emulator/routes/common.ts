import { FastifyReply } from "fastify";
import { findRegion } from "../catalog";
import { badRequest, notFound } from "../errors";
import { queryValue } from "../validation";

/**
 * `region` is required on every access-policy and token call (grafana-cloud-api.md); an unknown
 * region answers 404 "stack region not found" (real-api-behaviour.md, "General").
 */
export function requireRegion(query: unknown): string {
  const region = queryValue(query, "region");
  if (region === undefined || region === "") throw badRequest("region: query parameter is required");
  if (findRegion(region) === undefined) throw notFound("stack region not found");
  return region;
}

/** Some endpoints answer a bare JSON literal (`true`), which fastify would otherwise send as text. */
export function sendJsonLiteral(reply: FastifyReply, value: unknown): FastifyReply {
  return reply.type("application/json; charset=utf-8").send(JSON.stringify(value));
}

export function isUuid(s: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);
}
