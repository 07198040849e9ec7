import should from "should";
import { startSnowSandbox, type SnowSandbox } from "../../../sandbox/servicenow";
import { createSnowClient, type SnowClient } from "../../../nodes/lib/servicenow/client";
import { redact } from "../../../nodes/lib/redact";

const fast = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.min(ms, 20)));

describe("servicenow client against the simulator", function () {
  this.timeout(20_000);
  let sb: SnowSandbox;
  let client: SnowClient;

  beforeEach(async () => {
    sb = await startSnowSandbox();
    client = createSnowClient({ url: sb.url, auth: { type: "basic", user: "integration", password: "integration-pass" }, timeoutMs: 2000, sleep: fast });
  });
  afterEach(async () => {
    await sb.close();
  });

  it("creates, gets by sys_id and by number, and updates only the fields given", async () => {
    const created = await client.create("incident", { short_description: "Printer on fire", urgency: "2" });
    should(created.number).match(/^INC\d{7}$/);
    const byNumber = await client.get("incident", created.number);
    should(byNumber.sys_id).equal(created.sys_id);
    const updated = await client.update("incident", created.sys_id, { state: "2" });
    should(updated.state).equal("2");
    should(updated.short_description).equal("Printer on fire");
    should(updated.urgency).equal("2");
    const patch = sb.requests.filter((r) => r.method === "PATCH");
    should(patch).have.length(1);
  });

  it("queries all pages past 1,000 records", async () => {
    for (let i = 0; i < 1203; i++) sb.table("incident").insert({ short_description: `bulk ${i}`, category: "bulk" });
    const before = sb.requests.length;
    const rows = await client.query("incident", "category=bulk", { fields: ["sys_id", "number"] });
    should(rows).have.length(1203);
    should(new Set(rows.map((r) => r.sys_id)).size).equal(1203);
    should(sb.requests.length - before).equal(2);
  });

  it("writes comments and work notes to the journal as separate elements and reads them back", async () => {
    const inc = await client.create("incident", { short_description: "journal" });
    await client.addComment("incident", inc.sys_id, "Visible to the caller");
    await client.addWorkNote("incident", inc.sys_id, "Private note");
    const journal = await client.journal("incident", inc.sys_id);
    should(journal.map((j) => [j.element, j.value, j.sys_created_by])).eql([
      ["comments", "Visible to the caller", "integration"],
      ["work_notes", "Private note", "integration"],
    ]);
  });

  it("uploads, lists, downloads and deletes attachments", async () => {
    const inc = await client.create("incident", { short_description: "files" });
    const content = Buffer.from([0, 1, 2, 250, 255]);
    const meta = await client.upload("incident", inc.sys_id, "blob.bin", content, "application/octet-stream");
    should(meta.file_name).equal("blob.bin");
    const list = await client.attachments("incident", inc.sys_id);
    should(list.map((a) => a.file_name)).eql(["blob.bin"]);
    const got = await client.download(meta.sys_id);
    should(got.content.equals(content)).be.true();
    await client.deleteAttachment(meta.sys_id);
    should(await client.attachments("incident", inc.sys_id)).have.length(0);
  });

  it("resolves with close code and notes, closes and cancels", async () => {
    const a = await client.create("incident", { short_description: "resolve me" });
    const resolved = await client.resolve("incident", a.sys_id, { closeCode: "Solution provided", closeNotes: "Fixed" });
    should(resolved).containDeep({ state: "6", close_code: "Solution provided", close_notes: "Fixed" });
    const closed = await client.close("incident", a.sys_id);
    should(closed.state).equal("7");
    const b = await client.create("incident", { short_description: "cancel me" });
    const canceled = await client.cancel("incident", b.sys_id, { closeCode: "Solution provided", closeNotes: "Not needed" });
    should(canceled.state).equal("8");
  });

  it("refuses to resolve without close code and notes before sending", async () => {
    const a = await client.create("incident", { short_description: "x" });
    await should(client.resolve("incident", a.sys_id, { closeCode: "", closeNotes: "" })).be.rejectedWith({ code: "INPUT_INVALID" });
  });

  it("finds a record by correlation_id, active ones only when asked", async () => {
    const a = await client.create("incident", { short_description: "bonded", correlation_id: "case-1^x".replace("^x", ""), correlation_display: "AWS Support 1" });
    should((await client.findByCorrelation("incident", "case-1"))!.sys_id).equal(a.sys_id);
    await client.resolve("incident", a.sys_id, { closeCode: "Solution provided", closeNotes: "done" });
    await client.close("incident", a.sys_id);
    should(await client.findByCorrelation("incident", "case-1", { activeOnly: true })).be.undefined();
    await should(client.findByCorrelation("incident", "case-1^NQactive=true")).be.rejectedWith({ code: "INPUT_INVALID" });
  });

  it("looks the record up by correlation_id after a create timed out instead of posting again", async () => {
    sb.faults.add({ kind: "timeout", method: "POST", pathPrefix: "/api/now/table/incident", count: 1, process: true });
    const short = createSnowClient({ url: sb.url, auth: { type: "basic", user: "integration", password: "integration-pass" }, timeoutMs: 300, sleep: fast });
    const rec = await short.create("incident", { short_description: "once" }, { correlationId: "e-CS0001" });
    should(rec.correlation_id).equal("e-CS0001");
    should(sb.table("incident").query("correlation_id=e-CS0001")).have.length(1);
    should(sb.requests.filter((r) => r.method === "POST")).have.length(1);
  });

  it("does not re-send a create without correlation_id after a timeout", async () => {
    sb.faults.add({ kind: "timeout", method: "POST", pathPrefix: "/api/now/table/incident", count: 1, process: true });
    const short = createSnowClient({ url: sb.url, auth: { type: "basic", user: "integration", password: "integration-pass" }, timeoutMs: 300, sleep: fast });
    await should(short.create("incident", { short_description: "maybe" })).be.rejectedWith({ code: "SNOW_TIMEOUT" });
    should(sb.requests.filter((r) => r.method === "POST")).have.length(1);
  });

  it("says 401 in words without the password", async () => {
    const bad = createSnowClient({ url: sb.url, auth: { type: "basic", user: "integration", password: "wrong-password" }, sleep: fast });
    const err = await bad.get("incident", "INC0000001").then(
      () => undefined,
      (e: Error & { code: string }) => e,
    );
    should(err!.code).equal("SNOW_UNAUTHORIZED");
    should(err!.message).match(/401/).and.match(/User Not Authenticated/);
    should(err!.message).not.match(/wrong-password/);
    should(redact(JSON.stringify(err))).not.match(/wrong-password/);
  });

  it("says 403 with ServiceNow's detail when the user lacks the role", async () => {
    sb.setRoles("integration", ["snc_read_only"]);
    const err = await client.create("incident", { short_description: "no" }).catch((e) => e);
    should(err.code).equal("SNOW_FORBIDDEN");
    should(err.message).match(/ACL Exception/);
  });

  it("says which record was not found (404)", async () => {
    const err = await client.get("incident", "0123456789abcdef0123456789abcdef").catch((e) => e);
    should(err.code).equal("SNOW_NOT_FOUND");
    should(err.message).match(/incident 0123456789abcdef0123456789abcdef/).and.match(/No Record found/);
    const byNumber = await client.get("incident", "INC9999999").catch((e) => e);
    should(byNumber.code).equal("SNOW_NOT_FOUND");
    should(byNumber.message).match(/INC9999999/);
  });

  it("retries a read after a 5xx and reports SNOW_HTTP_503 when it persists", async () => {
    sb.faults.add({ kind: "status", status: 503, method: "GET", count: 1 });
    const rows = await client.query("incident", "", { limit: 1 });
    should(rows).be.an.Array();
    sb.faults.add({ kind: "status", status: 503, method: "GET", count: 5 });
    const err = await client.query("incident", "").catch((e) => e);
    should(err.code).equal("SNOW_HTTP_503");
  });

  it("waits out a 429 with Retry-After, for writes too", async () => {
    const delays: number[] = [];
    const c = createSnowClient({ url: sb.url, auth: { type: "basic", user: "integration", password: "integration-pass" }, sleep: async (ms) => void delays.push(ms) });
    sb.faults.add({ kind: "status", status: 429, method: "POST", count: 1, body: { error: { message: "Too Many Requests", detail: "rate" }, status: "failure" } });
    const rec = await c.create("incident", { short_description: "after throttle" });
    should(rec.number).be.ok();
    should(delays).have.length(1);
    should(sb.requests.filter((r) => r.method === "POST")).have.length(2);
  });

  it("honours the instance's Retry-After when its rate limit is exceeded", async () => {
    const delays: number[] = [];
    const c = createSnowClient({ url: sb.url, auth: { type: "basic", user: "integration", password: "integration-pass" }, sleep: async (ms) => {
      delays.push(ms);
      sb.clock.advance(ms);
    } });
    // a frozen clock at the start of a 5-second rate window: the second call is over the limit
    sb.clock.freeze();
    sb.clock.advance(5000 - (sb.clock.now() % 5000));
    sb.setRateLimit({ requests: 1, perMs: 5000 });
    await c.query("incident", "", { limit: 1 });
    await c.query("incident", "", { limit: 1 });
    should(delays.length).equal(1);
    should(delays[0]).be.above(999);
  });

  it("gets an OAuth token once, shares it and refreshes it after it expired", async () => {
    const c = createSnowClient({ url: sb.url, auth: { type: "oauth", user: "integration", password: "integration-pass", clientId: "case-exchange", clientSecret: "oauth-secret" }, sleep: fast });
    await Promise.all([c.query("incident", "", { limit: 1 }), c.query("incident", "", { limit: 1 }), c.query("incident", "", { limit: 1 })]);
    should(c.stats.tokenRequests()).equal(1);
    sb.clock.advance(31 * 60_000);
    await c.query("incident", "", { limit: 1 });
    should(c.stats.tokenRequests()).equal(2);
    const tokenCalls = sb.requests.filter((r) => r.path === "/oauth_token.do");
    should(tokenCalls).have.length(2);
  });

  it("falls back to the password grant when the refresh token was revoked", async () => {
    const c = createSnowClient({ url: sb.url, auth: { type: "oauth", user: "integration", password: "integration-pass", clientId: "case-exchange", clientSecret: "oauth-secret" }, sleep: fast });
    await c.query("incident", "", { limit: 1 });
    sb.revokeTokens(true);
    await c.query("incident", "", { limit: 1 });
    should(c.stats.tokenRequests()).equal(3);
  });

  it("reports a wrong OAuth client secret as SNOW_UNAUTHORIZED without the secret", async () => {
    const c = createSnowClient({ url: sb.url, auth: { type: "oauth", user: "integration", password: "integration-pass", clientId: "case-exchange", clientSecret: "not-the-secret" }, sleep: fast });
    const err = await c.query("incident", "").catch((e) => e);
    should(err.code).equal("SNOW_UNAUTHORIZED");
    should(err.message).not.match(/not-the-secret/);
  });

  it("refuses bad input before sending anything", async () => {
    const before = sb.requests.length;
    await should(client.update("incident", "not-a-sys-id", { state: "2" })).be.rejectedWith({ code: "INPUT_INVALID" });
    await should(client.query("inc^ident", "")).be.rejectedWith({ code: "INPUT_INVALID" });
    await should(client.addComment("incident", "0123456789abcdef0123456789abcdef", "  ")).be.rejectedWith({ code: "INPUT_INVALID" });
    should(sb.requests.length).equal(before);
  });
});
