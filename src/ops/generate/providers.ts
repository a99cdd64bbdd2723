import type { ProviderConfigOverrides, ProviderManager, ProviderName, ProviderStatus } from "@noveli/providers";
import { hasSharedDefaultProfile } from "../../aws/shared-config.js";
import { markLazyPart } from "../../core/lazy-parts.js";
import { UsageError } from "../../errors.js";
import { generationFailure } from "./failure.js";

/** The provider manager a story is told with, and what each provider said when it was set up. */
export interface StoryProviders {
  manager: ProviderManager;
  /** Each provider in the order tried: configured with a model, or skipped with the reason. */
  statuses: ProviderStatus[];
  /** How to configure each provider (for the errors of a failed beat). */
  hints: Readonly<Record<ProviderName, string>>;
}

/** The provider package, loaded on first use: `noveli --help` loads no LLM SDK. */
export type ProvidersModule = typeof import("@noveli/providers");

export function loadProviders(): Promise<ProvidersModule> {
  return import("@noveli/providers");
}

/**
 * Sets up the provider manager from the environment and the flags' overrides. Bedrock follows
 * the AWS credential chain: a `[default]` profile in ~/.aws counts as credentials too. Throws a
 * UsageError for a configuration the manager rejects (an ambiguous model).
 */
export function openProviders(providers: ProvidersModule, overrides: ProviderConfigOverrides, env: NodeJS.ProcessEnv): StoryProviders {
  const withProfile: ProviderConfigOverrides = hasSharedDefaultProfile(env) ? { ...overrides, awsSharedDefaultProfile: true } : overrides;
  let manager: ProviderManager;
  try {
    manager = providers.createProviderManager(providers.providerConfigFromEnv(env, withProfile), {
      userAgent: "noveli",
      // The command's code cache then keeps each provider SDK that a run of it compiled.
      onAdapterLoad: (name) => markLazyPart(`provider-${name}`),
    });
  } catch (error) {
    if (providers.isGenerationError(error)) throw new UsageError(error.message);
    throw error;
  }
  return { manager, statuses: manager.status(), hints: providers.CONFIGURE_HINTS };
}

/** Throws noveli's no-provider ConfigError (exit 2, with how to configure each) when no provider has credentials. */
export function requireConfiguredProvider(providers: ProvidersModule, story: StoryProviders, env: NodeJS.ProcessEnv): void {
  if (story.statuses.some((status) => status.configured)) return;
  throw generationFailure(new providers.GenerationError("no-provider", "no AI provider is configured", { providers: story.statuses }), story.hints, env).error;
}
