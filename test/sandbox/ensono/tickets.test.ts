import should from "should";
import type { EnsonoSandbox } from "../../../sandbox/ensono";
import { call, createPayload, createTicket, payload, startFrozen } from "./helpers";

describe("ensono sandbox: inbound ticket calls", function () {
  let sb: EnsonoSandbox;
  beforeEach(async function () {
    sb = await startFrozen({
      clients: [
        { clientName: "testClient", slug: "testclient", apiKey: "test-api-key" },
        { clientName: "otherClient", slug: "otherclient", apiKey: "other-key" },
      ],
    });
  });
  afterEach(async function () {
    await sb.close();
  });

  it("creates a ticket with POST /tickets and answers 200 {Response: number}", async function () {
    const r = await call(`${sb.envUrl()}/tickets`, "POST", createPayload({ comments: [{ body: "first note", commenter: "Jason Doe" }] }));
    should(r.status).equal(200);
    should(r.json.Response).match(/^e-CS\d{7}$/);
    const t = sb.inspect.ticket("dev", r.json.Response)!;
    should(t).match({ status: "open", priority: "2", group: "Ensono Service Desk", clientTicketNumber: "INC0010001", shortDescription: "disk full" });
    should(t.comments[0].value).equal("first note\n\nCommenter: Jason Doe");
    should(sb.inspect.calls("dev")[0]).match({ route: "create", apiKey: "valid", status: 200, body: { payload: { shortDescription: "disk full" } } });
  });

  it("parses free text a second time, as the bridge does: double-escaped text arrives intact, single-escaped text breaks it", async function () {
    const good = await call(`${sb.envUrl()}/tickets`, "POST", createPayload({ description: 'line one\\nline \\"two\\"' }));
    should(good.status).equal(200);
    should(sb.inspect.ticket("dev", good.json.Response)!.description).equal('line one\nline "two"');
    const bad = await call(`${sb.envUrl()}/tickets`, "POST", createPayload({ description: 'line one\nline "two"' }));
    should(bad.status).equal(502);
    should(bad.json).eql({ message: "Internal server error" });
  });

  it("maps an invalid or missing priority to 3, and impact/urgency to a priority when no priority comes", async function () {
    const a = await createTicket(sb, "dev", { priority: "9" });
    should(sb.inspect.ticket("dev", a)!.priority).equal("3");
    const b = await createTicket(sb, "dev", { priority: undefined, impact: "1", urgency: "2" });
    should(sb.inspect.ticket("dev", b)!).match({ priority: "2", impact: "1", urgency: "2" });
    const c = await createTicket(sb, "dev", { priority: 1 });
    should(sb.inspect.ticket("dev", c)!.priority).equal("1");
  });

  it("refuses an unknown group with ServiceNow's assignment_group error", async function () {
    const r = await call(`${sb.envUrl()}/tickets`, "POST", createPayload({ group: "No Such Group" }));
    should(r.status).equal(400);
    should(r.json).eql({ Response: ["assignment_group sys_id or name not found.", "This ticket cannot be created."] });
    should(sb.inspect.tickets("dev")).have.length(0);
  });

  it("refuses a create missing required fields, naming them", async function () {
    const r = await call(`${sb.envUrl()}/tickets`, "POST", createPayload({ shortDescription: undefined, contactEmail: "" }));
    should(r.status).equal(400);
    should(r.json.Response[0]).equal("Mandatory field(s) missing: shortDescription, contactEmail");
  });

  it("truncates over-long fields as ServiceNow does, and the reject variant answers 400 instead", async function () {
    const n = await createTicket(sb, "dev", { shortDescription: "s".repeat(200), description: "d".repeat(5000) });
    const t = sb.inspect.ticket("dev", n)!;
    should(t.shortDescription).have.length(160);
    should(t.description).have.length(4000);
    should(sb.inspect.calls("dev")[0].truncated).eql(["shortDescription", "description"]);
    sb.variants.fieldLimits = "reject";
    const r = await call(`${sb.envUrl()}/tickets`, "POST", createPayload({ description: "d".repeat(4001) }));
    should(r.status).equal(400);
    should(r.json.Response[0]).equal("description exceeds the maximum length of 4000 characters");
  });

  it("updates only the fields sent and answers 202 Update Successful", async function () {
    const n = await createTicket(sb);
    const r = await call(`${sb.envUrl()}/tickets/${n}`, "PUT", payload({ priority: "3", group: "Ensono Network Support", shortDescription: "test update" }));
    should(r.status).equal(202);
    should(r.json).eql({ Response: "Update Successful" });
    should(sb.inspect.ticket("dev", n)!).match({ priority: "3", group: "Ensono Network Support", shortDescription: "test update", description: "the disk is full" });
  });

  it("sets pending with statusNextAction, and a bad status value is refused", async function () {
    const n = await createTicket(sb);
    const ok = await call(`${sb.envUrl()}/tickets/${n}`, "PUT", payload({ status: "pending", statusNextAction: "pending-vendor" }));
    should(ok.status).equal(202);
    should(sb.inspect.ticket("dev", n)!).match({ status: "pending", statusNextAction: "pending-vendor" });
    const bad = await call(`${sb.envUrl()}/tickets/${n}`, "PUT", payload({ status: "Resolved" }));
    should(bad.status).equal(400);
    should(bad.json.Response[1]).equal("This ticket cannot be updated.");
  });

  it("resolves with 200 Ticket Closed Successfully, closes only from resolved, then refuses every update", async function () {
    const n = await createTicket(sb);
    const early = await call(`${sb.envUrl()}/tickets/${n}`, "PUT", payload({ status: "closed" }));
    should(early.status).equal(400);
    should(early.json.Response[0]).equal("Only a resolved ticket can be closed.");
    const noNotes = await call(`${sb.envUrl()}/tickets/${n}`, "PUT", payload({ status: "resolved" }));
    should(noNotes.json).eql({ Response: ["Data Policy Exception: ", "The following fields are mandatory: closeNotes"] });
    const res = await call(`${sb.envUrl()}/tickets/${n}`, "PUT", payload({ status: "resolved", closeNotes: "no longer needed" }));
    should(res.status).equal(200);
    should(res.json).eql({ Response: "Ticket Closed Successfully" });
    should(sb.inspect.ticket("dev", n)!).match({ status: "resolved", closeNotes: "no longer needed", closeCode: "resolved" });
    const note = await call(`${sb.envUrl()}/tickets/${n}/notes`, "PUT", payload({ comments: [{ body: "still takes comments" }] }));
    should(note.status).equal(200);
    const closed = await call(`${sb.envUrl()}/tickets/${n}`, "PUT", payload({ status: "closed" }));
    should(closed.status).equal(200);
    should(sb.inspect.ticket("dev", n)!.status).equal("closed");
    const after = await call(`${sb.envUrl()}/tickets/${n}`, "PUT", payload({ priority: "1" }));
    should(after.status).equal(400);
    should(after.json.Response[0]).match(/is closed; no more updates/);
    const afterNote = await call(`${sb.envUrl()}/tickets/${n}/notes`, "PUT", payload({ comments: [{ body: "late" }] }));
    should(afterNote.status).equal(400);
  });

  it("reopens a resolved ticket with status open and clears the resolution", async function () {
    const n = await createTicket(sb);
    await call(`${sb.envUrl()}/tickets/${n}`, "PUT", payload({ status: "resolved", closeNotes: "done" }));
    const r = await call(`${sb.envUrl()}/tickets/${n}`, "PUT", payload({ status: "open" }));
    should(r.status).equal(202);
    should(sb.inspect.ticket("dev", n)!).match({ status: "open", closeNotes: "", closeCode: "" });
  });

  it("adds comments with PUT /notes (200 Comments added) and refuses an empty comments array", async function () {
    const n = await createTicket(sb);
    const r = await call(`${sb.envUrl()}/tickets/${n}/notes`, "PUT", payload({ comments: [{ body: "a" }, { body: "b", commenterEmail: "j@x.com" }] }));
    should(r.status).equal(200);
    should(r.json).eql({ Response: "Comments added" });
    should(sb.inspect.ticket("dev", n)!.comments.map((c) => c.value)).eql(["a", "b\n\nEmail: j@x.com"]);
    const empty = await call(`${sb.envUrl()}/tickets/${n}/notes`, "PUT", payload({ comments: [] }));
    should(empty.status).equal(400);
  });

  it("records the client ticket number with PUT /returnptn (200 PTN added)", async function () {
    const n = sb.agent.openTicket("dev", { ticketType: "Incident", shortDescription: "x", description: "y" });
    const r = await call(`${sb.envUrl()}/tickets/${n}/returnptn`, "PUT", payload({ clientTicketNumber: "INC0099" }));
    should(r.status).equal(200);
    should(r.json).eql({ Response: "PTN added" });
    should(sb.inspect.ticket("dev", n)!.clientTicketNumber).equal("INC0099");
  });

  it("answers GET /tickets/{n} in dev with the ServiceNow record, and Bad Path elsewhere", async function () {
    const n = await createTicket(sb);
    await call(`${sb.envUrl()}/tickets/${n}/notes`, "PUT", payload({ comments: [{ body: "hello" }] }));
    const r = await call(`${sb.envUrl()}/tickets/${n}`);
    should(r.status).equal(200);
    should(r.json.Response.incident).match({ number: n.slice(2), state: "open", priority: "2", x_aito_data_sync_client_number: "INC0010001" });
    should(Object.values(r.json.Response.comments)).match([{ element: "comments", value: "hello" }]);
    const cert = await createTicket(sb, "cert");
    const bad = await call(`${sb.envUrl("cert")}/tickets/${cert}`);
    should(bad.json).eql({ Response: "Bad Path" });
  });

  it("keeps environments apart: a dev ticket is not found in prod", async function () {
    const n = await createTicket(sb);
    const r = await call(`${sb.envUrl("prod")}/tickets/${n}`, "PUT", payload({ priority: "1" }));
    should(r.status).equal(404);
    should(r.json.Response[0]).equal("No Record found");
  });

  describe("error responses (Common Error Responses)", function () {
    it("wrong-case environment → 403 Missing Authentication Token", async function () {
      const r = await call(`${sb.origin}/testclient/Cert/tickets`, "POST", createPayload());
      should(r.status).equal(403);
      should(r.json).eql({ message: "Missing Authentication Token" });
    });

    it("wrong-case resource path → 403 Missing Authentication Token, even with a wrong key", async function () {
      const r = await call(`${sb.envUrl()}/Tickets/e-CS0000001`, "PUT", payload({}), { "x-api-key": "nope" });
      should(r.status).equal(403);
      should(r.json).eql({ message: "Missing Authentication Token" });
    });

    it("wrong-case client slug → 403 Forbidden", async function () {
      const r = await call(`${sb.origin}/Testclient/dev/tickets`, "POST", createPayload());
      should(r.status).equal(403);
      should(r.json).eql({ message: "Forbidden" });
    });

    it("wrong or missing x-api-key → 403 Forbidden, and the key is never recorded", async function () {
      const wrong = await call(`${sb.envUrl()}/queue`, "GET", undefined, { "x-api-key": "wrong-key" });
      should(wrong.status).equal(403);
      should(wrong.json).eql({ message: "Forbidden" });
      const other = await call(`${sb.envUrl()}/queue`, "GET", undefined, { "x-api-key": "other-key" });
      should(other.json).eql({ message: "Forbidden" });
      const res = await fetch(`${sb.envUrl()}/queue`);
      should(res.status).equal(403);
      should(JSON.stringify(sb.inspect.calls())).not.containEql("wrong-key");
      should(sb.inspect.calls().map((c) => c.apiKey)).eql(["invalid", "invalid", "missing"]);
    });

    it("bad method or path under a valid environment → Bad Path", async function () {
      for (const [method, path] of [
        ["GET", "/tickets"],
        ["POST", "/tickets/notes"],
        ["PUT", "/tickets/e-CS0000001/note"],
        ["DELETE", "/tickets/e-CS0000001"],
        ["POST", "/queue"],
      ]) {
        const r = await call(`${sb.envUrl()}${path}`, method, method === "GET" || method === "DELETE" ? undefined : payload({}));
        should(r.json).eql({ Response: "Bad Path" });
        should(r.status).equal(400);
      }
    });

    it("wrong clientName → Unable to find mapping for ClientName", async function () {
      const r = await call(`${sb.envUrl()}/tickets`, "POST", createPayload({ clientName: "TestClient" }));
      should(r.status).equal(400);
      should(r.json).eql({ Response: "Unable to find mapping for ClientName" });
    });

    it("a ticket of another client → APIKey not authorized for ticket company", async function () {
      const r = await call(`${sb.envUrl("dev", "otherclient")}/tickets`, "POST", createPayload({ clientName: "otherClient" }), { "x-api-key": "other-key" });
      const theirs = r.json.Response as string;
      const u = await call(`${sb.envUrl()}/tickets/${theirs}`, "PUT", payload({ priority: "1" }));
      should(u.status).equal(400);
      should(u.json).eql({ Response: "APIKey not authorized for ticket company" });
    });

    it("a body that is not JSON, or of the wrong shape, gets API Gateway's 502 Internal server error", async function () {
      const notJson = await call(`${sb.envUrl()}/tickets`, "POST", "clientName=testClient", { "content-type": "text/plain" });
      should(notJson.status).equal(502);
      should(notJson.json).eql({ message: "Internal server error" });
      should(sb.inspect.calls()[0].rawBody).equal("clientName=testClient");
      const noPayload = await call(`${sb.envUrl()}/tickets`, "POST", { clientName: "testClient" });
      should(noPayload.status).equal(502);
      const badComments = await call(`${sb.envUrl()}/tickets`, "POST", createPayload({ comments: "hello" }));
      should(badComments.status).equal(502);
      const objectField = await call(`${sb.envUrl()}/tickets`, "POST", createPayload({ description: { text: "x" } }));
      should(objectField.status).equal(502);
      should(sb.inspect.tickets("dev")).have.length(0);
    });

    it("errors in the variant status code when lambdaErrorStatus is set", async function () {
      sb.variants.lambdaErrorStatus = 200;
      const r = await call(`${sb.envUrl()}/tickets/x/y/z/w`, "PUT", payload({}));
      should(r.status).equal(200);
      should(r.json).eql({ Response: "Bad Path" });
    });
  });

  it("answers 200 to updates when updateStatusCode is 200", async function () {
    sb.variants.updateStatusCode = 200;
    const n = await createTicket(sb);
    const r = await call(`${sb.envUrl()}/tickets/${n}`, "PUT", payload({ priority: "1" }));
    should(r.status).equal(200);
  });
});
