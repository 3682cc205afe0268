// One long-lived AWS SDK for JavaScript v3 STS client that makes one GetCallerIdentity per
// line read on stdin, so a test decides exactly when the client asks (after a simulated sleep,
// say). Prints "ready", then "ok" or "FAIL <error>" per line; exits at the end of stdin.
import { STSClient, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { createInterface } from "node:readline";

const client = new STSClient({});
console.log("ready");
for await (const _ of createInterface({ input: process.stdin })) {
  try {
    await client.send(new GetCallerIdentityCommand({}));
    console.log("ok");
  } catch (err) {
    console.log(`FAIL ${err.name || err.Code}: ${err.message}`.replace(/\n/g, " "));
  }
}
