/**
 * The edit dialogs' buttons and lists in the real editor, in Chromium: the
 * config nodes' Test connection buttons (ensono-bridge, snow-instance,
 * aws-support-account), clicked with the mouse, right and wrong settings
 * typed into the dialog (never deployed), the answer read from the dialog;
 * and the aws-support-case dialog's service, category and severity lists
 * filled from the chosen account, with free text kept through Done and
 * deploy. Screenshots of each result: artifacts/browser/dialogs--*.png.
 * (That the admin routes behind these dialogs need Node-RED's permissions is
 * tested without a browser, on both legs: test/flows/admin-auth.test.ts.)
 */
import should from "should";
import * as fs from "node:fs";
import * as path from "node:path";
import { startNodeRed, type RunningNodeRed } from "../helpers/runtime";
import { PACKAGE_ROOT, RUNTIME } from "../helpers/paths";
import { startEnsonoSandbox, startSnowSandbox, startAwsSupportSandbox, type EnsonoSandbox, type SnowSandbox, type AwsSupportSandbox } from "../../sandbox";
import { SERVICES, SEVERITIES_BY_PLAN } from "../../sandbox/aws-support/catalog";
import { MODULE_NAME, readFlow } from "./package-info";
import { cancelDialog, deploy, editorNodes, importExample, launchEditorBrowser, openConfigDialog, openEditor, openNodeDialog, takeNotifications, type EditorBrowser, type EditorNode } from "./editor-driver";

declare const RED: any;
declare const $: any;

const ARTIFACTS = path.join(PACKAGE_ROOT, "artifacts", "browser");
const ENSONO_KEY = "test-api-key-5f1c";
const SNOW_PASSWORD = "integration-pass";
const WRONG_SNOW_PASSWORD = "wrong-pass-7d2e";
const AWS_SECRET = "sim-secret-1";
const ACCOUNT_ID = "111111111111";

/** The node's en-US message catalogue (what the dialog shows through RED._). */
function locale(type: string): Record<string, any> {
  return JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, "nodes", type, "locales", "en-US", `${type}.json`), "utf8"))[type];
}
const fillIn = (template: string, values: Record<string, string>) => template.replace(/__(\w+)__/g, (_, k: string) => values[k] ?? "");

/** Screenshots kept in memory too: editor.test.ts empties artifacts/browser/ when it starts, after this file has run. */
const shots = new Map<string, Buffer>();
after(function () {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  for (const [file, png] of shots) if (!fs.existsSync(file)) fs.writeFileSync(file, png);
});

interface Notice {
  type: string;
  text: string;
}

describe(`the edit dialogs' Test connection buttons and AWS lists, in Chromium (${RUNTIME})`, function () {
  this.timeout(60_000);
  let ensono: EnsonoSandbox | undefined;
  let snow: SnowSandbox | undefined;
  let aws: AwsSupportSandbox | undefined;
  let red: RunningNodeRed | undefined;
  let browser: EditorBrowser | undefined;
  const page = () => browser!.page;

  async function screenshot(name: string): Promise<void> {
    const file = path.join(ARTIFACTS, `dialogs--${name}.png`);
    const png = await page().screenshot({ path: file });
    shots.set(file, png);
  }

  /** Empties the runtime, reloads the editor, imports the example through Import > Examples and deploys it. */
  async function loadExample(name: string): Promise<EditorNode[]> {
    const res = await fetch(`${red!.url}/flows`, { method: "POST", headers: { "Content-Type": "application/json", "Node-RED-Deployment-Type": "full" }, body: "[]" });
    should(res.status).equal(204);
    browser!.state.phase = `loading ${name}`;
    await openEditor(page(), red!.url);
    const want = readFlow(path.join(PACKAGE_ROOT, "flows", `${name}.json`)).filter((n) => n.type !== "tab" && n.type !== "global-config").length;
    await importExample(page(), MODULE_NAME, name);
    await page().waitForFunction(
      (want: number) => {
        let n = 0;
        RED.nodes.eachNode(() => void n++);
        RED.nodes.eachConfig((c: any) => void (c.type !== "global-config" && n++));
        RED.nodes.eachGroup?.(() => void n++);
        RED.nodes.eachJunction?.(() => void n++);
        return n >= want;
      },
      want,
      { timeout: 15_000 },
    );
    const outcome = await deploy(page());
    should(outcome.ok).be.true(`${name}: deploy failed: ${outcome.message}`);
    await takeNotifications(page());
    return editorNodes(page());
  }

  function find(nodes: EditorNode[], id: string): EditorNode {
    const n = nodes.find((x) => x.id === id);
    if (!n) throw new Error(`the imported flow has no node ${id} (it has ${nodes.map((x) => x.id).join(", ")})`);
    return n;
  }

  /** Types into a field of the open dialog as a person does (select all, type). */
  async function typeInto(selector: string, value: string): Promise<void> {
    const field = page().locator(`#red-ui-editor-stack .red-ui-tray:last-child ${selector}`);
    await field.scrollIntoViewIfNeeded();
    await field.click();
    await field.press("Control+A");
    await field.press("Delete");
    await field.pressSequentially(value);
  }

  /**
   * Clicks a Test connection button and waits for its answer in `resultSelector`.
   * The request to `route` is held back until the result has shown `pending` (the
   * dialog's "testing" text), so that text is checked too. Returns the result text
   * and the notification shown with it; fails on a message key shown untranslated.
   */
  async function clickTest(button: string, resultSelector: string, pending: string, route: string): Promise<{ result: string; notice: Notice | undefined }> {
    await takeNotifications(page());
    await page().evaluate((sel: string) => $(sel).text(""), resultSelector);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const pattern = `**/${route}`;
    await page().route(pattern, async (r) => {
      await gate;
      await r.continue();
    });
    let whilePending = "";
    try {
      const btn = page().locator(button);
      await btn.scrollIntoViewIfNeeded();
      await btn.click();
      await page().waitForFunction((sel: string) => $(sel).text().trim() !== "", resultSelector, { timeout: 5_000 }).catch(() => undefined);
      whilePending = (await page().locator(resultSelector).innerText()).trim();
    } finally {
      release();
      await page().unroute(pattern);
    }
    should(whilePending).equal(pending, `while the test runs, the dialog shows "${whilePending}"`);
    await page().waitForFunction(
      (a: { sel: string; pending: string }) => {
        const t = $(a.sel).text().trim();
        return t !== "" && t !== a.pending && $(".red-ui-notification:not(.cx-taken)").length > 0;
      },
      { sel: resultSelector, pending },
      { timeout: 20_000 },
    );
    await page().locator(resultSelector).scrollIntoViewIfNeeded();
    const result = (await page().locator(resultSelector).innerText()).trim();
    const notices: Notice[] = await page().evaluate(() =>
      $(".red-ui-notification:not(.cx-taken)")
        .map(function (this: any) {
          const cls = String($(this).attr("class") || "");
          const m = /red-ui-notification-(success|warning|error|compact)/.exec(cls);
          return { type: m ? m[1] : "info", text: $(this).text().replace(/\s+/g, " ").trim() };
        })
        .get(),
    );
    const rawKey = /\b(ensono-bridge|snow-instance|aws-support-account)\.\w+\.\w+/;
    for (const shown of [whilePending, result, ...notices.map((n) => n.text)]) should(shown).not.match(rawKey, `the dialog shows a message key instead of its text: "${shown}"`);
    return { result, notice: notices[notices.length - 1] };
  }

  /** Every text the page holds: its HTML (attributes included), every field's current value, the notifications. */
  async function everythingShown(): Promise<string> {
    const html = await page().content();
    const values: string[] = await page().evaluate(() =>
      $("input, textarea, select")
        .map(function (this: any) {
          return String($(this).val() ?? "");
        })
        .get(),
    );
    return `${html}\n${values.join("\n")}`;
  }

  before(async function () {
    this.timeout(120_000);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    ensono = await startEnsonoSandbox({ clients: [{ slug: "testclient57", clientName: "testClient", apiKey: ENSONO_KEY }] });
    snow = await startSnowSandbox();
    aws = await startAwsSupportSandbox();
    red = await startNodeRed({
      flows: [],
      env: {
        ENSONO_URL: ensono.envUrl("dev"),
        ENSONO_API_KEY: ENSONO_KEY,
        ENSONO_CLIENT_NAME: "testClient",
        ENSONO_GROUP: "Ensono",
        SNOW_URL: snow.url,
        SNOW_USER: "integration",
        SNOW_PASSWORD,
        AWS_SUPPORT_ENDPOINT: aws.endpoint,
        AWS_ACCESS_KEY_ID: "AKIASIM111111111111",
        AWS_SECRET_ACCESS_KEY: AWS_SECRET,
        AWS_ACCOUNT_ID: ACCOUNT_ID,
        SYNC_POLL_SECONDS: "2",
      },
      settings: { telemetry: { enabled: false } },
    });
    browser = await launchEditorBrowser();
  });

  after(async function () {
    this.timeout(60_000);
    await browser?.close();
    await red?.stop();
    red?.cleanup();
    await Promise.all([ensono?.close(), snow?.close(), aws?.close()]);
  });

  describe("ensono-bridge (flows/ensono-queue-basics.json, deployed): Test connection", function () {
    const text = locale("ensono-bridge");
    const BUTTON = "#node-config-ensono-test";
    const RESULT = "#node-config-ensono-test-result";
    const ROUTE = "ensono-bridge/test";

    before(async function () {
      const nodes = await loadExample("ensono-queue-basics");
      browser!.state.phase = "ensono-bridge dialog";
      const opened = await openConfigDialog(page(), find(nodes, "ensono-basics-bridge"));
      should(opened.title).not.equal("");
    });
    after(async function () {
      await cancelDialog(page()).catch(() => undefined);
    });

    it(`has a "${text.test.button}" button in the dialog`, async function () {
      const label = (await page().locator(BUTTON).innerText()).trim();
      should(label).equal(text.test.button);
    });

    it("says the deployed settings (URL, environment, key, client name from ENSONO_*) are right", async function () {
      const r = await clickTest(BUTTON, RESULT, text.test.running, ROUTE);
      await screenshot("ensono-bridge-works");
      should(r.notice?.type).equal("success", `notification: ${JSON.stringify(r.notice)}; result: ${r.result}`);
      should(r.result).match(/URL, environment, API key and client name are right/);
    });

    it("names the client name when the dialog's client name is wrong (not deployed)", async function () {
      await typeInto("#node-config-input-clientName", "wrongClient");
      const r = await clickTest(BUTTON, RESULT, text.test.running, ROUTE);
      await screenshot("ensono-bridge-wrong-client-name");
      should(r.notice?.type).not.equal("success", r.result);
      should(r.result).match(/client name "wrongClient"/);
      should(r.result).not.match(/environment part/);
    });

    it("names the environment when the URL says Dev instead of dev", async function () {
      await typeInto("#node-config-input-clientName", "${ENSONO_CLIENT_NAME}");
      await typeInto("#node-config-input-url", ensono!.envUrl("dev").replace(/\/dev$/, "/Dev"));
      const r = await clickTest(BUTTON, RESULT, text.test.running, ROUTE);
      await screenshot("ensono-bridge-wrong-environment");
      should(r.notice?.type).not.equal("success", r.result);
      should(r.result).match(/environment/);
      should(r.result).match(/"Dev"/);
      should(r.result).match(/case-sensitive/);
    });

    it("never puts the API key in the page", async function () {
      should(await everythingShown()).not.containEql(ENSONO_KEY);
      const seen = browser!.problems.map((p) => p.text).join("\n");
      should(seen).not.containEql(ENSONO_KEY);
    });
  });

  describe("snow-instance (flows/servicenow-basics.json, deployed): Test connection", function () {
    const text = locale("snow-instance");
    const BUTTON = "#node-config-snow-test";
    const RESULT = "#node-config-snow-test-result";
    const ROUTE = "snow-instance/test";

    before(async function () {
      const nodes = await loadExample("servicenow-basics");
      browser!.state.phase = "snow-instance dialog";
      await openConfigDialog(page(), find(nodes, "snow-basics-instance"));
    });
    after(async function () {
      await cancelDialog(page()).catch(() => undefined);
    });

    it(`has a "${text.test.button}" button in the dialog`, async function () {
      should((await page().locator(BUTTON).innerText()).trim()).equal(text.test.button);
    });

    it(`says the connection and permissions are fine ("${text.test.ok}")`, async function () {
      const r = await clickTest(BUTTON, RESULT, text.test.running, ROUTE);
      await screenshot("snow-instance-works");
      should(r.notice).eql({ type: "success", text: text.test.ok }, `result: ${r.result}`);
      should(r.result).not.match(/refused|cannot|missing/i);
    });

    it("says the credentials are refused (401) when the dialog's password is wrong (not deployed)", async function () {
      await typeInto("#node-config-input-password", WRONG_SNOW_PASSWORD);
      const r = await clickTest(BUTTON, RESULT, text.test.running, ROUTE);
      await screenshot("snow-instance-wrong-password");
      should(r.notice?.text).equal(text.test.problems);
      should(r.result).match(/refused the credentials of "integration" \(401\)/);
    });

    it("never puts the stored or the typed password in the page's text", async function () {
      const shown = (await page().content()) + (await page().locator("body").innerText());
      should(shown).not.containEql(SNOW_PASSWORD);
      should(shown).not.containEql(WRONG_SNOW_PASSWORD);
      should(browser!.problems.map((p) => p.text).join("\n")).not.containEql(WRONG_SNOW_PASSWORD);
    });
  });

  describe("aws-support-account and aws-support-case (flows/aws-support-basics.json, deployed)", function () {
    const accountText = locale("aws-support-account");
    const BUTTON = "#node-config-aws-support-account-test";
    const RESULT = "#node-config-aws-support-account-test-result";
    const ROUTE = "aws-support-account/test";
    let nodes: EditorNode[] = [];

    before(async function () {
      nodes = await loadExample("aws-support-basics");
    });
    afterEach(function () {
      aws!.setSupportPlan(ACCOUNT_ID, "business");
    });

    describe("the account's Test connection", function () {
      before(async function () {
        browser!.state.phase = "aws-support-account dialog";
        await openConfigDialog(page(), find(nodes, "aws-basics-account"));
      });
      after(async function () {
        await cancelDialog(page()).catch(() => undefined);
      });

      it("says it connected, with the plan's severity levels", async function () {
        const r = await clickTest(BUTTON, RESULT, "…", ROUTE);
        await screenshot("aws-support-account-works");
        const want = fillIn(accountText.test.ok, { accountId: ACCOUNT_ID, severities: SEVERITIES_BY_PLAN.business.join(", ") });
        should(r.result).equal(want);
        should(r.notice).eql({ type: "success", text: want });
      });

      it("says in words that a Business, Enterprise On-Ramp or Enterprise plan is needed when the account has a basic plan", async function () {
        aws!.setSupportPlan(ACCOUNT_ID, "basic");
        const r = await clickTest(BUTTON, RESULT, "…", ROUTE);
        await screenshot("aws-support-account-basic-plan");
        should(r.notice?.type).equal("error");
        should(r.result).match(/Business, Enterprise On-Ramp or Enterprise support plan/);
        should(r.result).containEql(ACCOUNT_ID);
        should(r.result).not.match(/SubscriptionRequiredException|AWS_SUPPORT_/);
        should(await everythingShown()).not.containEql(AWS_SECRET);
      });
    });

    describe(`the "create case" dialog's service, category and severity fields`, function () {
      const EC2 = SERVICES.find((s) => s.code === "amazon-elastic-compute-cloud-linux")!;
      const FREE_SERVICE = "my-own-service-code";
      const FREE_SEVERITY = "my-own-severity";
      const options = (list: string) =>
        page().evaluate((sel: string) => $(sel).find("option").map(function (this: any) {
          return String($(this).attr("value"));
        }).get() as string[], list);

      before(async function () {
        browser!.state.phase = "aws-support-case dialog";
        await openNodeDialog(page(), find(nodes, "aws-basics-create"));
      });
      after(async function () {
        if (await page().locator("#red-ui-editor-stack .red-ui-tray").count()) await cancelDialog(page()).catch(() => undefined);
      });

      it("offers the account's services and, once one is chosen, its categories", async function () {
        await page().waitForFunction(() => $("#node-input-aws-services option").length > 0, undefined, { timeout: 15_000 }).catch(() => undefined);
        const services = await options("#node-input-aws-services");
        should(services).eql(SERVICES.map((s) => s.code), `the service list offers: ${services.join(", ") || "nothing"}`);
        await typeInto("#node-input-serviceCode", EC2.code);
        await page().waitForFunction(() => $("#node-input-aws-categories option").length > 0, undefined, { timeout: 5_000 }).catch(() => undefined);
        should(await options("#node-input-aws-categories")).eql(EC2.categories.map((c) => c.code));
        await takeNotifications(page());
        await page().locator("#node-input-categoryCode").click();
        await screenshot("aws-support-case-lists");
      });

      it("offers the plan's severity levels, low to urgent", async function () {
        should(await options("#node-input-aws-severities")).eql(SEVERITIES_BY_PLAN.business);
        should(SEVERITIES_BY_PLAN.business).eql(["low", "normal", "high", "urgent"]);
      });

      it("keeps free text that is not in the lists through Done and deploy", async function () {
        await typeInto("#node-input-serviceCode", FREE_SERVICE);
        await typeInto("#node-input-categoryCode", "general-guidance");
        await typeInto("#node-input-severityCode", FREE_SEVERITY);
        should(await options("#node-input-aws-services")).not.containEql(FREE_SERVICE);
        await screenshot("aws-support-case-free-text");
        await page().locator("#node-dialog-ok").click();
        await page().waitForFunction(() => $("#red-ui-editor-stack .red-ui-tray").length === 0, undefined, { timeout: 5_000 });
        const inEditor = await page().evaluate(() => {
          const n = RED.nodes.node("aws-basics-create");
          return { serviceCode: n.serviceCode, categoryCode: n.categoryCode, severityCode: n.severityCode, valid: n.valid !== false };
        });
        should(inEditor).eql({ serviceCode: FREE_SERVICE, categoryCode: "general-guidance", severityCode: FREE_SEVERITY, valid: true });
        const outcome = await deploy(page());
        should(outcome.ok).be.true(outcome.message);
        const res = await fetch(`${red!.url}/flows`, { headers: { "Node-RED-API-Version": "v2", Accept: "application/json" } });
        const body = (await res.json()) as { flows: Array<Record<string, unknown>> };
        const deployed = body.flows.find((n) => n.id === "aws-basics-create");
        should(deployed).have.properties({ serviceCode: FREE_SERVICE, categoryCode: "general-guidance", severityCode: FREE_SEVERITY });
      });
    });
  });

  describe("over these dialogs", function () {
    it("saw no uncaught error in the page", function () {
      const errors = browser!.problems.filter((p) => p.kind === "pageerror" || p.kind === "swallowed");
      should(errors.map((p) => `[${p.phase}] ${p.text.split("\n")[0]}`)).eql([]);
    });
  });
});
