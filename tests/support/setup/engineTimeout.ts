// The engine and fault suites drive the real pulumi CLI: one command can take minutes on a loaded
// 2-core machine, so their tests get a long timeout here, once, instead of in each file.
jest.setTimeout(900_000);
