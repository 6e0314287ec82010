/**
 * An API error with the real service's body shape `{code, message, requestId}`
 * (real-api-behaviour.md, "General"). Route handlers throw these; the server's error handler
 * adds the request id and writes the body.
 */
export class ApiError extends Error {
  override readonly name = "ApiError";

  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

/** The v1 endpoints (`/v1/accesspolicies`, `/v1/tokens`) answer bad requests with 400. */
export function badRequest(message: string): ApiError {
  return new ApiError(400, "InvalidArgument", message);
}

/** The legacy endpoints (`/instances...`) answer invalid arguments with 409, not 400. */
export function legacyInvalid(message: string): ApiError {
  return new ApiError(409, "InvalidArgument", message);
}

export function notFound(message: string): ApiError {
  return new ApiError(404, "NotFound", message);
}

export function conflict(message: string): ApiError {
  return new ApiError(409, "Conflict", message);
}

export const INVALID_CREDENTIALS = (): ApiError => new ApiError(401, "InvalidCredentials", "Token invalid");

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
