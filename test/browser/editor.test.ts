/**
 * The editor's browser test (`npm run test:browser`): a real Node-RED with the
 * package installed, pointed by the PRODUCT.md environment variables at the
 * three simulators, driven in Debian's Chromium. It finds the package's nodes
 * in the palette, imports every example flow of flows/ through Import >
 * Examples, opens every imported node's edit dialog, checks no node is flagged
 * invalid, deploys, and keeps screenshots in artifacts/browser/.
 */
import { sandboxEnv } from "../../sandbox/env";
import should from "should";
import * as fs from "node:fs";
import * as path from "node:path";
import { startNodeRed, eventually, type RunningNodeRed } from "../helpers/runtime";
import { PACKAGE_ROOT, RUNTIME } from "../helpers/paths";
import { startEnsonoSandbox, startSnowSandbox, startAwsSupportSandbox, type EnsonoSandbox, type SnowSandbox, type AwsSupportSandbox } from "../../sandbox";
import { MODULE_NAME, PALETTE_CATEGORY, SPEC_PALETTE_TYPES, countByType, exampleFlows, packageNodeTypes, paletteTypes, readFlow, type FlowNode } from "./package-info";
import {
  cancelDialog,
  deploy,
  dialogForm,
  editorNodes,
  flaggedOnWorkspace,
  importExample,
  fitWorkspace,
  launchEditorBrowser,
  takeNotifications,
  nodeLabel,
  openConfigDialog,
  openEditor,
  openNodeDialog,
  paletteCategory,
  showTab,
  type BrowserProblem,
  type EditorBrowser,
  type EditorNode,
} from "./editor-driver";

declare const RED: any;

const NODE_TYPES = packageNodeTypes();
const PALETTE_TYPES = paletteTypes(NODE_TYPES);
const OUR_TYPES = [...new Set([...NODE_TYPES.map((t) => t.type), ...PALETTE_TYPES])];
const FLOWS = exampleFlows();
const ARTIFACTS = path.join(PACKAGE_ROOT, "artifacts", "browser");
/** Types without an edit dialog of their own. */
const NO_DIALOG = new Set(["group", "junction", "tab", "subflow"]);

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const OURS_RE = new RegExp(`(${["case-exchange", ...OUR_TYPES].map(escapeRe).join("|")})`);

/** Whether an error seen in the page comes from the package's editor code (its dialogs, definitions, admin routes, icons or catalogues). */
function fromOurCode(p: BrowserProblem): boolean {
  // a 4xx answer (other than 404) from an admin route is the node's own, deliberate answer
  // (e.g. "deploy the account first"), which the dialog shows; 404 and 5xx are defects
  if (p.kind === "response" && p.status !== undefined && p.status >= 400 && p.status < 500 && p.status !== 404) return false;
  if (p.dialogType) return OUR_TYPES.includes(p.dialogType) || OURS_RE.test(p.text) || OURS_RE.test(p.url ?? "");
  if (p.kind === "pageerror") return true; // uncaught outside a core node's dialog: node definitions, which are ours or core's
  return OURS_RE.test(p.text) || OURS_RE.test(p.url ?? "");
}

function formatProblems(list: BrowserProblem[]): string {
  return list.map((p) => `  - [${p.kind} while ${p.phase}] ${p.text.split("\n").slice(0, 4).join("\n      ")}`).join("\n");
}

/** Fails with a readable list (instead of should's array diff) when `list` is not empty. */
function assertNone(list: string[], header: string): void {
  if (list.length) throw new Error(`${header}\n  ${list.join("\n  ")}`);
}

const fileSafe = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, "_");

describe(`the editor in Chromium (${RUNTIME})`, function () {
  this.timeout(60_000);
  let ensono: EnsonoSandbox | undefined;
  let snow: SnowSandbox | undefined;
  let aws: AwsSupportSandbox | undefined;
  let red: RunningNodeRed | undefined;
  let browser: EditorBrowser | undefined;
  const screenshots: string[] = [];

  async function screenshot(name: string): Promise<void> {
    const file = path.join(ARTIFACTS, `${fileSafe(name)}.png`);
    await browser!.page.screenshot({ path: file });
    screenshots.push(path.relative(PACKAGE_ROOT, file));
  }

  before(async function () {
    this.timeout(120_000);
    fs.rmSync(ARTIFACTS, { recursive: true, force: true });
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    ensono = await startEnsonoSandbox();
    snow = await startSnowSandbox();
    aws = await startAwsSupportSandbox();
    red = await startNodeRed({
      flows: [],
      env: { ...sandboxEnv({ ensono, snow, aws }, { pollSeconds: 2 }), ENSONO_GROUP: "Ensono" },
      // no first-run telemetry question in the editor
      settings: { telemetry: { enabled: false } },
    });
    browser = await launchEditorBrowser();
    browser.state.phase = "loading the editor";
    await openEditor(browser.page, red.url);
  });

  after(async function () {
    this.timeout(60_000);
    if (screenshots.length) console.log(`      screenshots: ${screenshots.join(", ")}`);
    const others = browser?.problems.filter((p) => !fromOurCode(p)) ?? [];
    if (others.length) console.log(`      browser errors not from the package (not failed on):\n${formatProblems(others)}`);
    await browser?.close();
    await red?.stop();
    red?.cleanup();
    await Promise.all([ensono?.close(), snow?.close(), aws?.close()]);
  });

  describe(`the palette ("${PALETTE_CATEGORY}") and the package's node types`, function () {
    let category: { found: boolean; visible: boolean; types: string[] } | undefined;

    before(async function () {
      const page = browser!.page;
      browser!.state.phase = "checking the palette";
      category = await paletteCategory(page, PALETTE_CATEGORY);
      await page.locator(`.red-ui-palette-header:has-text("${PALETTE_CATEGORY}")`).first().scrollIntoViewIfNeeded().catch(() => undefined);
      await screenshot("palette");
    });

    it(`has a visible "${PALETTE_CATEGORY}" category holding only the package's palette nodes`, function () {
      should(category!.found).be.true(`the palette has no "${PALETTE_CATEGORY}" category`);
      should(category!.visible).be.true(`the "${PALETTE_CATEGORY}" category is hidden`);
      const stray = category!.types.filter((t) => !PALETTE_TYPES.includes(t));
      assertNone(stray, `unexpected in "${PALETTE_CATEGORY}":`);
    });

    for (const type of OUR_TYPES) {
      const info = NODE_TYPES.find((t) => t.type === type);
      const inPalette = PALETTE_TYPES.includes(type);
      it(`${type}: ${inPalette ? `in the palette under "${PALETTE_CATEGORY}"` : "a config node"}, with its editor file and help text`, async function () {
        if (!info) throw new Error(`${type}: not in package.json's node-red.nodes`);
        const rel = path.relative(PACKAGE_ROOT, info.htmlFile);
        if (!info.htmlExists) throw new Error(`${type}: no editor file (${rel} is missing)`);
        if (!info.category) throw new Error(`${type}: ${rel} does not register the type with a category`);
        if (inPalette) {
          should(info.category).equal(PALETTE_CATEGORY, `${type}: ${rel} registers category "${info.category}", expected "${PALETTE_CATEGORY}"`);
          if (!category?.types.includes(type)) throw new Error(`${type}: not in the palette's "${PALETTE_CATEGORY}" category (it shows ${category?.types.join(", ") || "nothing"})`);
        } else should(info.category).equal("config", `${type}: ${rel} registers category "${info.category}"`);
        const help = await browser!.page.evaluate((t: string) => String(RED.nodes.getNodeHelp(t) || "").trim(), type);
        should(help).not.equal("", `${type}: the editor has no help text for it (locales/en-US/${type}.html)`);
      });
    }
  });

  if (FLOWS.length === 0) {
    it("has example flows in flows/ to import", function () {
      should(FLOWS.length).be.above(0, "flows/ holds no example flow (*.json)");
    });
  }

  for (const flow of FLOWS) {
    describe(`example flow ${flow.name}.json`, function () {
      let fileNodes: FlowNode[] = [];
      let imported: EditorNode[] | undefined;
      let importError: Error | undefined;

      const needImport = () => {
        if (!imported) throw new Error(`${flow.name}.json was not imported (${importError?.message ?? "see the import test"})`);
        return imported;
      };

      before(async function () {
        this.timeout(60_000);
        // a clean runtime and editor for each example, as a newcomer would start
        const res = await fetch(`${red!.url}/flows`, {
          method: "POST",
          headers: { "Content-Type": "application/json", "Node-RED-Deployment-Type": "full" },
          body: "[]",
        });
        should(res.status).equal(204);
        browser!.state.phase = `reloading the editor before ${flow.name}`;
        await openEditor(browser!.page, red!.url);
      });

      it(`imports it from Import > Examples > ${MODULE_NAME} > ${flow.name}, every node with a known type`, async function () {
        this.timeout(60_000);
        const page = browser!.page;
        try {
          fileNodes = readFlow(flow.file);
          browser!.state.phase = `importing ${flow.name}`;
          const before = (await editorNodes(page)).length;
          await importAndWait(page, flow.name, fileNodes.filter((n) => n.type !== "tab" && n.type !== "global-config").length + before);
          imported = await editorNodes(page);
        } catch (err) {
          importError = err as Error;
          throw err;
        }
        const tabs = fileNodes.filter((n) => n.type === "tab");
        await takeNotifications(page);
        for (const [i, tab] of tabs.entries()) {
          await showTab(page, tab.id);
          const unzoom = await fitWorkspace(page);
          await screenshot(`${flow.name}--workspace${tabs.length > 1 ? `-${i + 1}` : ""}`);
          await unzoom();
        }
        if (!tabs.length) await screenshot(`${flow.name}--workspace`);
        const unknown = imported.filter((n) => n.type === "unknown").map((n) => `${n.name} (${n.id})`);
        assertNone(unknown, `${flow.name}: the editor does not know these node types (no editor file registered them):`);
        const want = countByType(fileNodes);
        const got = countByType(imported);
        should(got).eql(want, `${flow.name}: imported ${JSON.stringify(got)}, the file holds ${JSON.stringify(want)}`);
      });

      it("opens every imported node's edit dialog without an error, and closes it with Cancel", async function () {
        const page = browser!.page;
        const nodes = needImport();
        this.timeout(30_000 + nodes.length * 4_000);
        const failures: string[] = [];
        const shot = new Set<string>();
        const dialogNotices: string[] = [];
        const how = { dblclick: 0, api: 0 };
        const ordered = [...nodes.filter((n) => !n.config), ...nodes.filter((n) => n.config)];
        for (const node of ordered) {
          if (NO_DIALOG.has(node.type)) continue;
          if (node.type === "unknown") {
            failures.push(`${node.name} (${node.id}): unknown type, no dialog of its own`);
            continue;
          }
          const mark = browser!.problems.length;
          browser!.state.phase = `editing ${nodeLabel(node)} in ${flow.name}`;
          browser!.state.dialogType = node.type;
          try {
            const opened = node.config ? await openConfigDialog(page, node) : await openNodeDialog(page, node);
            how[opened.how]++;
            await page.waitForTimeout(150); // let oneditprepare's requests answer
            const form = await dialogForm(page);
            if (!opened.title) failures.push(`${nodeLabel(node)}: the dialog has no title`);
            if (form.fields === 0) failures.push(`${nodeLabel(node)}: the dialog shows no fields (${form.text || "empty"})`);
            if (form.rawKeys.length) failures.push(`${nodeLabel(node)}: the dialog shows message keys instead of text: ${form.rawKeys.join(", ")}`);
            const notices = await takeNotifications(page);
            if (notices.length) dialogNotices.push(`${nodeLabel(node)}: ${notices.join(" | ")}`);
            if (!shot.has(node.type)) {
              shot.add(node.type);
              await screenshot(`${flow.name}--dialog--${node.type}`);
            }
            await cancelDialog(page);
          } catch (err) {
            failures.push(`${nodeLabel(node)}: ${(err as Error).message.split("\n")[0]}`);
            await page.keyboard.press("Escape").catch(() => undefined);
          } finally {
            browser!.state.dialogType = undefined;
          }
          const ours = browser!.problems.slice(mark).filter(fromOurCode);
          if (ours.length) failures.push(`${nodeLabel(node)}: browser errors while its dialog was open:\n${formatProblems(ours)}`);
        }
        console.log(`      ${how.dblclick} dialogs opened by double-click, ${how.api} through RED.editor (node out of reach)`);
        if (dialogNotices.length) console.log(`      notifications shown by dialogs (not failed on):\n        ${dialogNotices.join("\n        ")}`);
        assertNone(failures, `${flow.name}: edit dialogs:`);
      });

      it("flags no node invalid (a ${VAR} value counts as valid)", async function () {
        const page = browser!.page;
        needImport();
        browser!.state.phase = `checking validity in ${flow.name}`;
        const now = await editorNodes(page);
        const invalid = now
          .filter((n) => !n.valid || n.type === "unknown")
          .map((n) => (n.type === "unknown" ? `${n.name} (${n.id}): unknown type` : `${nodeLabel(n)}: invalid ${n.validationErrors.length ? `properties: ${n.validationErrors.join(", ")}` : "(no property named)"}`));
        const flagged: string[] = [];
        for (const tab of fileNodes.filter((n) => n.type === "tab")) {
          await showTab(page, tab.id);
          for (const id of await flaggedOnWorkspace(page)) {
            const n = now.find((x) => x.id === id);
            flagged.push(n ? nodeLabel(n) : id);
          }
        }
        assertNone([...invalid, ...flagged.map((f) => `red triangle on the workspace: ${f}`)], `${flow.name}: nodes flagged invalid:`);
      });

      it("deploys with the Deploy button, and the runtime then holds and starts the flow's nodes", async function () {
        this.timeout(60_000);
        const page = browser!.page;
        needImport();
        browser!.state.phase = `deploying ${flow.name}`;
        const logFrom = red!.log.length;
        const outcome = await deploy(page);
        should(outcome.ok).be.true(`${flow.name}: deploy did not succeed: ${outcome.message}`);
        should(outcome.message).match(/deployed/i);
        const res = await fetch(`${red!.url}/flows`, { headers: { "Node-RED-API-Version": "v2", Accept: "application/json" } });
        should(res.status).equal(200);
        const body = (await res.json()) as { flows: Array<{ id: string; type: string }> };
        const want = countByType(fileNodes);
        should(countByType(body.flows)).eql(want, `${flow.name}: GET /flows holds ${JSON.stringify(countByType(body.flows))}, the file ${JSON.stringify(want)}`);
        const missingIds = fileNodes.filter((n) => n.type !== "tab" && n.type !== "global-config").map((n) => n.id).filter((id) => !body.flows.some((f) => f.id === id));
        should(missingIds).eql([], `${flow.name}: deployed flows lack these node ids of the file: ${missingIds.join(", ")}`);
        await eventually(() => red!.log.slice(logFrom).some((l) => /Started (modified )?flows|Starting (modified )?flows/.test(l)), 15_000);
        const bad = red!.log.slice(logFrom).filter((l) => /Waiting for missing types|\[error\]/.test(l) && (/missing types/.test(l) || OURS_RE.test(l)));
        assertNone(bad, `${flow.name}: the runtime logged after the deploy:`);
        await page.waitForTimeout(500); // node statuses arrive over the comms socket
        await takeNotifications(page);
        const firstTab = fileNodes.find((n) => n.type === "tab");
        if (firstTab) await showTab(page, firstTab.id);
        const unzoom = await fitWorkspace(page);
        await screenshot(`${flow.name}--deployed`);
        await unzoom();
      });
    });
  }

  describe("over the whole session", function () {
    it("saw no browser error from the package's editor code", function () {
      const ours = browser!.problems.filter(fromOurCode);
      if (ours.length) throw new Error(`browser errors from the package's editor code:\n${formatProblems(ours)}`);
    });
  });
});

async function importAndWait(page: EditorBrowser["page"], fileLabel: string, expectedCount: number): Promise<void> {
  await importExample(page, MODULE_NAME, fileLabel);
  // import is asynchronous (the dialog fetches the file): wait for the nodes to land
  await page
    .waitForFunction(
      (want: number) => {
        let n = 0;
        RED.nodes.eachNode(() => void n++);
        RED.nodes.eachConfig((c: any) => void (c.type !== "global-config" && n++));
        RED.nodes.eachSubflow?.(() => void n++);
        RED.nodes.eachGroup?.(() => void n++);
        RED.nodes.eachJunction?.(() => void n++);
        return n >= want;
      },
      expectedCount,
      { timeout: 15_000 },
    )
    .catch(() => undefined);
}
