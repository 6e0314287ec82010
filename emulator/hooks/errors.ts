import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ApiError, invalid, raw } from "../errors";

declare module "fastify" {
  interface FastifyContextConfig {
    /**
     * Which family of the API the route belongs to, for how its errors are answered: the v1
     * access-policy and token routes answer invalid arguments with 400 and a missing scope with
     * 401; the v1 stack routes add `statusCode` to error bodies; the legacy `/instances` routes
     * (the default) answer invalid arguments with 409.
     */
    family?: "v1Policies" | "v1Stacks";
  }
}

/** The status and code the service answers for an error of this kind on this route. */
function present(err: ApiError, req: FastifyRequest): { status: number; code: string } {
  const family = req.routeOptions.config?.family;
  switch (err.kind) {
    case "invalid":
      return family === "v1Policies"
        ? { status: 400, code: "InvalidArgument" }
        : { status: 409, code: "InvalidArgument" };
    case "notFound":
      return { status: 404, code: "NotFound" };
    case "conflict":
      return { status: 409, code: "Conflict" };
    case "forbidden":
      return { status: 403, code: "Forbidden" };
    case "missingScope":
      return family === "v1Policies"
        ? { status: 401, code: "Unauthorized" }
        : { status: 403, code: "Forbidden" };
    case "unauthenticated":
      return { status: 401, code: "InvalidCredentials" };
    case "loading":
      return { status: 503, code: "Loading" };
    case "rateLimited":
      return { status: 429, code: "TooManyRequests" };
    case "missingRequestId":
      return { status: 400, code: "InvalidArgument" };
    case "raw":
      return err.fixed;
  }
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

/** Every error answers `{code, message, requestId}`. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: unknown, req: FastifyRequest, reply: FastifyReply) => {
    const apiErr = asApiError(err, req);
    const { status, code } = present(apiErr, req);
    for (const [k, v] of Object.entries(apiErr.headers)) reply.header(k, v);
    const body: Record<string, unknown> = { code, message: apiErr.message, requestId: req.id };
    if (req.routeOptions.config?.family === "v1Stacks") body.statusCode = status;
    return reply.status(status).send(body);
  });

  app.setNotFoundHandler((req, reply) => {
    return reply.status(404).send({ code: "NotFound", message: "Not found", requestId: req.id });
  });
}
