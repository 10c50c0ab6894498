#!/usr/bin/env bash
# What the conformance scripts that drive `skydas serve` have in common. Sourced, not run:
#
#   . "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
#   conformance_setup "$1"           # BIN, ROOT (the working directory), TMP, DATA, sk
#   start_server [VAR=VALUE...] || …  # the server on DATA in the background: SERVER_PID, ADDR
#
# On exit the server is stopped and TMP removed, however the script ends.

# conformance_setup SKYDAS_BINARY: BIN, the binary as an absolute path (exit 2 unless it is
# executable); the repository root ROOT as the working directory; a scratch directory TMP, removed
# on exit, holding the store DATA; `sk ARGS…` runs the binary on that store.
conformance_setup() {
    BIN="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
    [ -x "$BIN" ] || { echo "not executable: $BIN" >&2; exit 2; }
    ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
    cd "$ROOT" || exit 1
    TMP="$(mktemp -d)"
    DATA="$TMP/data"
    SERVER_PID=""
    trap conformance_cleanup EXIT
    export SKYDAS_LOG=warn
}

conformance_cleanup() {
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
    rm -rf "$TMP"
}

sk() { "$BIN" --data "$DATA" "$@"; }

# start_server [VAR=VALUE...]: `skydas serve` on DATA, with those variables set, on a free
# loopback port; its log in $TMP/serve.log. Sets SERVER_PID and, once the server announces it
# (after binding), ADDR (host:port); fails when no address is announced within ten seconds.
start_server() {
    env "$@" "$BIN" --data "$DATA" serve --addr 127.0.0.1:0 2>"$TMP/serve.log" &
    SERVER_PID=$!
    ADDR=""
    for _ in $(seq 100); do
        ADDR=$(sed -n 's|.*on http://\([0-9.:]*\) .*|\1|p' "$TMP/serve.log" | head -n1)
        [ -n "$ADDR" ] && return 0
        sleep 0.1
    done
    return 1
}
