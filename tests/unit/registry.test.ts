/**
 * The registry is the one list of kinds: each is exported by name from the package entry point,
 * and the dynamic provider host serves each (and refuses a kind it does not know).
 */
import * as pkg from "../../provider";
import { implementation } from "../../provider/dynamic";
import { definitions, KINDS } from "../../provider/resources/registry";

test("the kinds are unique", () => {
  expect(new Set(KINDS).size).toBe(KINDS.length);
});

test.each(KINDS)("%s is exported from the package entry point as its class", (kind) => {
  const exported: unknown = Reflect.get(pkg, kind);
  expect(typeof exported).toBe("function");
  expect(exported instanceof Function && exported.name).toBe(kind);
});

test.each(definitions.map((d) => [d.kind, d] as const))(
  "the host serves %s: every provider method as an own property, and configure",
  (kind, definition) => {
    const impl = implementation(kind);
    // The upgrade test (and any wrapper) enumerates these.
    expect(Object.keys(impl).sort()).toEqual([
      "check",
      "configure",
      "create",
      "delete",
      "diff",
      "read",
      "update",
    ]);
    expect(impl.create).toBe(definition.provider.create);
  },
);

test("a kind this version does not know is refused with a message that says what to check", () => {
  expect(() => implementation("Nonexistent")).toThrow(
    /has no implementation of Nonexistent; check that the installed package matches/,
  );
});
