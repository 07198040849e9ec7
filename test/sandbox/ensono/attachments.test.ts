import should from "should";
import type { EnsonoSandbox } from "../../../sandbox/ensono";
import { call, createTicket, receive, startFrozen } from "./helpers";

async function uploadUrl(sb: EnsonoSandbox, n: string, fileName: string): Promise<string> {
  const r = await call(`${sb.envUrl()}/tickets/${n}/attachments/${fileName}`);
  should(r.status).equal(200);
  should(r.json.Response.code).equal(200);
  return r.json.Response.body as string;
}

async function put(url: string, body: Buffer | string, contentType: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { method: "PUT", body, headers: { "content-type": contentType } });
  return { status: res.status, text: await res.text() };
}

describe("ensono sandbox: attachments", function () {
  let sb: EnsonoSandbox;
  let n: string;
  beforeEach(async function () {
    sb = await startFrozen();
    n = await createTicket(sb);
  });
  afterEach(async function () {
    await sb.close();
  });

  it("returns a pre-signed S3-style URL with X-Amz-Expires=120 that takes one binary PUT without an api key", async function () {
    const url = await uploadUrl(sb, n, "test1.pdf");
    const u = new URL(url);
    should(u.origin).equal(sb.origin);
    should(u.pathname).match(/^\/_s3\/[^/]+\/[0-9a-f]{32}\.test1\.pdf$/);
    should(u.searchParams.get("X-Amz-Expires")).equal("120");
    should(u.searchParams.get("X-Amz-Algorithm")).equal("AWS4-HMAC-SHA256");
    const r = await put(url, Buffer.from("%PDF-1.4 test"), "application/pdf");
    should(r.status).equal(200);
    const t = sb.inspect.ticket("dev", n)!;
    should(t.attachments).have.length(1);
    should(t.attachments[0]).match({ fileName: "test1.pdf", contentType: "application/pdf", size: 13 });
    should(t.attachments[0].content.toString()).equal("%PDF-1.4 test");
    should(sb.inspect.calls().find((c) => c.route === "upload")).match({ ticketNumber: n, contentType: "application/pdf", status: 200 });
  });

  it("refuses a second PUT to the same one-time URL with an S3 AccessDenied", async function () {
    const url = await uploadUrl(sb, n, "a.txt");
    should((await put(url, "one", "text/plain")).status).equal(200);
    const again = await put(url, "two", "text/plain");
    should(again.status).equal(403);
    should(again.text).match(/<Code>AccessDenied<\/Code><Message>Access Denied<\/Message>/);
    should(sb.inspect.ticket("dev", n)!.attachments).have.length(1);
  });

  it("answers an expired URL with the guide's S3 XML 'Request has expired'", async function () {
    const url = await uploadUrl(sb, n, "late.txt");
    sb.clock.advance(120_001);
    const r = await put(url, "late", "text/plain");
    should(r.status).equal(403);
    should(r.text).startWith('<?xml version="1.0" encoding="UTF-8"?>');
    should(r.text).match(/<Error><Code>AccessDenied<\/Code><Message>Request has expired<\/Message><X-Amz-Expires>120<\/X-Amz-Expires><Expires>2023-01-27T22:26:53Z<\/Expires><ServerTime>2023-01-27T22:26:53Z<\/ServerTime><RequestId>[0-9A-F]{16}<\/RequestId><HostId>/);
  });

  it("answers a URL whose expiry was edited with SignatureDoesNotMatch", async function () {
    const url = new URL(await uploadUrl(sb, n, "x.txt"));
    url.searchParams.set("X-Amz-Expires", "9999");
    const r = await put(url.toString(), "x", "text/plain");
    should(r.status).equal(403);
    should(r.text).containEql("<Code>SignatureDoesNotMatch</Code>");
  });

  it("decodes a .base64 upload sent as text/plain", async function () {
    const url = await uploadUrl(sb, n, "ticketInfo.png.base64");
    const r = await put(url, "VGhpcyBpcyBhbiBhdHRhY2htZW50IHVwbG9hZCB0ZXN0", "text/plain");
    should(r.status).equal(200);
    const [a] = sb.inspect.ticket("dev", n)!.attachments;
    should(a).match({ fileName: "ticketInfo.png", contentType: "image/png" });
    should(a.content.toString()).equal("This is an attachment upload test");
  });

  it("accepts but drops (ServiceNow's file type validation) a Content-Type that does not match, and the reject variant answers 400", async function () {
    const url = await uploadUrl(sb, n, "TestFile.csv");
    const r = await put(url, "PK..", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    should(r.status).equal(200);
    should(sb.inspect.ticket("dev", n)!.attachments).have.length(0);
    should(sb.inspect.calls().find((c) => c.route === "upload")!.dropped).match(/does not match the file type \.csv/);
    const b64 = await uploadUrl(sb, n, "a.pdf.base64");
    await put(b64, "JVBERi0=", "application/pdf");
    should(sb.inspect.ticket("dev", n)!.attachments).have.length(0);
    sb.variants.uploadTypeMismatch = "reject";
    const url2 = await uploadUrl(sb, n, "b.pdf");
    const r2 = await put(url2, "x", "image/png");
    should(r2.status).equal(400);
    should(r2.text).containEql("<Code>InvalidArgument</Code>");
  });

  it("enforces the file name rules and refuses .exe", async function () {
    for (const name of ["my%20file.txt", "-dash.txt", ".hidden", "under_score.txt"]) {
      const r = await call(`${sb.envUrl()}/tickets/${n}/attachments/${name}`);
      should(r.status).equal(400);
      should(r.json.Response).startWith("Invalid file name");
    }
    for (const name of ["setup.exe", "setup.EXE.base64"]) {
      const r = await call(`${sb.envUrl()}/tickets/${n}/attachments/${name}`);
      should(r.json).eql({ Response: "File type exe is not allowed." });
    }
    should(sb.inspect.calls().filter((c) => c.route === "uploadUrl")).have.length(6);
  });

  it("gives no upload URL for a closed ticket", async function () {
    await call(`${sb.envUrl()}/tickets/${n}`, "PUT", { payload: { clientName: "testClient", ticketType: "Incident", clientTicketNumber: "1", status: "cancelled" } });
    const r = await call(`${sb.envUrl()}/tickets/${n}/attachments/a.txt`);
    should(r.status).equal(400);
  });

  it("queues an Ensono public attachment whose download URL serves the file until it expires", async function () {
    const m = sb.agent.openTicket("dev", { ticketType: "Incident", shortDescription: "s", description: "d" });
    sb.agent.addPublicAttachment("dev", m, "rocket.jpg", Buffer.from([0xff, 0xd8, 0xff, 0x00]), "image/jpeg");
    const msgs = await receive(sb);
    const att = msgs.find((x) => x.Attributes.TransactionType === "Attachment");
    should(att.Body).match({ ticketNumber: m, ensonogroup: "CS - 1st Line", attachmentName: "rocket.jpg", attachmentSize: "4", attachmentType: "image/jpeg" });
    should(Object.keys(att.Body)).eql(["clientName", "ticketType", "clientTicketNumber", "ticketNumber", "group", "ensonogroup", "attachmentName", "attachmentInfo", "attachmentSize", "attachmentType", "attachment"]);
    should(new URL(att.Body.attachment).searchParams.get("X-Amz-Expires")).equal("7200");
    const res = await fetch(att.Body.attachment);
    should(res.status).equal(200);
    should(res.headers.get("content-type")).equal("image/jpeg");
    should(Buffer.from(await res.arrayBuffer())).eql(Buffer.from([0xff, 0xd8, 0xff, 0x00]));
    const info = (await (await fetch(att.Body.attachmentInfo)).json()) as any;
    should(info.result).match({ file_name: "rocket.jpg", size_bytes: "4" });
    sb.clock.advance(7_200_001);
    const late = await fetch(att.Body.attachment);
    should(late.status).equal(403);
    should(await late.text()).containEql("<Message>Request has expired</Message><X-Amz-Expires>7200</X-Amz-Expires>");
  });
});
