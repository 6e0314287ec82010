// Jest projects: `npm test` runs everything that needs no Pulumi CLI; `npm run test:engine`,
// `test:faults`, `test:examples` and `test:pipeline` run the suites that drive the real `pulumi`
// CLI on project directories (scripts/ensure-pulumi.sh first).
//
// ts-jest transpiles only (tsconfig.jest.json sets isolatedModules): type errors are the job of
// `npm run check`, and per-file type checking in every worker made `npm test` several times slower.
const tsJest = ["ts-jest", { tsconfig: "tsconfig.jest.json" }];
const project = (name, extra = {}) => ({
  displayName: name,
  testEnvironment: "node",
  transform: { "^.+\\.ts$": tsJest },
  testMatch: [`<rootDir>/tests/${name}/**/*.test.ts`],
  moduleNameMapper: { "^pulumi-grafana-cloud$": "<rootDir>/provider/index.ts" },
  ...extra,
});
const engineProject = (name) =>
  project(name, { setupFilesAfterEnv: ["<rootDir>/tests/support/setup/engineTimeout.ts"] });
module.exports = {
  // testTimeout is a global option (ignored inside projects); the engine projects raise it in
  // their setup file.
  testTimeout: 30000,
  projects: [
    project("unit"),
    project("api"),
    project("emulator"),
    project("contract"),
    project("provider"),
    project("hostile"),
    engineProject("engine"),
    engineProject("faults"),
    engineProject("examples"),
    engineProject("pipeline"),
  ],
};
