/**
 * The orphan rule, resource by resource: each kind's create runs against the emulator while the
 * emulator applies the create and then answers badly (a proxy's 502/500/504, HTML, an empty,
 * truncated or stalled body, an answer without the id or the secret). Afterwards the server holds
 * exactly the object the create returned (with its working secret in the outputs), or nothing and
 * an error that says so; every create ends in bounded time; and no secret the server handed out
 * (the access token, created tokens and keys, even in answers the provider could not use) shows
 * in any field of an error.
 *
 * The provider reaches the emulator through a recording proxy (recordingProxy.ts), which streams
 * answers through unchanged and keeps their bodies, so the tests know every secret handed out.
 */
import { startEmulator, type AppliedAnswer, type FaultSpec, type RunningEmulator } from "../../emulator";
import { definitions } from "../../provider/resources/registry";
import { apiCaller, controlOf, type EmulatorControl, type EmulatorState } from "../support/emulatorClient";
import { leaks, TOKEN } from "./helpers";
import { recordingProxy, type RecordingProxy } from "./recordingProxy";

type Props = Record<string, unknown>;
type Kind = (typeof definitions)[number]["kind"];
const providerOf = (kind: Kind) => {
  const d = definitions.find((x) => x.kind === kind);
  if (!d) throw new Error(`no kind ${kind}`);
  return d.provider;
};

/** Each attempt may take 1 s, the create's attempts start within 5 s: every test ends quickly. */
const ENV = {
  GRAFANA_CLOUD_ACCESS_POLICY_TOKEN: TOKEN,
  GRAFANA_CLOUD_RETRY_BUDGET_SECONDS: "5",
  GRAFANA_CLOUD_TIMEOUT_SECONDS: "1",
  GRAFANA_CLOUD_RETRY_BASE_DELAY_MS: "10",
};
/** A hang detector, far above what any create here needs. */
const BOUND_MS = 40_000;

let em: RunningEmulator;
let proxy: RecordingProxy;
let control: EmulatorControl;
let api: ReturnType<typeof apiCaller>;
const saved: Record<string, string | undefined> = {};

beforeAll(async () => {
  em = await startEmulator({
    token: TOKEN,
    readinessDelayMs: 0,
    slugReuseWindowMs: 0,
    pluginBusyMs: 0,
    rateLimitPerHour: 0,
    // The stacks' Grafana still has API keys, so that StackApiKey's own route is the one faulted;
    // service accounts are there in either mode.
    stackApiKeys: "legacy",
  });
  proxy = await recordingProxy(em.url);
  control = controlOf(em.url);
  api = apiCaller(em.url, TOKEN);
  for (const [k, v] of Object.entries({ ...ENV, GRAFANA_CLOUD_API_URL: proxy.url })) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
});
afterAll(async () => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await proxy?.close();
  await em?.close();
});
beforeEach(async () => {
  await control.reset();
  proxy.bodies.length = 0;
});

/** How one kind is made, found on the server, and proved usable. */
interface Case {
  kind: Kind;
  /** The create's route, as a fault's path pattern. */
  route: string;
  /** Makes what the object needs (a stack, a policy) behind the provider's back; its inputs. */
  inputs(): Promise<Props>;
  /** The server's objects of this kind with the declared name, by their resource id. */
  held(s: EmulatorState): string[];
  /** The answer field that carries the secret, for kinds that have one. */
  secretField?: "token" | "key";
  /** Proves that the secret in the outputs is the live one. */
  works?(outs: Props): Promise<boolean>;
}

async function stackBehindTheBack(slug: string): Promise<void> {
  const r = await api("POST", "/api/instances", { name: slug, slug, deleteProtection: false });
  if (r.status !== 200) throw new Error(`stack ${slug}: ${r.status}`);
}

const CASES: Case[] = [
  {
    kind: "Stack",
    route: "^/api/instances$",
    inputs: async () => ({ slug: "hstack", deleteProtection: false, readinessTimeoutSeconds: 30 }),
    held: (s) =>
      s.stacks.filter((x) => x.slug === "hstack" && !/^delet/.test(x.status)).map((x) => String(x.id)),
  },
  {
    kind: "AccessPolicy",
    route: "^/api/v1/accesspolicies$",
    inputs: async () => ({
      region: "us",
      name: "hpolicy",
      scopes: ["accesspolicies:read"],
      realms: [{ type: "org", identifier: "1" }],
    }),
    held: (s) => s.accessPolicies.filter((p) => p.name === "hpolicy").map((p) => p.id),
  },
  {
    kind: "Token",
    route: "^/api/v1/tokens$",
    inputs: async () => {
      const p = await api("POST", "/api/v1/accesspolicies?region=us", {
        name: "readers",
        scopes: ["accesspolicies:read"],
        realms: [{ type: "org", identifier: "1" }],
      });
      return { region: "us", accessPolicyId: p.body.id, name: "htoken" };
    },
    held: (s) => s.tokens.filter((t) => t.name === "htoken").map((t) => t.id),
    secretField: "token",
    works: async (outs) =>
      (
        await fetch(`${em.url}/api/v1/accesspolicies?region=us`, {
          headers: { authorization: `Bearer ${String(outs["token"])}` },
        })
      ).status === 200,
  },
  {
    kind: "PluginInstallation",
    route: "^/api/instances/hplug/plugins$",
    inputs: async () => {
      await stackBehindTheBack("hplug");
      return { stackSlug: "hplug", plugin: "grafana-clock-panel" };
    },
    held: (s) =>
      s.plugins
        .filter((p) => p.stackSlug === "hplug" && p.plugin === "grafana-clock-panel")
        .map((p) => `${p.stackSlug}/${p.plugin}`),
  },
  {
    kind: "StackApiKey",
    route: "^/api/instances/hkey/api/auth/keys$",
    inputs: async () => {
      await stackBehindTheBack("hkey");
      return { stackSlug: "hkey", name: "hkey1", role: "Admin", secondsToLive: 3600 };
    },
    held: (s) => s.stackApiKeys.filter((k) => k.name === "hkey1").map((k) => `${k.stackSlug}/${k.id}`),
    secretField: "key",
    works: async (outs) =>
      (
        await fetch(`${em.url}/grafana/hkey/api/auth/keys`, {
          headers: { authorization: `Bearer ${String(outs["key"])}` },
        })
      ).status === 200,
  },
  {
    kind: "StackServiceAccount",
    route: "^/api/instances/hsa/api/serviceaccounts$",
    inputs: async () => {
      await stackBehindTheBack("hsa");
      return { stackSlug: "hsa", name: "hsa-account", role: "Viewer" };
    },
    held: (s) =>
      s.serviceAccounts
        .filter((a) => a.stackSlug === "hsa" && a.name === "hsa-account")
        .map((a) => `hsa/${a.id}`),
  },
  {
    kind: "StackServiceAccountToken",
    route: "^/api/instances/hsat/api/serviceaccounts/\\d+/tokens$",
    inputs: async () => {
      await stackBehindTheBack("hsat");
      const sa = await api("POST", "/api/instances/hsat/api/serviceaccounts", {
        name: "holder",
        role: "Viewer",
      });
      if (sa.status !== 200 && sa.status !== 201) throw new Error(`service account: ${sa.status}`);
      return { stackSlug: "hsat", serviceAccountId: sa.body.id, name: "hsat-token" };
    },
    held: (s) =>
      s.serviceAccountTokens
        .filter((t) => t.stackSlug === "hsat" && t.name === "hsat-token")
        .map((t) => `hsat/${t.serviceAccountId}/${t.id}`),
    secretField: "key",
    works: async (outs) =>
      (
        await fetch(`${em.url}/grafana/hsat/api/org`, {
          headers: { authorization: `Bearer ${String(outs["key"])}` },
        })
      ).status === 200,
  },
];

interface BadAnswer {
  name: string;
  fault: { answer: AppliedAnswer; status?: number; field?: string };
  /** The error class a create that gives up on this answer ends with. */
  errorName: string;
}

const ANSWERS: BadAnswer[] = [
  { name: "502 from a proxy", fault: { answer: "status", status: 502 }, errorName: "ServerError" },
  { name: "500", fault: { answer: "status", status: 500 }, errorName: "ServerError" },
  { name: "504", fault: { answer: "status", status: 504 }, errorName: "ServerError" },
  { name: "200 with HTML", fault: { answer: "html" }, errorName: "ResponseValidationError" },
  { name: "200 with an empty body", fault: { answer: "empty" }, errorName: "ResponseValidationError" },
  { name: "200 with a truncated body", fault: { answer: "truncated" }, errorName: "NetworkError" },
  { name: "200 with a stalled body", fault: { answer: "stall" }, errorName: "TimeoutError" },
  {
    name: "200 without the id",
    fault: { answer: "omit", field: "id" },
    errorName: "ResponseValidationError",
  },
];
/** The answers that lack the secret, for the kinds that have one. */
const secretAnswer = (field: "token" | "key"): BadAnswer => ({
  name: `200 without the ${field}`,
  fault: { answer: "omit", field },
  errorName: "ResponseValidationError",
});

const answersOf = (c: Case) => (c.secretField ? [...ANSWERS, secretAnswer(c.secretField)] : ANSWERS);
const MATRIX = CASES.flatMap((c) => answersOf(c).map((a) => [c.kind, a.name, c, a] as const));

async function checked(kind: Kind, news: Props): Promise<Props> {
  const r = await providerOf(kind).check({}, news);
  expect(r.failures ?? []).toEqual([]);
  return r.inputs;
}

async function fault(c: Case, a: BadAnswer, count?: number): Promise<void> {
  const spec: FaultSpec = { method: "POST", path: c.route, kind: "applied-then", ...a.fault };
  if (count !== undefined) spec.count = count;
  await control.addFaults([spec]);
}

/** Runs the create; its result or error, and how long it took. */
async function create(kind: Kind, inputs: Props) {
  const started = Date.now();
  try {
    const r: { id: string; outs: Props } = await providerOf(kind).create(inputs);
    return { ok: r, ms: Date.now() - started };
  } catch (e) {
    return { err: e as Error & Record<string, unknown>, ms: Date.now() - started };
  }
}

/** Every secret the server handed out during the test, and the access token. */
const secrets = () => [TOKEN, ...proxy.secrets()];

describe("three bad answers in a row to an applied create: exactly the object returned is left", () => {
  test.each(MATRIX)("%s, %s", async (kind, _answer, c, a) => {
    const inputs = await checked(kind, await c.inputs());
    await fault(c, a, 3);
    const r = await create(kind, inputs);
    expect(r.ms).toBeLessThan(BOUND_MS);
    if (r.err) throw r.err;
    const made = r.ok;
    expect(made).toBeDefined();
    await control.clearFaults();
    // The faults did fire: the provider really met bad answers.
    expect((await control.requests()).filter((x) => x.fault === "applied-then").length).toBeGreaterThan(0);
    expect(c.held(await control.state())).toEqual([made!.id]);
    if (c.secretField && c.works) {
      expect(typeof made!.outs[c.secretField]).toBe("string");
      expect(await c.works(made!.outs)).toBe(true);
    }
  });
});

describe("every answer bad, for as long as the budget lasts", () => {
  const TOKEN_CASE = CASES.find((c) => c.kind === "Token")!;
  test.each(answersOf(TOKEN_CASE).map((a) => [a.name, a] as const))(
    "Token, %s: nothing is left, the error says so, in bounded time, with no secret in it",
    async (_name, a) => {
      const inputs = await checked("Token", await TOKEN_CASE.inputs());
      await fault(TOKEN_CASE, a);
      const { err, ms } = await create("Token", inputs);
      expect(ms).toBeLessThan(BOUND_MS);
      expect(err?.name).toBe(a.errorName);
      await control.clearFaults();
      expect(TOKEN_CASE.held(await control.state())).toEqual([]);
      expect(err?.message).toMatch(
        /^creating token "htoken" in region us: gave up after \d+ attempts \(time budget 5 s\): .*: \d+ attempts may have been applied; the tokens they made \(id [^)]+\) were found and deleted, so nothing of them is left on the server: Grafana Cloud API POST \/api\/v1\/tokens\?region=us failed/,
      );
      // Tokens were made and handed out in full by the answers that had a body: none shows.
      expect(leaks(err!, secrets())).toEqual([]);
    },
  );

  test.each(["Stack", "AccessPolicy", "PluginInstallation"] as const)(
    "%s: the object the first bad answer hid is found and kept",
    async (kind) => {
      const c = CASES.find((x) => x.kind === kind)!;
      const inputs = await checked(kind, await c.inputs());
      await fault(c, ANSWERS[0]!);
      const r = await create(kind, inputs);
      expect(r.ms).toBeLessThan(BOUND_MS);
      if (r.err) throw r.err;
      await control.clearFaults();
      expect(c.held(await control.state())).toEqual([r.ok!.id]);
    },
  );

  test("StackApiKey: when the key cannot even be looked for, the error says exactly what may exist and how to clean it up", async () => {
    // The look-up needs a temporary key, made on the same route, which the fault answers badly too.
    const c = CASES.find((x) => x.kind === "StackApiKey")!;
    const inputs = await checked("StackApiKey", await c.inputs());
    await fault(c, ANSWERS[3]!);
    const { err, ms } = await create("StackApiKey", inputs);
    expect(ms).toBeLessThan(BOUND_MS);
    expect(err?.message).toMatch(
      /^creating API key "hkey1" on stack "hkey": the answer to an earlier attempt was unusable \(its body was not the JSON expected\), and looking for the key it may have made failed too, so an API key named "hkey1" on stack "hkey" may exist on the server\. To clean up: delete that key in the stack's Grafana \(Administration, API keys, or DELETE \/api\/auth\/keys\/\{id\} at the stack's URL\), then run `pulumi up` again/,
    );
    await control.clearFaults();
    // What the message names is what is there: at most that one key.
    expect(c.held(await control.state()).length).toBeLessThanOrEqual(1);
    expect(leaks(err!, secrets())).toEqual([]);
  });
});

describe("a create refused before anything was processed says what happened", () => {
  const TOKEN_CASE = CASES.find((c) => c.kind === "Token")!;
  test.each<[string, FaultSpec, string, RegExp]>([
    [
      "503 with a Retry-After of an hour",
      { method: "POST", path: "^/api/v1/tokens$", kind: "status", status: 503, retryAfter: 3600 },
      "ServerError",
      /failed: 503 Service Unavailable.*The API asked to wait 3600 s \(Retry-After\), longer than the retry budget of 5 s/,
    ],
    [
      "429 with a Retry-After of an hour",
      { method: "POST", path: "^/api/v1/tokens$", kind: "status", status: 429, retryAfter: 3600 },
      "RateLimitError",
      /failed: 429 Too Many Requests.*rate limiting these calls and asked to wait 3600 s/,
    ],
    [
      "400",
      { method: "POST", path: "^/api/v1/tokens$", kind: "status", status: 400, message: "Bad request" },
      "BadRequestError",
      /^creating token "htoken" in region us: the API refused an argument: Bad request\. Correct it and run again: .*failed: 400 Bad Request: Bad request/,
    ],
  ])("%s", async (_name, spec, errorName, words) => {
    const inputs = await checked("Token", await TOKEN_CASE.inputs());
    await control.addFaults([spec]);
    const { err, ms } = await create("Token", inputs);
    expect(ms).toBeLessThan(BOUND_MS);
    expect(err?.name).toBe(errorName);
    expect(err?.message).toMatch(
      /^creating token "htoken" in region us: (the API refused an argument: .*: )?Grafana Cloud API POST/,
    );
    expect(err?.message).toMatch(words);
    expect(err?.message).not.toMatch(/lost|may have been applied|made here|may exist/);
    await control.clearFaults();
    expect(TOKEN_CASE.held(await control.state())).toEqual([]);
    expect(leaks(err!, secrets())).toEqual([]);
  });

  test("connection refused", async () => {
    const inputs = await checked("Token", await TOKEN_CASE.inputs());
    const closed = await recordingProxy(em.url);
    const url = closed.url;
    await closed.close();
    process.env["GRAFANA_CLOUD_API_URL"] = url;
    try {
      const { err, ms } = await create("Token", inputs);
      expect(ms).toBeLessThan(BOUND_MS);
      expect(err?.name).toBe("NetworkError");
      expect(err?.message).toMatch(
        /^creating token "htoken" in region us: Grafana Cloud API POST \/api\/v1\/tokens\?region=us failed: network error: ECONNREFUSED.*\(the request was not delivered\)/,
      );
      expect(err?.message).not.toMatch(/lost|may have been applied|made here|may exist/);
      expect(leaks(err!, secrets())).toEqual([]);
    } finally {
      process.env["GRAFANA_CLOUD_API_URL"] = proxy.url;
    }
    expect(TOKEN_CASE.held(await control.state())).toEqual([]);
  });
});

describe("dates computed from inputs", () => {
  test("a key with the longest lifetime allowed gets a real expiration", async () => {
    const c = CASES.find((x) => x.kind === "StackApiKey")!;
    const inputs = await checked("StackApiKey", { ...(await c.inputs()), secondsToLive: 3_153_600_000 });
    const r = await create("StackApiKey", inputs);
    if (r.err) throw r.err;
    const expiration = String(r.ok!.outs["expiration"]);
    expect(Date.parse(expiration) - Date.now()).toBeGreaterThan(3_153_500_000 * 1000);
    expect(c.held(await control.state())).toEqual([r.ok!.id]);
  });
});
