/**
 * The bad-input table (tests/support/badInputTable.ts) against each resource's `check`, as the
 * dynamic-provider host runs it (`implementation(kind)` from provider/dynamic.ts, what the
 * serialized provider stubs load): every case's property is named and its rule stated, and the
 * check of a batch reports exactly the properties of its cases. The engine and fault suites show a
 * few of these end to end at `pulumi preview`.
 */
import { implementation } from "../../provider/dynamic";
import { KINDS } from "../../provider/resources/registry";
import { batches, CASES, MISSING } from "../support/badInputTable";

const BATCHES = batches();

async function failuresOf(kind: Parameters<typeof implementation>[0], args: Record<string, unknown>) {
  const result = await implementation(kind).check({}, args);
  return new Map((result.failures ?? []).map((f) => [f.property, f.reason]));
}

test("the table has at least 40 cases, covering every resource kind", () => {
  expect(CASES.length).toBeGreaterThanOrEqual(40);
  expect(new Set(CASES.map((c) => c.kind))).toEqual(new Set(KINDS));
});

test.each(BATCHES.map((b) => [b.title, b] as const))(
  "%s: check reports exactly these properties",
  async (_title, batch) => {
    const failures = await failuresOf(batch.kind, batch.args);
    expect([...failures.keys()].sort()).toEqual(batch.cases.map((c) => c.property).sort());
  },
);

test.each(
  BATCHES.flatMap((b) =>
    b.cases.map(
      (c) =>
        [
          c.kind,
          c.value === MISSING ? "(missing)" : JSON.stringify(c.value).slice(0, 40),
          c.property,
          b,
          c,
        ] as const,
    ),
  ),
)("%s %s: names %s and its rule", async (_kind, _value, _property, batch, c) => {
  const failures = await failuresOf(batch.kind, batch.args);
  expect(failures.get(c.property)).toContain(`${c.property}: ${c.rule}`);
});
