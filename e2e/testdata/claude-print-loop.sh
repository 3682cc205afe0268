#!/bin/sh
# Claude Code in print mode as a child: a fresh `claude -p "$CLAUDE_QUESTION"` per iteration,
# as a script or a shell user would run it, in $CLAUDE_DIR. Stops when $STOP_FILE exists, after
# $LOOP_SECONDS, or on SIGTERM (awsrun's stop signal in env mode). Prints "ok <answer>" or
# "FAIL <output>" per call and a summary; exits 1 if any call failed. In env mode awsrun's
# restart sends the stop signal to the loop's whole process group, so a call in flight then
# dies with it: that call is printed as "cut" (killed by the restart, not failed by AWS), whether
# it died of the signal or Claude Code, stopped by it, exited 0 without an answer.
calls=0
failures=0
cut=0
stop=0
trap 'stop=1' TERM
cd "$CLAUDE_DIR" || exit 2
end=$(( $(date +%s) + ${LOOP_SECONDS:-60} ))
while [ "$stop" -eq 0 ] && [ "$(date +%s)" -lt "$end" ] && [ ! -e "${STOP_FILE:-/nonexistent}" ]; do
  calls=$((calls + 1))
  out=$("$CLAUDE_BIN" -p "$CLAUDE_QUESTION" </dev/null 2>&1)
  status=$?
  if [ "$stop" -eq 1 ] && { [ "$status" -gt 128 ] || [ -z "$out" ]; }; then
    cut=$((cut + 1))
    echo "cut $status"
  elif [ "$status" -eq 0 ]; then
    echo "ok $(echo "$out" | tr '\n' ' ')"
  else
    failures=$((failures + 1))
    echo "FAIL $(echo "$out" | tr '\n' ' ')"
  fi
done
echo "calls=$calls cut=$cut failures=$failures"
[ "$failures" -eq 0 ]
