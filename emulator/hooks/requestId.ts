import type { FastifyInstance } from "fastify";

/**
 * Request ids. Each request gets its own (a UUID, fastify's `req.id`): answered in the
 * `X-Request-Id` header of every response and as `requestId` in error bodies.
 */
export function registerRequestId(app: FastifyInstance): void {
  app.addHook("onSend", async (req, reply, payload) => {
    reply.header("x-request-id", req.id);
    return payload;
  });
}
