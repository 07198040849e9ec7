/**
 * The simulators shipped with the package: the Ensono Envision Connect
 * bridge, a ServiceNow instance and the AWS Support API (with an STS
 * stand-in). Each listens on 127.0.0.1 and takes an injectable clock.
 */
export { SimClock } from "./common/clock";
export { sandboxEnv } from "./env";
export { FaultInjector, type FaultRule } from "./common/faults";
export { startEnsonoSandbox, type EnsonoSandbox, type EnsonoSandboxOptions } from "./ensono";
export { startSnowSandbox, type SnowSandbox, type SnowSandboxOptions } from "./servicenow";
export { startAwsSupportSandbox, type AwsSupportSandbox, type AwsSupportSandboxOptions } from "./aws-support";
