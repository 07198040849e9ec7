import should from "should";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { createHttpTransport } from "../../../nodes/lib/http/transport";
import { backoffDelay, classifyStatus, DEFAULT_RETRY, retryAfterMs } from "../../../nodes/lib/http/retry";
import { CaseExchangeError } from "../../../nodes/lib/errors";

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

async function serve(handler: Handler): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const sockets = new Set<import("node:net").Socket>();
  server.on("connection", (s) => (sockets.add(s), s.on("close", () => sockets.delete(s))));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((r) => (sockets.forEach((s) => s.destroy()), server.close(() => r()))),
  };
}

describe("the HTTP transport", function () {
  const sleeps: number[] = [];
  const sleep = async (ms: number) => void sleeps.push(ms);
  beforeEach(() => (sleeps.length = 0));

  it("retries a GET through transient 503s and returns the success", async function () {
    let calls = 0;
    const srv = await serve((_req, res) => {
      calls++;
      if (calls < 3) return res.writeHead(503).end("busy");
      res.writeHead(200, { "Content-Type": "application/json" }).end('{"ok":true}');
    });
    try {
      const t = createHttpTransport({ system: "Test", codePrefix: "TEST", baseURL: srv.url, sleep });
      const r = await t.request<{ ok: boolean }>({ method: "GET", url: "/x" });
      should(r.data).eql({ ok: true });
      should(calls).equal(3);
      should(sleeps.length).equal(2);
    } finally {
      await srv.close();
    }
  });

  it("never repeats a POST on its own", async function () {
    let calls = 0;
    const srv = await serve((_req, res) => (calls++, res.writeHead(503).end("busy")));
    try {
      const t = createHttpTransport({ system: "Test", codePrefix: "TEST", baseURL: srv.url, sleep });
      const err = await t.request({ method: "POST", url: "/create", data: { a: 1 } }).then(() => undefined, (e: unknown) => e);
      should(err).be.instanceOf(CaseExchangeError);
      should((err as CaseExchangeError).code).equal("TEST_HTTP_503");
      should((err as CaseExchangeError).retryable).be.true();
      should(calls).equal(1);
    } finally {
      await srv.close();
    }
  });

  it("waits at least what Retry-After asks on a 429", async function () {
    let calls = 0;
    const srv = await serve((_req, res) => {
      calls++;
      if (calls === 1) return res.writeHead(429, { "Retry-After": "7" }).end("slow down");
      res.writeHead(200).end("{}");
    });
    try {
      const t = createHttpTransport({ system: "Test", codePrefix: "TEST", baseURL: srv.url, sleep });
      await t.request({ method: "GET", url: "/" });
      should(sleeps).eql([7000]);
    } finally {
      await srv.close();
    }
  });

  it("fails at once, retryable, when Retry-After asks for longer than a minute", async function () {
    let calls = 0;
    const srv = await serve((_req, res) => (calls++, res.writeHead(429, { "Retry-After": "3600" }).end("hourly limit")));
    try {
      const t = createHttpTransport({ system: "Test", codePrefix: "TEST", baseURL: srv.url, sleep });
      const err = (await t.request({ method: "GET", url: "/" }).then(() => undefined, (e: unknown) => e)) as CaseExchangeError;
      should(calls).equal(1);
      should(sleeps).eql([]);
      should(err.retryable).be.true();
      should(err.status).equal(429);
    } finally {
      await srv.close();
    }
  });

  it("reports a timeout with its own code, and no header value in the message", async function () {
    const srv = await serve(() => undefined); // never answers
    try {
      const t = createHttpTransport({ system: "Test", codePrefix: "TEST", baseURL: srv.url, timeoutMs: 200, headers: { "x-api-key": "super-secret-key" }, sleep });
      const err = (await t.request({ method: "POST", url: "/slow" }).then(() => undefined, (e: unknown) => e)) as CaseExchangeError;
      should(err.code).equal("TEST_TIMEOUT");
      should(JSON.stringify({ m: err.message, d: err.details })).not.match(/super-secret-key/);
    } finally {
      await srv.close();
    }
  });

  it("gives up after three attempts and says what the server answered", async function () {
    let calls = 0;
    const srv = await serve((_req, res) => (calls++, res.writeHead(502, { "Content-Type": "application/json" }).end('{"error":"bad gateway"}')));
    try {
      const t = createHttpTransport({ system: "Test", codePrefix: "TEST", baseURL: srv.url, sleep });
      const err = (await t.request({ method: "GET", url: "/", subject: "record R1" }).then(() => undefined, (e: unknown) => e)) as CaseExchangeError;
      should(calls).equal(3);
      should(err.message).match(/record R1/).and.match(/bad gateway/);
    } finally {
      await srv.close();
    }
  });
});

describe("the retry policy", function () {
  it("classifies throttling, transient and permanent failures", function () {
    should(classifyStatus(429)).equal("throttled");
    should(classifyStatus(503)).equal("transient");
    should(classifyStatus(404)).equal("permanent");
    should(classifyStatus(undefined, "ECONNRESET")).equal("transient");
    should(classifyStatus(undefined, "ERR_BAD_REQUEST")).equal("permanent");
  });

  it("backs off with full jitter from 100 ms, 500 ms when throttled, capped at 20 s unless Retry-After asks for more", function () {
    should(backoffDelay(DEFAULT_RETRY, 1, "transient", undefined, () => 0.999)).equal(99);
    should(backoffDelay(DEFAULT_RETRY, 2, "throttled", undefined, () => 0.999)).equal(999);
    should(backoffDelay(DEFAULT_RETRY, 30, "transient", undefined, () => 0.999)).equal(19_980);
    should(backoffDelay(DEFAULT_RETRY, 1, "throttled", 45_000, () => 0)).equal(45_000);
  });

  it("reads Retry-After as seconds or as a date", function () {
    should(retryAfterMs("3")).equal(3000);
    should(retryAfterMs(new Date(10_000).toUTCString(), 4_000)).equal(6_000);
    should(retryAfterMs(undefined)).be.undefined();
  });
});
