/**
 * The admin routes the edit dialogs call (Test connection buttons, the AWS
 * Support case dialog's service and severity lists, the status map's presets)
 * are guarded by Node-RED's permissions: with adminAuth on, a request without
 * a token is refused, one with an admin token is answered, and a read-only
 * user may read the lists but not run a connection test.
 */
import { sandboxEnv } from "../../sandbox/env";
import should from "should";
import { startNodeRed, type RunningNodeRed } from "../helpers/runtime";
import { RUNTIME } from "../helpers/paths";
import { startEnsonoSandbox, startSnowSandbox, startAwsSupportSandbox, type EnsonoSandbox, type SnowSandbox, type AwsSupportSandbox } from "../../sandbox";

// node-red ships bcryptjs (its adminAuth checks passwords with it); no types are installed for it
// eslint-disable-next-line @typescript-eslint/no-require-imports
const bcrypt = require("bcryptjs") as { hashSync(password: string, rounds: number): string };

const ADMIN_PASSWORD = "admin-test-password";
const VIEWER_PASSWORD = "viewer-test-password";
const ACCOUNT_ID = "111111111111";
const ACCOUNT_NODE = "admin-auth-account";

interface Route {
  method: "GET" | "POST";
  path: string;
  /** what a read-only user gets: "read" routes answer, "write" routes refuse */
  needs: "read" | "write";
  body?: unknown;
}

const ROUTES: Route[] = [
  { method: "POST", path: "/ensono-bridge/test", needs: "write", body: {} },
  { method: "POST", path: "/snow-instance/test", needs: "write", body: {} },
  { method: "POST", path: "/aws-support-account/test", needs: "write", body: { accountId: ACCOUNT_ID, endpoint: "${AWS_SUPPORT_ENDPOINT}" } },
  { method: "GET", path: `/aws-support-account/${ACCOUNT_NODE}/services`, needs: "read" },
  { method: "GET", path: `/aws-support-account/${ACCOUNT_NODE}/severity-levels`, needs: "read" },
  { method: "GET", path: "/case-exchange/status-map/presets", needs: "read" },
];

describe(`the dialogs' admin routes with adminAuth on (${RUNTIME})`, function () {
  this.timeout(60_000);
  let ensono: EnsonoSandbox | undefined;
  let snow: SnowSandbox | undefined;
  let aws: AwsSupportSandbox | undefined;
  let red: RunningNodeRed | undefined;
  const tokens: Record<string, string> = {};

  async function call(route: Route, token?: string): Promise<{ status: number; body: unknown }> {
    const headers: Record<string, string> = { Accept: "application/json" };
    if (token) headers.Authorization = `Bearer ${token}`;
    if (route.body !== undefined) headers["Content-Type"] = "application/json";
    const res = await fetch(`${red!.url}${route.path}`, { method: route.method, headers, body: route.body === undefined ? undefined : JSON.stringify(route.body) });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON (a refusal has an empty body)
    }
    return { status: res.status, body };
  }

  async function login(username: string, password: string, scope: string): Promise<string> {
    const res = await fetch(`${red!.url}/auth/token`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ client_id: "node-red-admin", grant_type: "password", scope, username, password }),
    });
    should(res.status).equal(200, `POST /auth/token for ${username} answered ${res.status}`);
    const body = (await res.json()) as { access_token?: string };
    should(body.access_token).be.a.String();
    return body.access_token!;
  }

  before(async function () {
    this.timeout(90_000);
    ensono = await startEnsonoSandbox();
    snow = await startSnowSandbox();
    aws = await startAwsSupportSandbox();
    red = await startNodeRed({
      flows: [{ id: ACCOUNT_NODE, type: "aws-support-account", name: "auth test account", accountId: "${AWS_ACCOUNT_ID}", endpoint: "${AWS_SUPPORT_ENDPOINT}", region: "us-east-1", credentialMode: "keys", language: "en", production: true }],
      env: { ...sandboxEnv({ ensono, snow, aws }), AWS_ACCOUNT_ID: ACCOUNT_ID },
      settings: {
        telemetry: { enabled: false },
        adminAuth: {
          type: "credentials",
          users: [
            { username: "admin", password: bcrypt.hashSync(ADMIN_PASSWORD, 8), permissions: "*" },
            { username: "viewer", password: bcrypt.hashSync(VIEWER_PASSWORD, 8), permissions: "read" },
          ],
        },
      },
    });
    tokens.admin = await login("admin", ADMIN_PASSWORD, "*");
    tokens.viewer = await login("viewer", VIEWER_PASSWORD, "read");
  });

  after(async function () {
    this.timeout(30_000);
    await red?.stop();
    red?.cleanup();
    await Promise.all([ensono?.close(), snow?.close(), aws?.close()]);
  });

  it("refuses a wrong password at POST /auth/token", async function () {
    const res = await fetch(`${red!.url}/auth/token`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ client_id: "node-red-admin", grant_type: "password", scope: "*", username: "admin", password: "not-the-password" }),
    });
    should(res.status).not.equal(200);
  });

  for (const route of ROUTES) {
    describe(`${route.method} ${route.path}`, function () {
      it("answers 401 without a token", async function () {
        const r = await call(route);
        should(r.status).equal(401, `${route.method} ${route.path} without a token answered ${r.status}: ${JSON.stringify(r.body).slice(0, 200)}`);
      });

      it("answers 401 with a made-up token", async function () {
        const r = await call(route, "not-a-real-token");
        should(r.status).equal(401);
      });

      it("answers 200 with the admin's token", async function () {
        const r = await call(route, tokens.admin);
        should(r.status).equal(200, `${route.method} ${route.path} with a token answered ${r.status}: ${JSON.stringify(r.body).slice(0, 300)}`);
        if (route.path.endsWith("/test")) {
          // the dialog's Test connection against the simulators (settings from the environment) works
          should((r.body as { ok?: boolean }).ok).be.true(`${route.path}: ${JSON.stringify(r.body).slice(0, 300)}`);
          should(JSON.stringify(r.body)).not.match(/test-api-key|integration-pass|sim-secret-1/);
        } else {
          // a list (services, severity levels) or a map (presets), not empty
          should(r.body).be.an.Object();
          should(Object.keys(r.body as object).length).be.above(0);
        }
      });

      if (route.needs === "write") {
        it("refuses a read-only user", async function () {
          const r = await call(route, tokens.viewer);
          should(r.status === 401 || r.status === 403).be.true(`${route.method} ${route.path} for a read-only user answered ${r.status}`);
        });
      } else {
        it("answers a read-only user", async function () {
          const r = await call(route, tokens.viewer);
          should(r.status).equal(200);
        });
      }
    });
  }
});
