"""A long-lived botocore client (the AWS CLI v1's engine) calling GetCallerIdentity in a loop
with one session, so botocore's RefreshableCredentials and container provider are under test.
Stops when $STOP_FILE exists or after $LOOP_SECONDS; exits 1 if any call failed."""
import os, sys, time
import boto3

stop = os.environ.get("STOP_FILE", "/nonexistent")
deadline = time.time() + float(os.environ.get("LOOP_SECONDS", "60"))
pause = float(os.environ.get("LOOP_PAUSE_MS", "200")) / 1000
sts = boto3.session.Session().client("sts")
calls = failures = 0
while time.time() < deadline and not os.path.exists(stop):
    calls += 1
    try:
        print("ok", sts.get_caller_identity()["Arn"], flush=True)
    except Exception as e:  # every failure is a finding
        failures += 1
        print("FAIL", type(e).__name__, e, flush=True)
    time.sleep(pause)
print(f"calls={calls} failures={failures}", flush=True)
sys.exit(0 if failures == 0 else 1)
