/**
 * A real Node-RED (the leg's major) in a child process, with our package
 * installed in its user directory the way an integrator installs it, a
 * persistent context store, and a flow file given at start. restart() stops
 * and starts the same user directory, so context and flows carry over.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { DIST, PACKAGE_ROOT, RUNTIME } from "./paths";

export interface RuntimeOptions {
  /** flow JSON (array) to write as the flow file */
  flows: unknown[];
  /** extra environment for the runtime (SNOW_URL, ENSONO_URL…) */
  env?: Record<string, string>;
  /** settings merged into settings.js (JSON-serialisable) */
  settings?: Record<string, unknown>;
  /** keep the runtime's log lines (default: only when CX_RUNTIME_LOG=1) */
  echoLog?: boolean;
}

export interface RunningNodeRed {
  url: string;
  port: number;
  userDir: string;
  log: string[];
  /** stop the child (SIGINT, then SIGKILL after 15 s) */
  stop(): Promise<void>;
  /** stop and start again on the same user directory and flow file */
  restart(): Promise<void>;
  /** kill -9, as a crash would */
  kill(): Promise<void>;
  start(): Promise<void>;
  /** resolves when a log line matches */
  waitForLog(pattern: RegExp, ms?: number): Promise<string>;
  /** removes the user directory (after stop) */
  cleanup(): void;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Installs the package into userDir/node_modules as a module folder pointing at the build in use. */
export function installPackage(userDir: string): void {
  const pkg = JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, "package.json"), "utf8"));
  const modDir = path.join(userDir, "node_modules", "@case-exchange", "node-red");
  fs.mkdirSync(modDir, { recursive: true });
  const nodes: Record<string, string> = {};
  for (const [type, file] of Object.entries<string>(pkg["node-red"].nodes ?? {})) {
    const inDist = path.join(DIST, path.relative("dist", file));
    nodes[type] = path.relative(modDir, inDist);
  }
  pkg["node-red"] = { ...pkg["node-red"], nodes };
  fs.writeFileSync(path.join(modDir, "package.json"), JSON.stringify(pkg, null, 2));
  const examples = path.join(PACKAGE_ROOT, "examples");
  if (fs.existsSync(examples)) fs.cpSync(examples, path.join(modDir, "examples"), { recursive: true });
  fs.writeFileSync(path.join(userDir, "package.json"), JSON.stringify({ name: "node-red-project", private: true, dependencies: { "@case-exchange/node-red": "*" } }, null, 2));
}

export async function startNodeRed(options: RuntimeOptions): Promise<RunningNodeRed> {
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), "cx-nodered-"));
  installPackage(userDir);
  const flowFile = path.join(userDir, "flows.json");
  fs.writeFileSync(flowFile, JSON.stringify(options.flows, null, 2));
  const port = await freePort();
  const settings = {
    uiHost: "127.0.0.1",
    uiPort: port,
    flowFile: "flows.json",
    userDir,
    credentialSecret: false,
    contextStorage: { default: { module: "localfilesystem", config: { flushInterval: 0 } } },
    logging: { console: { level: "info", metrics: false, audit: false } },
    editorTheme: { tours: false, projects: { enabled: false } },
    externalModules: { autoInstall: false, palette: { allowInstall: false } },
    ...options.settings,
  };
  fs.writeFileSync(path.join(userDir, "settings.js"), `module.exports = ${JSON.stringify(settings, null, 2)};\n`);
  const redJs = path.join(path.dirname(require.resolve(`${RUNTIME}/package.json`)), "red.js");
  const log: string[] = [];
  const waiters: Array<{ re: RegExp; resolve: (line: string) => void }> = [];
  let child: ChildProcess | undefined;
  const echo = options.echoLog ?? process.env.CX_RUNTIME_LOG === "1";

  function onLine(line: string) {
    log.push(line);
    if (echo) process.stdout.write(`      [node-red] ${line}\n`);
    for (const w of [...waiters]) {
      if (w.re.test(line)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  }

  function waitForLog(re: RegExp, ms = 30_000): Promise<string> {
    const hit = log.find((l) => re.test(l));
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve, reject) => {
      const w = { re, resolve: (l: string) => (clearTimeout(t), resolve(l)) };
      const t = setTimeout(() => {
        waiters.splice(waiters.indexOf(w), 1);
        reject(new Error(`Node-RED did not log ${re} within ${ms} ms; last lines:\n${log.slice(-15).join("\n")}`));
      }, ms);
      waiters.push(w);
    });
  }

  async function start(): Promise<void> {
    const startIndex = log.length;
    child = spawn(process.execPath, [redJs, "--settings", path.join(userDir, "settings.js"), "--userDir", userDir], {
      cwd: userDir,
      env: { ...process.env, ...options.env, NODE_RED_HOME: userDir },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let buf = "";
    const feed = (chunk: Buffer) => {
      buf += chunk.toString("utf8");
      let i;
      while ((i = buf.indexOf("\n")) >= 0) {
        onLine(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
    };
    child.stdout!.on("data", feed);
    child.stderr!.on("data", feed);
    const exited = new Promise<never>((_, reject) =>
      child!.once("exit", (code) => reject(new Error(`Node-RED exited (${code}) before starting:\n${log.slice(startIndex).slice(-20).join("\n")}`))),
    );
    const started = (async () => {
      for (;;) {
        const line = await waitForLog(/Started flows|Server now running/, 60_000);
        if (log.indexOf(line) >= startIndex && /Started flows/.test(line)) return;
        // wait for this start's own line
        await new Promise((r) => setTimeout(r, 50));
        if (log.slice(startIndex).some((l) => /Started flows/.test(l))) return;
      }
    })();
    await Promise.race([started, exited]);
  }

  async function stop(signal: NodeJS.Signals = "SIGINT"): Promise<void> {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => c.kill("SIGKILL"), 15_000);
      c.once("exit", () => {
        clearTimeout(t);
        resolve();
      });
      c.kill(signal);
    });
  }

  await start();
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    userDir,
    log,
    start,
    stop: () => stop("SIGINT"),
    kill: () => stop("SIGKILL"),
    restart: async () => {
      await stop("SIGINT");
      await start();
    },
    waitForLog,
    cleanup: () => fs.rmSync(userDir, { recursive: true, force: true }),
  };
}

/** Polls `check` until it returns a truthy value (or throws its last error after ms). */
export async function eventually<T>(check: () => T | Promise<T>, ms = 20_000, every = 100): Promise<NonNullable<T>> {
  const until = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
      last = new Error("condition still false");
    } catch (err) {
      last = err;
    }
    if (Date.now() > until) throw last instanceof Error ? last : new Error(String(last));
    await new Promise((r) => setTimeout(r, every));
  }
}
