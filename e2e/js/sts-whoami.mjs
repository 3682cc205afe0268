// One GetCallerIdentity through the default credential chain, with AWS_PROFILE choosing the
// profile as it does for a program Claude Code runs. Prints the caller's ARN, or "FAIL <error>"
// and exits 1.
import { STSClient, GetCallerIdentityCommand } from "@aws-sdk/client-sts";

try {
  const out = await new STSClient({}).send(new GetCallerIdentityCommand({}));
  console.log(out.Arn);
} catch (err) {
  console.log(`FAIL ${err.name}: ${err.message}`.replace(/\n/g, " "));
  process.exitCode = 1;
}
