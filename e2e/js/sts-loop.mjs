// A long-lived AWS SDK for JavaScript v3 client (the SDK Claude Code uses) calling
// sts get-caller-identity in a loop with ONE client, so its own credential cache and
// refresh logic are what is under test. Stops when $STOP_FILE exists or after
// $LOOP_SECONDS. Prints one line per call and a summary; exits 1 if any call failed.
import { STSClient, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { existsSync } from "node:fs";

const stopFile = process.env.STOP_FILE;
const deadline = Date.now() + 1000 * Number(process.env.LOOP_SECONDS || 60);
const pause = Number(process.env.LOOP_PAUSE_MS || 200);
const client = new STSClient({});
let calls = 0, failures = 0;
const keys = new Set();

while (Date.now() < deadline && !(stopFile && existsSync(stopFile))) {
  calls++;
  try {
    const out = await client.send(new GetCallerIdentityCommand({}));
    const creds = await client.config.credentials();
    keys.add(creds.accessKeyId);
    console.log(`ok ${out.Arn} key=${creds.accessKeyId.slice(0, 4)}...${creds.accessKeyId.slice(-4)}`);
  } catch (err) {
    failures++;
    console.log(`FAIL ${err.name || err.Code}: ${err.message}`);
  }
  await new Promise((r) => setTimeout(r, pause));
}
console.log(`calls=${calls} failures=${failures} keys=${keys.size}`);
process.exit(failures === 0 ? 0 : 1);
