/**
 * The provider's clock: replaceable in-process, and shifted by an environment variable for
 * providers running in another process (the Pulumi engine's provider host).
 */
import { clock, CLOCK_OFFSET_ENV, setClock, systemClock } from "../../provider/clock";

const saved = process.env[CLOCK_OFFSET_ENV];
afterEach(() => {
  setClock(undefined);
  if (saved === undefined) delete process.env[CLOCK_OFFSET_ENV];
  else process.env[CLOCK_OFFSET_ENV] = saved;
});

test("unset, the clock is real time", () => {
  delete process.env[CLOCK_OFFSET_ENV];
  const before = Date.now();
  const now = clock.now();
  expect(now).toBeGreaterThanOrEqual(before);
  expect(now).toBeLessThanOrEqual(Date.now());
});

test("the environment offset shifts now() by that many seconds, fractions and negatives too", () => {
  process.env[CLOCK_OFFSET_ENV] = "3600";
  expect(clock.now() - Date.now()).toBeGreaterThanOrEqual(3600_000 - 50);
  expect(clock.now() - Date.now()).toBeLessThanOrEqual(3600_000);
  process.env[CLOCK_OFFSET_ENV] = "-1.5";
  expect(Date.now() - clock.now()).toBeGreaterThanOrEqual(1500 - 50);
  expect(Date.now() - clock.now()).toBeLessThanOrEqual(1500);
});

test("an offset that is not a number is an error naming the variable and the rule", () => {
  process.env[CLOCK_OFFSET_ENV] = "an hour";
  expect(() => clock.now()).toThrow(
    'GRAFANA_CLOUD_CLOCK_OFFSET_SECONDS must be a number of seconds, e.g. 3600 or -1.5 (got "an hour")',
  );
});

test("setClock replaces now() and sleep() until it is reset", async () => {
  let t = 1000;
  setClock({ now: () => t, sleep: async (ms) => void (t += ms) });
  await clock.sleep(250);
  expect(clock.now()).toBe(1250);
  setClock(undefined);
  expect(clock.now()).not.toBe(1250);
  expect(systemClock.now()).toBeGreaterThan(1250);
});
