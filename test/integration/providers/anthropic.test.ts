import { startAnthropicServer } from "../../helpers/provider-servers.js";
import { providerScenarios } from "./scenarios.js";

providerScenarios("anthropic", startAnthropicServer);
