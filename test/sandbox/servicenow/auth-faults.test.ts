import should from "should";
import { SimClock } from "../../../sandbox/common/clock";
import { startSnowSandbox, type SnowSandbox } from "../../../sandbox/servicenow";
import { basic, call } from "./client";

const NOT_AUTHENTICATED = { error: { message: "User Not Authenticated", detail: "Required to provide Auth information" }, status: "failure" };

async function token(url: string, form: Record<string, string>): Promise<{ status: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const res = await fetch(`${url}/oauth_token.do`, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(form).toString() });
  return { status: res.status, body: await res.json() };
}

describe("ServiceNow simulator: auth, rate limit and faults", function () {
  let snow: SnowSandbox;

  beforeEach(async function () {
    snow = await startSnowSandbox({ clock: new SimClock({ start: Date.UTC(2025, 5, 1, 0, 0, 0), frozen: true }), accessTokenTtlMs: 60_000 });
  });
  afterEach(async function () {
    await snow.close();
  });

  it("answers 401 in ServiceNow's shape to missing or wrong basic credentials", async function () {
    const none = await call(snow.url, "GET", "/api/now/table/incident", { auth: null });
    should(none.status).equal(401);
    should(none.body).eql(NOT_AUTHENTICATED);
    const wrong = await call(snow.url, "GET", "/api/now/table/incident", { auth: basic("integration", "nope") });
    should(wrong.status).equal(401);
    should(wrong.body).eql(NOT_AUTHENTICATED);
    should(wrong.text).not.containEql("nope");
    const ok = await call(snow.url, "GET", "/api/now/table/incident");
    should(ok.status).equal(200);
  });

  it("issues OAuth tokens for the password grant, expires them on the SimClock, and refreshes them", async function () {
    const issued = await token(snow.url, { grant_type: "password", client_id: "case-exchange", client_secret: "oauth-secret", username: "integration", password: "integration-pass" });
    should(issued.status).equal(200);
    should(issued.body).have.properties(["access_token", "refresh_token", "scope", "token_type", "expires_in"]);
    should(issued.body.token_type).equal("Bearer");
    should(issued.body.expires_in).equal(59);

    const bearer = `Bearer ${issued.body.access_token}`;
    const created = await call(snow.url, "POST", "/api/now/table/incident", { auth: bearer, json: { short_description: "via oauth" } });
    should(created.status).equal(201);
    should(created.body.result.sys_created_by).equal("integration");

    snow.clock.advance(60_000);
    const expired = await call(snow.url, "GET", "/api/now/table/incident", { auth: bearer });
    should(expired.status).equal(401);
    should(expired.body).eql(NOT_AUTHENTICATED);

    const refreshed = await token(snow.url, { grant_type: "refresh_token", client_id: "case-exchange", client_secret: "oauth-secret", refresh_token: issued.body.refresh_token });
    should(refreshed.status).equal(200);
    should(refreshed.body.access_token).not.equal(issued.body.access_token);
    const again = await call(snow.url, "GET", "/api/now/table/incident", { auth: `Bearer ${refreshed.body.access_token}` });
    should(again.status).equal(200);

    snow.revokeTokens();
    const revoked = await call(snow.url, "GET", "/api/now/table/incident", { auth: `Bearer ${refreshed.body.access_token}` });
    should(revoked.status).equal(401);
  });

  it("refuses bad client secrets, bad passwords and unknown refresh tokens with 401 access_denied", async function () {
    const badClient = await token(snow.url, { grant_type: "password", client_id: "case-exchange", client_secret: "x", username: "integration", password: "integration-pass" });
    should(badClient.status).equal(401);
    should(badClient.body).eql({ error_description: "access_denied", error: "server_error" });
    const badUser = await token(snow.url, { grant_type: "password", client_id: "case-exchange", client_secret: "oauth-secret", username: "integration", password: "x" });
    should(badUser.status).equal(401);
    const badRefresh = await token(snow.url, { grant_type: "refresh_token", client_id: "case-exchange", client_secret: "oauth-secret", refresh_token: "nope" });
    should(badRefresh.status).equal(401);
  });

  it("answers 429 with Retry-After once a user goes over the rate limit, until the window passes", async function () {
    snow.setRateLimit({ requests: 2, perMs: 60_000 });
    should((await call(snow.url, "GET", "/api/now/table/incident")).status).equal(200);
    should((await call(snow.url, "GET", "/api/now/table/incident")).status).equal(200);
    const limited = await call(snow.url, "GET", "/api/now/table/incident");
    should(limited.status).equal(429);
    should(limited.headers.get("retry-after")).equal("60");
    should(limited.headers.get("x-ratelimit-limit")).equal("2");
    should(limited.body.status).equal("failure");
    should(limited.body.error.message).equal("Too Many Requests");
    // another user has their own count
    should((await call(snow.url, "GET", "/api/now/table/incident", { auth: basic("agent.smith", "agent-pass") })).status).equal(200);
    snow.clock.advance(30_000);
    should((await call(snow.url, "GET", "/api/now/table/incident")).headers.get("retry-after")).equal("30");
    snow.clock.advance(30_000);
    should((await call(snow.url, "GET", "/api/now/table/incident")).status).equal(200);
  });

  it("injects 5xx answers and connection resets through faults, then recovers", async function () {
    snow.faults.add({ kind: "status", status: 503, count: 1, pathPrefix: "/api/now/table" });
    const failed = await call(snow.url, "GET", "/api/now/table/incident");
    should(failed.status).equal(503);
    should((await call(snow.url, "GET", "/api/now/table/incident")).status).equal(200);

    snow.faults.add({ kind: "status", status: 500, count: 1, body: { error: { message: "boom", detail: null }, status: "failure" } });
    const json = await call(snow.url, "GET", "/api/now/table/incident");
    should(json.status).equal(500);
    should(json.body.error.message).equal("boom");

    snow.faults.add({ kind: "reset", count: 1 });
    await should(call(snow.url, "GET", "/api/now/table/incident")).be.rejected();
    should((await call(snow.url, "GET", "/api/now/table/incident")).status).equal(200);
  });

  it("leaves a request hanging on a timeout fault, and still applies it when asked to", async function () {
    snow.faults.add({ kind: "timeout", count: 1, process: true, method: "POST" });
    const ctrl = new AbortController();
    const pending = fetch(`${snow.url}/api/now/table/incident`, {
      method: "POST",
      headers: { Authorization: basic(), "Content-Type": "application/json" },
      body: JSON.stringify({ short_description: "lost answer", correlation_id: "dup-check" }),
      signal: ctrl.signal,
    });
    // the create happened although the client never hears back
    for (let i = 0; i < 100 && snow.table("incident").query("correlation_id=dup-check").length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    ctrl.abort();
    await should(pending).be.rejected();
    should(snow.table("incident").query("correlation_id=dup-check")).have.length(1);
  });

  it("logs every API call with user and status for counting", async function () {
    snow.requests.length = 0;
    await call(snow.url, "GET", "/api/now/table/incident?sysparm_limit=1");
    await call(snow.url, "GET", "/api/now/table/nope");
    await call(snow.url, "GET", "/api/now/table/incident", { auth: null });
    should(snow.requests.map((r) => [r.method, r.path, r.query, r.user, r.status])).eql([
      ["GET", "/api/now/table/incident", "sysparm_limit=1", "integration", 200],
      ["GET", "/api/now/table/nope", "", "integration", 400],
      ["GET", "/api/now/table/incident", "", undefined, 401],
    ]);
  });

  it("exposes agent actions, clock and faults through the /_sandbox control API", async function () {
    const created = await fetch(`${snow.url}/_sandbox/agent/incident`, { method: "POST", body: JSON.stringify({ user: "agent.smith", fields: { short_description: "from control", assignment_group: "Ensono" } }) });
    should(created.status).equal(200);
    const inc = ((await created.json()) as { result: Record<string, string> }).result;
    should(inc.sys_created_by).equal("agent.smith");
    await fetch(`${snow.url}/_sandbox/agent/comment`, { method: "POST", body: JSON.stringify({ table: "incident", sys_id: inc.sys_id, text: "hi" }) });
    await fetch(`${snow.url}/_sandbox/agent/attach`, { method: "POST", body: JSON.stringify({ table: "incident", sys_id: inc.sys_id, file_name: "a.txt", content_base64: Buffer.from("abc").toString("base64"), content_type: "text/plain" }) });
    should(snow.journal(inc.sys_id).map((j) => [j.element, j.value, j.sys_created_by])).eql([["comments", "hi", "agent.smith"]]);
    should(snow.attachments(inc.sys_id).map((a) => a.content.toString())).eql(["abc"]);

    const before = snow.clock.now();
    await fetch(`${snow.url}/_sandbox/clock/advance`, { method: "POST", body: JSON.stringify({ seconds: 90 }) });
    should(snow.clock.now()).equal(before + 90_000);

    await fetch(`${snow.url}/_sandbox/faults`, { method: "POST", body: JSON.stringify({ kind: "status", status: 502, count: 1 }) });
    should((await call(snow.url, "GET", "/api/now/table/incident")).status).equal(502);

    const refused = await fetch(`${snow.url}/_sandbox/agent/update`, { method: "POST", body: JSON.stringify({ table: "incident", sys_id: inc.sys_id, fields: { state: "6" } }) });
    should(refused.status).equal(403);
    should(((await refused.json()) as { error: { detail: string } }).error.detail).containEql("Resolution code, Resolution notes");
  });
});
