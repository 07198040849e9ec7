/** A tiny fetch client for the simulator tests (real HTTP, Node's fetch). */
export interface Reply {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  text: string;
}

export function basic(user = "integration", password = "integration-pass"): string {
  return "Basic " + Buffer.from(`${user}:${password}`).toString("base64");
}

export async function call(base: string, method: string, path: string, options: { auth?: string | null; json?: unknown; body?: Buffer | string; contentType?: string } = {}): Promise<Reply> {
  const headers: Record<string, string> = { Accept: "application/json" };
  const auth = options.auth === undefined ? basic() : options.auth;
  if (auth) headers.Authorization = auth;
  let body: Buffer | string | undefined;
  if (options.json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(options.json);
  } else if (options.body !== undefined) {
    body = options.body;
    headers["Content-Type"] = options.contentType ?? "application/octet-stream";
  }
  const res = await fetch(base + path, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = undefined;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}
