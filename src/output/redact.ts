/**
 * Secrets never reach output. Every line the reporter writes passes through `redact`, which hides
 * the values of known secret environment variables and anything shaped like a provider API key or
 * an AWS secret.
 */
const SECRET_ENV = [
  "OPENAI_API_KEY",
  "ANTHROPIC_API_KEY",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_ACCESS_KEY_ID",
];

const SHAPES: RegExp[] = [
  /\bsk-[A-Za-z0-9_-]{8,}/g, // OpenAI and Anthropic keys (sk-..., sk-ant-...)
  /\b(AKIA|ASIA)[A-Z0-9]{16}\b/g, // AWS access key ids
  /(aws_secret_access_key\s*[=:]\s*)\S+/gi,
  /(authorization\s*[:=]\s*)(bearer\s+)?\S+/gi,
  /(x-api-key\s*[:=]\s*)\S+/gi,
];

export function redact(text: string, env: NodeJS.ProcessEnv = process.env): string {
  let out = text;
  for (const name of SECRET_ENV) {
    const value = env[name];
    // Short values (like the emulator's "testing") are not secrets worth masking and would mangle text.
    if (value && value.length >= 12) out = out.split(value).join("***");
  }
  for (const shape of SHAPES) {
    out = out.replace(shape, (match, prefix?: string, bearer?: string) =>
      typeof prefix === "string" && prefix !== match && !/^(AKIA|ASIA)$/.test(prefix)
        ? `${prefix}${typeof bearer === "string" ? bearer : ""}***`
        : "***",
    );
  }
  return out;
}
