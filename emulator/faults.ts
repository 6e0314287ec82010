import { badControlRequest as badRequest } from "./errors";

/**
 * Fault injection (`POST /_emulator/faults`). A fault matches requests by method and a regular
 * expression on the path; it fires for the next `count` matches, or with `probability` drawn
 * from a PRNG seeded per fault so that a run is repeatable.
 */

export type FaultKind = "status" | "latency" | "reset" | "lost-response" | "applied-then";

/**
 * How an `applied-then` fault answers a request it let the emulator process (and apply):
 * - `status`: an error status of a proxy in front of the service (default 502), JSON error body;
 * - `html`: a 200 (or `status`) with an HTML page instead of JSON, as a captive portal or a
 *   misrouted proxy answers;
 * - `empty`: a 200 with an empty body;
 * - `truncated`: a 200 whose body stops half-way (Content-Length promises the whole), then the
 *   connection closes;
 * - `stall`: a 200 whose body sends its first half and then nothing, until the client gives up;
 * - `omit`: the real answer without its top-level field `field` (e.g. the id, or a secret).
 */
export type AppliedAnswer = "status" | "html" | "empty" | "truncated" | "stall" | "omit";
const ANSWERS: readonly AppliedAnswer[] = ["status", "html", "empty", "truncated", "stall", "omit"];

export interface FaultSpec {
  method?: string;
  path: string;
  kind: FaultKind;
  status?: number;
  retryAfter?: number | string;
  code?: string;
  message?: string;
  latencyMs?: number;
  count?: number;
  probability?: number;
  seed?: number;
  /** For `applied-then`: how the processed request is answered. */
  answer?: AppliedAnswer;
  /** For `applied-then` with `answer: "omit"`: the top-level field left out of the answer. */
  field?: string;
}

export interface Fault {
  id: number;
  spec: FaultSpec;
  pattern: RegExp;
  /** Firings left; undefined means unlimited. */
  remaining: number | undefined;
  random: () => number;
  fired: number;
}

const KINDS: readonly FaultKind[] = ["status", "latency", "reset", "lost-response", "applied-then"];

/** mulberry32: a tiny seeded PRNG, good enough for repeatable coin flips. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function parseSpec(raw: unknown): FaultSpec {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw badRequest("fault: must be a JSON object");
  }
  const r = raw as Record<string, unknown>;
  const spec: FaultSpec = { path: "", kind: "status" };
  if (typeof r.path !== "string" || r.path === "") throw badRequest("path: required regular expression");
  spec.path = r.path;
  if (typeof r.kind !== "string" || !KINDS.includes(r.kind as FaultKind)) {
    throw badRequest(`kind: must be one of ${KINDS.join(", ")}`);
  }
  spec.kind = r.kind as FaultKind;
  if (r.method !== undefined) {
    if (typeof r.method !== "string") throw badRequest("method: must be a string");
    spec.method = r.method.toUpperCase();
  }
  if (spec.kind === "status") {
    if (typeof r.status !== "number" || !Number.isInteger(r.status) || r.status < 100 || r.status > 599) {
      throw badRequest("status: required for kind status, an HTTP status code");
    }
    spec.status = r.status;
  }
  if (spec.kind === "applied-then") {
    if (typeof r.answer !== "string" || !ANSWERS.includes(r.answer as AppliedAnswer)) {
      throw badRequest(`answer: required for kind applied-then, one of ${ANSWERS.join(", ")}`);
    }
    spec.answer = r.answer as AppliedAnswer;
    if (spec.answer === "omit") {
      if (typeof r.field !== "string" || r.field === "") {
        throw badRequest("field: required for answer omit, the name of a top-level field of the answer");
      }
      spec.field = r.field;
    }
    if (r.status !== undefined) {
      const status = r.status;
      const allowed =
        typeof status === "number" &&
        Number.isInteger(status) &&
        ((spec.answer === "status" && status >= 500 && status <= 599) ||
          (spec.answer === "html" && status >= 200 && status <= 599));
      if (!allowed) {
        throw badRequest(
          "status: for applied-then, a 5xx with answer status, 200-599 with answer html, and nothing " +
            "with the other answers (they answer 200)",
        );
      }
      spec.status = status;
    }
  }
  if (r.retryAfter !== undefined) {
    if (typeof r.retryAfter !== "number" && typeof r.retryAfter !== "string") {
      throw badRequest("retryAfter: must be seconds or an HTTP date");
    }
    spec.retryAfter = r.retryAfter;
  }
  for (const key of ["code", "message"] as const) {
    const v = r[key];
    if (v !== undefined) {
      if (typeof v !== "string") throw badRequest(`${key}: must be a string`);
      spec[key] = v;
    }
  }
  if (spec.kind === "latency" && (typeof r.latencyMs !== "number" || r.latencyMs < 0)) {
    throw badRequest("latencyMs: required for kind latency, a non-negative number");
  }
  if (r.latencyMs !== undefined) {
    if (typeof r.latencyMs !== "number" || r.latencyMs < 0) throw badRequest("latencyMs: must be >= 0");
    spec.latencyMs = r.latencyMs;
  }
  if (r.count !== undefined) {
    if (typeof r.count !== "number" || !Number.isInteger(r.count) || r.count < 1) {
      throw badRequest("count: must be a positive integer");
    }
    spec.count = r.count;
  }
  if (r.probability !== undefined) {
    if (typeof r.probability !== "number" || r.probability < 0 || r.probability > 1) {
      throw badRequest("probability: must be between 0 and 1");
    }
    spec.probability = r.probability;
  }
  if (r.seed !== undefined) {
    if (typeof r.seed !== "number" || !Number.isFinite(r.seed)) throw badRequest("seed: must be a number");
    spec.seed = r.seed;
  }
  return spec;
}

export class FaultStore {
  private faults: Fault[] = [];
  private nextId = 1;

  /** Validates and adds one fault or an array of them; all or nothing. */
  add(raw: unknown): number[] {
    const specs = (Array.isArray(raw) ? raw : [raw]).map(parseSpec);
    const built = specs.map((spec) => {
      let pattern: RegExp;
      try {
        pattern = new RegExp(spec.path);
      } catch {
        throw badRequest(`path: invalid regular expression ${JSON.stringify(spec.path)}`);
      }
      const fault: Fault = {
        id: this.nextId++,
        spec,
        pattern,
        remaining: spec.count,
        random: mulberry32(spec.seed ?? 1),
        fired: 0,
      };
      return fault;
    });
    this.faults.push(...built);
    return built.map((f) => f.id);
  }

  list(): Array<FaultSpec & { id: number; remaining: number | null; fired: number }> {
    return this.faults.map((f) => ({ ...f.spec, id: f.id, remaining: f.remaining ?? null, fired: f.fired }));
  }

  clear(): void {
    this.faults = [];
  }

  /** The faults that fire for this request, in the order they were added. */
  fire(method: string, path: string): Fault[] {
    const fired: Fault[] = [];
    for (const f of this.faults) {
      if (f.spec.method !== undefined && f.spec.method !== method) continue;
      if (!f.pattern.test(path)) continue;
      if (f.remaining !== undefined && f.remaining <= 0) continue;
      if (f.spec.probability !== undefined && f.random() >= f.spec.probability) continue;
      if (f.remaining !== undefined) f.remaining -= 1;
      f.fired += 1;
      fired.push(f);
    }
    this.faults = this.faults.filter((f) => f.remaining === undefined || f.remaining > 0);
    return fired;
  }
}
