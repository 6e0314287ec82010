/**
 * The one error hierarchy of the client layer. Every failure of a Cloud API call becomes a
 * `GrafanaCloudError` (or a subclass picked by status in `errorFromResponse`), whose message is
 * whole on its own: only an error's message crosses from the dynamic provider to the engine
 * (DESIGN.md, rule 7). The errors keep plain fields only: no axios config, request or headers,
 * so the access token can never travel with them.
 */

/** What identifies the failed call in every error message. */
export interface RequestContext {
  /** HTTP method, upper case. */
  method: string;
  /** Path with query string, e.g. `/api/v1/accesspolicies?region=eu`. */
  path: string;
  /** Number of attempts made (1 when nothing was retried). */
  attempts?: number;
  /** The `X-Request-Id` this package sent with every attempt of the call. */
  clientRequestId?: string;
}

export interface ApiErrorDetails extends RequestContext {
  status?: number;
  /** The API's own error code, e.g. `Conflict`, `InvalidArgument`. */
  code?: string;
  /** The API's own error message. */
  apiMessage?: string;
  requestId?: string;
  /** Seconds the server asked us to wait (Retry-After), when it said. */
  retryAfterSeconds?: number;
  /** A sentence appended to the message: what the user can do about it. */
  hint?: string;
}

const STATUS_TEXT: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  408: "Request Timeout",
  409: "Conflict",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

function describe(details: ApiErrorDetails, what: string): string {
  const parts = [`Grafana Cloud API ${details.method} ${details.path} failed: ${what}`];
  const extras: string[] = [];
  if (details.code) extras.push(`code ${details.code}`);
  if (details.requestId && details.requestId !== details.clientRequestId) {
    extras.push(`request id ${details.requestId}`);
  }
  if (details.clientRequestId) extras.push(`x-request-id ${details.clientRequestId}`);
  if (details.attempts && details.attempts > 1) extras.push(`after ${details.attempts} attempts`);
  if (extras.length > 0) parts.push(` (${extras.join(", ")})`);
  if (details.hint) parts.push(`. ${details.hint}`);
  return parts.join("");
}

export class GrafanaCloudError extends Error {
  override name = "GrafanaCloudError";
  readonly status: number | undefined;
  readonly method: string;
  readonly path: string;
  readonly code: string | undefined;
  readonly apiMessage: string | undefined;
  readonly requestId: string | undefined;
  /** The `X-Request-Id` sent with the call (the same on every retry). */
  readonly clientRequestId: string | undefined;
  readonly retryAfterSeconds: number | undefined;
  readonly attempts: number;

  constructor(details: ApiErrorDetails, message?: string) {
    const status = details.status;
    const statusText = status === undefined ? "" : `${status} ${STATUS_TEXT[status] ?? "Error"}`;
    const what = [statusText, details.apiMessage].filter((s) => s).join(": ");
    super(message ?? describe(details, what || "no response"));
    this.status = status;
    this.method = details.method;
    this.path = details.path;
    this.code = details.code;
    this.apiMessage = details.apiMessage;
    this.requestId = details.requestId;
    this.clientRequestId = details.clientRequestId;
    this.retryAfterSeconds = details.retryAfterSeconds;
    this.attempts = details.attempts ?? 1;
  }
}

export class BadRequestError extends GrafanaCloudError {
  override name = "BadRequestError";
}
export class UnauthorizedError extends GrafanaCloudError {
  override name = "UnauthorizedError";
}
export class ForbiddenError extends GrafanaCloudError {
  override name = "ForbiddenError";
}
export class NotFoundError extends GrafanaCloudError {
  override name = "NotFoundError";
}
export class ConflictError extends GrafanaCloudError {
  override name = "ConflictError";
}
export class RateLimitError extends GrafanaCloudError {
  override name = "RateLimitError";
}
export class ServerError extends GrafanaCloudError {
  override name = "ServerError";
}

/** No HTTP response arrived: connection refused or reset, DNS failure, lost response. */
export class NetworkError extends GrafanaCloudError {
  override name = "NetworkError";
  constructor(details: ApiErrorDetails, cause: string) {
    super(details, describe(details, `network error: ${cause}`));
  }
}

export class TimeoutError extends GrafanaCloudError {
  override name = "TimeoutError";
  constructor(details: ApiErrorDetails, timeoutMs: number) {
    super(details, describe(details, `no response within ${timeoutMs} ms`));
  }
}

/** The response arrived but does not have the shape this package expects. */
export class ResponseValidationError extends GrafanaCloudError {
  override name = "ResponseValidationError";
  readonly field: string;
  constructor(details: ApiErrorDetails, field: string, problem: string) {
    super(details, describe(details, `unexpected response: field "${field}" ${problem}`));
    this.field = field;
  }
}

/** Builds the subclass that matches a status, in one place. */
export function errorFromStatus(details: ApiErrorDetails & { status: number }): GrafanaCloudError {
  const s = details.status;
  if (s === 400 || s === 422) return new BadRequestError(details);
  if (s === 401) return new UnauthorizedError(details);
  if (s === 403) return new ForbiddenError(details);
  if (s === 404) return new NotFoundError(details);
  if (s === 409) return new ConflictError(details);
  if (s === 429) return new RateLimitError(details);
  if (s >= 500) return new ServerError(details);
  return new GrafanaCloudError(details);
}

// Type guards check `name`, so they hold across copies of this module (an older package version
// loaded by a serialized provider) where `instanceof` would not.
const isNamed =
  <T extends GrafanaCloudError>(name: string) =>
  (e: unknown): e is T =>
    e instanceof Error && e.name === name;

export const isNotFoundError = isNamed<NotFoundError>("NotFoundError");
export const isConflictError = isNamed<ConflictError>("ConflictError");
export const isNetworkError = isNamed<NetworkError>("NetworkError");
export const isTimeoutError = isNamed<TimeoutError>("TimeoutError");
export const isServerError = isNamed<ServerError>("ServerError");

/**
 * True when the outcome of a write is unknown: no response arrived (network error, timeout), or a
 * 5xx that a proxy may have answered after the server applied it.
 */
export function isOutcomeUnknown(e: unknown): boolean {
  return isNetworkError(e) || isTimeoutError(e) || isServerError(e);
}
