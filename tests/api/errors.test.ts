import {
  BadRequestError,
  ConflictError,
  errorFromStatus,
  GrafanaCloudError,
  isAlreadyExistsError,
  isDeletedRecentlyError,
  isDeleteProtectedError,
  isInvalidArgumentError,
  isOperationInProgressError,
  isOutcomeUnknown,
  NetworkError,
  outcomeOfStatus,
  ServerError,
} from "../../provider/client/errors";

const err = (status: number, code: string | undefined, apiMessage: string) =>
  errorFromStatus({
    method: "POST",
    path: "/api/x",
    status,
    ...(code === undefined ? {} : { code }),
    ...(apiMessage ? { apiMessage } : {}),
  });

type Kind = "exists" | "invalid" | "busy" | "deletedRecently" | "protected" | "none";

// Observed: what the service answers (409 InvalidArgument on /instances…, 400 on v1 routes, 409
// Conflict for taken names). Contract: every one of them a 409 `Conflict`.
const cases: [string, number, string | undefined, string, Kind][] = [
  ["observed: slug taken", 409, "Conflict", "That url is not available", "exists"],
  [
    "observed: policy name taken",
    409,
    "Conflict",
    'an access policy named "p" already exists in region us',
    "exists",
  ],
  ["observed: token name taken", 409, "Conflict", 'a token named "t" already exists in region us', "exists"],
  [
    "observed: plugin installed",
    409,
    "Conflict",
    "Plugin grafana-clock-panel is already installed on stack s",
    "exists",
  ],
  ["observed: stack key name taken", 409, "Conflict", "An API key named k already exists", "exists"],
  ["observed: legacy bad argument", 409, "InvalidArgument", "Field is required: name", "invalid"],
  ["observed: legacy bad slug", 409, "InvalidArgument", "Invalid slug my-stack specified", "invalid"],
  ["observed: v1 bad argument", 400, "InvalidArgument", "name: must be 1-255 characters", "invalid"],
  ["observed: v1 bad request, no code", 400, undefined, "", "invalid"],
  ["unprocessable", 422, undefined, "scopes: unknown scope", "invalid"],
  [
    "plugin busy",
    409,
    "Conflict",
    "Hosted Grafana error: operation in progress, please try again later",
    "busy",
  ],
  [
    "slug deleted recently",
    409,
    "Conflict",
    "A stack with slug s was deleted recently. Please wait for 30s before creating it again",
    "deletedRecently",
  ],
  [
    "delete protection",
    409,
    "Conflict",
    "Delete protection is enabled for stack s; set deleteProtection to false before deleting it",
    "protected",
  ],
  ["contract: bad argument as Conflict", 409, "Conflict", "Field is required: name", "invalid"],
  ["contract: bad slug as Conflict", 409, "Conflict", "Invalid slug my-stack specified", "invalid"],
  ["contract: cannot change", 409, "Conflict", "Field cannot be changed: region", "invalid"],
  ["contract: must be", 409, "Conflict", "labels: must be an object of strings", "invalid"],
  ["contract: unknown region as Conflict", 409, "Conflict", "stack region not found", "invalid"],
  ["contract: unknown policy as Conflict", 409, "Conflict", "access policy 7 not found", "invalid"],
  [
    "slug deleted recently, coded as a bad argument",
    409,
    "InvalidArgument",
    "A stack with slug s was deleted recently. Please wait for 30s before creating it again",
    "deletedRecently",
  ],
  ["contract: taken name", 409, "Conflict", "That url is not available", "exists"],
  ["contract: a 409 that says neither", 409, "Conflict", "Something went wrong", "none"],
  ["contract: a 409 without a message", 409, "Conflict", "", "none"],
  // Grafana behind the instance proxy: a taken service-account name is a 400.
  [
    "grafana: service account name taken",
    400,
    "serviceaccounts.ErrAlreadyExists",
    "service account already exists",
    "exists",
  ],
  ["grafana: taken, said only in the code", 400, "serviceaccounts.ErrAlreadyExists", "", "exists"],
  ["grafana: bad role", 400, undefined, "invalid role specified", "invalid"],
  ["not a 409", 404, "NotFound", "already exists", "none"],
];

describe("telling 409s (and 400s) apart", () => {
  test.each(cases)("%s", (_label, status, code, message, kind) => {
    const e = err(status, code, message);
    expect({
      exists: isAlreadyExistsError(e),
      invalid: isInvalidArgumentError(e),
      busy: isOperationInProgressError(e),
      deletedRecently: isDeletedRecentlyError(e),
      protected: isDeleteProtectedError(e),
    }).toEqual({
      exists: kind === "exists",
      invalid: kind === "invalid",
      busy: kind === "busy",
      deletedRecently: kind === "deletedRecently",
      protected: kind === "protected",
    });
  });

  test("the predicates read fields, so they hold for errors from another copy of the module", () => {
    const foreign = Object.assign(new Error("x"), {
      name: "ConflictError",
      status: 409,
      code: "Conflict",
      apiMessage: "That url is not available",
    });
    expect(isAlreadyExistsError(foreign)).toBe(true);
    expect(isAlreadyExistsError(new Error("already exists"))).toBe(false);
    expect(isInvalidArgumentError("409")).toBe(false);
  });
});

describe("outcome", () => {
  test.each([
    [200, "unknown"],
    [301, "not-applied"],
    [400, "not-applied"],
    [408, "not-applied"],
    [409, "not-applied"],
    [429, "not-applied"],
    [500, "unknown"],
    [502, "unknown"],
    [503, "not-applied"],
    [504, "unknown"],
  ])("status %i → %s", (status, outcome) => {
    expect(outcomeOfStatus(status)).toBe(outcome);
    expect(err(status, undefined, "").outcome).toBe(outcome);
    expect(isOutcomeUnknown(err(status, undefined, ""))).toBe(outcome === "unknown");
  });

  test("an explicit outcome wins; an earlier unknown attempt makes the call unknown", () => {
    const refused = new NetworkError(
      { method: "POST", path: "/api/x", outcome: "not-applied" },
      "ECONNREFUSED",
    );
    expect(isOutcomeUnknown(refused)).toBe(false);
    const later = new ConflictError({
      method: "POST",
      path: "/api/x",
      status: 429,
      earlierAttemptUnknown: true,
    });
    expect(later.outcome).toBe("unknown");
    expect(later.message).toMatch(/An earlier attempt may have been applied$/);
  });

  test("reads say nothing about being applied", () => {
    const e = new ServerError({ method: "GET", path: "/api/x", status: 502 });
    expect(e.outcome).toBe("unknown");
    expect(e.message).not.toMatch(/applied/);
  });

  test("errors of an older copy of the module, without `outcome`, fall back to their kind", () => {
    const old = (name: string) => Object.assign(new Error("x"), { name });
    expect(isOutcomeUnknown(old("NetworkError"))).toBe(true);
    expect(isOutcomeUnknown(old("TimeoutError"))).toBe(true);
    expect(isOutcomeUnknown(old("ServerError"))).toBe(true);
    expect(isOutcomeUnknown(old("ConflictError"))).toBe(false);
    expect(isOutcomeUnknown("boom")).toBe(false);
  });

  test("the subclasses keep their names for the name-based guards", () => {
    expect(new BadRequestError({ method: "GET", path: "/" }).name).toBe("BadRequestError");
    expect(new GrafanaCloudError({ method: "GET", path: "/" }).message).toBe(
      "Grafana Cloud API GET / failed: no response",
    );
  });
});
