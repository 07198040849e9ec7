#!/usr/bin/env node
/**
 * `case-exchange-sandbox [ensono|servicenow|aws-support|all] [--port N] [--seed]
 *    [--client-name NAME] [--slug SLUG] [--api-key KEY]`
 * Starts the simulators on 127.0.0.1, prints their URLs, default credentials
 * and the environment variables the example flows read, and stops on Ctrl-C.
 */
import { sandboxEnv, startAwsSupportSandbox, startEnsonoSandbox, startSnowSandbox } from "./index";

interface Started {
  name: string;
  lines: string[];
  env: Record<string, string>;
  close(): Promise<void>;
}

function usage(): never {
  console.log(`usage: case-exchange-sandbox [ensono|servicenow|aws-support|all] [--port N] [--seed]
                             [--client-name NAME] [--slug SLUG] [--api-key KEY]

Starts the Case Exchange simulators on 127.0.0.1 (consecutive ports from N,
default: free ports) and prints how to reach them. Ctrl-C stops them.
  --seed         the Ensono agent queues an incident, a request and a change
  --client-name  the Ensono clientName (default testClient; also ENSONO_CLIENT_NAME)
  --slug         the client part of the Ensono URL (default: client name in lower case)
  --api-key      the Ensono x-api-key (default test-api-key; also ENSONO_API_KEY)`);
  process.exit(0);
}

export async function main(argv: string[]): Promise<void> {
  const which = new Set<string>();
  let port = 0;
  let seed = false;
  let clientName = process.env.ENSONO_CLIENT_NAME || "testClient";
  let slug: string | undefined;
  let apiKey = process.env.ENSONO_API_KEY || "test-api-key";
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--help" || a === "-h") usage();
    else if (a === "--port") port = Number(argv[++i]);
    else if (a === "--seed") seed = true;
    else if (a === "--client-name") clientName = argv[++i];
    else if (a === "--slug") slug = argv[++i];
    else if (a === "--api-key") apiKey = argv[++i];
    else if (["ensono", "servicenow", "aws-support", "all"].includes(a)) which.add(a);
    else {
      console.error(`unknown argument: ${a}`);
      process.exit(2);
    }
  }
  if (which.size === 0 || which.has("all")) ["ensono", "servicenow", "aws-support"].forEach((w) => which.add(w));
  const next = () => (port ? port++ : 0);
  const started: Started[] = [];

  if (which.has("ensono")) {
    const sb = await startEnsonoSandbox({ port: next(), clients: [{ clientName, slug: slug ?? clientName.toLowerCase(), apiKey }] });
    if (seed) {
      const n = sb.agent.openTicket("dev", { ticketType: "Incident", shortDescription: "Server unreachable", description: "Ping to app01 fails since 09:00", priority: "2" });
      sb.agent.comment("dev", n, "Network team is looking at it.");
      sb.agent.openTicket("dev", { ticketType: "Request", shortDescription: "New VPN account", description: "For j.doe@client.example" });
      sb.agent.createChange("dev", { type: "Normal", shortDescription: "Patch app01", approvers: [{ name: "CAB Approver", email: "cab.approver@client.example" }] });
    }
    started.push({
      name: "Ensono Envision Connect bridge",
      lines: [`environment URL (dev): ${sb.envUrl("dev")}`, `echo: ${sb.envUrl("echo")}  cert: ${sb.envUrl("cert")}  prod: ${sb.envUrl("prod")}`, `clientName: ${clientName}   x-api-key: (as given; default test-api-key)`, `control API: ${sb.origin}/_sandbox/`],
      env: sandboxEnv({ ensono: sb }, { ensonoClientName: clientName, ensonoApiKey: apiKey }),
      close: () => sb.close(),
    });
  }
  if (which.has("servicenow")) {
    const sb = await startSnowSandbox({ port: next() });
    started.push({
      name: "ServiceNow instance",
      lines: [`instance URL: ${sb.url}`, "integration user: integration / integration-pass   agent: agent.smith / agent-pass", `control API: ${sb.url}/_sandbox/`],
      env: sandboxEnv({ snow: sb }),
      close: () => sb.close(),
    });
  }
  if (which.has("aws-support")) {
    const sb = await startAwsSupportSandbox({ port: next() });
    started.push({
      name: "AWS Support API (and STS)",
      lines: [`endpoint: ${sb.endpoint}`, "account 111111111111: AKIASIM111111111111 / sim-secret-1", "account 222222222222: AKIASIM222222222222 / sim-secret-2", `control API: ${sb.endpoint}/_sandbox/`],
      env: sandboxEnv({ aws: sb }),
      close: () => sb.close(),
    });
  }

  for (const s of started) {
    console.log(`\n${s.name}`);
    for (const l of s.lines) console.log(`  ${l}`);
  }
  console.log("\nFor the example flows:");
  for (const s of started) for (const [k, v] of Object.entries(s.env)) console.log(`  export ${k}=${v}`);
  console.log("\nCtrl-C stops the simulators.");

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await Promise.all(started.map((s) => s.close().catch(() => undefined)));
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
