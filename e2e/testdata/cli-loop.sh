#!/bin/sh
# The AWS CLI as a child: a fresh `aws sts get-caller-identity` per iteration, as a user's
# shell or script would run it. Stops when $STOP_FILE exists or after $LOOP_SECONDS.
# Prints one line per call and a summary; exits 1 if any call failed.
calls=0
failures=0
end=$(( $(date +%s) + ${LOOP_SECONDS:-60} ))
while [ "$(date +%s)" -lt "$end" ] && [ ! -e "${STOP_FILE:-/nonexistent}" ]; do
  calls=$((calls + 1))
  if out=$(aws sts get-caller-identity --output text --query Arn 2>&1); then
    echo "ok $out"
  else
    failures=$((failures + 1))
    echo "FAIL $(echo "$out" | tr '\n' ' ')"
  fi
done
echo "calls=$calls failures=$failures"
[ "$failures" -eq 0 ]
