import { startBedrockServer } from "../../helpers/provider-servers.js";
import { providerScenarios } from "./scenarios.js";

providerScenarios("bedrock", startBedrockServer);
