import should from "should";
import { SimClock } from "../../../sandbox/common/clock";
import { startSnowSandbox, type SnowSandbox } from "../../../sandbox/servicenow";
import { basic, call } from "./client";

describe("ServiceNow simulator: journal fields and attachments", function () {
  let snow: SnowSandbox;

  beforeEach(async function () {
    snow = await startSnowSandbox({ clock: new SimClock({ start: Date.UTC(2025, 2, 1, 12, 0, 0), frozen: true }), attachmentMaxBytes: 1024 });
  });
  afterEach(async function () {
    await snow.close();
  });

  it("writes comments and work notes to sys_journal_field with who and when, and reads the fields back empty", async function () {
    const inc = snow.agent().createIncident({ short_description: "x" });
    should(inc.sys_created_by).equal("agent.smith");
    snow.agent().comment("incident", inc.sys_id, "Customer-visible from agent");
    snow.clock.advance(1000);
    snow.agent().workNote("incident", inc.sys_id, "Private from agent");
    snow.clock.advance(1000);
    const patched = await call(snow.url, "PATCH", `/api/now/table/incident/${inc.sys_id}`, { json: { comments: "Reply from integration", work_notes: "Note from integration" } });
    should(patched.status).equal(200);
    should(patched.body.result.comments).equal("");
    should(patched.body.result.work_notes).equal("");
    should(patched.body.result.sys_updated_by).equal("integration");
    should(patched.body.result.sys_mod_count).equal("3");

    should(snow.journal(inc.sys_id).map((j) => [j.element, j.value, j.sys_created_by, j.sys_created_on])).eql([
      ["comments", "Customer-visible from agent", "agent.smith", "2025-03-01 12:00:00"],
      ["work_notes", "Private from agent", "agent.smith", "2025-03-01 12:00:01"],
      ["comments", "Reply from integration", "integration", "2025-03-01 12:00:02"],
      ["work_notes", "Note from integration", "integration", "2025-03-01 12:00:02"],
    ]);

    const listed = await call(snow.url, "GET", `/api/now/table/sys_journal_field?sysparm_query=${encodeURIComponent(`element_id=${inc.sys_id}^element=comments^ORDERBYsys_created_on`)}&sysparm_fields=element,element_id,name,value,sys_created_by`);
    should(listed.body.result).eql([
      { element: "comments", element_id: inc.sys_id, name: "incident", value: "Customer-visible from agent", sys_created_by: "agent.smith" },
      { element: "comments", element_id: inc.sys_id, name: "incident", value: "Reply from integration", sys_created_by: "integration" },
    ]);

    const display = await call(snow.url, "GET", `/api/now/table/incident/${inc.sys_id}?sysparm_display_value=true&sysparm_fields=comments`);
    should(display.body.result.comments).equal(
      "2025-03-01 12:00:02 - Integration User (Additional comments)\nReply from integration\n\n2025-03-01 12:00:00 - Agent Smith (Additional comments)\nCustomer-visible from agent\n\n",
    );
  });

  it("records the agent as sys_updated_by, so a watcher can tell agent changes from the integration user's", async function () {
    const inc = snow.table("incident").insert({ short_description: "x" }, "integration");
    snow.clock.advance(5000);
    snow.agent().update("incident", inc.sys_id, { state: "2" });
    const changed = await call(snow.url, "GET", `/api/now/table/incident?sysparm_query=${encodeURIComponent("sys_updated_by!=integration^sys_updated_on>2025-03-01 12:00:00")}&sysparm_fields=number,sys_updated_by`);
    should(changed.body.result).eql([{ number: inc.number, sys_updated_by: "agent.smith" }]);
  });

  it("uploads, lists, reads, downloads and deletes attachments", async function () {
    const inc = snow.table("incident").insert({ short_description: "x" });
    const content = Buffer.from("hello, attachment \u00e9");
    const up = await call(snow.url, "POST", `/api/now/attachment/file?table_name=incident&table_sys_id=${inc.sys_id}&file_name=${encodeURIComponent("log file.txt")}`, { body: content, contentType: "text/plain" });
    should(up.status).equal(201);
    const meta = up.body.result;
    should(meta).match({ file_name: "log file.txt", table_name: "incident", table_sys_id: inc.sys_id, content_type: "text/plain", size_bytes: String(content.length), sys_created_by: "integration" });
    should(meta.download_link).equal(`${snow.url}/api/now/attachment/${meta.sys_id}/file`);

    snow.agent().attach("incident", inc.sys_id, "screen.png", Buffer.from([1, 2, 3]), "image/png");
    const list = await call(snow.url, "GET", `/api/now/attachment?sysparm_query=${encodeURIComponent(`table_sys_id=${inc.sys_id}^ORDERBYsys_created_on`)}`);
    should(list.status).equal(200);
    should(list.headers.get("x-total-count")).equal("2");
    should(list.body.result.map((a: { file_name: string; sys_created_by: string }) => [a.file_name, a.sys_created_by])).eql([
      ["log file.txt", "integration"],
      ["screen.png", "agent.smith"],
    ]);

    const one = await call(snow.url, "GET", `/api/now/attachment/${meta.sys_id}`);
    should(one.body.result.file_name).equal("log file.txt");

    const res = await fetch(meta.download_link, { headers: { Authorization: basic() } });
    should(res.status).equal(200);
    should(res.headers.get("content-type")).equal("text/plain");
    should(Buffer.from(await res.arrayBuffer()).equals(content)).be.true();
    should(JSON.parse(res.headers.get("x-attachment-metadata")!).sys_id).equal(meta.sys_id);

    const del = await call(snow.url, "DELETE", `/api/now/attachment/${meta.sys_id}`);
    should(del.status).equal(204);
    should(snow.attachments(inc.sys_id).map((a) => a.file_name)).eql(["screen.png"]);
    should(snow.attachments(inc.sys_id)[0].content.equals(Buffer.from([1, 2, 3]))).be.true();
    const gone = await call(snow.url, "GET", `/api/now/attachment/${meta.sys_id}`);
    should(gone.status).equal(404);
    should(gone.body.status).equal("failure");
  });

  it("accepts a multipart upload on /api/now/attachment/upload", async function () {
    const inc = snow.table("incident").insert({ short_description: "x" });
    const form = new FormData();
    form.append("table_name", "incident");
    form.append("table_sys_id", inc.sys_id);
    form.append("uploadFile", new Blob([Buffer.from("multi")], { type: "text/csv" }), "data.csv");
    const res = await fetch(`${snow.url}/api/now/attachment/upload`, { method: "POST", headers: { Authorization: basic() }, body: form });
    should(res.status).equal(201);
    const body = (await res.json()) as { result: { file_name: string; content_type: string; size_bytes: string } };
    should(body.result).match({ file_name: "data.csv", content_type: "text/csv", size_bytes: "5" });
  });

  it("refuses an attachment over the size limit and one on a record that does not exist", async function () {
    const inc = snow.table("incident").insert({ short_description: "x" });
    const big = await call(snow.url, "POST", `/api/now/attachment/file?table_name=incident&table_sys_id=${inc.sys_id}&file_name=big.bin`, { body: Buffer.alloc(2048) });
    should(big.status).equal(400);
    should(big.body).eql({ error: { message: "Failed to create the attachment. File part might be too large.", detail: null }, status: "failure" });
    should(snow.attachments(inc.sys_id)).have.length(0);

    const orphan = await call(snow.url, "POST", `/api/now/attachment/file?table_name=incident&table_sys_id=${"0".repeat(32)}&file_name=a.txt`, { body: "a" });
    should(orphan.status).equal(400);
    should(orphan.body.status).equal("failure");
  });
});
