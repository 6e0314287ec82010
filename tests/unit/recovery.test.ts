/**
 * createWithRecovery and its strategies, against scripted attempts: what each strategy does after
 * an attempt whose outcome is unknown, and what its messages say happened. No network.
 */
import { setClock, systemClock } from "../../provider/clock";
import { BadRequestError, ConflictError, NetworkError, ServerError } from "../../provider/client/errors";
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
const lost = () => new NetworkError(POST, "socket hang up");
const taken = () => new ConflictError({ ...POST, status: 409, apiMessage: "name taken" });
const where = 'creating thing "t1"';

/** A `make` that fails with each of `failures` in turn, then answers `made`. */
function script<T>(failures: Error[], made: T) {
  const calls = { n: 0 };
  const make = async () => {
    const f = failures[calls.n++];
    if (f) throw f;
    return made;
  };
  return { make, calls };
}

interface Thing {
  id: string;
  createdAt?: string;
}

/** A clock at a fixed instant, so "made since the attempt began" is exact. */
const NOW = Date.parse("2030-06-01T12:00:00Z");
beforeEach(() => setClock({ now: () => NOW, sleep: systemClock.sleep }));
afterEach(() => setClock(undefined));

const naming = { what: "thing", sameKey: "of this name", fix: "set adoptExisting: true" };

describe("adopt what this attempt made (looking at once)", () => {
  const adopt = (found: () => Promise<Thing | undefined>, taken: Thing[] = []): Recovery<Thing> =>
    adoptWhatThisAttemptMade({
      ...naming,
      look: "at once",
      find: found,
      createdAt: (t) => t.createdAt,
      take: async (t) => {
        taken.push(t);
        return t;
      },
    });

  test("a lost response: the object made since the attempt began is taken, no second create", async () => {
    const made = { id: "a", createdAt: new Date(NOW + 1000).toISOString() };
    const { make, calls } = script([lost()], { id: "second" });
    const took: Thing[] = [];
    const result = await createWithRecovery({
      where,
      attempts: 3,
      make,
      recovery: adopt(async () => made, took),
    });
    expect(result).toBe(made);
    expect(took).toEqual([made]);
    expect(calls.n).toBe(1);
  });

  test("nothing found: the create is made again", async () => {
    const { make, calls } = script([lost()], { id: "second" });
    expect(
      await createWithRecovery({ where, attempts: 3, make, recovery: adopt(async () => undefined) }),
    ).toEqual({
      id: "second",
    });
    expect(calls.n).toBe(2);
  });

  test("an object made before the attempt is not taken: the error says it existed before", async () => {
    const old = { id: "old", createdAt: new Date(NOW - 3600_000).toISOString() };
    const { make } = script([lost()], { id: "second" });
    const e = await rejection(
      createWithRecovery({ where, attempts: 3, make, recovery: adopt(async () => old) }),
    );
    expect(e.message).toMatch(
      /^creating thing "t1": the response to the create was lost, and a thing of this name already existed before: Grafana Cloud API POST \/api\/things failed: network error/,
    );
  });

  test("a failed look-up says the object may exist and what to do if the next run meets it", async () => {
    const { make } = script([lost()], { id: "second" });
    const lookup = new ServerError({ method: "GET", path: "/api/things", status: 500 });
    const e = await rejection(
      createWithRecovery({
        where,
        attempts: 3,
        make,
        recovery: adopt(async () => {
          throw lookup;
        }),
      }),
    );
    expect(e).toBe(lookup);
    expect(e.message).toMatch(
      /^creating thing "t1": the response to the create was lost, and looking for the thing it may have made failed too\. Run `pulumi up` again; if it then reports that the thing already exists, it is the one made here: set adoptExisting: true: Grafana Cloud API GET/,
    );
  });

  test("an error that says nothing was applied is not recovered: it fails at once, naming the operation", async () => {
    const bad = new BadRequestError({ ...POST, status: 400 });
    const { make, calls } = script([bad], { id: "x" });
    const e = await rejection(
      createWithRecovery({ where, attempts: 3, make, recovery: adopt(async () => undefined) }),
    );
    expect(calls.n).toBe(1);
    // A 400 is a refused argument: the message says so before the API's own account.
    expect(e.message).toMatch(
      /^creating thing "t1": the API refused an argument \(it gave no reason\)\. Check the inputs and run again: Grafana Cloud API POST \/api\/things failed: 400/,
    );
  });

  test("after the last attempt the error is the create's own", async () => {
    const { make, calls } = script([lost(), lost(), lost()], { id: "x" });
    const e = await rejection(
      createWithRecovery({ where, attempts: 3, make, recovery: adopt(async () => undefined) }),
    );
    expect(calls.n).toBe(3);
    expect(e.message).toMatch(
      /^creating thing "t1": Grafana Cloud API POST \/api\/things failed: network error/,
    );
  });
});

describe("delete and make again", () => {
  test("looking at once: what the lost attempt made is deleted, then made again", async () => {
    const leftover = { id: "lost-one", createdAt: new Date(NOW).toISOString() };
    const removed: Thing[] = [];
    const { make, calls } = script([lost()], { id: "kept" });
    const result = await createWithRecovery({
      where,
      attempts: 3,
      make,
      recovery: deleteAndMakeAgain<Thing>({
        ...naming,
        look: "at once",
        find: async () => (removed.length === 0 ? [leftover] : []),
        createdAt: (t) => t.createdAt,
        remove: async (t) => void removed.push(t),
      }),
    });
    expect(result).toEqual({ id: "kept" });
    expect(removed).toEqual([leftover]);
    expect(calls.n).toBe(2);
  });

  test("looking on the conflict: the retry meets the name taken, the earlier attempt's object goes", async () => {
    const removed: Thing[] = [];
    const { make, calls } = script([lost(), taken()], { id: "kept" });
    const result = await createWithRecovery({
      where,
      attempts: 5,
      make,
      recovery: deleteAndMakeAgain<Thing>({
        ...naming,
        look: "on conflict",
        find: async () => [{ id: "12" }],
        remove: async (t) => void removed.push(t),
        describe: (t) => `id ${t.id}`,
      }),
    });
    expect(result).toEqual({ id: "kept" });
    expect(removed).toEqual([{ id: "12" }]);
    expect(calls.n).toBe(3);
  });

  test("a conflict on the last attempt: the error names what now holds the name", async () => {
    const { make } = script([lost(), taken()], { id: "kept" });
    const e = await rejection(
      createWithRecovery({
        where,
        attempts: 2,
        make,
        recovery: deleteAndMakeAgain<Thing>({
          ...naming,
          fix: "delete it and run again",
          look: "on conflict",
          find: async () => [{ id: "12" }],
          remove: async () => undefined,
          describe: (t) => `id ${t.id}`,
        }),
      }),
    );
    expect(e.message).toMatch(
      /^creating thing "t1": the response to an earlier attempt was lost, and a thing of this name now exists \(id 12\); it was probably made by that attempt, but its secret was lost with the response\. To go on, delete it and run again, or choose another name/,
    );
  });

  test("giving up after an earlier unknown outcome: the error says the object may exist", async () => {
    const reset = () => new NetworkError(POST, "ECONNRESET");
    const { make } = script([lost(), reset(), reset()], { id: "x" });
    const e = await rejection(
      createWithRecovery({
        where,
        attempts: 3,
        make,
        recovery: deleteAndMakeAgain<Thing>({
          ...naming,
          fix: "delete it and run again",
          look: "on conflict",
          find: async () => [],
          remove: async () => undefined,
        }),
        explain: () => "a hint of the resource's own",
      }),
    );
    expect(e.message).toMatch(
      /^creating thing "t1": the response to an earlier attempt was lost, so the thing may exist; if the next run reports that it already exists, delete it and run again: a hint of the resource's own: Grafana Cloud API POST/,
    );
  });
});

describe("the resource's own failure handling", () => {
  test("runs before recovery and may try again, answer, or fail with its own words", async () => {
    const { make, calls } = script([taken(), taken()], { id: "made" });
    const seen: number[] = [];
    const recovery = adoptWhatThisAttemptMade<Thing, Thing>({
      ...naming,
      look: "at once",
      find: async () => undefined,
      createdAt: () => undefined,
      take: async (t) => t,
    });
    const result = await createWithRecovery({
      where,
      attempts: 3,
      make,
      recovery,
      onFailure: async (e, s) => {
        seen.push(s.attempt);
        return e instanceof ConflictError && s.attempt === 1 ? "again" : { done: { id: "adopted" } };
      },
    });
    expect(result).toEqual({ id: "adopted" });
    expect(seen).toEqual([1, 2]);
    expect(calls.n).toBe(2);
  });
});

describe("what messages say happened", () => {
  test("lost only when no response came back; otherwise the create may have been applied, and why", () => {
    expect(unknownOutcome(lost(), "the create")).toBe("the response to the create was lost");
    expect(unknownOutcome(new ServerError({ ...POST, status: 502 }), "an earlier attempt")).toBe(
      "an earlier attempt may have been applied (the API answered 502)",
    );
  });

  test("made since: within the tolerated clock skew, or without a creation time", () => {
    expect(madeSince(new Date(NOW - 60_000).toISOString(), NOW)).toBe(true);
    expect(madeSince(new Date(NOW - 3600_000).toISOString(), NOW)).toBe(false);
    expect(madeSince(undefined, NOW)).toBe(true);
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
      // The first attempt's outcome is unknown, so the second one's 409 would be looked into.
      const { make, calls } = script([lost(), error()], { id: "x" });
      const e = await rejection(
        createWithRecovery({
          where,
          attempts: 3,
          make,
          recovery: adoptWhatThisAttemptMade({
            ...naming,
            look: "on conflict",
            find: async () => {
              seen.push("find");
              return { id: "x" };
            },
            createdAt: () => undefined,
            take: async (t: Thing) => t,
          }),
          onFailure: async (err) => {
            seen.push(`onFailure: ${(err as Error).name}`);
            return undefined;
          },
        }),
      );
      expect(calls.n).toBe(2);
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
    const { make } = script([new ConflictError({ ...POST, status: 409, apiMessage: "Something" })], {
      id: "x",
    });
    await rejection(
      createWithRecovery({
        where,
        attempts: 3,
        make,
        recovery: adoptWhatThisAttemptMade({
          ...naming,
          look: "at once",
          find: async () => undefined,
          createdAt: () => undefined,
          take: async (t: Thing) => t,
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
