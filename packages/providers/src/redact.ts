/**
 * The one redaction of noveli: every line the CLI's reporter writes, every message the provider
 * manager keeps from a provider, and every log line of the story-generator Lambda pass through
 * `redact`. It hides
 * - known secret values (the caller's, and those of the secret environment variables), also in
 *   their JSON-escaped form;
 * - anything shaped like a credential: OpenAI and Anthropic keys (`sk-...`, `sk-ant-...`), Bedrock
 *   API keys (`ABSK...`, `bedrock-api-key-...`), AWS access key ids (`AKIA...`, `ASIA...`) and
 *   session tokens, credentials inside URLs (`https://user:password@host`, signed query strings),
 *   bearer tokens, and the value of any credential-named field (`Authorization: ...`,
 *   `x-api-key=...`, `"aws_secret_access_key": "..."`, `password=...`).
 *
 * It never mangles JSON: a value ends at a quote, a backslash (an escape inside a JSON string), a
 * comma or a brace, so a masked document still parses; a credential-named JSON key whose value is
 * not a string (a number, null) is left alone. No SDK, no CLI: the package is shared by both.
 */

/** Environment variables whose values are secrets wherever they appear. */
export const SECRET_ENV_NAMES = [
  "OPENAI_API_KEY",
  "ANTHROPIC_API_KEY",
  "AWS_BEARER_TOKEN_BEDROCK",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_ACCESS_KEY_ID",
] as const;

export interface RedactOptions {
  /** Secret values to hide wherever they appear (values under 6 characters are ignored). Default none. */
  secrets?: readonly string[];
  /**
   * The environment whose SECRET_ENV_NAMES values are hidden. Values under 12 characters (like an
   * emulator's "testing") are not secrets worth masking and would mangle ordinary text. Default:
   * process.env.
   */
  env?: Readonly<Record<string, string | undefined>>;
  /** What replaces a secret. Default "***". */
  marker?: string;
}

const MIN_SECRET_LENGTH = 6;
const MIN_ENV_SECRET_LENGTH = 12;

/**
 * A credential starts here: not inside a longer word, or right after a JSON escape (`\n`, `\t`),
 * so `\nsk-...` inside a JSON string is found too.
 */
const START = String.raw`(?:(?<![A-Za-z0-9])|(?<=\\[nrtbf]))`;

/** Shapes hidden whole. */
const SHAPES: RegExp[] = [
  new RegExp(String.raw`${START}sk-[A-Za-z0-9_-]{6,}`, "g"), // OpenAI (sk-, sk-proj-) and Anthropic (sk-ant-) keys
  new RegExp(String.raw`${START}ABSK[A-Za-z0-9+/=]{16,}`, "g"), // Bedrock API keys (long-term)
  new RegExp(String.raw`${START}bedrock-api-key-[A-Za-z0-9+/=_-]{16,}`, "g"), // Bedrock API keys (short-term)
  new RegExp(String.raw`${START}(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])`, "g"), // AWS access key ids
  new RegExp(String.raw`${START}(?:IQoJb3JpZ2luX2Vj|FwoGZXIvYXdzE|FQoGZXIvYXdzE)[A-Za-z0-9+/=]{20,}`, "g"), // AWS session tokens
];

/** The characters a value may hold: it ends at whitespace, a quote, a backslash (a JSON escape), a comma, a semicolon, a brace. */
const VALUE = String.raw`[^\s"'\\,;}]+`;

/** `scheme://user:password@`: the password goes. */
const URL_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/)([^\s:/?#@"'\\]+):([^\s/?#@"'\\]+)@/gi;

/** Credentials in a query string (pre-signed URLs, token parameters). */
const QUERY_CREDENTIALS = /([?&](?:X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|access_token|api[_-]?key|token|sig|signature|password)=)[^&\s"'\\#]+/gi;

/** `Bearer <token>` anywhere. */
const BEARER = /(\bbearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi;

/** An AWS SigV4 signature (`Signature=<64 hex>` of an Authorization header). */
const SIGNATURE = /(\bSignature=)[0-9a-f]{64}\b/g;

/** Field names whose value is a credential, however they are written (`Authorization:`, `api_key=`, `"password": "..."`). */
const CREDENTIAL_NAMES = [
  "authorization",
  "proxy-authorization",
  "x-api-key",
  "api[_-]?key",
  "x-amz-security-token",
  "(?:aws[_-]?)?secret[_-]?access[_-]?key",
  "(?:aws[_-]?)?session[_-]?token",
  "aws[_-]?bearer[_-]?token[_-]?bedrock",
  "client[_-]?secret",
  "(?:access|refresh|id|bearer|auth)[_-]?token",
  "token",
  "secret",
  "password",
  "passwd",
].join("|");

/** Credential names that are everyday words too. */
const PROSE_WORDS = /^(?:token|secret|password|passwd)$/i;

/**
 * name, separator (a JSON key's closing quote, escaped or not, `:` or `=`, the value's opening
 * quote), an optional auth scheme, the value.
 */
const CREDENTIAL_FIELD = new RegExp(
  String.raw`(?<![A-Za-z0-9])(${CREDENTIAL_NAMES})(\\?["']?\s*[:=]\s*(\\?["'])?)((?:bearer|basic|token|aws4-hmac-sha256)\s+)?(${VALUE})`,
  "gi",
);

function processEnv(): Readonly<Record<string, string | undefined>> {
  return (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {};
}

/** The values to hide: the caller's and the secret environment variables'. */
function knownSecrets(options: RedactOptions): string[] {
  const values = (options.secrets ?? []).filter((secret) => secret.length >= MIN_SECRET_LENGTH);
  const env = options.env ?? processEnv();
  for (const name of SECRET_ENV_NAMES) {
    const value = env[name];
    if (value && value.length >= MIN_ENV_SECRET_LENGTH) values.push(value);
  }
  // Longest first, so a secret that contains another is hidden whole.
  return [...new Set(values)].sort((a, b) => b.length - a.length);
}

/**
 * What each shape and field above needs somewhere in a text, case aside: `sk-`, `ABSK`,
 * `bedrock-api-key-`, `AKIA`/`ASIA`, a session token's prefix, `://`, a query's `?` or `&`,
 * `bearer`, `Signature=`, and a part of every credential name (`authorization`, `api`, `token`,
 * `secret`, `passw`). A text with none of them holds nothing the patterns could find, so most
 * progress lines skip them: the first run of those patterns costs a command about a millisecond.
 * A new pattern or name must add what it needs here (redact.test.ts checks the two agree).
 */
const MAY_HOLD_CREDENTIAL = /sk-|absk|bedrock-api-key-|akia|asia|iqojb3jpz2lux2vj|fwogzxivyxdz|fqogzxivyxdz|:\/\/|[?&]|bearer|signature=|authorization|api|token|secret|passw/i;

/** Replaces every secret in `text` with the marker (see the top of this module). */
export function redact(text: string, options: RedactOptions = {}): string {
  const marker = options.marker ?? "***";
  let out = text;
  for (const secret of knownSecrets(options)) {
    out = out.split(secret).join(marker);
    // The same value inside a JSON string, where quotes, backslashes and control characters are escaped.
    const escaped = JSON.stringify(secret).slice(1, -1);
    if (escaped !== secret) out = out.split(escaped).join(marker);
  }
  return MAY_HOLD_CREDENTIAL.test(out) ? maskCredentialShapes(out, marker) : out;
}

/** The shapes and fields of credentials in `text`, masked: redact's second part, without its shortcut (exported for its test). */
export function maskCredentialShapes(text: string, marker = "***"): string {
  let out = text;
  for (const shape of SHAPES) out = out.replace(shape, marker);
  out = out.replace(URL_CREDENTIALS, (_match, scheme: string, user: string) => `${scheme}${user}:${marker}@`);
  out = out.replace(QUERY_CREDENTIALS, (_match, prefix: string) => `${prefix}${marker}`);
  out = out.replace(BEARER, (_match, prefix: string) => `${prefix}${marker}`);
  out = out.replace(SIGNATURE, (_match, prefix: string) => `${prefix}${marker}`);
  out = out.replace(CREDENTIAL_FIELD, (match, name: string, separator: string, openingQuote: string | undefined, scheme: string | undefined) => {
    // A JSON key (closing quote before the colon) whose value is no string: a number, true, null.
    if (openingQuote === undefined && /["']\s*[:=]\s*$/.test(separator)) return match;
    // `name:value` with nothing between is an ARN's part (`...:secret:noveli-dev-...`), not a field.
    if (separator === ":") return match;
    // Prose ("her secret: she never left") is no field: the everyday words count only as `word=...` or a quoted key.
    if (PROSE_WORDS.test(name) && !/["'=]/.test(separator)) return match;
    return `${name}${separator}${scheme ?? ""}${marker}`;
  });
  return out;
}
