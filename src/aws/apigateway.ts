import { APIGatewayClient, GetStageCommand, UpdateStageCommand, type PatchOperation, type Stage } from "@aws-sdk/client-api-gateway";

export { APIGatewayClient };

/** What the live stage says about traffic: its `deployment` variable and any canary. */
export interface StageTraffic {
  deployment: string | undefined;
  canary?: { percentTraffic: number; deployment: string | undefined };
}

export async function getStageTraffic(client: APIGatewayClient, apiId: string, stageName: string, signal?: AbortSignal): Promise<StageTraffic> {
  return stageTraffic(await client.send(new GetStageCommand({ restApiId: apiId, stageName }), signal ? { abortSignal: signal } : {}));
}

/** Patches the stage; answers the traffic as the stage reads after the patch (UpdateStage answers with the whole stage). */
export async function updateStage(client: APIGatewayClient, apiId: string, stageName: string, patchOperations: PatchOperation[], signal?: AbortSignal): Promise<StageTraffic> {
  return stageTraffic(await client.send(new UpdateStageCommand({ restApiId: apiId, stageName, patchOperations }), signal ? { abortSignal: signal } : {}));
}

function stageTraffic(stage: Pick<Stage, "variables" | "canarySettings">): StageTraffic {
  const canary = stage.canarySettings;
  return {
    deployment: stage.variables?.deployment,
    ...(canary ? { canary: { percentTraffic: canary.percentTraffic ?? 0, deployment: canary.stageVariableOverrides?.deployment } } : {}),
  };
}
