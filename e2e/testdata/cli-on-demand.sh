#!/bin/sh
# The AWS CLI on demand: a new `aws sts get-caller-identity` per line read on stdin. Prints
# "ready", then "ok" or "FAIL <error>" per line; exits at the end of stdin.
echo ready
while read -r _; do
  if out=$(aws sts get-caller-identity --output text --query Arn 2>&1); then
    echo ok
  else
    echo "FAIL $(echo "$out" | tr '\n' ' ')"
  fi
done
