/**
 * `npm run bench`: every benchmark in one run, each comparing our nodes'
 * approach with the naive one on the same simulator and the same machine.
 * Figures vary with the machine's load; compare the ratios, not the absolutes.
 * `npm run bench -- ensono` (or servicenow, aws-support) runs one.
 */
import { benchEnsono, formatEnsonoBench } from "./ensono";
import { benchServiceNow } from "./servicenow";
import { benchAwsSupport } from "./aws-support";

const benches: Record<string, () => Promise<unknown>> = {
  ensono: async () => {
    const r = await benchEnsono();
    console.log(formatEnsonoBench(r));
    return r;
  },
  servicenow: benchServiceNow,
  "aws-support": benchAwsSupport,
};

async function main(): Promise<void> {
  // the SDK's notice that its 2027 releases need Node 22 is in the README; keep the figures readable
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const wanted = process.argv.slice(2).filter((a) => a in benches);
  const names = wanted.length ? wanted : Object.keys(benches);
  const results: Record<string, unknown> = {};
  for (const name of names) {
    console.log(`\n=== bench: ${name} ===`);
    results[name] = await benches[name]();
  }
  console.log("\n=== summary (JSON) ===");
  console.log(JSON.stringify(results, null, 2));
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
