/**
 * No secret reaches any field of an error, whichever field a server echoes it in and however it
 * encodes it: the access token, a call's own bearer key (a stack credential), secrets the caller
 * registers, and a created token's secret seen in an answer.
 */
import { z } from "zod";
import { listStackApiKeys } from "../../provider/api/stackKeys";
import { createToken } from "../../provider/api/tokens";
import { path } from "../../provider/client/path";
import { ONE_ATTEMPT } from "../../provider/client/retry";
import type { ApiClient } from "../../provider/client/http";
import { caught, client, encodingsOf, leaks, TOKEN } from "./helpers";
import { json, scripted, type ScriptedServer } from "./server";
import type http from "node:http";

const KEY = "eyJrIjoic3RhY2sva2V5K3ZhbHVlLTk4NzY1NDMyMSIsImlkIjo0Mn0="; // a stack Admin key
const REGISTERED = "registered-secret/value+42==";
const CREATED = "glc_eyJvIjoiOTkiLCJuIjoiY3JlYXRlZCIsImsiOiJ6ei95eSt4eCJ9"; // the created token's secret

/** Where a server puts an echo, and where the error then carries it. */
interface Field {
  name: string;
  answer: (res: http.ServerResponse, echo: string, extra: Record<string, unknown>) => void;
  /** The error property that must show the echo's place, redacted. */
  carriedIn: string;
}

const FIELDS: Field[] = [
  {
    name: "the body's message",
    answer: (res, echo, extra) =>
      json(res, 401, { code: "InvalidCredentials", message: `bad: ${echo}`, ...extra }),
    carriedIn: "apiMessage",
  },
  {
    name: "the body's code",
    answer: (res, echo, extra) => json(res, 409, { code: echo, message: "conflict", ...extra }),
    carriedIn: "code",
  },
  {
    name: "the body's requestId",
    answer: (res, echo, extra) => json(res, 500, { code: "Internal", requestId: `req-${echo}`, ...extra }),
    carriedIn: "requestId",
  },
  {
    name: "the x-request-id header",
    answer: (res, echo, extra) => json(res, 404, { code: "NotFound", ...extra }, { "x-request-id": echo }),
    carriedIn: "requestId",
  },
  {
    name: "an HTML error page's title",
    answer: (res, echo, extra) => {
      res.writeHead(403, { "content-type": "text/html" });
      res.end(`<html><title>Denied ${echo}</title>${JSON.stringify(extra)}</html>`);
    },
    carriedIn: "apiMessage",
  },
  {
    name: "a JSON key of a 200 answer failing the schema",
    answer: (res, echo, extra) => json(res, 200, { [echo]: "not a number", ...extra }),
    carriedIn: "field",
  },
];

/** A call of each kind of secret: how it is made, and which secret it must keep out. */
interface Subject {
  secret: string;
  call: (c: ApiClient, url: string) => Promise<unknown>;
  /** What the server adds to each answer, so the client learns the secret (a created token). */
  extra?: Record<string, unknown>;
}

const recordSchema = z.record(z.string(), z.number());

const SUBJECTS: Record<string, Subject> = {
  "the access token": {
    secret: TOKEN,
    call: (c) => c.request({ method: "GET", path: path`/api/x`, schema: recordSchema, retry: ONE_ATTEMPT }),
  },
  "a call's own bearer key": {
    secret: KEY,
    call: (c, url) =>
      c.request({
        method: "GET",
        baseUrl: `${url}/grafana/s`,
        path: path`/api/auth/keys`,
        schema: recordSchema,
        bearer: KEY,
        retry: ONE_ATTEMPT,
      }),
  },
  "a secret the caller registers": {
    secret: REGISTERED,
    call: (c) =>
      c.request({
        method: "POST",
        path: path`/api/x`,
        body: {},
        schema: recordSchema,
        secrets: [REGISTERED],
        retry: ONE_ATTEMPT,
      }),
  },
  "a created token's secret seen in the answer": {
    secret: CREATED,
    // As if the server (or a proxy quoting it) showed the upstream answer to the create.
    extra: { upstream: `{"id":"tok-9","token":"${CREATED}"}` },
    // As createToken calls it: the answer's `token` field is a secret.
    call: (c) =>
      c.request({
        method: "POST",
        path: path`/api/v1/tokens`,
        body: {},
        schema: recordSchema,
        secretFields: ["token"],
        retry: ONE_ATTEMPT,
      }),
  },
};

let srv: ScriptedServer | undefined;
afterEach(async () => {
  await srv?.close();
  srv = undefined;
});

describe.each(Object.entries(SUBJECTS))("%s", (_label, subject) => {
  test.each(FIELDS.map((f) => [f.name, f] as const))(
    "echoed in %s, in every encoding, reaches no field of the error",
    async (_name, field) => {
      const encodings = Object.entries(encodingsOf(subject.secret));
      let current = "";
      srv = await scripted((_req, res) => field.answer(res, current, subject.extra ?? {}));
      for (const [encoding, form] of encodings) {
        // Echoed as the encoding itself, and (for base64) inside a longer value.
        current =
          encoding === "base64Embedded" ? Buffer.from(`user:${subject.secret}`).toString("base64") : form;
        const err = await caught(subject.call(client(srv.url), srv.url));
        expect({ encoding, leaks: leaks(err, [TOKEN, KEY, REGISTERED, CREATED]) }).toEqual({
          encoding,
          leaks: [],
        });
        // The echo did reach the error, in its place: redacted, not merely absent.
        expect({ encoding, carried: String(err[field.carriedIn]) }).toEqual({
          encoding,
          carried: expect.stringContaining("[REDACTED]"),
        });
      }
    },
  );
});

test("the access token echoed from the Authorization header it was sent in", async () => {
  srv = await scripted((req, res) =>
    json(
      res,
      401,
      { code: req.headers.authorization, message: `received ${req.headers.authorization}` },
      { "x-request-id": String(req.headers.authorization) },
    ),
  );
  const err = await caught(
    client(srv.url).request({ method: "GET", path: path`/api/x`, schema: z.unknown(), retry: ONE_ATTEMPT }),
  );
  expect(leaks(err, [TOKEN])).toEqual([]);
  expect(err.code).toBe("Bearer [REDACTED]");
  expect(err.requestId).toBe("Bearer [REDACTED]");
  expect(err.message).toContain("received Bearer [REDACTED]");
});

test("a 502 after a token was made, quoting the answer with its secret: createToken keeps it out", async () => {
  srv = await scripted((_req, res) =>
    json(res, 502, {
      code: "BadGateway",
      message: `upstream answered {"id":"tok-9","token":"${CREATED}"} too late`,
      requestId: Buffer.from(CREATED).toString("base64"),
    }),
  );
  const err = await caught(createToken(client(srv.url), "us", { accessPolicyId: "p1", name: "t1" }));
  expect(err.status).toBe(502);
  expect(err.outcome).toBe("unknown");
  expect(err.message).toContain('upstream answered {"id":"tok-9","token":"[REDACTED]"} too late');
  expect(err.requestId).toContain("[REDACTED]");
  expect(leaks(err, [CREATED, TOKEN])).toEqual([]);
  // A create whose outcome is unknown is not sent again.
  expect(srv.received).toHaveLength(1);
});

test("a listing at the stack URL keeps the Admin key out of its errors", async () => {
  srv = await scripted((req, res) =>
    json(res, 401, { message: `invalid API key ${String(req.headers.authorization).slice(7)}` }),
  );
  const err = await caught(listStackApiKeys(client(srv.url), `${srv.url}/grafana/s/`, KEY));
  expect(srv.received[0]?.url).toBe("/grafana/s/api/auth/keys?includeExpired=true");
  expect(err.message).toContain("invalid API key [REDACTED]");
  expect(leaks(err, [KEY, TOKEN])).toEqual([]);
});
