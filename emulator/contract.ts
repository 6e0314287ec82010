import type { ApiError } from "./errors";

/**
 * Where Grafana's official OpenAPI contract for grafana.com and the service's observed behaviour
 * disagree, the emulator answers as observed by default and as the contract says with
 * `strictContract` (`--strict-contract`). Every such difference is decided here or by a
 * `ctx.strict` check next to the field it concerns, and listed in emulator/README.md.
 *
 * Each route names the contract operation it implements (`config.op`); the table below holds what
 * the emulator needs to know about it.
 */
export interface Operation {
  /**
   * The error statuses the contract documents for the operation. `null`: the contract gives a
   * default error schema, any status goes. Absent: the route is not in the contract.
   */
  errors?: readonly number[] | null;
  /**
   * The v1 access-policy and token routes, as observed: an invalid argument answers 400 (not
   * 409) and a missing scope 401 `Unauthorized` (not 403).
   */
  v1Policies?: true;
  /**
   * Error bodies also carry `statusCode`: `always` on the v1 stack routes (observed, and the
   * contract's ErrorPayload), `contract` on the deprecated legacy connections route, whose
   * contract errors are the ErrorPayload too but which was not seen to add it.
   */
  statusCodeInBody?: "always" | "contract";
  /** The hosted Grafana of a stack URL: Grafana's own answers, the same in both modes. */
  grafana?: true;
}

const READ = [401, 403, 409] as const;
const READ_ONE = [401, 403, 404, 409] as const;
const WRITE = [401, 403, 404, 409, 503] as const;
const CREATE = [401, 403, 409, 503] as const;

export const OPERATIONS = {
  getInstances: { errors: READ },
  getOrgInstances: { errors: READ_ONE },
  postInstances: { errors: CREATE },
  getInstance: { errors: READ_ONE },
  postInstance: { errors: WRITE },
  deleteInstance: { errors: WRITE },
  getInstanceReadiness: { errors: READ_ONE },
  getConnections: { errors: null, statusCodeInBody: "contract" },
  checkStackReadinessV1: { errors: null, statusCodeInBody: "always" },
  getStackConnectionsV1: { errors: null, statusCodeInBody: "always" },
  getStackRegions: { errors: READ },
  postAccessPolicies: { errors: CREATE, v1Policies: true },
  getAccessPolicies: { errors: READ, v1Policies: true },
  getAccessPolicy: { errors: READ_ONE, v1Policies: true },
  postAccessPolicy: { errors: WRITE, v1Policies: true },
  deleteAccessPolicy: { errors: WRITE, v1Policies: true },
  postTokens: { errors: CREATE, v1Policies: true },
  getTokens: { errors: READ, v1Policies: true },
  getToken: { errors: READ_ONE, v1Policies: true },
  postToken: { errors: WRITE, v1Policies: true },
  deleteToken: { errors: WRITE, v1Policies: true },
  getInstancePlugins: { errors: READ_ONE },
  postInstancePlugins: { errors: WRITE },
  getInstancePlugin: { errors: READ_ONE },
  postInstancePlugin: { errors: WRITE },
  deleteInstancePlugin: { errors: WRITE },
  getPlugin: { errors: [404, 409] },
  postInstanceServiceAccounts: { errors: WRITE },
  getInstanceServiceAccountsSearch: { errors: READ_ONE },
  getInstanceServiceAccount: { errors: READ_ONE },
  deleteInstanceServiceAccount: { errors: WRITE },
  getInstanceServiceAccountTokens: { errors: READ_ONE },
  postInstanceServiceAccountTokens: { errors: WRITE },
  deleteInstanceServiceAccountToken: { errors: WRITE },
  /** Hosted Grafana API key creation: not in the contract. */
  postInstanceApiKeys: {},
  stackUrl: { grafana: true },
} satisfies Record<string, Operation>;

export type OperationId = keyof typeof OPERATIONS;

/** The codes the contract's error schemas allow, one per status. */
const CONTRACT_CODES: Readonly<Record<number, string>> = {
  401: "InvalidCredentials",
  403: "Forbidden",
  404: "NotFound",
  409: "Conflict",
  503: "ServiceUnavailable",
};

/**
 * The status and code to answer for an error of this kind on this operation. The observed
 * service answers invalid arguments with 409 `InvalidArgument` on `/instances...` and 400 on the
 * v1 access-policy and token routes; the contract says 409 `Conflict` everywhere, documents a 404
 * only where the operation lists one (elsewhere a reference to something unknown is one more
 * invalid argument), and gives each status a single code.
 */
export function present(
  err: ApiError,
  op: Operation | undefined,
  strict: boolean,
): { status: number; code: string } {
  if (err.kind === "raw") return err.fixed;
  const observed = observedAnswer(err, op);
  if (!strict || op === undefined || op.grafana === true) return observed;
  let status = observed.status;
  if (err.kind === "invalid") status = 409;
  if (err.kind === "missingScope") status = 403;
  if (status === 404 && op.errors !== undefined && op.errors !== null && !op.errors.includes(404))
    status = 409;
  return { status, code: CONTRACT_CODES[status] ?? observed.code };
}

function observedAnswer(err: ApiError, op: Operation | undefined): { status: number; code: string } {
  const v1 = op?.v1Policies === true;
  switch (err.kind) {
    case "invalid":
      return { status: v1 ? 400 : 409, code: "InvalidArgument" };
    case "notFound":
      return { status: 404, code: "NotFound" };
    case "conflict":
      return { status: 409, code: "Conflict" };
    case "forbidden":
      return { status: 403, code: "Forbidden" };
    case "missingScope":
      return v1 ? { status: 401, code: "Unauthorized" } : { status: 403, code: "Forbidden" };
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

/** Whether error bodies on this operation carry `statusCode`. */
export function statusCodeInBody(op: Operation | undefined, strict: boolean): boolean {
  return op?.statusCodeInBody === "always" || (strict && op?.statusCodeInBody === "contract");
}

/**
 * The contract makes `X-Request-Id` a required header on every POST and DELETE under
 * `/instances...`, `/v1/accesspolicies...` and `/v1/tokens...` (and on no GET, and not on the
 * `/v1/stacks` routes). The emulator enforces it in both modes, so that our own suites prove the
 * client sends it.
 */
export function requiresRequestId(method: string, path: string): boolean {
  return (
    (method === "POST" || method === "DELETE") &&
    /^\/api\/(instances|v1\/accesspolicies|v1\/tokens)(\/|$)/.test(path)
  );
}
