/** The resource toolkit: what a resource module needs to declare a resource. */
export * from "./check";
export * from "./classSpec";
export * from "./credentials";
export * from "./define";
export * from "./diff";
export * from "./errors";
export * from "./protoKey";
export * from "./recovery";
export * from "./resource";
export * from "./util";
