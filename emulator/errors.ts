/**
 * Errors the emulated API answers, with the service's body shape `{code, message, requestId}`.
 *
 * Model and route code throws them by *kind* (what went wrong), never by status: the same mistake
 * gets a different status and code depending on the route (the v1 access-policy and token routes
 * answer an invalid argument with 400, the legacy `/instances` routes with 409) and on the
 * emulator's mode. `present` in contract.ts makes that choice in one place.
 */
export type ErrorKind =
  /** A wrong or missing parameter. */
  | "invalid"
  | "notFound"
  /** A real conflict: a taken name or slug, a duplicate install, delete protection, a busy stack. */
  | "conflict"
  /** Allowed for nobody with this credential: the stack quota, an API key role. */
  | "forbidden"
  /** The credential is valid but its access policy lacks the route's scope. */
  | "missingScope"
  | "unauthenticated"
  /** The stack is not running yet; answered with Retry-After. */
  | "loading"
  | "rateLimited"
  | "missingRequestId"
  /** Answered exactly as given: injected faults, control endpoints, the hosted Grafana on a stack URL. */
  | "raw";

export class ApiError extends Error {
  override readonly name = "ApiError";

  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
    /** For kind `raw`: the status and code to answer. */
    readonly fixed: { status: number; code: string } = { status: 500, code: "InternalServerError" },
  ) {
    super(message);
  }
}

export const invalid = (message: string): ApiError => new ApiError("invalid", message);
export const notFound = (message: string): ApiError => new ApiError("notFound", message);
export const conflict = (message: string): ApiError => new ApiError("conflict", message);
export const forbidden = (message: string): ApiError => new ApiError("forbidden", message);
export const missingScope = (message: string): ApiError => new ApiError("missingScope", message);
export const unauthenticated = (): ApiError => new ApiError("unauthenticated", "Token invalid");

/** A stack that is still starting (or otherwise not running) answers with Retry-After seconds. */
export const loading = (retryAfterSeconds: number): ApiError =>
  new ApiError("loading", "Your instance is loading...", { "retry-after": String(retryAfterSeconds) });

export const rateLimited = (message: string, retryAfterSeconds: number): ApiError =>
  new ApiError("rateLimited", message, { "retry-after": String(retryAfterSeconds) });

export const raw = (
  status: number,
  code: string,
  message: string,
  headers: Readonly<Record<string, string>> = {},
): ApiError => new ApiError("raw", message, headers, { status, code });

/** For the control endpoints, which are the emulator's own and answer plain 400s. */
export const badControlRequest = (message: string): ApiError => raw(400, "InvalidArgument", message);

export const OPERATION_IN_PROGRESS = "Hosted Grafana error: operation in progress, please try again later";

/** Default body for an injected fault status when the fault names no code or message. */
export function defaultFaultError(status: number): { code: string; message: string } {
  switch (status) {
    case 400:
      return { code: "InvalidArgument", message: "Bad request" };
    case 401:
      return { code: "InvalidCredentials", message: "Token invalid" };
    case 403:
      return { code: "Forbidden", message: "Forbidden" };
    case 404:
      return { code: "NotFound", message: "Not found" };
    case 409:
      return { code: "Conflict", message: OPERATION_IN_PROGRESS };
    case 429:
      return { code: "TooManyRequests", message: "Too many requests, please try again later" };
    case 502:
      return { code: "BadGateway", message: "Bad gateway" };
    case 503:
      return { code: "ServiceUnavailable", message: "Service unavailable, please try again later" };
    case 504:
      return { code: "GatewayTimeout", message: "Gateway timeout" };
    default:
      return status >= 500
        ? { code: "InternalServerError", message: "Internal server error" }
        : { code: "Error", message: `Injected status ${status}` };
  }
}
