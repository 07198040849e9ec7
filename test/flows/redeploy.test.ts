/**
 * Deploying over a running example flow must leave Node-RED running the new
 * flows. Node-RED cleans a removed flow's context right after closing it; a
 * context write of ours still being flushed then made that clean fail, and the
 * runtime silently stopped starting flows (found by the editor test).
 */
import should from "should";
import * as fs from "node:fs";
import * as path from "node:path";
import { startEnsonoSandbox, type EnsonoSandbox } from "../../sandbox/ensono";
import { startSnowSandbox, type SnowSandbox } from "../../sandbox/servicenow";
import { startAwsSupportSandbox, type AwsSupportSandbox } from "../../sandbox/aws-support";
import { sandboxEnv } from "../../sandbox/env";
import { eventually, startNodeRed, type RunningNodeRed } from "../helpers/runtime";
import { PACKAGE_ROOT, RUNTIME } from "../helpers/paths";

describe(`redeploying over the running example flows (${RUNTIME})`, function () {
  this.timeout(120_000);
  let ensono: EnsonoSandbox;
  let snow: SnowSandbox;
  let aws: AwsSupportSandbox;
  let red: RunningNodeRed;

  before(async function () {
    [ensono, snow, aws] = await Promise.all([startEnsonoSandbox(), startSnowSandbox(), startAwsSupportSandbox()]);
    red = await startNodeRed({
      flows: [],
      env: sandboxEnv({ ensono, snow, aws }, { pollSeconds: 1 }),
    });
  });
  after(async function () {
    await red?.stop();
    red?.cleanup();
    await Promise.all([ensono?.close(), snow?.close(), aws?.close()]);
  });

  it("starts the new flows after every deploy, with tickets moving when the old ones are removed", async function () {
    const files = fs.readdirSync(path.join(PACKAGE_ROOT, "flows")).filter((f) => f.endsWith(".json")).sort();
    for (let round = 0; round < 2; round++) {
      for (const file of files) {
        ensono.agent.openTicket("dev", { ticketType: "Incident", shortDescription: `${file} ${round}`, description: "redeploy" });
        for (const body of [fs.readFileSync(path.join(PACKAGE_ROOT, "flows", file), "utf8"), "[]"]) {
          const from = red.log.length;
          const res = await fetch(`${red.url}/flows`, { method: "POST", headers: { "Content-Type": "application/json", "Node-RED-Deployment-Type": "full" }, body });
          should(res.status).equal(204);
          await eventually(() => red.log.slice(from).some((l) => /Started flows/.test(l)), 10_000).catch(() => {
            throw new Error(`after deploying ${body === "[]" ? `nothing over ${file}` : file}, Node-RED did not start the flows:\n${red.log.slice(from).join("\n")}`);
          });
          await new Promise((r) => setTimeout(r, 200 + ((round * 7 + file.length * 13) % 900)));
        }
      }
    }
  });
});
