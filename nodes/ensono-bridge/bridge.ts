/**
 * The ensono-bridge config node's settings, resolved from the dialog, the
 * credentials and the environment (PRODUCT.md's contract: ENSONO_URL,
 * ENSONO_API_KEY, ENSONO_CLIENT_NAME), and the runtime object the Ensono
 * nodes use. Shared by ensono-bridge.ts and its Test connection endpoint.
 */
import { createEnsonoConnection, type EnsonoConnection } from "../lib/ensono/connection";
import { DEFAULT_CREATE_GIVE_UP_MS, DEFAULT_RESEND_WAIT_MS, createEnsonoTickets, type EnsonoTickets } from "../lib/ensono/tickets";
import type { EnsonoCreateMode } from "../lib/ensono/types";
import { toCaseExchangeError } from "../lib/errors";
import { redact } from "../lib/redact";
import { given, numberSetting, setting } from "../shared/env";
import type { RuntimeNode } from "../shared/types";

/** The dialog's properties. */
export interface EnsonoBridgeConfig {
  id?: string;
  name?: string;
  url?: string;
  clientName?: string;
  defaultGroup?: string;
  genericGroup?: string;
  createMode?: string;
  /** seconds */
  timeout?: string | number;
  /** seconds */
  resendWait?: string | number;
  /** hours */
  createGiveUp?: string | number;
  maxDeliveries?: string | number;
}

export interface EnsonoBridgeCredentials {
  apiKey?: string;
}

/** What the Ensono nodes rely on (keep these names: ensono-queue-in and ensono-ticket-out read them). */
export interface EnsonoBridgeRuntime {
  connection: EnsonoConnection | undefined;
  /** why the bridge is not usable, in words (no secret in it) */
  configError: string | undefined;
  tickets: EnsonoTickets | undefined;
  defaultGroup: string;
  /** the generic client group for INTERNAL ASSIGNMENTS */
  genericGroup: string;
  createMode: EnsonoCreateMode;
  resendWaitMs: number;
  createGiveUpMs: number;
  maxDeliveries: number;
  timeoutMs: number;
  /** the environment URL in use (no secret in it) */
  envUrl: string | undefined;
  clientName: string | undefined;
}

export type EnsonoBridgeNode = RuntimeNode & EnsonoBridgeRuntime;

export const DEFAULT_TIMEOUT_S = 30;
export const DEFAULT_MAX_DELIVERIES = 5;

export interface ResolvedBridgeSettings {
  envUrl?: string;
  clientName?: string;
  apiKey?: string;
  /** what is missing, in words */
  missing: string[];
}

/** url → ENSONO_URL, clientName → ENSONO_CLIENT_NAME, apiKey → ENSONO_API_KEY; a literal `${VAR}` counts as not given. */
export function resolveConnectionSettings(url: unknown, clientName: unknown, apiKey: unknown): ResolvedBridgeSettings {
  const r: ResolvedBridgeSettings = {
    envUrl: setting(url, "ENSONO_URL"),
    clientName: setting(clientName, "ENSONO_CLIENT_NAME"),
    apiKey: setting(apiKey, "ENSONO_API_KEY"),
    missing: [],
  };
  if (!r.envUrl) r.missing.push("the environment URL (set it in the dialog or ENSONO_URL)");
  if (!r.clientName) r.missing.push("the client name (set it in the dialog or ENSONO_CLIENT_NAME)");
  if (!r.apiKey) r.missing.push("the API key (set it in the dialog or ENSONO_API_KEY)");
  return r;
}

/** Builds the runtime object from the dialog's properties and the node's credentials. */
export function buildBridgeRuntime(config: EnsonoBridgeConfig, credentials: EnsonoBridgeCredentials): EnsonoBridgeRuntime {
  const timeoutMs = Math.round(numberSetting(config.timeout, undefined, DEFAULT_TIMEOUT_S, 0.05, 600) * 1000);
  const out: EnsonoBridgeRuntime = {
    connection: undefined,
    configError: undefined,
    tickets: undefined,
    defaultGroup: given(config.defaultGroup) ?? "",
    genericGroup: given(config.genericGroup) ?? "",
    createMode: config.createMode === "impact-urgency" ? "impact-urgency" : "priority",
    resendWaitMs: Math.round(numberSetting(config.resendWait, undefined, DEFAULT_RESEND_WAIT_MS / 1000, 0, 3600) * 1000),
    createGiveUpMs: Math.round(numberSetting(config.createGiveUp, undefined, DEFAULT_CREATE_GIVE_UP_MS / 3_600_000, 0, 24 * 30) * 3_600_000),
    maxDeliveries: Math.round(numberSetting(config.maxDeliveries, undefined, DEFAULT_MAX_DELIVERIES, 1, 19)),
    timeoutMs,
    envUrl: undefined,
    clientName: undefined,
  };
  const s = resolveConnectionSettings(config.url, config.clientName, credentials.apiKey);
  out.envUrl = s.envUrl;
  out.clientName = s.clientName;
  if (s.missing.length) {
    out.configError = `missing ${s.missing.join(", ")}`;
    return out;
  }
  try {
    out.connection = createEnsonoConnection({ envUrl: s.envUrl!, clientName: s.clientName!, apiKey: s.apiKey!, timeoutMs });
    out.tickets = createEnsonoTickets(out.connection, {
      defaultGroup: out.defaultGroup,
      createMode: out.createMode,
      resendWaitMs: out.resendWaitMs,
      createGiveUpMs: out.createGiveUpMs,
    });
  } catch (err) {
    out.connection = undefined;
    out.tickets = undefined;
    out.configError = redact(toCaseExchangeError(err).message);
  }
  return out;
}
