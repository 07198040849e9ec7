import should from "should";
import * as fs from "node:fs";
import * as path from "node:path";
import { DIST, PACKAGE_ROOT } from "../helpers/paths";

const pkg = JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, "package.json"), "utf8"));
const nodes: Record<string, string> = pkg["node-red"].nodes;

describe("the package layout", function () {
  it("is the scoped package the product brief names, with the node-red keyword and a licence", function () {
    should(pkg.name).equal("@case-exchange/node-red");
    should(pkg.keywords).containEql("node-red");
    should(pkg.license).be.a.String().and.not.empty();
    should(fs.existsSync(path.join(PACKAGE_ROOT, "LICENSE"))).be.true();
  });

  it("declares a Node-RED version range covering 4.1 and 5", function () {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const semver = require("semver") as { satisfies(v: string, r: string): boolean };
    should(semver.satisfies("4.1.0", pkg["node-red"].version)).be.true();
    should(semver.satisfies("5.0.7", pkg["node-red"].version)).be.true();
    should(semver.satisfies("3.1.0", pkg["node-red"].version)).be.false();
  });

  for (const [type, file] of Object.entries(nodes)) {
    it(`builds ${type} with its editor file, help text and message catalogue beside it`, function () {
      const js = path.join(DIST, path.relative("dist", file));
      const dir = path.dirname(js);
      should(fs.existsSync(js)).be.true();
      const html = fs.readFileSync(js.replace(/\.js$/, ".html"), "utf8");
      should(html).match(new RegExp(`registerType\\(\\s*["']${type}["']`));
      should(html).match(/category:\s*["'](case exchange|config)["']/);
      const help = fs.readFileSync(path.join(dir, "locales", "en-US", `${type}.html`), "utf8");
      should(help).match(new RegExp(`data-help-name=["']${type}["']`));
      JSON.parse(fs.readFileSync(path.join(dir, "locales", "en-US", `${type}.json`), "utf8"));
      should(fs.readdirSync(path.join(dir, "icons")).length).be.above(0);
    });
  }

  it("ships in examples/ exactly the flows of flows/", function () {
    const list = (d: string) => (fs.existsSync(d) ? fs.readdirSync(d).filter((f) => f.endsWith(".json")).sort() : []);
    const flows = list(path.join(PACKAGE_ROOT, "flows"));
    should(flows.length).be.above(0);
    should(list(path.join(PACKAGE_ROOT, "examples"))).eql(flows);
    for (const f of flows) {
      should(fs.readFileSync(path.join(PACKAGE_ROOT, "examples", f), "utf8")).equal(fs.readFileSync(path.join(PACKAGE_ROOT, "flows", f), "utf8"));
    }
  });

  it("keeps secrets out of every example flow (they come from credentials or the environment)", function () {
    for (const f of fs.readdirSync(path.join(PACKAGE_ROOT, "flows")).filter((x) => x.endsWith(".json"))) {
      const flow = JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, "flows", f), "utf8")) as Array<Record<string, unknown>>;
      should(flow).be.an.Array();
      for (const n of flow) {
        should(n.credentials === undefined).be.true();
        for (const [k, v] of Object.entries(n)) {
          if (/password|apikey|api_key|secret|token/i.test(k) && typeof v === "string" && v !== "") {
            should(v).match(/^\$\{[A-Z0-9_]+\}$/, { message: `${f}: ${n.type}.${k} holds a literal value` } as never);
          }
        }
      }
    }
  });
});
