#!/bin/sh
# Chromium in a private network namespace of its own, for WebRTC tests and benchmarks
# (STACK.md, "WebRTC in tests"): inside, only loopback and a veth pair (10.99.0.1 and
# 10.99.0.2, no route out), so ICE finds host candidates there and no test traffic can
# leave. Playwright drives Chromium over a pipe, which the namespace does not touch; pages
# must be served by Playwright's routing (test/support/webrtcBrowser.ts), since servers
# outside the namespace are out of reach. As root this is `unshare -n`; otherwise a user
# namespace (`unshare -rn`) grants the rights to set the links up.
set -eu
chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ "$(id -u)" -eq 0 ]; then userns=""; else userns="-r"; fi
# shellcheck disable=SC2086 # $userns is empty or one flag
exec unshare $userns -n sh -c '
  set -e
  ip link set lo up
  ip link add v0 type veth peer name v1
  ip addr add 10.99.0.1/24 dev v0
  ip addr add 10.99.0.2/24 dev v1
  ip link set v0 up
  ip link set v1 up
  ip route add default via 10.99.0.2 dev v0
  exec "$0" "$@"
' "$chromium" "$@"
