import type { SnowClient } from "../lib/servicenow/client";
import type { RuntimeNode } from "../shared/types";

/** The snow-instance runtime object other nodes use (RED.nodes.getNode(config.instance)). */
export interface SnowInstanceNode extends RuntimeNode {
  /** the one client of this instance; undefined when configError says why */
  client: SnowClient | undefined;
  configError: string | undefined;
  url: string;
  /** the integration user (its own changes are not echoed by watches) */
  userName: string;
  authType: "basic" | "oauth";
}
