import { Agent as HttpsAgent } from "node:https";
import { afterEach, describe, expect, it, vi } from "vitest";
import { LazyHttpsAgent, node_https } from "../../src/aws/lazy-https.js";

/** The module the shim loads: the same object every `import ... from "node:https"` gets. */
const https = process.getBuiltinModule("node:https");

afterEach(() => {
  vi.restoreAllMocks();
});

describe("the SDK's node:https, loaded on the first https request (src/aws/lazy-https.ts)", () => {
  it("is what the HTTP handler uses: an Agent class it can build and test, and request", () => {
    expect(Object.keys(node_https).sort()).toEqual(["Agent", "request"]);
    const agent = new node_https.Agent({ keepAlive: true, maxSockets: 50 });
    expect(agent).toBeInstanceOf(node_https.Agent);
    // A real agent the caller gives the handler is not one of ours (the handler then keeps it as given).
    expect(new HttpsAgent() instanceof node_https.Agent).toBe(false);
  });

  it("answers what the handler reads of its agent before any request, and destroys nothing it has not made", () => {
    const agent = new LazyHttpsAgent({ keepAlive: true, maxSockets: 50 });
    const made = vi.spyOn(https, "Agent");
    expect(agent.maxSockets).toBe(50);
    expect(agent.sockets).toEqual({});
    expect(agent.requests).toEqual({});
    agent.destroy();
    expect(new LazyHttpsAgent().maxSockets).toBe(Infinity);
    expect(made).not.toHaveBeenCalled();
  });

  it("makes the real agent with its options on the first request, and uses that one after", () => {
    const sent: { agent: unknown; host: unknown }[] = [];
    const request = vi.spyOn(https, "request").mockImplementation(((options: { agent?: unknown; host?: unknown }) => {
      sent.push({ agent: options.agent, host: options.host });
      return {} as ReturnType<typeof https.request>;
    }) as typeof https.request);
    const agent = new node_https.Agent({ keepAlive: true, maxSockets: 50 });
    const callback = () => undefined;
    node_https.request({ host: "sts.amazonaws.com", agent: agent as never }, callback);
    node_https.request({ host: "s3.amazonaws.com", agent: agent as never });
    expect(request).toHaveBeenCalledTimes(2);
    expect(request.mock.calls[0]?.[1]).toBe(callback);
    const real = sent[0]?.agent as HttpsAgent;
    expect(real).toBeInstanceOf(HttpsAgent);
    expect(real.options.keepAlive).toBe(true);
    expect(real.maxSockets).toBe(50);
    expect(sent[1]?.agent).toBe(real);
    expect(sent.map((s) => s.host)).toEqual(["sts.amazonaws.com", "s3.amazonaws.com"]);
    // Now the handler's socket warning reads the real agent's numbers.
    expect(agent.sockets).toBe(real.sockets);
    expect(agent.requests).toBe(real.requests);
    const destroyed = vi.spyOn(real, "destroy");
    agent.destroy();
    expect(destroyed).toHaveBeenCalledOnce();
  });

  it("passes any other agent, or none, through unchanged", () => {
    const sent: unknown[] = [];
    vi.spyOn(https, "request").mockImplementation(((options: { agent?: unknown }) => {
      sent.push(options.agent);
      return {} as ReturnType<typeof https.request>;
    }) as typeof https.request);
    const own = new HttpsAgent();
    node_https.request({ host: "a", agent: own });
    node_https.request({ host: "b" });
    node_https.request({ host: "c", agent: false });
    expect(sent).toEqual([own, undefined, false]);
    own.destroy();
  });
});
