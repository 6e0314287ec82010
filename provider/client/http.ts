/**
 * The only code in the package that speaks HTTP. One axios instance per client (it brings proxy
 * settings from the environment and decompression); the client itself reads each body within a
 * size cap and a wall-clock deadline, follows no redirect, retries by named policy within a time
 * budget, validates answers with zod, and scrubs every error of the call's secrets.
 */
import { randomUUID } from "node:crypto";
import type { Readable } from "node:stream";
import axios, { AxiosError, type AxiosInstance, type AxiosResponse } from "axios";
import type { z } from "zod";
import { BodyReadFailure, excerpt, parseBody, readBody, type ParsedBody } from "./body";
import {
  errorFromStatus,
  GrafanaCloudError,
  NetworkError,
  NOT_PROCESSED_STATUSES,
  RedirectError,
  ResponseTooLargeError,
  statusLine,
  ResponseValidationError,
  TimeoutError,
  type ApiErrorDetails,
  type Outcome,
} from "./errors";
import { joinUrl, type ApiPath } from "./path";
import { Redactor } from "./redact";
import {
  backoff,
  DEFAULT_RETRY,
  parseRetryAfter,
  shouldRetry,
  type FailureClass,
  type HttpMethod,
  type RetryAnswer,
  type RetryPolicy,
} from "./retry";

export { parseRetryAfter } from "./retry";
export type { HttpMethod } from "./retry";

export interface ClientOptions {
  /** API host, e.g. `https://grafana.com`; every path is under `/api`. */
  baseUrl: string;
  /** Cloud access policy token, sent as `Authorization: Bearer`. */
  token: string;
  /** Wall-clock limit of one attempt: until the whole body has arrived, not just the headers. */
  timeoutMs?: number;
  /** Retries of one call under a policy that sets no limit of its own. */
  maxRetries?: number;
  /**
   * Time one call may take in all, attempts and waits between them included. No retry starts
   * that could not end within it; a single attempt may use its whole `timeoutMs` when that is
   * longer. So no call takes longer than the larger of the two.
   */
  retryBudgetMs?: number;
  /** First backoff delay; doubles per retry up to `maxDelayMs`, with jitter. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Larger response bodies are refused (`ResponseTooLargeError`); no API answer comes close. */
  maxResponseBytes?: number;
  userAgent?: string;
  /** How the client waits between attempts; tests inject one that records the wait. */
  sleep?: (ms: number) => Promise<void>;
}

export interface RequestOptions<S extends z.ZodType> {
  method: HttpMethod;
  /** Path made with the `path` tag, starting with `/api/` (or relative to `baseUrl`). */
  path: ApiPath;
  /** Send to this URL (a stack's own Grafana) instead of the API host; its path is kept. */
  baseUrl?: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  schema: S;
  /** Which failures are retried, and how often; default `DEFAULT_RETRY`. */
  retry?: RetryPolicy;
  /**
   * Override the bearer credential: an API key for a stack's own Grafana API, or null for no
   * credential at all (a stack's health check: the access token must not go to the stack's host).
   * The key is redacted from every error like the access token.
   */
  bearer?: string | null;
  /** Further secret values this call may meet; none of them appears in its errors. */
  secrets?: readonly string[];
  /**
   * Names of answer fields that hold secrets, e.g. the `token` of a created token: their values,
   * wherever an answer of this call shows them, are kept out of its errors too.
   */
  secretFields?: readonly string[];
}

const DEFAULTS = {
  timeoutMs: 30_000,
  maxRetries: 6,
  retryBudgetMs: 120_000,
  baseDelayMs: 250,
  maxDelayMs: 15_000,
  maxResponseBytes: 5 * 1024 * 1024,
};

/** A retry is not started with less time than this left for its attempt. */
const MIN_ATTEMPT_MS = 1000;

/** Network errors where the request never reached the server. */
const NOT_SENT = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EAI_FAIL",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "EADDRNOTAVAIL",
  "CERT_HAS_EXPIRED",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "ERR_INVALID_URL",
  // A header value Node refuses to send (e.g. a credential with a line break in it).
  "ERR_INVALID_CHAR",
  "ERR_HTTP_INVALID_HEADER_VALUE",
]);
/** Of those, the ones a later attempt may get past (a restarting server, a DNS hiccup). */
const NOT_SENT_TRANSIENT = new Set(["ECONNREFUSED", "EAI_AGAIN", "ENETUNREACH", "EHOSTUNREACH"]);

/** Why an attempt failed: what the error will say, and what retrying may do. */
interface Failure {
  cls: FailureClass;
  outcome: Outcome;
  /** Builds the error from the call's context (method, path, attempts, ids). */
  build: (ctx: ApiErrorDetails) => GrafanaCloudError;
  answer?: RetryAnswer;
  retryAfterMs?: number;
  status?: number;
}

/** One logical call: its id, clock, secrets and what its attempts did. */
interface Call {
  readonly req: RequestOptions<z.ZodType>;
  readonly url: string;
  /** Method and path with query, as errors show it. */
  readonly shownPath: string;
  readonly requestId: string;
  readonly redactor: Redactor;
  attempts: number;
  anyUnknown: boolean;
}

interface Answer {
  status: number;
  headers: Record<string, unknown>;
  body: ParsedBody;
}

/**
 * The writes (every method but GET) made through one client to the API host on paths that
 * `matches` accepts: how many have begun, and how many have not ended yet. Readers that keep what a
 * list answered compare these counts to know whether a write may have changed it since.
 */
export interface WriteWatch {
  readonly matches: (path: string) => boolean;
  /** Writes begun so far. */
  begun: number;
  /** Writes begun and not ended (answered, failed or given up). */
  inFlight: number;
}

export class ApiClient {
  private readonly http: AxiosInstance;
  private readonly watches: WriteWatch[] = [];
  private readonly opts: Required<Omit<ClientOptions, "userAgent" | "sleep">> & { userAgent: string };
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(options: ClientOptions) {
    this.opts = {
      ...DEFAULTS,
      userAgent: "pulumi-grafana-cloud",
      ...Object.fromEntries(Object.entries(options).filter(([k, v]) => v !== undefined && k !== "sleep")),
    } as ApiClient["opts"];
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.http = axios.create({
      headers: { "User-Agent": this.opts.userAgent, Accept: "application/json" },
      // The client reads every body itself (size cap, deadline) and judges every status.
      responseType: "stream",
      validateStatus: () => true,
      transformResponse: [(data: unknown) => data],
      // The API never redirects; following one would send the request (and a POST body) to
      // wherever the answer points and take that host's unauthenticated answer for the API's.
      maxRedirects: 0,
    });
  }

  /**
   * The time one call may take in all (`retryBudgetMs`). Callers that repeat a whole operation
   * (a create whose outcome was unknown) start no new attempt after it either.
   */
  get retryBudgetMs(): number {
    return this.opts.retryBudgetMs;
  }

  /** Counts, from now on, the writes this client makes to the API host on paths `matches` accepts. */
  watchWrites(matches: (path: string) => boolean): WriteWatch {
    const watch: WriteWatch = { matches, begun: 0, inFlight: 0 };
    this.watches.push(watch);
    return watch;
  }

  /** Makes one call (with retries) and returns the zod-parsed body. */
  async request<S extends z.ZodType>(req: RequestOptions<S>): Promise<z.output<S>> {
    // Writes to a stack's own Grafana (another base URL) change nothing the Cloud API lists.
    const watching =
      req.method === "GET" || req.baseUrl !== undefined
        ? []
        : this.watches.filter((w) => w.matches(req.path));
    for (const w of watching) {
      w.begun += 1;
      w.inFlight += 1;
    }
    try {
      return await this.call(req);
    } finally {
      for (const w of watching) w.inFlight -= 1;
    }
  }

  private async call<S extends z.ZodType>(req: RequestOptions<S>): Promise<z.output<S>> {
    const policy = req.retry ?? DEFAULT_RETRY;
    const limit = policy.limit ?? this.opts.maxRetries + 1;
    const call = this.open(req);
    const started = Date.now();
    const budgetEnd = started + this.opts.retryBudgetMs;
    const hardEnd = started + Math.max(this.opts.retryBudgetMs, this.opts.timeoutMs);
    for (;;) {
      call.attempts += 1;
      const remaining = hardEnd - Date.now();
      const limitMs = Math.max(1, Math.min(this.opts.timeoutMs, remaining));
      const limitName = limitMs < this.opts.timeoutMs ? "the rest of the call's time budget" : "";
      const result = await this.attempt(call, limitMs, limitName);
      let failure: Failure;
      if ("failure" in result) {
        failure = result.failure;
      } else {
        const parsed = this.accept(req, result.answer);
        if (parsed.ok) return parsed.value as z.output<S>;
        failure = parsed.failure;
      }
      if (failure.outcome === "unknown") call.anyUnknown = true;
      if (call.attempts >= limit || !shouldRetry(policy, req.method, failure)) {
        throw this.fail(call, failure);
      }
      const wait = Math.max(
        backoff(call.attempts, this.opts.baseDelayMs, this.opts.maxDelayMs),
        failure.retryAfterMs ?? 0,
      );
      // A retry starts within the budget, with time left for its attempt before the hard end.
      const resumeAt = Date.now() + wait;
      if (resumeAt > budgetEnd || resumeAt + Math.min(this.opts.timeoutMs, MIN_ATTEMPT_MS) > hardEnd) {
        throw this.fail(call, failure, this.budgetHint(failure));
      }
      await this.sleep(wait);
    }
  }

  private open(req: RequestOptions<z.ZodType>): Call {
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) query.set(k, String(v));
    const qs = query.toString();
    const full =
      req.baseUrl === undefined
        ? this.opts.baseUrl.replace(/\/+$/, "") + req.path
        : joinUrl(req.baseUrl, req.path);
    const pathname = req.baseUrl === undefined ? req.path : new URL(full).pathname;
    const redactor = new Redactor([this.opts.token, req.bearer, ...(req.secrets ?? [])]);
    return {
      req,
      url: qs ? `${full}?${qs}` : full,
      shownPath: qs ? `${pathname}?${qs}` : pathname,
      requestId: randomUUID(),
      redactor,
      attempts: 0,
      anyUnknown: false,
    };
  }

  /** One attempt: the answer with its whole body, or why there is none. */
  private async attempt(
    call: Call,
    limitMs: number,
    limitName: string,
  ): Promise<{ answer: Answer } | { failure: Failure }> {
    const { req } = call;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), limitMs);
    try {
      let res: AxiosResponse<Readable>;
      try {
        res = await this.http.request<Readable>({
          method: req.method,
          url: call.url,
          data: req.body,
          signal: controller.signal,
          headers: {
            // The contract requires it on writes; one id per logical call, the same on every
            // retry, lets the service tell a retry from a second request.
            "X-Request-Id": call.requestId,
            ...(req.bearer === null ? {} : { Authorization: `Bearer ${req.bearer ?? this.opts.token}` }),
          },
        });
      } catch (e) {
        if (controller.signal.aborted) {
          return {
            failure: {
              cls: "unknown-transient",
              outcome: "unknown",
              build: (ctx) => new TimeoutError(ctx, limitMs, undefined, limitName),
            },
          };
        }
        return { failure: this.networkFailure(e) };
      }
      const status = res.status;
      const headers = { ...(res.headers as Record<string, unknown>) };
      if (status >= 300 && status < 400) {
        res.data.destroy();
        return { failure: this.redirectFailure(call, status, headers["location"]) };
      }
      const success = status >= 200 && status < 300;
      const declared = Number(headers["content-length"]);
      if (Number.isFinite(declared) && declared > this.opts.maxResponseBytes) {
        res.data.destroy();
        if (success) return { failure: this.tooLarge(status) };
        return { answer: { status, headers, body: { kind: "empty" } } };
      }
      let bytes: Buffer;
      try {
        bytes = await readBody(res.data, this.opts.maxResponseBytes, controller.signal);
      } catch (e) {
        if (!(e instanceof BodyReadFailure)) throw e;
        // For an error status the status is the answer; its body only adds detail.
        if (!success) return { answer: { status, headers, body: { kind: "empty" } } };
        return { failure: this.bodyFailure(e, status, limitMs, limitName) };
      }
      const body = parseBody(bytes);
      if (req.secretFields?.length) registerSecrets(call.redactor, bytes, body, req.secretFields);
      return { answer: { status, headers, body } };
    } finally {
      clearTimeout(timer);
    }
  }

  /** A whole answer: the parsed value for a 2xx that the schema accepts, else why not. */
  private accept(
    req: RequestOptions<z.ZodType>,
    a: Answer,
  ): { ok: true; value: unknown } | { ok: false; failure: Failure } {
    if (a.status < 200 || a.status >= 300) return { ok: false, failure: this.statusFailure(a) };
    const invalid = (field: string, problem: string): { ok: false; failure: Failure } => ({
      ok: false,
      failure: {
        cls: "final",
        outcome: "unknown",
        status: a.status,
        build: (ctx) => new ResponseValidationError({ ...ctx, status: a.status }, field, problem),
      },
    });
    const contentType = String(a.headers["content-type"] ?? "no content-type");
    const body = a.body;
    // An answer the caller does not read (z.unknown(): a delete, a health check) is accepted
    // whatever its body; every other schema is checked against what arrived.
    const input = body.kind === "json" ? body.value : body.kind === "not-json" ? body.text : undefined;
    const parsed = req.schema.safeParse(input);
    if (parsed.success) {
      if (body.kind !== "not-json" || input === parsed.data) return { ok: true, value: parsed.data };
    }
    if (body.kind === "empty") return invalid("(body)", "is empty; a JSON answer was expected");
    if (body.kind === "not-json") {
      const size = Buffer.byteLength(body.text);
      return invalid(
        "(body)",
        body.truncated
          ? `is cut short: its JSON ends early after ${size} bytes`
          : `is not JSON (${contentType}, ${size} bytes)`,
      );
    }
    const issue = parsed.success ? undefined : parsed.error.issues[0];
    return invalid(issue ? fieldName(issue.path) : "(body)", issue?.message ?? "is invalid");
  }

  private statusFailure(a: Answer): Failure {
    const body = apiBody(a.body);
    const retryAfterMs = parseRetryAfter(a.headers["retry-after"]);
    const headerId = a.headers["x-request-id"];
    const requestId = body.requestId ?? (typeof headerId === "string" ? headerId : undefined);
    const answer: RetryAnswer = { status: a.status, code: body.code, message: body.message };
    const notProcessed = NOT_PROCESSED_STATUSES.includes(a.status);
    const failure: Failure = {
      cls: notProcessed ? "not-processed" : a.status >= 500 ? "unknown-transient" : "final",
      outcome: notProcessed || a.status < 500 ? "not-applied" : "unknown",
      status: a.status,
      answer,
      build: (ctx) => {
        const details: ApiErrorDetails & { status: number } = { ...ctx, status: a.status };
        if (body.code) details.code = body.code;
        if (body.message) details.apiMessage = body.message;
        if (requestId) details.requestId = requestId;
        if (retryAfterMs !== undefined) details.retryAfterSeconds = Math.ceil(retryAfterMs / 1000);
        return errorFromStatus(details);
      },
    };
    if (retryAfterMs !== undefined) failure.retryAfterMs = retryAfterMs;
    return failure;
  }

  private redirectFailure(call: Call, status: number, location: unknown): Failure {
    let target: string | undefined;
    if (typeof location === "string" && location !== "") {
      try {
        target = new URL(location, call.url).toString();
      } catch {
        target = location;
      }
    }
    return {
      cls: "final",
      outcome: "not-applied",
      status,
      build: (ctx) =>
        new RedirectError(
          call.req.baseUrl === undefined
            ? { ...ctx, status }
            : {
                ...ctx,
                status,
                hint: "The stack's URL answered with a redirect; its Grafana API does not redirect",
              },
          target,
        ),
    };
  }

  /** A 2xx body over the size cap: the request was processed, its answer is unusable. */
  private tooLarge(status: number): Failure {
    const limit = this.opts.maxResponseBytes;
    return {
      cls: "final",
      outcome: "unknown",
      status,
      build: (ctx) => new ResponseTooLargeError({ ...ctx, status }, limit),
    };
  }

  /** A 2xx whose body stalled, was cut short or ran over the cap: processed, but no usable answer. */
  private bodyFailure(e: BodyReadFailure, status: number, limitMs: number, limitName: string): Failure {
    if (e.kind === "too-large") return this.tooLarge(status);
    if (e.kind === "stalled") {
      return {
        cls: "unknown-transient",
        outcome: "unknown",
        status,
        build: (ctx) => new TimeoutError({ ...ctx, status }, limitMs, e.receivedBytes, limitName),
      };
    }
    return {
      cls: "unknown-transient",
      outcome: "unknown",
      status,
      build: (ctx) =>
        new NetworkError(
          { ...ctx, status },
          `the connection closed after ${e.receivedBytes} bytes of the response body (${statusLine(status)}), ` +
            `before it was complete${e.cause && e.cause !== "connection closed" ? ` (${e.cause})` : ""}`,
          e.networkCode,
        ),
    };
  }

  private networkFailure(e: unknown): Failure {
    const code = e instanceof AxiosError ? e.code : (e as { code?: unknown } | undefined)?.code;
    const codeText = typeof code === "string" ? code : undefined;
    const message = e instanceof Error ? e.message : String(e);
    if (codeText && NOT_SENT.has(codeText)) {
      return {
        cls: NOT_SENT_TRANSIENT.has(codeText) ? "not-processed" : "final",
        outcome: "not-applied",
        build: (ctx) =>
          new NetworkError(
            { ...ctx, outcome: "not-applied" },
            `${codeText}: ${message} (the request was not delivered)`,
            codeText,
          ),
      };
    }
    return {
      cls: "unknown-transient",
      outcome: "unknown",
      build: (ctx) =>
        new NetworkError(
          { ...ctx, outcome: "unknown" },
          `${codeText ?? "error"}: ${message} (no answer arrived)`,
          codeText,
        ),
    };
  }

  private budgetHint(failure: Failure): string | undefined {
    if (failure.retryAfterMs === undefined) return undefined;
    const wait = Math.ceil(failure.retryAfterMs / 1000);
    const budget = Math.round(this.opts.retryBudgetMs / 1000);
    return failure.status === 429
      ? `The API is rate limiting these calls and asked to wait ${wait} s (Retry-After) before trying again, ` +
          `longer than the retry budget of ${budget} s; access-policy endpoints allow about 600 calls per hour. ` +
          `Run again after the wait`
      : `The API asked to wait ${wait} s (Retry-After), longer than the retry budget of ${budget} s`;
  }

  /** The error for the call's last failure, with its context, scrubbed of the call's secrets. */
  private fail(call: Call, failure: Failure, hint?: string): GrafanaCloudError {
    const ctx: ApiErrorDetails = {
      method: call.req.method,
      path: call.shownPath,
      attempts: call.attempts,
      clientRequestId: call.requestId,
    };
    if (hint) ctx.hint = hint;
    if (call.anyUnknown && failure.outcome !== "unknown") ctx.earlierAttemptUnknown = true;
    return call.redactor.scrub(failure.build(ctx));
  }
}

/**
 * Registers the values of secret fields wherever an answer shows them: in its text (whole or cut
 * short), and inside its string values (an upstream answer quoted in an error message).
 */
function registerSecrets(
  redactor: Redactor,
  bytes: Buffer,
  body: ParsedBody,
  fields: readonly string[],
): void {
  redactor.addFieldValues(bytes.toString("utf8"), fields);
  const seen = new Set<unknown>();
  const walk = (v: unknown): void => {
    if (typeof v === "string") {
      redactor.addFieldValues(v, fields);
    } else if (v !== null && typeof v === "object" && !seen.has(v)) {
      seen.add(v);
      for (const [k, inner] of Object.entries(v)) {
        if (fields.includes(k) && typeof inner === "string") redactor.add(inner);
        walk(inner);
      }
    }
  };
  if (body.kind === "json") walk(body.value);
}

/** `items[2].name` from a zod issue path. */
function fieldName(path: readonly PropertyKey[]): string {
  if (path.length === 0) return "(body)";
  return path
    .map((p, i) => (typeof p === "number" ? `[${p}]` : `${i === 0 ? "" : "."}${String(p)}`))
    .join("");
}

/** The API's error fields from an error answer's body; an excerpt of it when it is not JSON. */
function apiBody(body: ParsedBody): { code?: string; message?: string; requestId?: string } {
  if (body.kind === "json" && body.value && typeof body.value === "object") {
    const d = body.value as Record<string, unknown>;
    const out: { code?: string; message?: string; requestId?: string } = {};
    if (typeof d["code"] === "string") out.code = d["code"];
    if (typeof d["message"] === "string") out.message = d["message"];
    if (typeof d["requestId"] === "string") out.requestId = d["requestId"];
    return out;
  }
  if (body.kind === "json" && typeof body.value === "string") return { message: excerpt(body.value) };
  if (body.kind === "not-json") return { message: excerpt(body.text) };
  return {};
}
