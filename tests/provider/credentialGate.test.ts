/**
 * The credential gate of the hosted provider (`implementation(kind)`, what the dynamic provider
 * host runs): a plan that writes (a create's `check`, a `diff` with changes) asks the API once per
 * process and credential whether it accepts the token, so `pulumi preview` fails where `pulumi up`
 * would; a plan that writes nothing makes no call. Calls are counted in the emulator's request log.
 */
import { DEFAULT_TOKEN } from "../../emulator";
import { ENV_TOKEN, setPulumiConfig } from "../../provider/config";
import { implementation } from "../../provider/dynamic";
import { rejection, useEmulator, type TestEmulator } from "./emulatorEnv";

let em: TestEmulator;
beforeAll(async () => {
  em = await useEmulator({ readinessDelayMs: 0 });
});
afterAll(() => em.close());
beforeEach(async () => {
  await em.reset();
  process.env[ENV_TOKEN] = DEFAULT_TOKEN;
  setPulumiConfig(() => undefined);
});
afterAll(() => {
  process.env[ENV_TOKEN] = DEFAULT_TOKEN;
  setPulumiConfig(() => undefined);
});

/** Verdicts are kept per credential for the process: each test takes tokens of its own. */
let n = 0;
const wrongToken = () => `wrong-token-${++n}-do-not-print`;

const stackNews = { slug: "gated", deleteProtection: false };
const policyNews = {
  region: "us",
  name: "gated",
  scopes: ["metrics:read"],
  realms: [{ type: "org", identifier: "1" }],
};

const apiCalls = async () => (await em.requests()).map((r) => `${r.method} ${r.path} ${r.status}`);

describe("the credential gate", () => {
  test("a create's check with a token the API rejects fails naming where the token came from, once per process", async () => {
    const token = wrongToken();
    process.env[ENV_TOKEN] = token;
    const stack = implementation("Stack");
    const e = await rejection(stack.check!({}, stackNews));
    expect(e.name).toBe("CredentialRejectedError");
    expect(e.message).toMatch(
      new RegExp(
        `^The Grafana Cloud API at ${em.url} rejected the access policy token from the environment variable ` +
          "GRAFANA_CLOUD_ACCESS_POLICY_TOKEN, so `pulumi up` would fail\\. Set a valid token: pulumi config set " +
          "--secret grafana-cloud:accessPolicyToken <token> .*Grafana Cloud API GET /api/stack-regions\\?id=0 failed: 401",
      ),
    );
    expect(e.message).not.toContain(token);
    // Every other resource of the run gets the same verdict without another call.
    const policy = implementation("AccessPolicy");
    const again = await rejection(policy.check!({}, policyNews));
    expect(again.message).toBe(e.message);
    expect(await apiCalls()).toEqual(["GET /api/stack-regions 401"]);
  });

  test("a token from the Pulumi config is named as such", async () => {
    process.env[ENV_TOKEN] = DEFAULT_TOKEN;
    const token = wrongToken();
    setPulumiConfig((k) => (k === "grafana-cloud:accessPolicyToken" ? token : undefined));
    const e = await rejection(implementation("Stack").check!({}, stackNews));
    expect(e.message).toContain(
      "rejected the access policy token from the Pulumi config `grafana-cloud:accessPolicyToken`",
    );
    expect(e.message).not.toContain(token);
  });

  test("no token at all: the check says how to set one, without a call", async () => {
    delete process.env[ENV_TOKEN];
    const e = await rejection(implementation("Stack").check!({}, stackNews));
    expect(e.name).toBe("MissingCredentialsError");
    expect(e.message).toMatch(/grafana-cloud:accessPolicyToken.*GRAFANA_CLOUD_ACCESS_POLICY_TOKEN/s);
    expect(await apiCalls()).toEqual([]);
  });

  test("an accepted token passes with one call for the whole process, and the plan goes on", async () => {
    // A token of its own (made through the API), so no earlier test's verdict is reused.
    const policy = await em.api("POST", "/api/v1/accesspolicies?region=us", {
      name: "everything",
      scopes: ["stacks:read", "stacks:write", "stacks:delete"],
      realms: [{ type: "org", identifier: "1" }],
    });
    const made = await em.api("POST", "/api/v1/tokens?region=us", {
      accessPolicyId: policy.body.id,
      name: "t",
    });
    process.env[ENV_TOKEN] = made.body.token;
    await em.clearRequests();
    const stack = implementation("Stack");
    const checked = await stack.check!({}, stackNews);
    expect(checked.failures ?? []).toEqual([]);
    await stack.check!({}, { slug: "another" });
    expect(await apiCalls()).toEqual(["GET /api/stack-regions 200"]);
    const created = await stack.create(checked.inputs);
    expect(created.outs).toMatchObject({ status: "active" });
  });

  test("a token that lacks the scopes for the plan is not refused by the gate; up reports the scope", async () => {
    const policy = await em.api("POST", "/api/v1/accesspolicies?region=us", {
      name: "metrics-only",
      scopes: ["metrics:read"],
      realms: [{ type: "org", identifier: "1" }],
    });
    const made = await em.api("POST", "/api/v1/tokens?region=us", {
      accessPolicyId: policy.body.id,
      name: "t",
    });
    process.env[ENV_TOKEN] = made.body.token;
    const stack = implementation("Stack");
    const checked = await stack.check!({}, stackNews);
    const e = await rejection(stack.create(checked.inputs));
    expect(e.message).toMatch(/POST \/api\/instances failed: 403/);
    expect(e.message).toContain("stacks:write");
  });

  test("a plan that writes nothing makes no call, even with a rejected token", async () => {
    process.env[ENV_TOKEN] = DEFAULT_TOKEN;
    const stack = implementation("Stack");
    const created = await stack.create((await stack.check!({}, stackNews)).inputs);
    await em.clearRequests();

    process.env[ENV_TOKEN] = wrongToken();
    const olds = { ...created.outs };
    const news = (await stack.check!(olds, stackNews)).inputs;
    expect(await stack.diff!(created.id, olds, news)).toEqual({ changes: false });
    expect(await apiCalls()).toEqual([]);

    // A change is a write: the gate asks, and refuses.
    const changed = (await stack.check!(olds, { ...stackNews, description: "new" })).inputs;
    const e = await rejection(stack.diff!(created.id, olds, changed));
    expect(e.name).toBe("CredentialRejectedError");
    expect(await apiCalls()).toEqual(["GET /api/stack-regions 401"]);
  });

  test("bad inputs are reported without a call", async () => {
    process.env[ENV_TOKEN] = wrongToken();
    const r = await implementation("Stack").check!({}, { slug: "Not-A-Slug" });
    expect(r.failures?.map((f) => f.property)).toEqual(["slug"]);
    expect(await apiCalls()).toEqual([]);
  });
});
