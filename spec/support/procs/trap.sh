#!/bin/sh
# A child for the signal specs: says "ready", then waits to be signalled. It writes the
# signal it got into the file $1 and exits 3 (INT) or 4 (TERM); with $2 = ignore it ignores
# both, so only SIGKILL ends it.
mark=$1
if [ "$2" = ignore ]; then
  trap '' INT TERM
else
  trap 'echo INT > "$mark"; exit 3' INT
  trap 'echo TERM > "$mark"; exit 4' TERM
fi
echo ready
while :; do sleep 0.05; done
