import { describe, expect, it } from "vitest";
import { maskCredentialShapes, redact, SECRET_ENV_NAMES } from "@noveli/providers/redact";

// The one redaction the CLI's reporter, the provider manager and the Lambda's logger share.
// `env: {}` keeps the machine's own environment out of these cases unless a case is about it.
const none = { env: {} };

// Credential-shaped values, assembled so no literal key sits in the source.
const OPENAI_KEY = ["sk", "proj", "Ab12Cd34Ef56Gh78Ij90Kl"].join("-");
const OPENAI_LEGACY_KEY = ["sk", "T3BlbkFJabcdefghijklmnop"].join("-");
const ANTHROPIC_KEY = ["sk", "ant", "api03", "Zy98Xw76Vu54Ts32Rq10-AbCdEf_gh"].join("-");
const BEDROCK_KEY = "ABSK" + "QmVkcm9ja0FQSUtleS1hYmNkLWF0LTEyMzQ1Njc4OTAxMjpzZWNyZXQ=";
const BEDROCK_SHORT_TERM_KEY = "bedrock-api-key-" + "YmVkcm9jay5hbWF6b25hd3MuY29tLz9BY3Rpb249Q2FsbFdpdGhCZWFyZXJUb2tlbg==";
const ACCESS_KEY_ID = "AKIA" + "ABCDEFGHIJKLMNOP";
const TEMP_ACCESS_KEY_ID = "ASIA" + "QRSTUVWXYZ234567";
const SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCYEXAMPLEKEY";
const SESSION_TOKEN = "IQoJb3JpZ2luX2Vj" + "EJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD6example+token/value==";

describe("redact: known values", () => {
  it("hides the values of the secret environment variables, AWS_BEARER_TOKEN_BEDROCK included", () => {
    expect(SECRET_ENV_NAMES).toContain("AWS_BEARER_TOKEN_BEDROCK");
    const env = { OPENAI_API_KEY: "not-shaped-like-a-key-1234567890", AWS_BEARER_TOKEN_BEDROCK: "plain-bearer-token-value-0987" };
    expect(redact("failed with key not-shaped-like-a-key-1234567890 here", { env })).toBe("failed with key *** here");
    expect(redact("token plain-bearer-token-value-0987 refused", { env })).toBe("token *** refused");
  });

  it("ignores environment values too short to be secrets (an emulator's 'testing')", () => {
    expect(redact("AWS_SECRET_ACCESS_KEY is testing", { env: { AWS_SECRET_ACCESS_KEY: "testing" } })).toBe("AWS_SECRET_ACCESS_KEY is testing");
  });

  it("hides the caller's secrets, also in their JSON-escaped form", () => {
    const secret = 'pa"ss\\word-42';
    const document = JSON.stringify({ message: `rejected ${secret}` });
    const out = redact(document, { secrets: [secret], env: {} });
    expect(out).not.toContain("ss\\\\word");
    expect(JSON.parse(out)).toEqual({ message: "rejected ***" });
  });

  it("reads process.env when no environment is given", () => {
    const name = "ANTHROPIC_API_KEY";
    const saved = process.env[name];
    process.env[name] = "an-unshaped-anthropic-value-777";
    try {
      expect(redact("key an-unshaped-anthropic-value-777")).toBe("key ***");
    } finally {
      if (saved === undefined) delete process.env[name];
      else process.env[name] = saved;
    }
  });

  it("uses the caller's marker", () => {
    expect(redact(`key ${OPENAI_KEY}`, { ...none, marker: "[redacted]" })).toBe("key [redacted]");
  });
});

describe("redact: credential shapes", () => {
  it.each([
    ["an OpenAI project key", OPENAI_KEY],
    ["an OpenAI key", OPENAI_LEGACY_KEY],
    ["an Anthropic key", ANTHROPIC_KEY],
    ["a Bedrock API key (ABSK...)", BEDROCK_KEY],
    ["a short-term Bedrock API key", BEDROCK_SHORT_TERM_KEY],
    ["an AWS access key id", ACCESS_KEY_ID],
    ["a temporary AWS access key id", TEMP_ACCESS_KEY_ID],
    ["an AWS session token", SESSION_TOKEN],
  ])("hides %s wherever it stands", (_what, secret) => {
    for (const text of [secret, `before ${secret} after`, `(${secret})`, `key=${secret};`]) {
      const out = redact(text, none);
      expect(out).not.toContain(secret.slice(4, 20));
      expect(out).toContain("***");
    }
  });

  it("hides AWS secret keys and session tokens by their field names", () => {
    const text = [
      `aws_secret_access_key = ${SECRET_ACCESS_KEY}`,
      `AWS_SECRET_ACCESS_KEY=${SECRET_ACCESS_KEY}`,
      `"SecretAccessKey": "${SECRET_ACCESS_KEY}"`,
      `secretAccessKey: '${SECRET_ACCESS_KEY}'`,
      `AWS_SESSION_TOKEN=opaque-session-value-123`,
      `"SessionToken":"opaque-session-value-456"`,
      `X-Amz-Security-Token: opaque-session-value-789`,
    ].join("\n");
    const out = redact(text, none);
    expect(out).not.toMatch(/wJalrXUtnFEMI|opaque-session-value/);
    expect(out).toContain("aws_secret_access_key = ***");
    expect(out).toContain('"SecretAccessKey": "***"');
    expect(out).toContain("X-Amz-Security-Token: ***");
  });

  it("hides credentials inside URLs and signed query strings, keeping the rest of the URL", () => {
    expect(redact("cloning https://deploy-bot:gh-pass-w0rd@example.com/noveli.git failed", none)).toBe("cloning https://deploy-bot:***@example.com/noveli.git failed");
    expect(redact("postgres://admin:s3cr3t@db.internal:5432/stories", none)).toBe("postgres://admin:***@db.internal:5432/stories");
    const signed = redact("GET https://bucket.s3.amazonaws.com/key?X-Amz-Credential=AKIDEXAMPLE%2F20260101&X-Amz-Signature=abc123def456&X-Amz-Security-Token=tok", none);
    expect(signed).toBe("GET https://bucket.s3.amazonaws.com/key?X-Amz-Credential=***&X-Amz-Signature=***&X-Amz-Security-Token=***");
  });

  it("hides Authorization and Bearer headers, keeping the scheme", () => {
    const text = "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig x-api-key: hunter2hunter2 Proxy-Authorization: Basic dXNlcjpwYXNz";
    const out = redact(text, none);
    expect(out).not.toMatch(/eyJhbGci|hunter2|dXNlcjpwYXNz/);
    expect(out).toContain("Authorization: Bearer ***");
    expect(out).toContain("x-api-key: ***");
    expect(out).toContain("Proxy-Authorization: Basic ***");
    expect(redact("sent bearer abcdefgh12345678 upstream", none)).toBe("sent bearer *** upstream");
    const sigv4 = `Authorization: AWS4-HMAC-SHA256 Credential=${ACCESS_KEY_ID}/20260101/us-east-1/bedrock/aws4_request, SignedHeaders=host, Signature=${"ab".repeat(32)}`;
    expect(redact(sigv4, none)).not.toMatch(/AKIAABCD|abababab/);
  });

  it("hides credential-named fields in key=value text", () => {
    expect(redact("api_key=supersecretvalue next", none)).toBe("api_key=*** next");
    expect(redact("password=hunter2 token=abc123 client_secret=zzz", none)).toBe("password=*** token=*** client_secret=***");
  });
});

describe("redact: leaves ordinary text alone", () => {
  it.each([
    "deployed dev to green (version 3)",
    "the task-runner finished: 12 tasks",
    "arn:aws:secretsmanager:us-east-1:123456789012:secret:noveli-dev-synthetic-AbCdEf",
    "Her secret: she had never left the island. The password: courage.",
    "a bearer token is sent",
    "sha256 0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0",
    "zipSha256Base64 n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=",
  ])("%s", (text) => {
    expect(redact(text, none)).toBe(text);
  });
});

describe("redact: JSON stays JSON", () => {
  const document = {
    schemaVersion: 1,
    message: `authorization = "Bearer ${"t".repeat(24)}", then x-api-key: ${"k".repeat(12)}`,
    nested: 'config says password="hunter2hunter2" and api_key=\'quoted-value-123\'',
    authorization: "Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig",
    headers: { "x-api-key": "hunter2hunter2", Authorization: "Basic dXNlcjpwYXNz" },
    token: 5,
    secret: null,
    password: true,
    keys: [OPENAI_KEY, ANTHROPIC_KEY, BEDROCK_KEY, ACCESS_KEY_ID, SESSION_TOKEN],
    url: "https://deploy-bot:gh-pass-w0rd@example.com/x",
    multiline: `first line\n${OPENAI_KEY}\n\tAuthorization: Bearer ${"z".repeat(20)}`,
    embedded: JSON.stringify({ authorization: "Bearer inner-token-value-1", apiKey: "inner-api-key-2" }),
    aws: { aws_secret_access_key: SECRET_ACCESS_KEY, SessionToken: SESSION_TOKEN },
    ordinary: "deployed dev to green",
  };
  const leaks = /tttttttt|kkkkkkkk|hunter2|quoted-value|eyJhbGci|dXNlcjpwYXNz|Ab12Cd34|Zy98Xw76|QmVkcm9j|AKIAABCD|IQoJb3Jp|gh-pass|zzzzzzzz|inner-token|inner-api-key|wJalrXUtn/;

  it.each([
    ["pretty", JSON.stringify(document, null, 2)],
    ["compact", JSON.stringify(document)],
  ])("a %s document parses after redaction, secrets gone, everything else as it was", (_form, text) => {
    const out = redact(text, none);
    expect(out).not.toMatch(leaks);
    const parsed = JSON.parse(out) as typeof document;
    expect(parsed.schemaVersion).toBe(1);
    expect(parsed.token).toBe(5);
    expect(parsed.secret).toBeNull();
    expect(parsed.password).toBe(true);
    expect(parsed.ordinary).toBe("deployed dev to green");
    expect(parsed.authorization).toBe("Bearer ***");
    expect(parsed.headers).toEqual({ "x-api-key": "***", Authorization: "Basic ***" });
    expect(parsed.message).toBe('authorization = "Bearer ***", then x-api-key: ***');
    expect(parsed.keys).toEqual(["***", "***", "***", "***", "***"]);
    expect(parsed.url).toBe("https://deploy-bot:***@example.com/x");
    // The document inside a string is still a document.
    expect(JSON.parse(parsed.embedded)).toEqual({ authorization: "Bearer ***", apiKey: "***" });
  });

  it("with the Lambda's marker too", () => {
    const out = redact(JSON.stringify(document), { ...none, marker: "[redacted]" });
    expect(out).not.toMatch(leaks);
    expect((JSON.parse(out) as typeof document).authorization).toBe("Bearer [redacted]");
  });
});

describe("redact's shortcut for text that names no credential", () => {
  // Pieces of every shape and field the patterns mask, with their near misses and filler.
  const PIECES = [
    "sk-", "sk-ant-", "ABSK", "absk", "bedrock-api-key-", "AKIA", "ASIA", "IQoJb3JpZ2luX2Vj", "FwoGZXIvYXdzE", "FQoGZXIvYXdzE",
    "https://", "s3://", "user:", "pw@", "?", "&", "X-Amz-Signature=", "token=", "sig=", "Bearer ", "bearer\t", "Signature=",
    "Authorization: ", "authorization=", "x-api-key:", "api_key=", "api-key", "\"password\": \"", "passwd=", "client_secret=",
    "aws_secret_access_key=", "session-token=", "refresh_token", "secret", "token", "\\n", "\\\"", "\"", "'", ":", "=", " ", ",", "}",
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "ABCDEFGHIJKLMNOP", "abcdefghijklmnopqrstuvwxyz", "reading the state of dev...", "noveli-dev-story-generator",
  ];

  it("masks exactly what the patterns alone mask, for any text", () => {
    let seed = 19;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    let masked = 0;
    for (let i = 0; i < 20_000; i++) {
      let text = "";
      for (let n = Math.floor(random() * 8); n >= 0; n--) text += PIECES[Math.floor(random() * PIECES.length)];
      const full = maskCredentialShapes(text);
      if (full !== text) masked += 1;
      expect(redact(text, { env: {} }), JSON.stringify(text)).toBe(full);
    }
    // The texts are not all harmless: many hold something to mask.
    expect(masked).toBeGreaterThan(2_000);
  });

  it("leaves the everyday progress line alone", () => {
    expect(redact("reading the state of dev...", { env: {} })).toBe("reading the state of dev...");
    expect(redact("✓ switch           all traffic to green (read back: green)", { env: {} })).toBe("✓ switch           all traffic to green (read back: green)");
  });
});
