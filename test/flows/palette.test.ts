import should from "should";
import { startNodeRed, type RunningNodeRed } from "../helpers/runtime";
import { RUNTIME } from "../helpers/paths";
import * as fs from "node:fs";
import * as path from "node:path";
import { PACKAGE_ROOT } from "../helpers/paths";

const TYPES = Object.keys(JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, "package.json"), "utf8"))["node-red"].nodes);

describe(`a real Node-RED (${RUNTIME}) with the package installed`, function () {
  this.timeout(90_000);
  let red: RunningNodeRed;

  before(async function () {
    red = await startNodeRed({ flows: [] });
  });
  after(async function () {
    await red?.stop();
    red?.cleanup();
  });

  it("loads every node of the package without an error, so the palette shows them", async function () {
    const res = await fetch(`${red.url}/nodes`, { headers: { Accept: "application/json" } });
    should(res.status).equal(200);
    const sets = (await res.json()) as Array<{ module: string; types: string[]; enabled: boolean; err?: string; loaded?: boolean }>;
    const ours = sets.filter((s) => s.module === "@case-exchange/node-red");
    const errors = ours.filter((s) => s.err).map((s) => `${s.types.join(",")}: ${s.err}`);
    should(errors).eql([]);
    const types = ours.flatMap((s) => s.types).sort();
    should(types).eql([...TYPES].sort());
    should(ours.every((s) => s.enabled)).be.true();
  });

  it("serves the editor's definitions of every node, in the 'case exchange' category", async function () {
    const res = await fetch(`${red.url}/nodes`, { headers: { Accept: "text/html" } });
    const html = await res.text();
    for (const type of TYPES) should(html).match(new RegExp(`registerType\\(\\s*["']${type}["']`));
    should(html).match(/category:\s*["']case exchange["']/);
  });

  it("lists every example flow of flows/ under Import > Examples", async function () {
    const res = await fetch(`${red.url}/library/examples/flows/@case-exchange/node-red`, { headers: { Accept: "application/json" } });
    should(res.status).equal(200);
    const listing = (await res.json()) as Array<string | { fn?: string }>;
    const listed = listing.map((e) => (typeof e === "string" ? e : e.fn)).filter(Boolean).sort();
    const shipped = fs.readdirSync(path.join(PACKAGE_ROOT, "flows")).filter((f) => f.endsWith(".json")).map((f) => f.replace(/\.json$/, "")).sort();
    should(shipped.length).be.above(0);
    should(listed).eql(shipped);
  });
});
