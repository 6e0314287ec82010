/**
 * createWithRecovery and its strategies, against a scripted server: each attempt may be applied
 * and then answered badly, or refused; the tests check what is left on the "server" afterwards
 * (nothing, or exactly the object returned), how many attempts were made, and what the messages
 * say happened. No network.
 */
import { setClock } from "../../provider/clock";
import {
  BadRequestError,
  ConflictError,
  NetworkError,
  RateLimitError,
  ResponseValidationError,
  ServerError,
  TimeoutError,
} from "../../provider/client/errors";
import {
  adoptWhatThisAttemptMade,
  createWithRecovery,
  deleteAndMakeAgain,
  madeSince,
  unknownOutcome,
  type Recovery,
} from "../../provider/resources/toolkit";
import { rejection } from "../support/emulatorClient";

const POST = { method: "POST", path: "/api/things" };
const where = 'creating thing "t1"';
const naming = {
  what: "thing",
  sameKey: "of this name",
  fix: "set adoptExisting: true",
  identity: 'a thing named "t1" in region us',
  cleanup: "delete it in the portal",
};

/** What an attempt meets: applied and answered, applied then answered badly, or refused. */
type Outcome = "ok" | "lost" | "lost-early" | "502" | "html" | "reset-before" | "400" | "429" | "taken";

const bad: Record<Exclude<Outcome, "ok">, () => Error> = {
  lost: () => new NetworkError(POST, "ECONNRESET: socket hang up (no answer arrived)"),
  // The connection failed after the request went out, before the server processed it.
  "lost-early": () => new NetworkError(POST, "ECONNRESET: socket hang up (no answer arrived)"),
  "502": () => new ServerError({ ...POST, status: 502 }),
  html: () =>
    new ResponseValidationError({ ...POST, status: 200 }, "(body)", "is not JSON (text/html, 120 bytes)"),
  "reset-before": () =>
    new NetworkError({ ...POST, outcome: "not-applied" }, "ECONNREFUSED (the request was not delivered)"),
  "400": () => new BadRequestError({ ...POST, status: 400, apiMessage: "bad" }),
  "429": () => new RateLimitError({ ...POST, status: 429, retryAfterSeconds: 3600 }),
  taken: () => new ConflictError({ ...POST, status: 409, apiMessage: "name taken" }),
};
/** The outcomes after which the server holds the object. */
const APPLIED: readonly Outcome[] = ["ok", "lost", "502", "html"];

interface Thing {
  id: string;
  createdAt: string;
}

/**
 * A clock that moves only when told to (or when the code waits), so "made since the attempt began"
 * is exact and waits take no real time.
 */
let now = Date.parse("2030-06-01T12:00:00Z");
let slept = 0;
beforeEach(() => {
  now = Date.parse("2030-06-01T12:00:00Z");
  slept = 0;
  setClock({
    now: () => now,
    sleep: async (ms) => {
      now += ms;
      slept += ms;
    },
  });
});
afterEach(() => setClock(undefined));

/**
 * A server holding things by one natural key, and a `make` that meets `outcomes` in turn (then
 * "ok"). A `taken` outcome is what a create meets while a thing holds the key; it is scripted so
 * that the on-conflict strategies can be driven exactly.
 */
function server(outcomes: Outcome[], opts: { msPerAttempt?: number } = {}) {
  const held: Thing[] = [];
  let n = 0;
  const make = async (): Promise<Thing> => {
    const outcome = outcomes[n] ?? "ok";
    n += 1;
    now += opts.msPerAttempt ?? 0;
    if (APPLIED.includes(outcome)) {
      const t = { id: `id${n}`, createdAt: new Date(now).toISOString() };
      held.push(t);
      if (outcome === "ok") return t;
    }
    throw bad[outcome as Exclude<Outcome, "ok">]();
  };
  const remove = async (t: Thing) => {
    held.splice(held.indexOf(t), 1);
  };
  return { held, make, remove, attempts: () => n };
}

const adopt = (s: ReturnType<typeof server>, look: "at once" | "on conflict" = "at once"): Recovery<Thing> =>
  adoptWhatThisAttemptMade({
    ...naming,
    look,
    find: async () => s.held[0],
    createdAt: (t) => t.createdAt,
    take: async (t) => t,
  });

const deleteAgain = (s: ReturnType<typeof server>, look: "at once" | "on conflict" = "at once") =>
  deleteAndMakeAgain<Thing>({
    ...naming,
    fix: "delete it and run again",
    look,
    find: async () => [...s.held],
    ...(look === "at once" ? { createdAt: (t: Thing) => t.createdAt } : {}),
    remove: s.remove,
    describe: (t) => `id ${t.id}`,
  });

describe("adopt what this attempt made (looking at once)", () => {
  test.each<[Outcome]>([["lost"], ["502"], ["html"]])(
    "applied, then answered %s: the object is kept, no second create",
    async (outcome) => {
      const s = server([outcome]);
      const result = await createWithRecovery({ where, make: s.make, recovery: adopt(s) });
      expect(result).toEqual(s.held[0]);
      expect({ held: s.held.length, attempts: s.attempts() }).toEqual({ held: 1, attempts: 1 });
    },
  );

  test("lost before it was applied: nothing found, the create is made again", async () => {
    const s = server(["lost-early"]);
    const result = await createWithRecovery({ where, make: s.make, recovery: adopt(s) });
    expect(result.id).toBe("id2");
    expect(s.held).toEqual([result]);
  });

  test("an object made before the attempt is not taken: the error says it existed before", async () => {
    const old = { id: "old", createdAt: new Date(now - 3600_000).toISOString() };
    const s = server(["reset-before"]);
    const e = await rejection(
      createWithRecovery({
        where,
        make: async () => {
          throw bad.lost();
        },
        recovery: adoptWhatThisAttemptMade<Thing, Thing>({
          ...naming,
          look: "at once",
          find: async () => old,
          createdAt: (t) => t.createdAt,
          take: async (t) => t,
        }),
      }),
    );
    expect(s.held).toEqual([]);
    expect(e.message).toMatch(
      /^creating thing "t1": the response to the create was lost \(the connection failed after the request was sent\), and a thing named "t1" in region us already existed before it; it is not the one made here, and was left alone: Grafana Cloud API POST \/api\/things failed: network error/,
    );
  });

  test("a failed look-up says exactly what may exist and how to clean it up", async () => {
    const lookup = new ServerError({ method: "GET", path: "/api/things", status: 500 });
    const e = await rejection(
      createWithRecovery({
        where,
        make: async () => {
          throw bad["502"]();
        },
        recovery: adoptWhatThisAttemptMade<Thing, Thing>({
          ...naming,
          look: "at once",
          find: async () => {
            throw lookup;
          },
          createdAt: (t) => t.createdAt,
          take: async (t) => t,
        }),
      }),
    );
    expect(e).toBe(lookup);
    // Tried again until one more budget after the attempts' own (120 s + 120 s) ran out.
    expect(slept).toBeGreaterThan(200_000);
    expect(e.message).toMatch(
      /^creating thing "t1": the create was answered 502, which a proxy may send after the API applied the request, and looking for the thing it may have made failed too, so a thing named "t1" in region us may exist on the server\. To clean up: delete it in the portal: Grafana Cloud API GET/,
    );
  });

  test("a look-up that fails for a while is tried again within the budget, then finds the object", async () => {
    const s = server(["502"]);
    let failures = 3;
    const result = await createWithRecovery({
      where,
      budgetMs: 60_000,
      make: s.make,
      recovery: adoptWhatThisAttemptMade<Thing, Thing>({
        ...naming,
        look: "at once",
        find: async () => {
          if (failures-- > 0) throw new ServerError({ method: "GET", path: "/api/things", status: 503 });
          return s.held[0];
        },
        createdAt: (t) => t.createdAt,
        take: async (t) => t,
      }),
    });
    expect(s.held).toEqual([result]);
    expect(slept).toBeGreaterThan(0);
  });

  test("a look-up refused for good (403) is not tried again", async () => {
    const s = server(["502"]);
    let tries = 0;
    const e = await rejection(
      createWithRecovery({
        where,
        make: s.make,
        recovery: adoptWhatThisAttemptMade<Thing, Thing>({
          ...naming,
          look: "at once",
          find: async () => {
            tries += 1;
            throw new ServerError({ method: "GET", path: "/api/things", status: 403 });
          },
          createdAt: (t) => t.createdAt,
          take: async (t) => t,
        }),
      }),
    );
    expect(tries).toBe(1);
    expect(e.message).toMatch(/may exist on the server\. To clean up: delete it in the portal/);
  });

  test("every attempt answered badly until the attempts run out: the last one's object is kept", async () => {
    // Each attempt's object is found and kept at once, so the first bad answer already ends it.
    const s = server(["lost", "lost", "lost"]);
    const result = await createWithRecovery({ where, attempts: 3, make: s.make, recovery: adopt(s) });
    expect(s.held).toEqual([result]);
  });

  test.each<[Outcome, RegExp]>([
    // A 400 is a refused argument: the message says so before the API's own account.
    [
      "400",
      /^creating thing "t1": the API refused an argument: bad\. Correct it and run again: Grafana Cloud API POST \/api\/things failed: 400 Bad Request: bad/,
    ],
    ["429", /^creating thing "t1": Grafana Cloud API POST \/api\/things failed: 429 Too Many Requests/],
    [
      "reset-before",
      /^creating thing "t1": Grafana Cloud API POST \/api\/things failed: network error: ECONNREFUSED \(the request was not delivered\)$/,
    ],
  ])(
    "refused (%s): fails at once, saying what happened and nothing about a lost answer",
    async (outcome, words) => {
      const s = server([outcome]);
      const e = await rejection(createWithRecovery({ where, make: s.make, recovery: adopt(s) }));
      expect(s.attempts()).toBe(1);
      expect(s.held).toEqual([]);
      expect(e.message).toMatch(words);
      expect(e.message).not.toMatch(/lost|may have been applied|made here/);
    },
  );
});

describe("delete and make again (looking at once)", () => {
  test("what the lost attempt made is deleted, then made again: one object, the one returned", async () => {
    const s = server(["lost"]);
    const result = await createWithRecovery({ where, make: s.make, recovery: deleteAgain(s) });
    expect(s.held).toEqual([result]);
    expect(result.id).toBe("id2");
  });

  test("three bad answers in a row with three attempts: all three deleted, nothing left, and the error says so", async () => {
    const s = server(["lost", "502", "html"]);
    const e = await rejection(
      createWithRecovery({ where, attempts: 3, make: s.make, recovery: deleteAgain(s) }),
    );
    expect(s.held).toEqual([]);
    expect(s.attempts()).toBe(3);
    expect(e).toBeInstanceOf(ResponseValidationError);
    expect(e.message).toMatch(
      /^creating thing "t1": gave up after 3 attempts \(time budget 120 s\): the answer to the last attempt was unusable \(its body was not the JSON expected\): 3 attempts may have been applied; the things they made \(id id1, id id2, id id3\) were found and deleted, so nothing of them is left on the server: Grafana Cloud API POST/,
    );
  });

  test("attempts go on while the time budget lasts, not for a fixed count", async () => {
    // Ten bad answers, one second apart, within a budget of 60 s: the eleventh attempt succeeds.
    const s = server(Array<Outcome>(10).fill("lost"), { msPerAttempt: 1000 });
    const result = await createWithRecovery({
      where,
      budgetMs: 60_000,
      make: s.make,
      recovery: deleteAgain(s),
    });
    expect(s.attempts()).toBe(11);
    expect(s.held).toEqual([result]);
  });

  test("the budget ends the attempts; the last one is still settled", async () => {
    const s = server(Array<Outcome>(20).fill("lost"), { msPerAttempt: 1000 });
    const e = await rejection(
      createWithRecovery({ where, budgetMs: 2500, make: s.make, recovery: deleteAgain(s) }),
    );
    expect(s.attempts()).toBe(3);
    expect(s.held).toEqual([]);
    expect(e.message).toMatch(/gave up after 3 attempts \(time budget 3 s\)/);
    expect(e.message).toMatch(/nothing of them is left on the server/);
  });

  test("a failed deletion says which object may exist and how to clean it up", async () => {
    const s = server(["lost"]);
    const refused = new ServerError({ method: "DELETE", path: "/api/things/id1", status: 500 });
    const e = await rejection(
      createWithRecovery({
        where,
        make: s.make,
        recovery: deleteAndMakeAgain<Thing>({
          ...naming,
          look: "at once",
          find: async () => [...s.held],
          createdAt: (t) => t.createdAt,
          remove: async () => {
            throw refused;
          },
          describe: (t) => `id ${t.id}`,
        }),
      }),
    );
    expect(e).toBe(refused);
    expect(e.message).toMatch(
      /^creating thing "t1": the response to the create was lost \(the connection failed after the request was sent\), and deleting it failed too, so a thing named "t1" in region us \(id id1\) may exist on the server\. To clean up: delete it in the portal: Grafana Cloud API DELETE/,
    );
  });
});

describe("delete and make again (looking on conflict)", () => {
  test("the retry meets the name taken: the earlier attempt's object goes, the next create stays", async () => {
    const s = server(["lost", "taken"]);
    const result = await createWithRecovery({ where, make: s.make, recovery: deleteAgain(s, "on conflict") });
    expect(s.held).toEqual([result]);
    expect(s.attempts()).toBe(3);
  });

  test("a conflict on the last attempt: what holds the name is deleted and the error says so", async () => {
    const s = server(["lost", "taken"]);
    const e = await rejection(
      createWithRecovery({ where, attempts: 2, make: s.make, recovery: deleteAgain(s, "on conflict") }),
    );
    expect(s.held).toEqual([]);
    expect(e.message).toMatch(
      /^creating thing "t1": an attempt may have been applied; the thing it made \(id id1\) was found and deleted, so nothing of it is left on the server: Grafana Cloud API POST/,
    );
  });

  test("every attempt answered badly: the attempts' objects are looked for at the end and deleted", async () => {
    // Without a look-up after each attempt, every bad answer leaves an object; the end finds them all.
    const s = server(["lost", "502", "lost"]);
    const e = await rejection(
      createWithRecovery({ where, attempts: 3, make: s.make, recovery: deleteAgain(s, "on conflict") }),
    );
    expect(s.held).toEqual([]);
    expect(e.message).toMatch(
      /^creating thing "t1": gave up after 3 attempts \(time budget 120 s\): the response to the last attempt was lost .*: 3 attempts may have been applied; the things they made \(id id1, id id2, id id3\) were found and deleted, so nothing of them is left on the server/,
    );
  });

  test("a refusal after a bad answer: the earlier attempt is settled before the error", async () => {
    const s = server(["502", "429"]);
    const e = await rejection(
      createWithRecovery({ where, make: s.make, recovery: deleteAgain(s, "on conflict") }),
    );
    expect(s.held).toEqual([]);
    expect(e.message).toMatch(
      /^creating thing "t1": an attempt may have been applied; the thing it made \(id id1\) was found and deleted, so nothing of it is left on the server: Grafana Cloud API POST \/api\/things failed: 429/,
    );
  });
});

describe("adopt what this attempt made (looking on conflict)", () => {
  test("every attempt answered badly: the object is found at the end and kept", async () => {
    // Repeating the create meets the key taken only when the scripted server says so; here each
    // bad answer comes first, and the object found at the end is the result.
    const s = server(["lost", "lost"]);
    const result = await createWithRecovery({
      where,
      attempts: 2,
      make: s.make,
      recovery: adopt(s, "on conflict"),
    });
    expect(result).toEqual(s.held[0]);
  });
});

describe("the resource's own failure handling", () => {
  test("runs before recovery and may try again, answer, or fail with its own words", async () => {
    const s = server(["taken", "taken"]);
    const seen: number[] = [];
    const result = await createWithRecovery({
      where,
      make: s.make,
      recovery: adopt(s),
      onFailure: async (e, st) => {
        seen.push(st.attempt);
        return e instanceof ConflictError && st.attempt === 1
          ? "again"
          : { done: { id: "adopted", createdAt: "" } };
      },
    });
    expect(result).toEqual({ id: "adopted", createdAt: "" });
    expect(seen).toEqual([1, 2]);
    expect(s.attempts()).toBe(2);
  });
});

describe("what messages say happened", () => {
  const GETP = { method: "POST", path: "/api/things" };
  test.each<[string, Error, string]>([
    [
      "no answer",
      new NetworkError(GETP, "ECONNRESET"),
      "the response to the create was lost (the connection failed after the request was sent)",
    ],
    [
      "a body cut short",
      new NetworkError({ ...GETP, status: 200 }, "closed after 10 bytes"),
      "the answer to the create was cut short (200 arrived, its body did not)",
    ],
    ["no answer in time", new TimeoutError(GETP, 30_000), "no answer to the create came in time"],
    [
      "a stalled body",
      new TimeoutError({ ...GETP, status: 200 }, 30_000, 12),
      "the answer to the create stalled (200 arrived, its body did not complete in time)",
    ],
    [
      "HTML",
      new ResponseValidationError({ ...GETP, status: 200 }, "(body)", "is not JSON"),
      "the answer to the create was unusable (its body was not the JSON expected)",
    ],
    [
      "a missing id",
      new ResponseValidationError({ ...GETP, status: 200 }, "id", "is required"),
      'the answer to the create was unusable (it lacked a usable "id")',
    ],
    [
      "a 502",
      new ServerError({ ...GETP, status: 502 }),
      "the create was answered 502, which a proxy may send after the API applied the request",
    ],
  ])("%s", (_name, e, words) => {
    expect(unknownOutcome(e, "the create")).toBe(words);
  });

  test("made since: within the tolerated clock skew, or without a readable creation time", () => {
    expect(madeSince(new Date(now - 60_000).toISOString(), now)).toBe(true);
    expect(madeSince(new Date(now - 3600_000).toISOString(), now)).toBe(false);
    expect(madeSince(undefined, now)).toBe(true);
    expect(madeSince("not a time", now)).toBe(true);
  });
});

describe("a refused argument is never taken for an existing object", () => {
  // The service's legacy form, its v1 form, and the contract's (409 Conflict, said in words).
  const forms: [string, () => Error][] = [
    [
      "409 InvalidArgument",
      () =>
        new ConflictError({
          ...POST,
          status: 409,
          code: "InvalidArgument",
          apiMessage: "Invalid slug a-b specified",
        }),
    ],
    [
      "400",
      () => new BadRequestError({ ...POST, status: 400, apiMessage: "name: must be 1-255 characters" }),
    ],
    [
      "409 Conflict, in words",
      () =>
        new ConflictError({ ...POST, status: 409, code: "Conflict", apiMessage: "stack region not found" }),
    ],
  ];

  test.each(forms)(
    "%s: neither the resource's own handling nor the recovery sees it",
    async (_label, error) => {
      const seen: string[] = [];
      let n = 0;
      // The first attempt's outcome is unknown, so the second one's 409 would be looked into.
      const make = async (): Promise<Thing> => {
        n += 1;
        throw n === 1 ? bad["lost-early"]() : error();
      };
      const e = await rejection(
        createWithRecovery({
          where,
          attempts: 3,
          make,
          recovery: adoptWhatThisAttemptMade<Thing, Thing>({
            ...naming,
            look: "on conflict",
            find: async () => {
              seen.push("find");
              return { id: "x", createdAt: new Date(now).toISOString() };
            },
            createdAt: (t) => t.createdAt,
            take: async (t) => t,
          }),
          onFailure: async (err) => {
            seen.push(`onFailure: ${(err as Error).name}`);
            return undefined;
          },
        }),
      );
      expect(n).toBe(2);
      // Only the lost attempt reached the resource's handling; the refused argument did not.
      expect(seen).toEqual(["onFailure: NetworkError"]);
      expect(e.message).toMatch(
        /^creating thing "t1": the API refused an argument: \S.*Correct it and run again: Grafana Cloud API POST/,
      );
      expect(e.message).not.toContain("adoptExisting");
    },
  );

  test("a 409 that says neither still reaches the resource's own handling", async () => {
    const seen: string[] = [];
    const s = server(["taken"]);
    await rejection(
      createWithRecovery({
        where,
        attempts: 3,
        make: s.make,
        recovery: adoptWhatThisAttemptMade<Thing, Thing>({
          ...naming,
          look: "at once",
          find: async () => undefined,
          createdAt: (t) => t.createdAt,
          take: async (t) => t,
        }),
        onFailure: async () => {
          seen.push("onFailure");
          return undefined;
        },
      }),
    );
    expect(seen).toEqual(["onFailure"]);
  });
});
