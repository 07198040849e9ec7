import should from "should";
import {
  buildApproval,
  buildCall,
  buildCreate,
  buildNotes,
  buildReturnPtn,
  buildStatusChange,
  buildUpdate,
  contentTypeFor,
  escapeFreeText,
  normalizeComments,
  parseAction,
  prepareAttachment,
  unescapeFreeText,
  validateFilename,
  type PayloadOptions,
} from "../../../nodes/lib/ensono/payload";
import { CaseExchangeError } from "../../../nodes/lib/errors";

const PRIORITY: PayloadOptions = { clientName: "testClient", createMode: "priority" };
const IMPACT: PayloadOptions = { clientName: "testClient", createMode: "impact-urgency" };

function createInput(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ticketType: "Incident",
    clientTicketNumber: "INC0010001",
    priority: 2,
    impact: 1,
    urgency: 2,
    group: "Ensono Service Desk",
    contactName: "John Doe",
    contactEmail: "hello@world.com",
    shortDescription: "test",
    description: "test",
    ...extra,
  };
}

/** Runs fn and returns the INPUT_INVALID error it must throw. */
function invalid(fn: () => unknown): CaseExchangeError {
  try {
    fn();
  } catch (err) {
    should(err).be.instanceOf(CaseExchangeError);
    should((err as CaseExchangeError).code).equal("INPUT_INVALID");
    return err as CaseExchangeError;
  }
  throw new Error("expected INPUT_INVALID, nothing was thrown");
}

describe("Ensono payload rules", function () {
  describe("double-escaping free text (the guide's SPECIAL CHARACTERS)", function () {
    it("escapes newlines, tabs, quotes and backslashes once, so JSON serialisation makes them double", function () {
      const escaped = escapeFreeText('This is a \r\n"Test"');
      should(escaped).equal('This is a \\r\\n\\"Test\\"');
      // on the wire this is exactly the guide's example
      should(JSON.stringify({ Description: escaped })).equal('{"Description":"This is a \\\\r\\\\n\\\\\\"Test\\\\\\""}');
      should(escapeFreeText("a\tb\\c")).equal("a\\tb\\\\c");
    });

    it("leaves ordinary text, accents, emoji and slashes alone and is undone by one more parse", function () {
      should(escapeFreeText("Crème brûlée 🍮 a/b")).equal("Crème brûlée 🍮 a/b");
      for (const s of ['line1\nline2\t"q" \\ end', "plain", "\u0001ctl"]) should(unescapeFreeText(escapeFreeText(s))).equal(s);
    });

    it("escapes every free-text field of a create, comments included, but not identity fields", function () {
      const call = buildCreate(createInput({ description: 'two\nlines "quoted"', shortDescription: "tab\there", comments: [{ body: "c\\1", commenter: 'J "Doe"' }] }), PRIORITY);
      should(call.payload!.description).equal('two\\nlines \\"quoted\\"');
      should(call.payload!.shortDescription).equal("tab\\there");
      should(call.payload!.comments).eql([{ body: "c\\\\1", commenter: 'J \\"Doe\\"' }]);
      should(call.payload!.clientTicketNumber).equal("INC0010001");
    });

    it("can be switched off", function () {
      const call = buildCreate(createInput({ description: "a\nb" }), { ...PRIORITY, escape: false });
      should(call.payload!.description).equal("a\nb");
    });

    it("checks limits on the text as written, not on its escaped form", function () {
      const text = "x".repeat(3990) + "\n".repeat(10);
      const call = buildCreate(createInput({ description: text }), PRIORITY);
      should((call.payload!.description as string).length).equal(4010);
    });
  });

  describe("create", function () {
    it("sends priority only when the config says priority", function () {
      const call = buildCreate(createInput(), PRIORITY);
      should(call.method).equal("POST");
      should(call.path).equal("/tickets");
      should(call.payload).containEql({ clientName: "testClient", ticketType: "Incident", clientTicketNumber: "INC0010001", priority: "2", group: "Ensono Service Desk" });
      should(call.payload).not.have.properties("impact", "urgency");
    });

    it("sends impact and urgency only when the config says impact-urgency", function () {
      const call = buildCreate(createInput(), IMPACT);
      should(call.payload).containEql({ impact: "1", urgency: "2" });
      should(call.payload).not.have.property("priority");
    });

    it("requires the value the create mode needs", function () {
      should(invalid(() => buildCreate(createInput({ priority: undefined }), PRIORITY)).details.field).equal("priority");
      should(invalid(() => buildCreate(createInput({ urgency: "" }), IMPACT)).details.field).equal("urgency");
    });

    it("rejects priority outside 1–4 and impact/urgency outside 1–3", function () {
      should(invalid(() => buildCreate(createInput({ priority: 5 }), PRIORITY)).message).match(/priority must be a whole number from 1 to 4/);
      should(invalid(() => buildCreate(createInput({ priority: "2.5" }), PRIORITY)).details.field).equal("priority");
      should(invalid(() => buildCreate(createInput({ impact: 4 }), IMPACT)).details.field).equal("impact");
      should(invalid(() => buildCreate(createInput({ urgency: 0 }), IMPACT)).details.field).equal("urgency");
    });

    it("rejects a 5,000-character description, naming the field and the limit", function () {
      const err = invalid(() => buildCreate(createInput({ description: "d".repeat(5000) }), PRIORITY));
      should(err.message).equal("description is 5000 characters long; Ensono accepts at most 4000");
      should(err.details).containEql({ field: "description", length: 5000, max: 4000 });
    });

    it("rejects a shortDescription over 160 characters and accepts exactly 160", function () {
      should(invalid(() => buildCreate(createInput({ shortDescription: "s".repeat(161) }), PRIORITY)).details.field).equal("shortDescription");
      should(buildCreate(createInput({ shortDescription: "s".repeat(160) }), PRIORITY).payload!.shortDescription).have.length(160);
    });

    it("requires every field the guide marks Required on open", function () {
      for (const field of ["clientTicketNumber", "ticketType", "description", "shortDescription", "contactName", "contactEmail"]) {
        should(invalid(() => buildCreate(createInput({ [field]: undefined }), PRIORITY)).details.field).equal(field);
      }
    });

    it("takes ticketType Incident or Request in any case, but not Change", function () {
      should(buildCreate(createInput({ ticketType: "request" }), PRIORITY).payload!.ticketType).equal("Request");
      should(invalid(() => buildCreate(createInput({ ticketType: "Change" }), PRIORITY)).message).match(/ticketType must be Incident or Request/);
    });

    it("takes clientName from the config, never from the input, and drops unknown fields", function () {
      const call = buildCreate(createInput({ clientName: "someoneElse", bogus: 1 }), PRIORITY);
      should(call.payload!.clientName).equal("testClient");
      should(call.payload).not.have.property("bogus");
    });

    it("joins cis given as an array", function () {
      should(buildCreate(createInput({ cis: ["ci1", "ci3"] }), PRIORITY).payload!.cis).equal("ci1,ci3");
    });

    it("rejects fields of the wrong type", function () {
      should(invalid(() => buildCreate(createInput({ description: { text: "x" } }), PRIORITY)).message).match(/description must be text/);
    });
  });

  describe("update", function () {
    it("sends only the fields given, with the identity fields", function () {
      const call = buildUpdate({ ticketNumber: "e-CS0204070", ticketType: "Incident", clientTicketNumber: "123456", priority: "3", group: "Ensono Network Support", shortDescription: "test update" }, PRIORITY);
      should(call.method).equal("PUT");
      should(call.path).equal("/tickets/e-CS0204070");
      should(call.payload).eql({ clientName: "testClient", ticketType: "Incident", clientTicketNumber: "123456", priority: "3", group: "Ensono Network Support", shortDescription: "test update" });
    });

    it("refuses an update with nothing to update", function () {
      should(invalid(() => buildUpdate({ ticketNumber: "e-CS1", ticketType: "Incident", clientTicketNumber: "1" }, PRIORITY)).message).match(/nothing to update/);
    });

    it("checks status values and accepts the workinprogress spelling", function () {
      should(buildUpdate({ ticketNumber: "e-CS1", ticketType: "Incident", clientTicketNumber: "1", status: "workinprogress" }, PRIORITY).payload!.status).equal("workingprogress");
      should(invalid(() => buildUpdate({ ticketNumber: "e-CS1", ticketType: "Incident", clientTicketNumber: "1", status: "done" }, PRIORITY)).details.field).equal("status");
    });

    it("requires closeNotes when the status is resolved, closed or cancelled", function () {
      should(invalid(() => buildUpdate({ ticketNumber: "e-CS1", ticketType: "Incident", clientTicketNumber: "1", status: "resolved" }, PRIORITY)).details.field).equal("closeNotes");
    });

    it("requires a well-formed Ensono ticket number", function () {
      should(invalid(() => buildUpdate({ ticketType: "Incident", clientTicketNumber: "1", priority: 1 }, PRIORITY)).details.field).equal("ticketNumber");
      should(invalid(() => buildUpdate({ ticketNumber: "e-CS1/../queue", ticketType: "Incident", clientTicketNumber: "1", priority: 1 }, PRIORITY)).details.field).equal("ticketNumber");
    });
  });

  describe("resolve, close and cancel", function () {
    it("send the status with closeNotes", function () {
      const r = buildStatusChange("resolve", { ticketNumber: "e-CS0204070", ticketType: "Incident", clientTicketNumber: "123456", closeNotes: "no longer needed" }, PRIORITY);
      should(r.payload).eql({ clientName: "testClient", ticketType: "Incident", clientTicketNumber: "123456", status: "resolved", closeNotes: "no longer needed" });
      should(buildStatusChange("close", { ticketNumber: "e-CS1", ticketType: "Request", clientTicketNumber: "1", closeNotes: "n" }, PRIORITY).payload!.status).equal("closed");
      should(buildStatusChange("cancel", { ticketNumber: "e-CS1", ticketType: "Request", clientTicketNumber: "1", closeNotes: "n" }, PRIORITY).payload!.status).equal("cancelled");
    });

    it("require closeNotes of at most 4000 characters", function () {
      should(invalid(() => buildStatusChange("resolve", { ticketNumber: "e-CS1", ticketType: "Incident", clientTicketNumber: "1" }, PRIORITY)).details.field).equal("closeNotes");
      should(invalid(() => buildStatusChange("close", { ticketNumber: "e-CS1", ticketType: "Incident", clientTicketNumber: "1", closeNotes: "n".repeat(4001) }, PRIORITY)).details.field).equal("closeNotes");
    });

    it("refuse a status that contradicts the action", function () {
      should(invalid(() => buildStatusChange("close", { ticketNumber: "e-CS1", ticketType: "Incident", clientTicketNumber: "1", closeNotes: "n", status: "open" }, PRIORITY)).details.field).equal("status");
    });
  });

  describe("notes and returnptn", function () {
    it("builds the notes payload from comment objects or plain strings", function () {
      const call = buildNotes({ ticketNumber: "e-CS0204070", ticketType: "Incident", clientTicketNumber: "123456", comments: ["one", { body: "two", commenter: "Jason Doe", commentTime: "2017-07-03 17:55:48" }] }, PRIORITY);
      should(call.path).equal("/tickets/e-CS0204070/notes");
      should(call.payload!.comments).eql([{ body: "one" }, { body: "two", commenter: "Jason Doe", commentTime: "2017-07-03 17:55:48" }]);
    });

    it("requires at least one comment with a body of at most 4000 characters", function () {
      should(invalid(() => buildNotes({ ticketNumber: "e-CS1", ticketType: "Incident", clientTicketNumber: "1", comments: [] }, PRIORITY)).details.field).equal("comments");
      should(invalid(() => buildNotes({ ticketNumber: "e-CS1", ticketType: "Incident", clientTicketNumber: "1", comments: [{ commenter: "x" }] }, PRIORITY)).details.field).equal("comments[0].body");
      should(invalid(() => normalizeComments([{ body: "b".repeat(4001) }])).message).match(/comments\[0\]\.body is 4001 characters long/);
    });

    it("accepts notes on changes (the guide's change notes example)", function () {
      should(buildNotes({ ticketNumber: "e-CHG0032103", ticketType: "Change", clientTicketNumber: "CHG1", comments: "c" }, PRIORITY).payload!.ticketType).equal("Change");
    });

    it("builds returnptn with the identity fields only", function () {
      const call = buildReturnPtn({ ticketNumber: "e-CS0204070", ticketType: "Incident", clientTicketNumber: "1234567", description: "ignored" }, PRIORITY);
      should(call.path).equal("/tickets/e-CS0204070/returnptn");
      should(call.payload).eql({ clientName: "testClient", ticketType: "Incident", clientTicketNumber: "1234567" });
    });
  });

  describe("approve and reject", function () {
    it("send approver, approvalId and body-only comments, with ticketType Change by default", function () {
      const call = buildApproval("approve", { ticketNumber: "e-CHG0000642", clientTicketNumber: "123456", approver: "approver@clientname.com", approvalId: "157efa0f", comments: [{ body: "approved via Email", commenter: "Jason Doe", commenterEmail: "Jason.Doe@abc.com" }] }, PRIORITY);
      should(call.path).equal("/tickets/e-CHG0000642/approve");
      should(call.payload).eql({
        clientName: "testClient",
        ticketType: "Change",
        clientTicketNumber: "123456",
        approver: "approver@clientname.com",
        approvalId: "157efa0f",
        comments: [{ body: "Jason Doe, Email: Jason.Doe@abc.com\\napproved via Email" }],
      });
    });

    it("require approver, approvalId and a comment", function () {
      const base = { ticketNumber: "e-CHG1", clientTicketNumber: "1", approver: "a@b.c", approvalId: "x", comments: "reason" };
      for (const f of ["approver", "approvalId", "comments"]) should(invalid(() => buildApproval("reject", { ...base, [f]: undefined }, PRIORITY)).details.field).equal(f);
      should(buildApproval("reject", base, PRIORITY).path).equal("/tickets/e-CHG1/reject");
    });
  });

  describe("attachments", function () {
    it("accepts names of letters, digits, hyphens and dots that begin with a letter or digit", function () {
      should(validateFilename("Test-File.v2.pdf")).equal("Test-File.v2.pdf");
      should(validateFilename("1report.log")).equal("1report.log");
    });

    it("rejects a filename with spaces, naming the problem", function () {
      should(invalid(() => validateFilename("my report.pdf")).message).equal('filename "my report.pdf" contains a space: Ensono accepts only letters, digits, hyphens and dots');
    });

    it("rejects underscores, a leading dot or hyphen, and .exe in any case", function () {
      should(invalid(() => validateFilename("a_b.txt")).details.field).equal("filename");
      should(invalid(() => validateFilename(".hidden")).message).match(/must begin with a letter or a digit/);
      should(invalid(() => validateFilename("-x.txt")).details.field).equal("filename");
      should(invalid(() => validateFilename("setup.EXE")).message).match(/\.exe files cannot be uploaded/);
    });

    it("uploads a Buffer as binary with the file type's Content-Type", function () {
      const a = prepareAttachment({ ticketNumber: "e-CS0204070", filename: "test1.pdf", content: Buffer.from("%PDF-1.4") });
      should(a).containEql({ urlName: "test1.pdf", encoding: "binary", contentType: "application/pdf", bytes: 8 });
    });

    it("uploads base64 text through the .base64 URL name with text/plain", function () {
      const a = prepareAttachment({ ticketNumber: "e-CS1", filename: "test.docx", content: "VGhpcyBpcyBhbiBhdHRhY2htZW50IHVwbG9hZCB0ZXN0", encoding: "base64" });
      should(a).containEql({ urlName: "test.docx.base64", encoding: "base64", contentType: "text/plain", bytes: 33 });
      const b = prepareAttachment({ ticketNumber: "e-CS1", filename: "ticketInfo.png.base64", content: "aGk=" });
      should(b).containEql({ filename: "ticketInfo.png", urlName: "ticketInfo.png.base64", encoding: "base64" });
      const c = prepareAttachment({ ticketNumber: "e-CS1", filename: "x.png", content: Buffer.from("hi"), encoding: "base64" });
      should(c.body).equal("aGk=");
    });

    it("rejects bad base64, empty content and a missing content", function () {
      should(invalid(() => prepareAttachment({ ticketNumber: "e-CS1", filename: "a.txt", content: "not base64!", encoding: "base64" })).details.field).equal("content");
      should(invalid(() => prepareAttachment({ ticketNumber: "e-CS1", filename: "a.txt", content: Buffer.alloc(0) })).message).match(/content is empty/);
      should(invalid(() => prepareAttachment({ ticketNumber: "e-CS1", filename: "a.txt" })).details.field).equal("content");
    });

    it("knows the Content-Type of common files", function () {
      should(contentTypeFor("a.JPG")).equal("image/jpeg");
      should(contentTypeFor("a.xlsx")).equal("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
      should(contentTypeFor("noext")).equal("application/octet-stream");
    });
  });

  describe("actions", function () {
    it("parses the action names and their aliases", function () {
      should(parseAction("Create")).equal("create");
      should(parseAction("comment")).equal("notes");
      should(parseAction("upload")).equal("attachment");
      should(invalid(() => parseAction("delete")).details.field).equal("action");
    });

    it("routes every JSON action through buildCall", function () {
      const base = { ticketNumber: "e-CS1", ticketType: "Incident", clientTicketNumber: "1", closeNotes: "n", comments: "c", approver: "a@b", approvalId: "id", priority: 1 };
      should(buildCall("close", base, PRIORITY).payload!.status).equal("closed");
      should(buildCall("approve", base, PRIORITY).path).equal("/tickets/e-CS1/approve");
      should(invalid(() => buildCall("attachment", base, PRIORITY)).details.field).equal("action");
    });
  });
});
