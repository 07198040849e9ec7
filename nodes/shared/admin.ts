import type { NodeRedRuntime } from "./types";

interface Req {
  params: Record<string, string>;
  query: Record<string, string>;
  body?: unknown;
}
interface Res {
  status(code: number): Res;
  json(body: unknown): void;
}

/**
 * Registers an admin endpoint (for edit-dialog buttons and dropdowns) under a
 * relative URL, guarded by Node-RED's permission check. The handler's result
 * is sent as JSON; a thrown error as {error, code} with status 400.
 */
export function adminRoute(
  RED: NodeRedRuntime,
  method: "get" | "post",
  path: string,
  permission: string,
  handler: (req: Req) => Promise<unknown>,
): void {
  RED.httpAdmin[method](path, RED.auth.needsPermission(permission), (req: Req, res: Res) => {
    handler(req).then(
      (body) => res.json(body),
      (err: unknown) => res.status(400).json({ error: String((err as Error)?.message ?? err), code: (err as { code?: string })?.code ?? "ERROR" }),
    );
  });
}
