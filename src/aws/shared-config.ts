import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";

/**
 * Whether the AWS shared config files define a default profile (the SDK's credential chain would
 * use it). Read once by the commands that configure Bedrock; the provider manager itself does not
 * touch the filesystem.
 */
export function hasSharedDefaultProfile(env: NodeJS.ProcessEnv): boolean {
  const aws = path.join(homedir(), ".aws");
  const files = [env.AWS_SHARED_CREDENTIALS_FILE || path.join(aws, "credentials"), env.AWS_CONFIG_FILE || path.join(aws, "config")];
  return files.some((file) => {
    try {
      return /^\s*\[(profile\s+)?default\]\s*$/m.test(readFileSync(file, "utf8"));
    } catch {
      return false;
    }
  });
}
