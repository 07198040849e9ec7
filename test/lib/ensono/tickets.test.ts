import should from "should";
import type * as http from "node:http";
import { listen, readBody, sendJson, sendText, type RunningServer } from "../../../sandbox/common/http";
import { createEnsonoConnection } from "../../../nodes/lib/ensono/connection";
import { checkEnsonoConnection, createEnsonoTickets, type EnsonoTicketsOptions } from "../../../nodes/lib/ensono/tickets";
import { CaseExchangeError } from "../../../nodes/lib/errors";

/**
 * The tickets client over faked HTTP: each test scripts the bridge's answers
 * with the guide's own bodies, and checks what the client sent and concluded.
 */
interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  json?: { payload: Record<string, any> };
}
type Answer = { status?: number; json?: unknown; text?: string; contentType?: string; hang?: boolean };
type Script = (seen: Seen, n: number) => Answer;

const KEY = "secret-api-key-1234";

describe("Ensono tickets client", function () {
  let server: RunningServer;
  let seen: Seen[];
  let script: Script;
  let sleeps: number[];

  beforeEach(async function () {
    seen = [];
    sleeps = [];
    script = () => ({ status: 500, json: { Response: "no script" } });
    server = await listen(async (req, res) => {
      const body = (await readBody(req)).toString("utf8");
      const s: Seen = { method: req.method!, url: req.url!, headers: req.headers, body };
      try {
        s.json = JSON.parse(body);
      } catch {
        /* binary */
      }
      seen.push(s);
      const a = script(s, seen.length);
      if (a.hang) return; // never answered: a timeout as the client sees it
      if (a.text !== undefined) sendText(res, a.status ?? 200, a.text, a.contentType ?? "text/plain");
      else sendJson(res, a.status ?? 200, a.json ?? {});
    });
  });
  afterEach(async function () {
    await server.close();
  });

  function tickets(options: Partial<EnsonoTicketsOptions> = {}, timeoutMs = 300) {
    const connection = createEnsonoConnection({ envUrl: `${server.origin}/testclient/dev`, clientName: "testClient", apiKey: KEY, timeoutMs });
    return createEnsonoTickets(connection, {
      createMode: "priority",
      defaultGroup: "Ensono Service Desk",
      resendWaitMs: 90_000,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      ...options,
    });
  }

  const createInput = {
    ticketType: "Incident",
    clientTicketNumber: "INC0010001",
    priority: "4",
    group: "Ensono Network Support",
    contactName: "John Doe",
    contactEmail: "hello@world.com",
    shortDescription: "test",
    description: 'line one\nline "two"',
  };
  const updateInput = { ticketNumber: "e-CS0204070", ticketType: "Incident", clientTicketNumber: "123456", priority: "3", group: "Ensono Network Support" };

  async function failure(p: Promise<unknown>): Promise<CaseExchangeError> {
    try {
      await p;
    } catch (err) {
      should(err).be.instanceOf(CaseExchangeError);
      should((err as Error).message).not.containEql(KEY);
      return err as CaseExchangeError;
    }
    throw new Error("expected the call to fail");
  }

  it("creates a ticket: POST /tickets with x-api-key and {payload}, number from Response", async function () {
    script = () => ({ status: 200, json: { Response: "e-CS0204070" } });
    const r = await tickets().create(createInput);
    should(r).containEql({ action: "create", ticketNumber: "e-CS0204070", clientTicketNumber: "INC0010001", status: 200 });
    should(seen).have.length(1);
    should(seen[0].method).equal("POST");
    should(seen[0].url).equal("/testclient/dev/tickets");
    should(seen[0].headers["x-api-key"]).equal(KEY);
    should(seen[0].headers["content-type"]).match(/^application\/json/);
    should(seen[0].json!.payload).containEql({ clientName: "testClient", priority: "4", description: 'line one\\nline \\"two\\"' });
    // the wire carries the guide's double escape
    should(seen[0].body).containEql('line one\\\\nline \\\\\\"two\\\\\\"');
  });

  it("never resends a create that timed out: ENSONO_CREATE_UNCONFIRMED says the number may come as ReturnEnsonoNum", async function () {
    script = () => ({ hang: true });
    const err = await failure(tickets({ createGiveUpMs: 3_600_000 }).create(createInput));
    should(err.code).equal("ENSONO_CREATE_UNCONFIRMED");
    should(err.message).match(/ReturnEnsonoNum/);
    should(err.details).containEql({ clientTicketNumber: "INC0010001", mayArriveAs: "ReturnEnsonoNum", cause: "ENSONO_TIMEOUT", giveUpAfterMs: 3_600_000 });
    should(seen).have.length(1);
    should(sleeps).eql([]);
  });

  it("treats a 504 on create as unconfirmed too, and a 503 as a plain error, neither resent", async function () {
    script = () => ({ status: 504, json: { message: "Endpoint request timed out" } });
    should((await failure(tickets().create(createInput))).code).equal("ENSONO_CREATE_UNCONFIRMED");
    script = () => ({ status: 503, text: "Service Unavailable" });
    should((await failure(tickets().create(createInput))).code).equal("ENSONO_HTTP_503");
    should(seen).have.length(2);
  });

  it("resends a create with the default group when Ensono rejects the group, and says so", async function () {
    script = (s) =>
      s.json!.payload.group === "Ensono Service Desk"
        ? { status: 200, json: { Response: "e-CS0204071" } }
        : { status: 400, json: { Response: ["assignment_group sys_id or name not found.", "This ticket cannot be created."] } };
    const fallbacks: unknown[] = [];
    const r = await tickets().create(createInput, { onGroupFallback: (i) => fallbacks.push(i) });
    should(r.ticketNumber).equal("e-CS0204071");
    should(r.groupFallback).eql({ requested: "Ensono Network Support", sent: "Ensono Service Desk" });
    should(fallbacks).have.length(1);
    should(seen.map((s) => s.json!.payload.group)).eql(["Ensono Network Support", "Ensono Service Desk"]);
  });

  it("recognises the group error even when the bridge answers it with 200", async function () {
    script = (s) => (s.json!.payload.group === "Ensono Service Desk" ? { status: 202, json: { Response: "Update Successful" } } : { status: 200, json: { Response: ["assignment_group sys_id or name not found."] } });
    const r = await tickets().update(updateInput);
    should(r.groupFallback!.sent).equal("Ensono Service Desk");
    should(r.status).equal(202);
  });

  it("fails with ENSONO_GROUP_INVALID when there is no default group, or the default is refused too", async function () {
    script = () => ({ status: 400, json: { Response: ["assignment_group sys_id or name not found.", "This ticket cannot be created."] } });
    const none = await failure(tickets({ defaultGroup: "" }).create(createInput));
    should(none.code).equal("ENSONO_GROUP_INVALID");
    should(none.message).match(/no default group is configured/);
    seen = [];
    const both = await failure(tickets().update(updateInput));
    should(both.code).equal("ENSONO_GROUP_INVALID");
    should(both.message).match(/default group "Ensono Service Desk" was refused too/);
    should(seen).have.length(2);
  });

  it("resends a timed-out update once after resendWaitMs", async function () {
    script = (_s, n) => (n === 1 ? { hang: true } : { status: 202, json: { Response: "Update Successful" } });
    const waits: number[] = [];
    const r = await tickets().update(updateInput, { onResend: (i) => waits.push(i.waitMs) });
    should(r.response).eql({ Response: "Update Successful" });
    should(r.resent).eql({ reason: "ENSONO_TIMEOUT", waitMs: 90_000 });
    should(waits).eql([90_000]);
    should(sleeps).eql([90_000]);
    should(seen).have.length(2);
    should(seen[1].body).equal(seen[0].body);
  });

  it("resends a timed-out note once, and fails when the resend times out too", async function () {
    script = () => ({ hang: true });
    const err = await failure(tickets({ resendWaitMs: 60_000 }).notes({ ticketNumber: "e-CS0204070", ticketType: "Incident", clientTicketNumber: "1", comments: "hello" }));
    should(err.code).equal("ENSONO_TIMEOUT");
    should(err.message).match(/also when sent again after 60 s/);
    should(err.message).match(/may have arrived/);
    should(seen).have.length(2);
    should(sleeps).eql([60_000]);
  });

  it("maps each of the guide's common error responses to its code", async function () {
    const cases: Array<[Answer, string]> = [
      [{ status: 403, json: { message: "Missing Authentication Token" } }, "ENSONO_PATH_INVALID"],
      [{ status: 403, json: { message: "Forbidden" } }, "ENSONO_FORBIDDEN"],
      [{ status: 400, json: { Response: "Bad Path" } }, "ENSONO_BAD_PATH"],
      [{ status: 400, json: { Response: "APIKey not authorized for ticket company" } }, "ENSONO_TICKET_NOT_AUTHORIZED"],
      [{ status: 400, json: { Response: "Unable to find mapping for ClientName" } }, "ENSONO_CLIENT_NAME_UNKNOWN"],
      [{ status: 400, json: { Response: "only a resolved ticket can be closed" } }, "ENSONO_NOT_RESOLVED"],
      [{ status: 409, json: { Response: "e-CS0204070 is closed: no more updates" } }, "ENSONO_TICKET_CLOSED"],
    ];
    for (const [answer, code] of cases) {
      script = () => answer;
      const err = await failure(tickets().close({ ...updateInput, closeNotes: "done" }));
      should(err.code).equal(code);
      should(err.status).equal(answer.status);
    }
    should(sleeps).eql([]);
  });

  it("says clearly when the answer is not JSON, whatever its status", async function () {
    script = () => ({ status: 200, text: "<html>maintenance</html>", contentType: "text/html" });
    const ok = await failure(tickets().update(updateInput));
    should(ok.code).equal("ENSONO_BAD_RESPONSE");
    should(ok.message).match(/not the JSON the guide describes/);
    script = () => ({ status: 502, text: "Bad Gateway" });
    const bad = await failure(tickets().update(updateInput));
    should(bad.code).equal("ENSONO_HTTP_502");
    should(bad.message).match(/not JSON/);
  });

  it("rejects a create answer that is not a ticket number", async function () {
    script = () => ({ status: 200, json: { Response: { weird: true } } });
    should((await failure(tickets().create(createInput))).code).equal("ENSONO_BAD_RESPONSE");
  });

  it("validates before sending: nothing reaches the bridge", async function () {
    const err = await failure(tickets().create({ ...createInput, description: "d".repeat(5000) }));
    should(err.code).equal("INPUT_INVALID");
    should(err.details.field).equal("description");
    should(seen).have.length(0);
  });

  it("uploads an attachment: GET the one-time URL, PUT the bytes without x-api-key", async function () {
    script = (s) =>
      s.method === "GET"
        ? { status: 200, json: { Response: { code: 200, body: `${server.origin}/_s3/bucket/k.test1.pdf?X-Amz-Signature=abc` } } }
        : { status: 200, text: "" };
    const r = await tickets().uploadAttachment({ ticketNumber: "e-CS0204070", filename: "test1.pdf", content: Buffer.from("%PDF-1.4 data") });
    should(seen[0]).containEql({ method: "GET", url: "/testclient/dev/tickets/e-CS0204070/attachments/test1.pdf" });
    should(seen[1].method).equal("PUT");
    should(seen[1].url).startWith("/_s3/bucket/k.test1.pdf?");
    should(seen[1].headers["content-type"]).equal("application/pdf");
    should(seen[1].headers).not.have.property("x-api-key");
    should(seen[1].body).equal("%PDF-1.4 data");
    should(r.attachment).eql({ filename: "test1.pdf", bytes: 13, contentType: "application/pdf", encoding: "binary", urlRenewed: false });
  });

  it("asks for a new upload URL once when the first has expired", async function () {
    const expired = '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>';
    script = (s, n) => (s.method === "GET" ? { status: 200, json: { Response: { code: 200, body: `${server.origin}/_s3/b/${n}?X-Amz-Signature=s` } } } : n === 2 ? { status: 403, text: expired, contentType: "application/xml" } : { status: 200, text: "" });
    const r = await tickets().uploadAttachment({ ticketNumber: "e-CS1", filename: "a.txt", content: "aGVsbG8=", encoding: "base64" });
    should(seen.map((s) => s.method)).eql(["GET", "PUT", "GET", "PUT"]);
    should(seen[0].url).endWith("/attachments/a.txt.base64");
    should(seen[3].headers["content-type"]).equal("text/plain");
    should(seen[3].body).equal("aGVsbG8=");
    should(r.attachment!.urlRenewed).be.true();
  });

  describe("connection check", function () {
    async function check(answer: Answer) {
      script = () => answer;
      return checkEnsonoConnection({ envUrl: `${server.origin}/testclient/dev`, clientName: "testClient", apiKey: KEY, timeoutMs: 300 });
    }

    it("probes with an empty note on a ticket that does not exist", async function () {
      await check({ status: 404, json: { Response: "Ticket e-CS0000000 not found" } });
      should(seen[0].method).equal("PUT");
      should(seen[0].url).equal("/testclient/dev/tickets/e-CS0000000/notes");
      should(seen[0].json!.payload).containEql({ clientName: "testClient", comments: [] });
    });

    it("reports each wrong setting in words", async function () {
      should(await check({ status: 403, json: { message: "Missing Authentication Token" } })).containEql({ ok: false, problem: "environment" });
      should(await check({ status: 403, json: { message: "Forbidden" } })).containEql({ ok: false, problem: "key-or-client" });
      should(await check({ status: 400, json: { Response: "Unable to find mapping for ClientName" } })).containEql({ ok: false, problem: "clientName" });
      const good = await check({ status: 404, json: { Response: "Ticket not found" } });
      should(good).containEql({ ok: true, problem: "none" });
      should(good.message).match(/URL, environment, API key and client name are right/);
      should(await check({ hang: true })).containEql({ ok: false, problem: "network" });
      should(await check({ status: 200, text: "hello" })).containEql({ ok: false, problem: "answer" });
    });

    it("refuses a URL without client and environment parts", async function () {
      const r = await checkEnsonoConnection({ envUrl: `${server.origin}/dev`, clientName: "c", apiKey: KEY });
      should(r).containEql({ ok: false, problem: "url" });
      should(seen).have.length(0);
    });
  });
});
