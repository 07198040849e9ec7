import { CaseExchangeError } from "../errors";
import { registerSecret } from "../redact";
import { createHttpTransport, type HttpTransport, type TransportOptions } from "../http/transport";
import { mapEnsonoError } from "./errors";

/**
 * One Envision Connect environment as a client sees it: the environment URL
 * (`https://host/<client>/<env>`), the clientName sent in every payload, and
 * the x-api-key header. The tickets client and the queue client share it.
 */
export interface EnsonoConnectionOptions {
  /** e.g. https://smconnect.ensono.com/testclient57/cert */
  envUrl: string;
  clientName: string;
  apiKey: string;
  timeoutMs?: number;
  ca?: string;
  onRetry?: TransportOptions["onRetry"];
  sleep?: TransportOptions["sleep"];
}

export interface EnsonoConnection {
  readonly envUrl: string;
  readonly clientName: string;
  /** the environment part of the URL (dev, echo, cert, prod) as written */
  readonly environment: string;
  readonly http: HttpTransport;
  /** the request timeout in use (for transports that share it, such as uploads) */
  readonly timeoutMs?: number;
}

export function createEnsonoConnection(options: EnsonoConnectionOptions): EnsonoConnection {
  const envUrl = options.envUrl.replace(/\/+$/, "");
  let parsed: URL;
  try {
    parsed = new URL(envUrl);
  } catch {
    throw new CaseExchangeError("INPUT_INVALID", `The Ensono environment URL "${envUrl}" is not a URL (expected https://<host>/<client>/<env>)`);
  }
  if (!options.clientName) throw new CaseExchangeError("INPUT_INVALID", "The Ensono client name is missing");
  if (!options.apiKey) throw new CaseExchangeError("INPUT_INVALID", "The Ensono API key is missing");
  registerSecret(options.apiKey);
  const environment = parsed.pathname.split("/").filter(Boolean).pop() ?? "";
  const http = createHttpTransport({
    system: "Ensono bridge",
    codePrefix: "ENSONO",
    baseURL: envUrl,
    timeoutMs: options.timeoutMs ?? 30_000,
    ca: options.ca,
    headers: { "x-api-key": options.apiKey },
    mapError: mapEnsonoError,
    onRetry: options.onRetry,
    sleep: options.sleep,
  });
  return { envUrl, clientName: options.clientName, environment, http, timeoutMs: options.timeoutMs ?? 30_000 };
}
