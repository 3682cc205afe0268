"""One long-lived boto3 session making one GetCallerIdentity per line read on stdin, so a test
decides exactly when the client asks. Prints "ready", then "ok" or "FAIL <error>" per line;
exits at the end of stdin."""
import sys
import boto3

sts = boto3.session.Session().client("sts")
print("ready", flush=True)
for _ in sys.stdin:
    try:
        sts.get_caller_identity()
        print("ok", flush=True)
    except Exception as e:  # every failure is a finding
        print("FAIL", type(e).__name__, str(e).replace("\n", " "), flush=True)
