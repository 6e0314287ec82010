import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { OPERATIONS, Operation, OperationId, present, statusCodeInBody } from "../contract";
import type { Ctx } from "../context";
import { ApiError, invalid, raw } from "../errors";

declare module "fastify" {
  interface FastifyContextConfig {
    /** The contract operation the route implements (contract.ts). */
    op?: OperationId;
  }
}

export function operationOf(req: FastifyRequest): Operation | undefined {
  const op = req.routeOptions.config?.op;
  return op === undefined ? undefined : OPERATIONS[op];
}

/** Errors fastify raises itself (a body it cannot read, say) are the client's fault when 4xx. */
function asApiError(err: unknown, req: FastifyRequest): ApiError {
  if (err instanceof ApiError) return err;
  const e = err as Partial<FastifyError>;
  if (typeof e.statusCode === "number" && e.statusCode >= 400 && e.statusCode < 500) {
    const message = e.message ?? "Bad request";
    return req.control ? raw(400, "InvalidArgument", message) : invalid(message);
  }
  req.log.error(err);
  return raw(500, "InternalServerError", "Internal server error");
}

/**
 * Every error answers `{code, message, requestId}` (plus `statusCode` where the route's error
 * schema has it), with the status and code the route's family and the emulator's mode call for.
 */
export function registerErrorHandling(app: FastifyInstance, ctx: Ctx): void {
  app.setErrorHandler((err: unknown, req: FastifyRequest, reply: FastifyReply) => {
    const apiErr = asApiError(err, req);
    const op = operationOf(req);
    const { status, code } = present(apiErr, op, ctx.strict);
    for (const [k, v] of Object.entries(apiErr.headers)) reply.header(k, v);
    const body: Record<string, unknown> = { code, message: apiErr.message, requestId: req.id };
    if (statusCodeInBody(op, ctx.strict)) body.statusCode = status;
    return reply.status(status).send(body);
  });

  app.setNotFoundHandler((req, reply) => {
    return reply.status(404).send({ code: "NotFound", message: "Not found", requestId: req.id });
  });
}
