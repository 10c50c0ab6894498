#!/usr/bin/env bash
# What the conformance scripts have in common. Sourced, not run:
#
#   . "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
#   make_venv VENV PACKAGE…          # a virtualenv with pinned packages, e.g. REFERENCE_TOOLS
#   conformance_setup "$1"           # BIN, ROOT (the working directory), TMP, DATA, sk
#   start_server [VAR=VALUE...] || …  # the server on DATA in the background: SERVER_PID, ADDR
#
# After conformance_setup, the server is stopped and TMP removed on exit, however the script ends.

# The reference implementations that the STIX, MISP and TAXII checks run, at pinned versions.
REFERENCE_TOOLS=('stix2-validator==3.3.2' 'stix2==3.0.2' 'taxii2-client==2.3.0' 'pymisp==2.5.34.4')

# make_venv VENV PACKAGE…: a new virtualenv VENV with those packages; exit 1 when that fails.
make_venv() {
    python3 -m venv "$1" || exit 1
    "$1/bin/pip" install -q "${@:2}" || exit 1
}

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
