/**
 * The one error hierarchy of the client layer. Every failure of a Cloud API call becomes a
 * `GrafanaCloudError` (or a subclass picked by what happened), whose message is whole on its own:
 * only an error's message crosses from a dynamic provider to the Pulumi engine. The errors keep
 * plain fields only (no axios config, request or headers), and the client scrubs every one of
 * them of the call's secrets before it throws.
 *
 * Each error says whether the request may have been applied (`outcome`): a create whose outcome
 * is `unknown` may have made the object, so the caller must look for it before trying again.
 */

/** Whether the server may have applied the request. */
export type Outcome =
  /** Nothing was processed: the request was refused, rejected, or never sent. */
  | "not-applied"
  /** The server may have applied it: its answer was lost, cut short, unusable, or a 5xx (not 503). */
  | "unknown";

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
  /** Defaults to what the status says (see `outcomeOfStatus`), or `unknown` without a status. */
  outcome?: Outcome;
  /** An earlier attempt of the call may have been applied, whatever the last one says. */
  earlierAttemptUnknown?: boolean;
}

const STATUS_TEXT: Record<number, string> = {
  200: "OK",
  201: "Created",
  202: "Accepted",
  204: "No Content",
  300: "Multiple Choices",
  301: "Moved Permanently",
  302: "Found",
  303: "See Other",
  307: "Temporary Redirect",
  308: "Permanent Redirect",
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  408: "Request Timeout",
  409: "Conflict",
  422: "Unprocessable Entity",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

/** `404 Not Found`, `299 (HTTP status)` for codes without a well-known text. */
export function statusLine(status: number): string {
  return `${status} ${STATUS_TEXT[status] ?? "(HTTP status)"}`;
}

/**
 * Statuses that say the request was not processed, so even a create may be sent again: 408 (the
 * server gave up waiting for the request), 429 (rate limited) and 503 (unavailable; the API and
 * a starting stack answer it with Retry-After).
 */
export const NOT_PROCESSED_STATUSES: readonly number[] = [408, 429, 503];

/**
 * Whether an answer with this status may have been applied: a 4xx, a 3xx (the API never
 * redirects: whatever answered did not pass the request on) and the statuses above were not; any
 * other 5xx may come from a proxy after the server applied the request.
 */
export function outcomeOfStatus(status: number): Outcome {
  if (status >= 500 && !NOT_PROCESSED_STATUSES.includes(status)) return "unknown";
  if (status >= 300) return "not-applied";
  // A 2xx that still became an error: its answer was unusable, the request was processed.
  return "unknown";
}

function describe(details: ApiErrorDetails, what: string, outcome: Outcome): string {
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
  // Reads change nothing; for a write, say whether it may have taken effect.
  if (details.method !== "GET") {
    if (outcome === "unknown") parts.push(". The request may have been applied");
    else if (details.earlierAttemptUnknown) parts.push(". An earlier attempt may have been applied");
  }
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
  /** Whether the request may have been applied; `isOutcomeUnknown` reads it. */
  readonly outcome: Outcome;

  /**
   * @param what what went wrong, after "failed: "; by default the status and the API's message.
   */
  constructor(details: ApiErrorDetails, what?: string) {
    const status = details.status;
    const last = details.outcome ?? (status === undefined ? "unknown" : outcomeOfStatus(status));
    const outcome = details.earlierAttemptUnknown === true ? "unknown" : last;
    const statusText = status === undefined ? "" : statusLine(status);
    const fallback = [statusText, details.apiMessage].filter((s) => s).join(": ") || "no response";
    super(describe(details, what ?? fallback, last));
    this.status = status;
    this.method = details.method;
    this.path = details.path;
    this.code = details.code;
    this.apiMessage = details.apiMessage;
    this.requestId = details.requestId;
    this.clientRequestId = details.clientRequestId;
    this.retryAfterSeconds = details.retryAfterSeconds;
    this.attempts = details.attempts ?? 1;
    this.outcome = outcome;
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

/**
 * A 3xx answer. The Grafana Cloud API never redirects, so the client does not follow one: the
 * target could be another host or plain http, would get the request (a POST body included) and
 * its answer, unauthenticated, would be taken for the API's.
 */
export class RedirectError extends GrafanaCloudError {
  override name = "RedirectError";
  /** The redirect target (absolute), or undefined when the answer named none. */
  readonly location: string | undefined;
  constructor(details: ApiErrorDetails & { status: number }, location: string | undefined) {
    super(
      {
        hint: "Check the API URL (grafana-cloud:url or GRAFANA_CLOUD_API_URL): a proxy or another server answered",
        ...details,
        outcome: "not-applied",
      },
      `${statusLine(details.status)} redirecting to ${location ?? "(no Location header)"}; the Grafana Cloud ` +
        `APIs do not redirect, so the redirect was not followed`,
    );
    this.location = location;
  }
}

/** No usable HTTP answer: connection refused or reset, DNS failure, the body cut short. */
export class NetworkError extends GrafanaCloudError {
  override name = "NetworkError";
  /** The system's error code, e.g. `ECONNREFUSED`, `ECONNRESET`, when there is one. */
  readonly networkCode: string | undefined;
  constructor(details: ApiErrorDetails, cause: string, networkCode?: string) {
    super(details, `network error: ${cause}`);
    this.networkCode = networkCode;
  }
}

/**
 * The call ran out of time: no answer within the attempt's limit, or an answer whose body did not
 * complete within it (a server that trickles or stalls). Every call ends within its budget.
 */
export class TimeoutError extends GrafanaCloudError {
  override name = "TimeoutError";
  /** The wall-clock limit that ran out, in milliseconds. */
  readonly timeoutMs: number;
  /** Bytes of the response body received before the limit, when headers had arrived. */
  readonly receivedBytes: number | undefined;
  constructor(details: ApiErrorDetails, timeoutMs: number, receivedBytes?: number, limitName = "") {
    const within = `${timeoutMs} ms${limitName ? ` (${limitName})` : ""}`;
    super(
      details,
      details.status === undefined
        ? `no response within ${within}`
        : `the response body stalled after ${receivedBytes ?? 0} bytes: ${statusLine(details.status)} ` +
            `arrived, but its body did not complete within ${within}`,
    );
    this.timeoutMs = timeoutMs;
    this.receivedBytes = receivedBytes;
  }
}

/** The response arrived but is not what this package can use: not JSON, empty, or the wrong shape. */
export class ResponseValidationError extends GrafanaCloudError {
  override name = "ResponseValidationError";
  /** The field at fault, e.g. `id`, `items[2].name`, or `(body)` for the body as a whole. */
  readonly field: string;
  constructor(details: ApiErrorDetails, field: string, problem: string) {
    const sep = /^(is|must|has|does|exceeds)\b/.test(problem) ? " " : ": ";
    super(
      details,
      field === "(body)"
        ? `unusable response (${statusLine(details.status ?? 200)}): the body ${problem}`
        : `unexpected response (${statusLine(details.status ?? 200)}): field "${field}"${sep}${problem}`,
    );
    this.field = field;
  }
}

/** The response body is larger than the client accepts; reading stopped at the limit. */
export class ResponseTooLargeError extends GrafanaCloudError {
  override name = "ResponseTooLargeError";
  readonly limitBytes: number;
  constructor(details: ApiErrorDetails & { status: number }, limitBytes: number) {
    super(
      details,
      `the response body (${statusLine(details.status)}) exceeds the limit of ${limitBytes} bytes; ` +
        `reading stopped there (no Grafana Cloud API answer is that large)`,
    );
    this.limitBytes = limitBytes;
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
export const isRedirectError = isNamed<RedirectError>("RedirectError");
export const isResponseValidationError = isNamed<ResponseValidationError>("ResponseValidationError");

/**
 * True when the request may have been applied though the call failed: its answer was lost, cut
 * short, stalled, unusable (HTML, empty, truncated, not matching the schema, missing a field the
 * provider needs), or a 5xx other than 503. False when nothing was processed: connection refused,
 * a redirect, any 4xx (429 included), a 503.
 */
export function isOutcomeUnknown(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  const outcome = (e as { outcome?: unknown }).outcome;
  if (outcome === "unknown" || outcome === "not-applied") return outcome === "unknown";
  // An error from an older copy of this module, which had no `outcome`.
  return isNetworkError(e) || isTimeoutError(e) || isServerError(e);
}

// ---------------------------------------------------------------------------------------------
// What a 409 (or 400) means. The service answers invalid arguments with 409 `InvalidArgument` on
// the legacy `/instances…` routes and with 400 on the v1 routes, and name conflicts with 409
// `Conflict`; Grafana's OpenAPI contract documents 409 `Conflict` for both and no 400 at all. So
// the status and code alone cannot tell a taken name from a bad argument: the message decides,
// and where it says neither, neither predicate holds (a bad argument must never be reported as
// "set adoptExisting").

/** Wording of a taken name or slug: "That url is not available", "… already exists", "… is already installed". */
const ALREADY_EXISTS = /already exists|already installed|already taken|is taken|not available|duplicate/i;
/**
 * Wording of a bad argument: "Field is required: name", "Invalid slug x specified", "must be …",
 * and a reference to something unknown ("stack region not found", "access policy … not found"):
 * where the contract's operation lists no 404, such a reference is one more invalid argument (409).
 */
const INVALID_ARGUMENT =
  /\binvalid\b|is required|required field|must be|must not|cannot be changed|can't be changed|not allowed|malformed|bad request|too long|too many|not found|does not exist|\bunknown\b/i;
/** The plugin API while the stack's Grafana is busy: "operation in progress, please try again later". */
const OPERATION_IN_PROGRESS = /operation in progress/i;
/** A slug re-used right after its stack was deleted: "… was deleted recently. Please wait for 30s …". */
const DELETED_RECENTLY = /deleted recently/i;
/** Deleting a protected stack: "Delete protection is enabled for stack …". */
const DELETE_PROTECTED = /delete protection|deleteProtection/i;

interface Answer {
  status: number | undefined;
  code: string | undefined;
  message: string;
}
function answerOf(e: unknown): Answer | undefined {
  if (!(e instanceof Error)) return undefined;
  const f = e as { status?: unknown; code?: unknown; apiMessage?: unknown };
  if (typeof f.status !== "number") return undefined;
  return {
    status: f.status,
    code: typeof f.code === "string" ? f.code : undefined,
    message: typeof f.apiMessage === "string" ? f.apiMessage : "",
  };
}

/** The wording tests alone, for callers holding a status and message rather than an error. */
export function isOperationInProgressAnswer(status: number, message: string | undefined): boolean {
  return status === 409 && OPERATION_IN_PROGRESS.test(message ?? "");
}

/** 409 "operation in progress" from the plugin API: another change runs on the stack; retry later. */
export function isOperationInProgressError(e: unknown): boolean {
  const a = answerOf(e);
  return a !== undefined && a.status !== undefined && isOperationInProgressAnswer(a.status, a.message);
}

/** 409 "… deleted recently …": the slug is held for a short while after its stack was deleted. */
export function isDeletedRecentlyError(e: unknown): boolean {
  const a = answerOf(e);
  return a?.status === 409 && DELETED_RECENTLY.test(a.message);
}

/** 409 for deleting a stack whose delete protection is on. */
export function isDeleteProtectedError(e: unknown): boolean {
  const a = answerOf(e);
  return a?.status === 409 && DELETE_PROTECTED.test(a.message);
}

/** Grafana's 400 for a taken name: an `…AlreadyExists` code, or "already exists" in its message. */
function takenIn400(a: { code?: string | undefined; message: string }): boolean {
  return /AlreadyExists$/i.test(a.code ?? "") || /already exists/i.test(a.message);
}

/**
 * A bad argument: any 400 or 422 but Grafana's 400 for a taken name; a 409 with code `InvalidArgument` (the legacy routes); or a 409
 * whose message reads like one ("invalid", "is required", "must be", "cannot be changed", "not
 * allowed", "too long", "not found", …) and not like a taken name (the contract's 409 `Conflict`
 * form). A 409 saying "operation in progress" or "deleted recently" never is one, whatever its code.
 */
export function isInvalidArgumentError(e: unknown): boolean {
  const a = answerOf(e);
  if (!a) return false;
  // Grafana itself (behind the instance proxy) answers a taken name with 400 and
  // `…ErrAlreadyExists`: that is a taken name, not a bad argument.
  if (a.status === 400 || a.status === 422) return !takenIn400(a);
  if (a.status !== 409) return false;
  // A busy stack or a held slug goes away by itself, whatever code it came with: waiting is right.
  if (OPERATION_IN_PROGRESS.test(a.message) || DELETED_RECENTLY.test(a.message)) return false;
  if (a.code === "InvalidArgument") return true;
  return INVALID_ARGUMENT.test(a.message) && !ALREADY_EXISTS.test(a.message);
}

/**
 * A taken name or slug: Grafana's 400 for a taken name (behind the instance proxy), or a 409 whose code is not `InvalidArgument` and whose message says so
 * ("already exists", "already installed", "already taken", "is taken", "not available",
 * "duplicate"), and is none of: operation in progress, deleted recently, delete protection, an
 * invalid argument. A 409 without such words is not taken for one.
 */
export function isAlreadyExistsError(e: unknown): boolean {
  const a = answerOf(e);
  if (a && a.status === 400) return takenIn400(a);
  if (a?.status !== 409 || a.code === "InvalidArgument") return false;
  if (OPERATION_IN_PROGRESS.test(a.message) || DELETED_RECENTLY.test(a.message)) return false;
  if (DELETE_PROTECTED.test(a.message)) return false;
  return ALREADY_EXISTS.test(a.message) && !isInvalidArgumentError(e);
}
