import { SimClock } from "../../../sandbox/common/clock";
import { EnsonoSandbox, EnsonoSandboxOptions, startEnsonoSandbox } from "../../../sandbox/ensono";

export const KEY = "test-api-key";
export const START = Date.UTC(2023, 0, 27, 22, 24, 53);

export interface Reply {
  status: number;
  json: any;
  text: string;
  headers: Headers;
}

export async function startFrozen(options: EnsonoSandboxOptions = {}): Promise<EnsonoSandbox> {
  return startEnsonoSandbox({ clock: new SimClock({ frozen: true, start: START }), ...options });
}

/** One HTTP call; `body` objects are sent as JSON, strings and Buffers as they are. */
export async function call(url: string, method = "GET", body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const init: RequestInit = { method, headers: { "x-api-key": KEY, ...headers } };
  if (body !== undefined) {
    if (typeof body === "string" || Buffer.isBuffer(body)) init.body = body as string;
    else {
      init.body = JSON.stringify(body);
      (init.headers as Record<string, string>)["content-type"] ??= "application/json";
    }
  }
  const res = await fetch(url, init);
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text, headers: res.headers };
}

export function createPayload(extra: Record<string, unknown> = {}): { payload: Record<string, unknown> } {
  return {
    payload: {
      clientName: "testClient",
      ticketType: "Incident",
      clientTicketNumber: "INC0010001",
      priority: "2",
      group: "Ensono Service Desk",
      contactName: "John Doe",
      contactPhone: "800-555-1234",
      contactEmail: "hello@world.com",
      shortDescription: "disk full",
      description: "the disk is full",
      ...extra,
    },
  };
}

export function payload(extra: Record<string, unknown>): { payload: Record<string, unknown> } {
  return { payload: { clientName: "testClient", ticketType: "Incident", clientTicketNumber: "INC0010001", ...extra } };
}

export async function createTicket(sb: EnsonoSandbox, env: "dev" | "echo" | "cert" | "prod" = "dev", extra: Record<string, unknown> = {}): Promise<string> {
  const r = await call(`${sb.envUrl(env)}/tickets`, "POST", createPayload(extra));
  if (r.status !== 200) throw new Error(`create failed: ${r.status} ${r.text}`);
  return r.json.Response as string;
}

/** GET /queue and return the messages array (whatever the envelope shape). */
export async function receive(sb: EnsonoSandbox, env: "dev" | "cert" | "prod" = "dev"): Promise<any[]> {
  const r = await call(`${sb.envUrl(env)}/queue`);
  if (r.status !== 200) throw new Error(`receive failed: ${r.status} ${r.text}`);
  const outer = r.json.ReceiveMessageResponse.ReceiveMessageResult;
  const inner = outer.ReceiveMessageResult ?? outer;
  return inner.messages ?? [];
}

export async function del(sb: EnsonoSandbox, handle: string, env: "dev" | "cert" | "prod" = "dev"): Promise<Reply> {
  return call(`${sb.envUrl(env)}/queue/${encodeURIComponent(handle)}`, "DELETE");
}
