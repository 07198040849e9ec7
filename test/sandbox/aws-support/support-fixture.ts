import { SupportClient, type SupportClientConfig } from "@aws-sdk/client-support";
import { SimClock } from "../../../sandbox/common/clock";
import { startAwsSupportSandbox, type AwsSupportSandbox, type AwsSupportSandboxOptions } from "../../../sandbox/aws-support";

export const ACCOUNT_A = { accountId: "111111111111", accessKeyId: "AKIASIM111111111111", secretAccessKey: "sim-secret-1" };
export const ACCOUNT_B = { accountId: "222222222222", accessKeyId: "AKIASIM222222222222", secretAccessKey: "sim-secret-2" };

/** A real SDK client pointed at the sandbox with one account's keys. */
export function clientFor(
  sandbox: AwsSupportSandbox,
  account: { accessKeyId: string; secretAccessKey: string; sessionToken?: string },
  extra: Partial<SupportClientConfig> = {},
): SupportClient {
  return new SupportClient({
    region: "us-east-1",
    endpoint: sandbox.endpoint,
    credentials: { accessKeyId: account.accessKeyId, secretAccessKey: account.secretAccessKey, sessionToken: account.sessionToken },
    ...extra,
  });
}

/** Starts a sandbox on a frozen clock (tests move time with clock.advance). */
export function startFrozen(options: AwsSupportSandboxOptions = {}): Promise<AwsSupportSandbox> {
  return startAwsSupportSandbox({ clock: new SimClock({ frozen: true, start: Date.parse("2025-03-01T09:00:00.000Z") }), ...options });
}

export const NEW_CASE = {
  subject: "Lambda timeouts in production",
  communicationBody: "Our function times out since 09:00 UTC.",
  serviceCode: "aws-lambda",
  categoryCode: "general-guidance",
  severityCode: "high",
  issueType: "technical",
};

/** The promise's rejection, for assertions on SDK exceptions. */
export async function rejectionOf(p: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number; attempts?: number } }> {
  try {
    await p;
  } catch (err) {
    return err as Error & { $metadata?: { httpStatusCode?: number; attempts?: number } };
  }
  throw new Error("expected the call to fail, but it succeeded");
}
