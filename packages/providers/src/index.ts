/**
 * The provider manager: one interface over Bedrock (Converse), Anthropic and OpenAI with failover,
 * retries, circuit breakers, streaming and true cost. Imported by `noveli generate` (lazily) and
 * bundled into the story-generator Lambda: nothing here depends on the CLI, the terminal, the
 * filesystem or src/output.
 *
 *   const manager = createProviderManager(providerConfigFromEnv(process.env));
 *   const result = await manager.generateBeat({ prompt }, { deadline, onText });
 */
export * from "./types.js";
export { createProviderManager, type ManagerDependencies } from "./manager.js";
export {
  providerConfigFromEnv,
  parseProviderList,
  CONFIGURE_HINTS,
  knownModels,
  Secret,
  type ProviderConfig,
  type ProviderConfigOverrides,
  type ProviderSettings,
} from "./config.js";
export { GenerationError, isGenerationError, type GenerationErrorCode } from "./errors.js";
export { DEFAULT_POLICY, type ResiliencePolicy, type CircuitPolicy, type Clock } from "./policy.js";
export {
  DEFAULT_MODELS,
  MODELS,
  CATALOG_CHECKED,
  modelProfile,
  isCatalogModel,
  inferenceProfilesFor,
  type ModelProfile,
  type ModelPrice,
  type ModelStatus,
  type ThinkingProfile,
  type UnconfirmedRate,
} from "./catalog.js";
export { costUsd } from "./pricing.js";
export { beatSchema, MIN_CHOICES, MAX_CHOICES, type SchemaDialect } from "./beat.js";
export type { ProviderAdapter, AdapterCall, AdapterReply } from "./adapters/adapter.js";

/**
 * The deadline for a Lambda invocation: its remaining time minus a margin to persist and answer.
 * `remainingMs` is context.getRemainingTimeInMillis().
 */
export function lambdaDeadline(remainingMs: number, now: number = Date.now(), marginMs = 1_500): number {
  return now + Math.max(0, remainingMs - marginMs);
}
