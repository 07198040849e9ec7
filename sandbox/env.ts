import type { AwsSupportSandbox } from "./aws-support";
import type { EnsonoSandbox } from "./ensono";
import type { SnowSandbox } from "./servicenow";

/**
 * The environment variables of PRODUCT.md's contract that point the example
 * flows at running simulators, with the simulators' default users and keys.
 * The CLI prints them, the demo and the tests start Node-RED with them.
 */
export function sandboxEnv(
  sims: { ensono?: EnsonoSandbox; snow?: SnowSandbox; aws?: AwsSupportSandbox },
  options: { pollSeconds?: number; ensonoClientName?: string; ensonoApiKey?: string } = {},
): Record<string, string> {
  const env: Record<string, string> = {};
  if (sims.ensono) {
    env.ENSONO_URL = sims.ensono.envUrl("dev");
    env.ENSONO_API_KEY = options.ensonoApiKey ?? "test-api-key";
    env.ENSONO_CLIENT_NAME = options.ensonoClientName ?? "testClient";
  }
  if (sims.snow) {
    env.SNOW_URL = sims.snow.url;
    env.SNOW_USER = "integration";
    env.SNOW_PASSWORD = "integration-pass";
  }
  if (sims.aws) {
    env.AWS_SUPPORT_ENDPOINT = sims.aws.endpoint;
    env.AWS_REGION = "us-east-1";
    env.AWS_ACCESS_KEY_ID = "AKIASIM111111111111";
    env.AWS_SECRET_ACCESS_KEY = "sim-secret-1";
    env.AWS_ACCOUNT_ID = "111111111111";
  }
  if (options.pollSeconds !== undefined) env.SYNC_POLL_SECONDS = String(options.pollSeconds);
  return env;
}
