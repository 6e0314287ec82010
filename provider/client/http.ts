/**
 * The only code in the package that speaks HTTP. One axios instance per client, retries by
 * axios-retry with a time budget, typed errors, zod-validated responses.
 */
import { randomUUID } from "node:crypto";
import axios, { AxiosError, type AxiosInstance, type AxiosResponse } from "axios";
import axiosRetry from "axios-retry";
import type { z } from "zod";
import {
  errorFromStatus,
  GrafanaCloudError,
  NetworkError,
  ResponseValidationError,
  TimeoutError,
  type ApiErrorDetails,
} from "./errors";

export interface ClientOptions {
  /** API host, e.g. `https://grafana.com`; every path is under `/api`. */
  baseUrl: string;
  /** Cloud access policy token, sent as `Authorization: Bearer`. */
  token: string;
  /** Per-attempt timeout. */
  timeoutMs?: number;
  /** Maximum number of retries of one call. */
  maxRetries?: number;
  /** Total time one call may spend waiting between retries. */
  retryBudgetMs?: number;
  /** First backoff delay; doubles per retry up to `maxDelayMs`, with jitter. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  userAgent?: string;
}

export interface RequestOptions<S extends z.ZodType> {
  method: "GET" | "POST" | "DELETE";
  /** Path under the base URL, starting with `/api/`, or an absolute URL (a stack's own URL). */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  schema: S;
  /**
   * A POST is retried only when the caller says repeating it is harmless (the API has no
   * idempotency keys: a POST whose response is lost may or may not have been applied).
   */
  retrySafe?: boolean;
  /** Further responses worth retrying, e.g. the plugin API's 409 "operation in progress". */
  retryWhen?: (status: number, code: string | undefined, message: string | undefined) => boolean;
  /**
   * Override the bearer credential: an API key for a stack's own Grafana API, or null for no
   * credential at all (a stack's health check: the access token must not go to the stack's host).
   */
  bearer?: string | null;
  /** Retries of this call instead of the client's count (0: one attempt, e.g. a poll). */
  maxRetries?: number;
}

/**
 * Per-call retry bookkeeping. A class, not a plain object, because axios deep-copies plain objects
 * in a request config; an instance travels by reference, so the caller sees what the retries did.
 */
class RetryState {
  readonly startedAt = Date.now();
  /**
   * Sent as `X-Request-Id` on every attempt of this call: the contract requires the header on
   * writes, and one id per logical call lets the service tell a retry from a second request.
   */
  readonly requestId = randomUUID();
  /** Set when a retry was refused because the server asked for a wait beyond the budget. */
  refusedWaitMs: number | undefined;
  attempts = 1;
  constructor(
    readonly retrySafe: boolean,
    readonly retryWhen: RequestOptions<z.ZodType>["retryWhen"],
  ) {}
}

declare module "axios" {
  interface AxiosRequestConfig {
    gcloud?: RetryState;
  }
}

const IDEMPOTENT = new Set(["get", "head", "delete"]);
const DEFAULTS = {
  timeoutMs: 30_000,
  maxRetries: 6,
  retryBudgetMs: 120_000,
  baseDelayMs: 250,
  maxDelayMs: 15_000,
};

/** `Retry-After` in seconds or as an HTTP date, in milliseconds from now; undefined if absent. */
export function parseRetryAfter(value: unknown, now = Date.now()): number | undefined {
  if (typeof value !== "string" && typeof value !== "number") return undefined;
  const text = String(value).trim();
  if (text === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

function apiBody(data: unknown): { code?: string; message?: string; requestId?: string } {
  if (data && typeof data === "object") {
    const d = data as Record<string, unknown>;
    const out: { code?: string; message?: string; requestId?: string } = {};
    if (typeof d["code"] === "string") out.code = d["code"];
    if (typeof d["message"] === "string") out.message = d["message"];
    if (typeof d["requestId"] === "string") out.requestId = d["requestId"];
    return out;
  }
  if (typeof data === "string" && data.length > 0) return { message: data.slice(0, 500) };
  return {};
}

export class ApiClient {
  private readonly http: AxiosInstance;
  private readonly opts: Required<Omit<ClientOptions, "userAgent">> & { userAgent: string };

  constructor(options: ClientOptions) {
    this.opts = {
      ...DEFAULTS,
      userAgent: "pulumi-grafana-cloud",
      ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
    } as ApiClient["opts"];
    this.http = axios.create({
      baseURL: this.opts.baseUrl.replace(/\/+$/, ""),
      timeout: this.opts.timeoutMs,
      headers: { "User-Agent": this.opts.userAgent, Accept: "application/json" },
      // Every status reaches the error interceptor as an AxiosError except 2xx.
      validateStatus: (s) => s >= 200 && s < 300,
    });
    axiosRetry(this.http, {
      retries: this.opts.maxRetries,
      shouldResetTimeout: true,
      retryCondition: (error) => this.shouldRetry(error),
      retryDelay: (retryCount, error) => this.delayFor(retryCount, error),
      onRetry: (_count, _error, config) => {
        if (config.gcloud) config.gcloud.attempts += 1;
      },
    });
  }

  private backoff(retryCount: number): number {
    const exp = Math.min(this.opts.maxDelayMs, this.opts.baseDelayMs * 2 ** (retryCount - 1));
    // "Equal jitter": half fixed, half random, so concurrent clients spread out but never hammer.
    return exp / 2 + Math.random() * (exp / 2);
  }

  private delayFor(retryCount: number, error: AxiosError): number {
    const asked = parseRetryAfter(error.response?.headers?.["retry-after"]);
    return Math.max(this.backoff(retryCount), asked ?? 0);
  }

  private shouldRetry(error: AxiosError): boolean {
    const state = error.config?.gcloud;
    if (!state) return false;
    const method = (error.config?.method ?? "get").toLowerCase();
    const status = error.response?.status;
    const body = apiBody(error.response?.data);
    let retryable: boolean;
    if (status === undefined) {
      // No response: the write may have happened; repeat only what is safe to repeat. A refused
      // connection sent nothing, so any request may be repeated (e.g. an API restarting).
      retryable = IDEMPOTENT.has(method) || state.retrySafe || error.code === "ECONNREFUSED";
    } else if (state.retryWhen?.(status, body.code, body.message)) {
      retryable = true;
    } else if (status === 408 || status === 429 || status >= 500) {
      // 429 and 503 mean the request was not processed, so even a POST may be repeated.
      retryable = IDEMPOTENT.has(method) || state.retrySafe || status === 429 || status === 503;
    } else {
      retryable = false;
    }
    if (!retryable) return false;
    const asked = parseRetryAfter(error.response?.headers?.["retry-after"]);
    const elapsed = Date.now() - state.startedAt;
    const remaining = this.opts.retryBudgetMs - elapsed;
    const next = Math.max(asked ?? 0, this.backoff(state.attempts));
    if (next > remaining) {
      if (asked !== undefined) state.refusedWaitMs = asked;
      return false;
    }
    return true;
  }

  /** Makes one call (with retries) and returns the zod-parsed body. */
  async request<S extends z.ZodType>(req: RequestOptions<S>): Promise<z.output<S>> {
    const state = new RetryState(req.retrySafe ?? false, req.retryWhen);
    const res = await this.send(req, state);
    const parsed = req.schema.safeParse(res.data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue && issue.path.length > 0 ? issue.path.join(".") : "(body)";
      throw new ResponseValidationError(this.contextOf(req, state), field, issue?.message ?? "is invalid");
    }
    return parsed.data;
  }

  private context(req: RequestOptions<z.ZodType>, attempts = 1): ApiErrorDetails {
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) query.set(k, String(v));
    const qs = query.toString();
    let path = req.path;
    if (/^https?:\/\//.test(path)) {
      const u = new URL(path);
      path = u.pathname;
    }
    return { method: req.method, path: qs ? `${path}?${qs}` : path, attempts };
  }

  private contextOf(req: RequestOptions<z.ZodType>, state: RetryState): ApiErrorDetails {
    return { ...this.context(req, state.attempts), clientRequestId: state.requestId };
  }

  private async send(req: RequestOptions<z.ZodType>, state: RetryState): Promise<AxiosResponse> {
    const params = Object.fromEntries(Object.entries(req.query ?? {}).filter(([, v]) => v !== undefined));
    try {
      return await this.http.request({
        method: req.method,
        url: req.path,
        params,
        data: req.body,
        headers: {
          "X-Request-Id": state.requestId,
          ...(req.bearer === null ? {} : { Authorization: `Bearer ${req.bearer ?? this.opts.token}` }),
        },
        gcloud: state,
        ...(req.maxRetries !== undefined ? { "axios-retry": { retries: req.maxRetries } } : {}),
      });
    } catch (e) {
      throw this.toError(e, req, state);
    }
  }

  private toError(e: unknown, req: RequestOptions<z.ZodType>, state: RetryState): GrafanaCloudError {
    const ctx = this.contextOf(req, state);
    if (!(e instanceof AxiosError)) {
      const msg = e instanceof Error ? e.message : String(e);
      return new NetworkError(ctx, this.redact(msg, req.bearer));
    }
    const res = e.response;
    if (!res) {
      if (e.code === "ECONNABORTED" || e.code === "ETIMEDOUT")
        return new TimeoutError(ctx, this.opts.timeoutMs);
      return new NetworkError(ctx, this.redact(`${e.code ?? "error"}: ${e.message}`, req.bearer));
    }
    const body = apiBody(res.data);
    const retryAfterMs = parseRetryAfter(res.headers?.["retry-after"]);
    const details: ApiErrorDetails & { status: number } = { ...ctx, status: res.status };
    if (body.code) details.code = body.code;
    if (body.message) details.apiMessage = this.redact(body.message, req.bearer);
    const requestId = body.requestId ?? (res.headers?.["x-request-id"] as string | undefined);
    if (requestId) details.requestId = String(requestId);
    if (retryAfterMs !== undefined) details.retryAfterSeconds = Math.ceil(retryAfterMs / 1000);
    if (state.refusedWaitMs !== undefined) {
      const wait = Math.ceil(state.refusedWaitMs / 1000);
      const budget = Math.round(this.opts.retryBudgetMs / 1000);
      details.hint =
        res.status === 429
          ? `The API is rate limiting these calls and asked to wait ${wait} s (Retry-After) before trying again, ` +
            `longer than the retry budget of ${budget} s; access-policy endpoints allow about 600 calls per hour. ` +
            `Run again after the wait`
          : `The API asked to wait ${wait} s (Retry-After), longer than the retry budget of ${budget} s`;
    }
    return errorFromStatus(details);
  }

  /** Removes the credentials (the access token, and a call's own bearer key) from outside text. */
  private redact(text: string, bearer?: string | null): string {
    let out = text;
    for (const secret of [this.opts.token, bearer]) {
      if (secret && secret.length >= 4) out = out.split(secret).join("[REDACTED]");
    }
    return out;
  }
}
