import { startOpenAiServer } from "../../helpers/provider-servers.js";
import { providerScenarios } from "./scenarios.js";

providerScenarios("openai", startOpenAiServer);
