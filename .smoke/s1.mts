import OpenAI from "openai";
import Anthropic from "@anthropic-ai/sdk";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { BedrockRuntimeClient, ConverseCommand, ConverseStreamCommand } from "@aws-sdk/client-bedrock-runtime";
import { startOpenAiServer, startAnthropicServer, startBedrockServer } from "../test/helpers/provider-servers.ts";

const o = await startOpenAiServer({ kind: "ok" });
const a = await startAnthropicServer({ kind: "ok" });
const b = await startBedrockServer({ kind: "ok" });
try {
  const oc = new OpenAI({ apiKey: "sk-test", baseURL: o.url, maxRetries: 0 });
  const r = await oc.chat.completions.create({ model: "gpt-x", messages: [{ role: "user", content: "hi" }], response_format: { type: "json_schema", json_schema: { name: "beat", strict: true, schema: { type: "object" } } } });
  console.log(JSON.stringify(r.choices[0].message), r.usage);
  const s = await oc.chat.completions.create({ model: "gpt-x", stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: "hi" }] });
  let t = ""; for await (const c of s) { t += c.choices[0]?.delta?.content ?? ""; if (c.usage) console.log("usage", c.usage); }
  console.log("openai stream", t);

  const ac = new Anthropic({ apiKey: "sk-ant-test", baseURL: a.url, maxRetries: 0 });
  const m = await ac.messages.create({ model: "claude-x", max_tokens: 100, messages: [{ role: "user", content: "hi" }], tools: [{ name: "tell_story_beat", input_schema: { type: "object" } }], tool_choice: { type: "tool", name: "tell_story_beat" } });
  console.log(JSON.stringify(m.content), m.usage);
  const st = ac.messages.stream({ model: "claude-x", max_tokens: 100, messages: [{ role: "user", content: "hi" }], tools: [{ name: "tell_story_beat", input_schema: { type: "object" } }], tool_choice: { type: "tool", name: "tell_story_beat" } });
  let pj = ""; for await (const ev of st) { if (ev.type === "content_block_delta" && ev.delta.type === "input_json_delta") pj += ev.delta.partial_json; }
  const fin = await st.finalMessage();
  console.log("anthropic stream", pj, fin.usage);

  const bc = new BedrockRuntimeClient({ endpoint: b.url, region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "y" }, maxAttempts: 1, requestHandler: new NodeHttpHandler() });
  const cr = await bc.send(new ConverseCommand({ modelId: "anthropic.claude:0", messages: [{ role: "user", content: [{ text: "hi" }] }] }));
  console.log(JSON.stringify(cr.output), cr.usage);
  const cs = await bc.send(new ConverseStreamCommand({ modelId: "anthropic.claude:0", messages: [{ role: "user", content: [{ text: "hi" }] }] }));
  let bt = ""; for await (const ev of cs.stream!) { if (ev.contentBlockDelta) bt += ev.contentBlockDelta.delta?.toolUse?.input ?? ""; if (ev.metadata) console.log("meta", ev.metadata.usage); }
  console.log("bedrock stream", bt);
  console.log(b.requests.map(r => r.path), a.requests.length, o.requests.length);
} finally { await o.stop(); await a.stop(); await b.stop(); }
