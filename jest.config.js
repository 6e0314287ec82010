// Jest projects: `npm test` runs everything that needs no Pulumi CLI; `npm run test:engine`
// runs the real engine suite (tests/engine), which needs scripts/ensure-pulumi.sh first.
const tsJest = [
  "ts-jest",
  { tsconfig: "tsconfig.json", diagnostics: { warnOnly: false, ignoreCodes: [151002] } },
];
const project = (name, extra = {}) => ({
  displayName: name,
  testEnvironment: "node",
  transform: { "^.+\\.ts$": tsJest },
  testMatch: [`<rootDir>/tests/${name}/**/*.test.ts`],
  moduleNameMapper: { "^pulumi-grafana-cloud$": "<rootDir>/provider/index.ts" },
  ...extra,
});
module.exports = {
  // testTimeout is a global option (ignored inside projects); engine suites raise it per file.
  testTimeout: 30000,
  projects: [
    project("unit"),
    project("api"),
    project("emulator"),
    project("provider"),
    project("engine"),
    project("faults"),
  ],
};
