/**
 * Drives the Node-RED editor in Chromium the way a person does: the main
 * menu, the import dialog's Examples tab, double-clicks on nodes, Cancel, the
 * Deploy button. Page-context calls (RED.*) are used only to read the
 * editor's state and, when a node cannot be reached with the mouse, to bring
 * it into view.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { chromium, type BrowserContext, type ConsoleMessage, type Page } from "playwright-core";

// The editor's globals, seen only inside page.evaluate callbacks (the project compiles without the DOM lib).
declare const RED: any;
declare const $: any;
declare const document: any;

export const CHROMIUM = process.env.CX_CHROMIUM || "/usr/bin/chromium";
const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"];

/** One error seen in the page: an uncaught exception, a console error, a failed request, or an error Node-RED caught and logged. */
export interface BrowserProblem {
  kind: "pageerror" | "console" | "swallowed" | "response";
  text: string;
  /** HTTP status, for kind "response" (0 when the request failed outright) */
  status?: number;
  url?: string;
  /** what the test was doing */
  phase: string;
  /** the type whose edit dialog was open, if any */
  dialogType?: string;
}

export interface EditorBrowser {
  context: BrowserContext;
  page: Page;
  problems: BrowserProblem[];
  /** set by the test, copied into each problem */
  state: { phase: string; dialogType?: string };
  close(): Promise<void>;
}

export async function launchEditorBrowser(): Promise<EditorBrowser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM} (apt-get install -y chromium)`);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "cx-chromium-"));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1600, height: 1000 },
    });
  } catch (err) {
    fs.rmSync(profile, { recursive: true, force: true });
    throw err;
  }
  const page = context.pages()[0] ?? (await context.newPage());
  const problems: BrowserProblem[] = [];
  const state: EditorBrowser["state"] = { phase: "start" };
  const record = (p: Omit<BrowserProblem, "phase" | "dialogType">) => problems.push({ ...p, phase: state.phase, dialogType: state.dialogType });
  page.on("pageerror", (err) => record({ kind: "pageerror", text: `${err.name}: ${err.message}${err.stack ? `\n${err.stack}` : ""}` }));
  page.on("console", (msg: ConsoleMessage) => {
    const text = msg.text();
    if (/^(onedit\w+|Definition error:)/.test(text)) record({ kind: "swallowed", text, url: msg.location().url });
    // a failed load is also seen as a "response" problem, with its status
    else if (msg.type() === "error" && !/^Failed to load resource/.test(text)) record({ kind: "console", text, url: msg.location().url });
  });
  page.on("response", (res) => {
    if (res.status() >= 400) record({ kind: "response", text: `${res.request().method()} ${res.url()} → ${res.status()}`, url: res.url(), status: res.status() });
  });
  page.on("requestfailed", (req) => record({ kind: "response", text: `${req.method()} ${req.url()} failed: ${req.failure()?.errorText}`, url: req.url(), status: 0 }));
  return {
    context,
    page,
    problems,
    state,
    close: async () => {
      await context.close().catch(() => undefined);
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Opens (or reloads) the editor and waits until it has loaded nodes and flows and hidden its progress bar. */
export async function openEditor(page: Page, url: string): Promise<void> {
  await page.goto(url, { waitUntil: "load" });
  await page.waitForFunction(
    () =>
      typeof RED !== "undefined" &&
      RED.nodes &&
      RED.workspaces &&
      RED.workspaces.count() > 0 &&
      document.querySelector(".red-ui-palette-node") !== null &&
      !$("#red-ui-loading-progress").is(":visible") &&
      $("#red-ui-header-button-deploy").length > 0,
    undefined,
    { timeout: 30_000 },
  );
}

/** The palette category container whose header reads `label`, with the node types shown in it. */
export async function paletteCategory(page: Page, label: string): Promise<{ found: boolean; visible: boolean; types: string[] }> {
  return page.evaluate((label: string) => {
    const cat = $(".red-ui-palette-category").filter(function (this: any) {
      return $(this).children(".red-ui-palette-header").text().trim() === label;
    });
    if (!cat.length) return { found: false, visible: false, types: [] as string[] };
    const types = cat.find(".red-ui-palette-node").map(function (this: any) {
      return $(this).attr("data-palette-type");
    }).get();
    return { found: true, visible: cat.is(":visible"), types };
  }, label);
}

/** Import > (dialog) Examples > module > file, then Import. */
export async function importExample(page: Page, moduleName: string, fileLabel: string): Promise<void> {
  await page.click("#red-ui-header-button-sidemenu");
  await page.click("#menu-item-import");
  const dialog = page.locator(".ui-dialog:has(#red-ui-clipboard-dialog-import-tabs)");
  await dialog.waitFor({ state: "visible", timeout: 10_000 });
  const examplesTab = dialog.locator('#red-ui-clipboard-dialog-import-tabs a[href="#red-ui-clipboard-dialog-import-tab-examples"]');
  if ((await examplesTab.count()) === 0) throw new Error("the Import dialog has no Examples tab");
  await examplesTab.click();
  const pane = dialog.locator("#red-ui-clipboard-dialog-import-tab-examples");
  const moduleItem = pane.locator(".red-ui-treeList-label", { hasText: moduleName }).first();
  try {
    await moduleItem.waitFor({ state: "visible", timeout: 10_000 });
  } catch {
    const listed = await pane.locator(".red-ui-treeList-label").allInnerTexts();
    throw new Error(`Import > Examples does not list ${moduleName} (it lists: ${listed.map((s) => s.trim()).join(", ") || "nothing"})`);
  }
  await moduleItem.click();
  const fileItem = pane.locator(".red-ui-treeList-label").filter({ has: page.locator(".red-ui-treeList-label-text", { hasText: new RegExp(`^${fileLabel.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`) }) }).first();
  try {
    await fileItem.waitFor({ state: "visible", timeout: 10_000 });
  } catch {
    const listed = await pane.locator(".red-ui-treeList-label").allInnerTexts();
    throw new Error(`Import > Examples > ${moduleName} does not list ${fileLabel} (it lists: ${listed.map((s) => s.trim()).join(", ")})`);
  }
  await fileItem.click();
  const ok = dialog.locator("#red-ui-clipboard-dialog-ok");
  await page.waitForFunction(() => !$("#red-ui-clipboard-dialog-ok").hasClass("ui-state-disabled") && !$("#red-ui-clipboard-dialog-ok").prop("disabled"), undefined, { timeout: 5_000 });
  await ok.click();
  await dialog.waitFor({ state: "hidden", timeout: 10_000 });
}

export interface EditorNode {
  id: string;
  type: string;
  /** for an unknown node: the type the flow asked for */
  name?: string;
  z?: string;
  config: boolean;
  valid: boolean;
  validationErrors: string[];
}

/** Every node, config node, subflow template, group and junction the editor holds (tabs and the global-config node left out). */
export async function editorNodes(page: Page): Promise<EditorNode[]> {
  return page.evaluate(() => {
    const out: any[] = [];
    const add = (n: any, config: boolean) =>
      out.push({ id: n.id, type: n.type, name: n.name, z: n.z, config, valid: n.valid !== false, validationErrors: Array.isArray(n.validationErrors) ? n.validationErrors.map(String) : [] });
    RED.nodes.eachNode((n: any) => add(n, false));
    RED.nodes.eachConfig((n: any) => {
      if (n.type !== "global-config") add(n, true);
    });
    RED.nodes.eachSubflow?.((sf: any) => out.push({ id: sf.id, type: "subflow", name: sf.name, config: false, valid: true, validationErrors: [] }));
    RED.nodes.eachGroup?.((g: any) => out.push({ id: g.id, type: "group", z: g.z, config: false, valid: true, validationErrors: [] }));
    RED.nodes.eachJunction?.((j: any) => out.push({ id: j.id, type: "junction", z: j.z, config: false, valid: true, validationErrors: [] }));
    return out;
  });
}

/** The red triangles drawn on the workspace currently shown (ids of the flagged nodes). */
export async function flaggedOnWorkspace(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    $("#red-ui-workspace-chart .red-ui-flow-node-error")
      .filter(function (this: any) {
        return !$(this).hasClass("hide") && $(this).css("display") !== "none";
      })
      .map(function (this: any) {
        return $(this).closest(".red-ui-flow-node-group").attr("id");
      })
      .get(),
  );
}

/** Shows a flow tab by clicking it in the tab bar (page context only if the tab is scrolled out of the bar). */
export async function showTab(page: Page, tabId: string): Promise<void> {
  const active = await page.evaluate(() => RED.workspaces.active());
  if (active === tabId) return;
  const tab = page.locator(`#red-ui-workspace-tabs li[id="red-ui-tab-${tabId.replace(/\./g, "-")}"] a.red-ui-tab-label`);
  if ((await tab.count()) && (await tab.isVisible())) await tab.click();
  if ((await page.evaluate(() => RED.workspaces.active())) !== tabId) await page.evaluate((id: string) => RED.workspaces.show(id), tabId);
}

export interface OpenedDialog {
  /** how it was opened: "dblclick" (workspace or config sidebar) or "api" (RED.editor.edit*, node out of reach) */
  how: "dblclick" | "api";
  title: string;
}

async function trayCount(page: Page): Promise<number> {
  return page.evaluate(() => $("#red-ui-editor-stack .red-ui-tray").length);
}

async function waitTray(page: Page, count: number, ms: number): Promise<boolean> {
  try {
    await page.waitForFunction((c: number) => $("#red-ui-editor-stack .red-ui-tray").length === c && !$("#red-ui-editor-stack .red-ui-tray").is(":animated"), count, { timeout: ms });
    return true;
  } catch {
    return false;
  }
}

/** Opens a workspace node's edit dialog with a double-click on the node (revealing it first when it is off-screen). */
export async function openNodeDialog(page: Page, node: EditorNode): Promise<OpenedDialog> {
  if (node.z) await showTab(page, node.z);
  const before = await trayCount(page);
  const el = page.locator(`#red-ui-workspace-chart g.red-ui-flow-node-group[id="${node.id}"] .red-ui-flow-node`).first();
  let how: OpenedDialog["how"] = "dblclick";
  const inView = async () => (await el.count()) > 0 && (await el.isVisible()) && (await el.evaluate((e: any) => {
    const r = e.getBoundingClientRect();
    const c = document.getElementById("red-ui-workspace-chart").getBoundingClientRect();
    return r.width > 0 && r.left >= c.left && r.top >= c.top && r.right <= c.right && r.bottom <= c.bottom;
  }));
  if (!(await inView())) {
    await page.evaluate((id: string) => RED.view.reveal(id, false), node.id);
    await page.waitForTimeout(300);
  }
  if (await inView()) {
    await el.dblclick();
    if (!(await waitTray(page, before + 1, 3_000))) how = "api";
  } else how = "api";
  if (how === "api") {
    await page.evaluate((id: string) => RED.editor.edit(RED.nodes.node(id)), node.id);
    if (!(await waitTray(page, before + 1, 5_000))) throw new Error(`the edit dialog of ${nodeLabel(node)} did not open`);
  }
  return { how, title: await dialogTitle(page) };
}

/** Opens a config node's edit dialog with a double-click on it in the Configuration nodes sidebar. */
export async function openConfigDialog(page: Page, node: EditorNode): Promise<OpenedDialog> {
  const before = await trayCount(page);
  await page.evaluate(() => RED.sidebar.show("config"));
  const marked = await page.evaluate((id: string) => {
    $("[data-cx-config-node]").removeAttr("data-cx-config-node");
    const li = $("#red-ui-sidebar-content li").filter(function (this: any) {
      return $(this).data("data-node-id") === id;
    });
    const div = li.children(".red-ui-palette-node").first();
    if (!div.length) return false;
    // open a collapsed section so the entry can be clicked
    const section = div.closest(".red-ui-palette-category");
    const content = section.find(".red-ui-palette-content").first();
    if (content.length && !content.is(":visible")) section.find(".red-ui-palette-header").first().trigger("click");
    div.attr("data-cx-config-node", id);
    return true;
  }, node.id);
  let how: OpenedDialog["how"] = "dblclick";
  const el = page.locator(`[data-cx-config-node="${node.id}"]`);
  if (marked) await page.waitForTimeout(250);
  if (marked && (await el.isVisible())) {
    await el.scrollIntoViewIfNeeded();
    await el.dblclick();
    if (!(await waitTray(page, before + 1, 3_000))) how = "api";
  } else how = "api";
  if (how === "api") {
    await page.evaluate((n: { id: string; type: string }) => RED.editor.editConfig("", n.type, n.id), { id: node.id, type: node.type });
    if (!(await waitTray(page, before + 1, 5_000))) throw new Error(`the edit dialog of ${nodeLabel(node)} did not open`);
  }
  return { how, title: await dialogTitle(page) };
}

async function dialogTitle(page: Page): Promise<string> {
  return page.evaluate(() => $("#red-ui-editor-stack .red-ui-tray").last().find(".red-ui-tray-titlebar").first().text().trim());
}

/** What the open dialog shows: whether it has a form with fields (the node's template was found). */
export async function dialogForm(page: Page): Promise<{ fields: number; text: string; rawKeys: string[] }> {
  return page.evaluate(() => {
    const tray = $("#red-ui-editor-stack .red-ui-tray").last();
    const form = tray.find("form.dialog-form, .red-ui-tray-body form").first();
    // a message key shown instead of its text (a catalogue lookup in the wrong namespace)
    const seen = [tray.find(".red-ui-tray-body").text()];
    tray.find("option, input[placeholder], [title]").each((_i: number, el: unknown) => {
      const e = $(el as never);
      seen.push(e.text(), e.attr("placeholder") || "", e.attr("title") || "");
    });
    const rawKeys = Array.from(new Set(seen.join(" ").match(/\b(?:ensono|snow|aws-support|status-map|group-map)[\w-]*\.(?:label|test|error|errors|action|status|placeholder|tip|option|outputs)\.[\w.]+/g) || []));
    return { fields: form.find("input, select, textarea, .red-ui-typedInput-container, .red-ui-editableList").length, text: tray.find(".red-ui-tray-body").text().trim().slice(0, 200), rawKeys };
  });
}

/** Closes the top dialog with its Cancel button and waits for the tray to go. */
export async function cancelDialog(page: Page): Promise<void> {
  const before = await trayCount(page);
  const cancel = page.locator("#red-ui-editor-stack .red-ui-tray").last().locator("#node-dialog-cancel, #node-config-dialog-cancel").first();
  await cancel.click();
  if (!(await waitTray(page, before - 1, 5_000))) throw new Error("the edit dialog did not close on Cancel");
}

export interface DeployOutcome {
  ok: boolean;
  /** the notification's (or the confirm dialog's) text */
  message: string;
}

/** Clicks Deploy and waits for the editor's success or error notification (a confirm dialog about invalid/unknown nodes counts as not deployed). */
export async function deploy(page: Page): Promise<DeployOutcome> {
  await takeNotifications(page);
  await page.click("#red-ui-header-button-deploy");
  const success = page.locator(".red-ui-notification-success:not(.cx-taken)").first();
  const failure = page.locator(".red-ui-notification-error:not(.cx-taken)").first();
  const confirm = page.locator("#red-ui-deploy-dialog-confirm-deploy-deploy");
  await Promise.race([
    success.waitFor({ state: "visible", timeout: 30_000 }),
    failure.waitFor({ state: "visible", timeout: 30_000 }),
    confirm.waitFor({ state: "visible", timeout: 30_000 }),
  ]).catch(() => undefined);
  if (await confirm.isVisible()) {
    const text = (await page.locator(".ui-dialog:has(#red-ui-deploy-dialog-confirm-deploy-deploy) .ui-dialog-content, .red-ui-notification:has(#red-ui-deploy-dialog-confirm-deploy-deploy)").first().innerText()).trim();
    const cancel = page.locator(".ui-dialog-buttonset button, .red-ui-notification button, .ui-dialog button").filter({ hasText: /^Cancel$/ }).first();
    if (await cancel.count()) await cancel.click();
    return { ok: false, message: `Deploy asked for confirmation: ${text.replace(/\s+/g, " ")}` };
  }
  if (await success.isVisible()) return { ok: true, message: (await success.innerText()).trim() };
  if (await failure.isVisible()) return { ok: false, message: (await failure.innerText()).trim() };
  return { ok: false, message: "no notification within 30 s of clicking Deploy" };
}

export function nodeLabel(n: { id: string; type: string; name?: string }): string {
  return `${n.type}${n.name ? ` "${n.name}"` : ""} (${n.id})`;
}

/** Reads and hides the editor's notifications (so they do not cover a screenshot). */
export async function takeNotifications(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    // hidden and marked, not removed: the editor removes each one itself when it times out
    const shown = $(".red-ui-notification:not(.cx-taken)");
    const texts = shown.map(function (this: any) {
      return $(this).text().replace(/\s+/g, " ").trim();
    }).get();
    shown.addClass("cx-taken").hide();
    return texts;
  });
}

/** Zooms the workspace out (footer "-" button) until the shown flow fits, and scrolls to its top left. Returns a function that resets the zoom. */
export async function fitWorkspace(page: Page): Promise<() => Promise<void>> {
  for (let i = 0; i < 8; i++) {
    const fits = await page.evaluate(() => {
      const z = RED.workspaces.active();
      let maxX = 0;
      let maxY = 0;
      RED.nodes.eachNode((n: any) => {
        if (n.z === z) {
          maxX = Math.max(maxX, (n.x || 0) + (n.w || 100) / 2);
          maxY = Math.max(maxY, (n.y || 0) + (n.h || 30) / 2);
        }
      });
      const chart = $("#red-ui-workspace-chart");
      chart.scrollLeft(0);
      chart.scrollTop(0);
      const s = RED.view.scale();
      return (maxX + 40) * s <= chart.width() && (maxY + 40) * s <= chart.height();
    });
    if (fits) break;
    await page.click("#red-ui-view-zoom-out");
    await page.waitForTimeout(100);
  }
  await page.mouse.move(5, 500); // off the footer buttons, so no tooltip shows
  await page.waitForTimeout(200);
  return async () => {
    await page.click("#red-ui-view-zoom-zero");
    await page.waitForTimeout(100);
  };
}
