import type { FastifyInstance } from "fastify";
import { requiresRequestId } from "../contract";
import { ApiError } from "../errors";
import { pathOf } from "./requestLog";

/**
 * Request ids. Each request gets its own (a UUID, fastify's `req.id`), answered in the
 * `X-Request-Id` header of every response and as `requestId` in error bodies. The client's own
 * `X-Request-Id` is required where the contract requires it (contract.ts), after authentication,
 * in both modes.
 */
export function registerRequestId(app: FastifyInstance): void {
  app.addHook("onRequest", async (req) => {
    if (req.control || !requiresRequestId(req.method, pathOf(req.url))) return;
    const header = req.headers["x-request-id"];
    const value = Array.isArray(header) ? header[0] : header;
    if (value === undefined || value.trim() === "") {
      throw new ApiError(
        "missingRequestId",
        `x-request-id: header is required on ${req.method} ${pathOf(req.url)} (a unique id per call, the same on its retries)`,
      );
    }
  });

  app.addHook("onSend", async (req, reply, payload) => {
    reply.header("x-request-id", req.id);
    return payload;
  });
}
