/**
 * The harness test's program: one dynamic resource whose check rejects an empty `message` (as a
 * resource's input validation does), with the message from the `engine-harness:message` config.
 */
import * as pulumi from "@pulumi/pulumi";

const strictProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds, news) {
    const failures = news["message"] === "" ? [{ property: "message", reason: "must not be empty" }] : [];
    return { inputs: news, failures };
  },
  async create(inputs) {
    return { id: String(inputs["message"]), outs: inputs };
  },
};

class Strict extends pulumi.dynamic.Resource {
  constructor(name: string, message: string) {
    super(strictProvider, name, { message }, {}, "engine-harness", "Strict");
  }
}

const message = new pulumi.Config().get("message") ?? "";
new Strict(message === "" ? "empty" : "fixed", message);
