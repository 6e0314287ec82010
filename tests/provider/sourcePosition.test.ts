// The source position and stack trace a resource registers (state keeps both per resource):
// the user's line, not one of this package's, and only the user's frames.
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as sdkResource from "@pulumi/pulumi/runtime/resource";
import { AccessPolicy, Token } from "../../provider";
import {
  isUnprintedPromiseStack,
  registrationStackSdk,
  trimFrames,
  trimRegistrationTrace,
  type Frame,
} from "../../provider/resources/toolkit/sourcePosition";

const repoRoot = path.resolve(__dirname, "..", "..");
const OWN = path.join(repoRoot, "provider") + path.sep;
const SDK = path.join(repoRoot, "node_modules", "@pulumi", "pulumi") + path.sep;

/**
 * The line of the caller as V8 reports it (in the transpiled test file, as the registered position
 * is: Jest maps its own stacks, which a program's formatter set meanwhile bypasses).
 */
function lineOfCaller(): number {
  const saved = Error.prepareStackTrace;
  Error.prepareStackTrace = (_e, frames) => frames[1]!.getLineNumber();
  try {
    return new Error().stack as unknown as number;
  } finally {
    Error.prepareStackTrace = saved;
  }
}

interface Position {
  uri: string;
  line: number;
  column: number;
}

/** What the SDK's Resource constructor passes to registerResource: the position and the trace. */
function registrations(): {
  spy: jest.SpyInstance;
  calls: () => { pos: Position; trace: (Position | undefined)[] }[];
} {
  const spy = jest.spyOn(sdkResource, "registerResource");
  return {
    spy,
    calls: () =>
      spy.mock.calls.map((args: unknown[]) => ({
        pos: args[9] as Position,
        trace: args[10] as (Position | undefined)[],
      })),
  };
}

describe("the registered source position", () => {
  beforeAll(() =>
    pulumi.runtime.setMocks(
      {
        newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }),
        call: () => ({}),
      },
      "project",
      "stack",
      true,
    ),
  );
  afterEach(() => jest.restoreAllMocks());

  test("is the line of the program that declared the resource, and the trace holds only its frames", () => {
    const { calls } = registrations();
    const line = lineOfCaller() + 1;
    new Token("t", { region: "us", accessPolicyId: "p1", name: "t" });
    const [call] = calls();
    expect(call?.pos.uri).toBe(`file://${__filename}`);
    expect(call?.pos.line).toBe(line);
    expect(call?.trace[0]).toEqual(call?.pos);
    const files = call!.trace.filter((f) => f !== undefined).map((f) => decodeURI(f.uri.slice(7)));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      expect(file.startsWith(OWN)).toBe(false);
      expect(file.startsWith(SDK)).toBe(false);
    }
  });

  test("a resource declared inside the user's function keeps that function's frames", () => {
    const { calls } = registrations();
    const declare = () =>
      new AccessPolicy("p", { region: "us", name: "p", scopes: ["metrics:read"], realms: [] });
    declare();
    const trace = calls()[0]!.trace.filter((f) => f !== undefined);
    // Under Jest the program's caller is Jest's runner (no SDK run loop to stop at): its frames stay.
    expect(trace.slice(0, 2).map((f) => f.uri)).toEqual([`file://${__filename}`, `file://${__filename}`]);
    for (const f of trace) {
      expect(f.uri.startsWith(`file://${OWN}`)).toBe(false);
      expect(f.uri.startsWith(`file://${SDK}`)).toBe(false);
    }
  });

  test("the program's formatter never sees a promise's debugging stack unless the SDK will print it", () => {
    // The program's TypeScript loader sets a formatter that maps every frame through source maps.
    const formatted: (string | null)[] = [];
    const saved = Error.prepareStackTrace;
    const savedEnv = process.env["PULUMI_DEBUG_PROMISE_LEAKS"];
    Error.prepareStackTrace = (_e, frames) => {
      formatted.push(frames[0]?.getFunctionName() ?? null);
      return "mapped";
    };
    const promiseStacks = () => formatted.filter((f) => f === "debuggablePromise").length;
    try {
      delete process.env["PULUMI_DEBUG_PROMISE_LEAKS"];
      new AccessPolicy("quiet", { region: "us", name: "quiet", scopes: ["metrics:read"], realms: [] });
      // The registration stack is formatted by the program's formatter; the promises' are not.
      expect(formatted).toContain("callsites");
      expect(promiseStacks()).toBe(0);

      formatted.length = 0;
      process.env["PULUMI_DEBUG_PROMISE_LEAKS"] = "1";
      new AccessPolicy("leaks", { region: "us", name: "leaks", scopes: ["metrics:read"], realms: [] });
      expect(promiseStacks()).toBeGreaterThan(0);
    } finally {
      if (savedEnv === undefined) delete process.env["PULUMI_DEBUG_PROMISE_LEAKS"];
      else process.env["PULUMI_DEBUG_PROMISE_LEAKS"] = savedEnv;
      Error.prepareStackTrace = saved;
    }
  });

  test("leaves Error.prepareStackTrace as it found it, also when the constructor throws", () => {
    const before = Error.prepareStackTrace;
    new Token("t2", { region: "us", accessPolicyId: "p1", name: "t2" });
    expect(Error.prepareStackTrace).toBe(before);
    jest.spyOn(sdkResource, "registerResource").mockImplementation(() => {
      throw new Error("registration failed");
    });
    expect(() => new Token("t3", { region: "us", accessPolicyId: "p1", name: "t3" })).toThrow(
      "registration failed",
    );
    expect(Error.prepareStackTrace).toBe(before);
  });
});

describe("trimFrames", () => {
  const frame = (file: string | null, fn: string | null = null): Frame => ({
    getFileName: () => file,
    getFunctionName: () => fn,
    toString: () => `${fn ?? "<anonymous>"} (${file ?? "native"})`,
  });
  const roots = { own: OWN, sdk: SDK };
  const names = (fs: Frame[]) => fs.map((f) => f.getFileName());
  const sdk = (f: string, fn?: string) => frame(SDK + f, fn);
  const own = (f: string) => frame(OWN + f);
  const user = (f: string) => frame(`/home/me/app/${f}`);
  /** The SDK's frames as Resource.callsites() sees them, down to our first (GrafanaResource). */
  const registration = [
    sdk("resource.js", "callsites"),
    sdk("resource.js", "stackTrace"),
    sdk("resource.js", "Resource"),
    sdk("resource.js", "CustomResource"),
    own("resources/toolkit/resource.js"),
  ];

  test("keeps the SDK's frames and our first, drops ours after it, ends before the SDK's run loop", () => {
    const frames = [
      ...registration,
      own("resources/toolkit/resource.js"),
      own("resources/token.js"),
      user("index.ts"),
      frame(null, "forEach"),
      user("index.ts"),
      frame("node:internal/modules/cjs/loader"),
      sdk("vendor/ts-node/index.js"),
      frame("node:internal/modules/cjs/loader"),
      sdk("cmd/run/run.js"),
    ];
    expect(names(trimFrames(frames, roots))).toEqual([
      ...names(registration),
      "/home/me/app/index.ts",
      null,
      "/home/me/app/index.ts",
    ]);
  });

  test("a project's own ts-node ends the trace; the SDK's own frames inside the program are skipped", () => {
    const frames = [
      ...registration,
      own("resources/classes.js"),
      user("component.ts"), // a component's initialize()
      sdk("resource.js", "ComponentResource"),
      user("component.ts"), // its constructor
      user("index.ts"),
      frame("node:internal/modules/cjs/loader"),
      frame("/home/me/app/node_modules/ts-node/dist/index.js"),
      user("index.ts"), // never reached
    ];
    expect(names(trimFrames(frames, roots))).toEqual([
      ...names(registration),
      "/home/me/app/component.ts",
      "/home/me/app/component.ts",
      "/home/me/app/index.ts",
    ]);
  });

  test("a stack without a frame of ours is left whole", () => {
    const frames = [sdk("resource.js", "callsites"), user("index.ts"), sdk("cmd/run/run.js")];
    expect(trimFrames(frames, roots)).toEqual(frames);
  });

  test("the SDK is found from the stack it takes, also a second copy of it", () => {
    const nested = path.join(repoRoot, "node_modules", "x", "node_modules", "@pulumi", "pulumi") + path.sep;
    expect(registrationStackSdk([sdk("resource.js", "callsites")])).toBe(SDK);
    expect(registrationStackSdk([frame(nested + "resource.js", "callsites")])).toBe(nested);
    expect(registrationStackSdk([frame(nested + "output.js", "callsites")])).toBeUndefined();
    expect(registrationStackSdk([user("resource.js")])).toBeUndefined();
  });

  test("a promise's debugging stack is left unmapped only while the SDK would not print it", () => {
    const frames = [sdk("runtime/debuggable.js", "debuggablePromise"), user("index.ts")];
    expect(isUnprintedPromiseStack(frames, {})).toBe(true);
    expect(isUnprintedPromiseStack(frames, { PULUMI_DEBUG_PROMISE_LEAKS: "1" })).toBe(false);
    expect(isUnprintedPromiseStack([user("index.ts")], {})).toBe(false);
  });

  test("without another formatter, the trimmed stack is formatted as V8 does", () => {
    const saved = Error.prepareStackTrace;
    delete (Error as { prepareStackTrace?: unknown }).prepareStackTrace;
    const restore = trimRegistrationTrace();
    try {
      const stack = new Error("x").stack ?? "";
      expect(stack.split("\n")[0]).toBe("Error: x");
      expect(stack.split("\n")[1]).toMatch(/^ {4}at .*sourcePosition\.test\.ts:\d+:\d+\)$/);
    } finally {
      restore();
      Error.prepareStackTrace = saved;
    }
    expect(Error.prepareStackTrace).toBe(saved);
  });
});
