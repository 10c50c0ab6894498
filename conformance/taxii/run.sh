#!/usr/bin/env bash
# TAXII 2.1 conformance of `skydas serve` (docs/INTEROP.md §8(b)): taxii2-client 2.3.0 drives the
# full flow, raw curl probes check status codes and headers, and `skydas taxii pull` reads the
# collection back into a second store. Run from anywhere:
#
#   conformance/taxii/run.sh path/to/skydas
#
# Prints one line per check and `N passed, N failed`; exit 0 only when nothing failed.
set -uo pipefail

[ $# -eq 1 ] || { echo "usage: $0 SKYDAS_BINARY" >&2; exit 2; }
# shellcheck source=../lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
conformance_setup "$1"
VENV=.venv-conf # shared with conformance/run.sh
if ! "$VENV/bin/python" -c 'import taxii2client' 2>/dev/null; then
    make_venv "$VENV" "${REFERENCE_TOOLS[@]}"
fi
PY="$VENV/bin/python"

passed=0
failed=0
ok() { echo "ok   $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1"; failed=$((failed + 1)); }
need() { # need NAME CMD... : a setup step that must work
    if ! out="$("${@:2}" 2>&1)"; then echo "FAIL setup: $1"; echo "$out" | tail -5; echo "0 passed, 1 failed"; exit 1; fi
}

# --- A bundle to share: findings of a small simulated scenario, exported by this binary. -----------
need simulate "$BIN" simulate --out "$TMP/scn" --seed 6 --scale 0.1
need import sk import "$TMP/scn/data"
need analyze sk analyze
need export sk export stix --tlp amber+strict --own-org --out "$TMP/bundle.json"
read -r IND NOTE < <("$PY" - "$TMP/bundle.json" <<'PY'
import json, sys
objs = json.load(open(sys.argv[1]))["objects"]
first = lambda t: next((o["id"] for o in objs if o["type"] == t), "")
print(first("indicator"), first("note"))
PY
)
if [ -z "$IND" ] || [ -z "$NOTE" ]; then
    # The scenario had no lookalike finding: fall back to the exporter's sample bundle.
    cargo run -q -p skydas-share --example export_sample -- "$TMP/sample" >/dev/null 2>&1
    cp "$TMP/sample/stix/partner-amber.json" "$TMP/bundle.json" || { echo "FAIL setup: no bundle"; exit 1; }
    read -r IND NOTE < <("$PY" -c 'import json,sys; o=json.load(open(sys.argv[1]))["objects"]; f=lambda t: next(x["id"] for x in o if x["type"]==t); print(f("indicator"), f("note"))' "$TMP/bundle.json")
fi

# --- Accounts, collections, grants. -----------------------------------------------------------------
SKYDAS_PASSWORD=conformance-password need user sk user add conf --role analyst --org conf-org
TOKEN="$(sk token create conf 2>/dev/null)"
SKYDAS_PASSWORD=conformance-password need partner sk user add eve --role viewer --org partner-org
EVE_TOKEN="$(sk token create eve 2>/dev/null)"
RW="$(sk collection add 'Conformance read-write' 2>/dev/null)"
RO="$(sk collection add 'Conformance read-only' 2>/dev/null)"
need grant-rw sk collection grant "$RW" conf-org --read --write
need grant-ro sk collection grant "$RO" conf-org --read
need grant-partner sk collection grant "$RW" partner-org --read --max-tlp amber

# --- The server, page size 5, on a free loopback port. -------------------------------------------------
if start_server SKYDAS_TAXII_PAGE_SIZE=5; then PORT="${ADDR##*:}"; fi
B="http://$ADDR"
curl -sf "$B/healthz" >/dev/null || { echo "FAIL setup: server did not start"; cat "$TMP/serve.log"; exit 1; }

# --- (b) taxii2-client flow. --------------------------------------------------------------------------
"$PY" conformance/taxii/flow.py "$PORT" "$RW" "$RO" "$TMP/bundle.json" conf "$TOKEN" "$IND" "$NOTE" >"$TMP/flow.out" 2>"$TMP/flow.err"
cat "$TMP/flow.out"
passed=$((passed + $(grep -c '^ok ' "$TMP/flow.out")))
failed=$((failed + $(grep -c '^FAIL ' "$TMP/flow.out")))
grep -q '^ok \|^FAIL ' "$TMP/flow.out" || { fail "flow.py ran"; cat "$TMP/flow.err"; }
N_LATEST="$("$PY" -c 'import json,sys; print(len({o["id"] for o in json.load(open(sys.argv[1]))["objects"]}))' "$TMP/bundle.json")"

# --- Raw probes. -----------------------------------------------------------------------------------------
TAXII='application/taxii+json;version=2.1'
probe() { # probe NAME EXPECTED_STATUS CURL_ARGS... : status, exact Content-Type
    local name="$1" want="$2"
    shift 2
    local hdr="$TMP/h" code ct
    code="$(curl -sg -o "$TMP/body" -D "$hdr" -w '%{http_code}' "$@")"
    ct="$(grep -i '^content-type:' "$hdr" | tr -d '\r' | cut -d' ' -f2-)"
    if [ "$code" = "$want" ] && [ "$ct" = "$TAXII" ]; then
        ok "$name ($code, $ct)"
    else
        fail "$name (got $code, Content-Type '$ct'; want $want, $TAXII): $(head -c 200 "$TMP/body")"
    fi
}
AUTH=(-u "conf:$TOKEN")
ACC=(-H "Accept: $TAXII")
COL="$B/fimi/collections/$RW"
probe "406 for Accept: application/json" 406 "${AUTH[@]}" -H 'Accept: application/json' "$B/fimi/collections/"
probe "bare application/taxii+json accepted" 200 "${AUTH[@]}" -H 'Accept: application/taxii+json' "$B/fimi/collections/"
probe "415 for POST as application/stix+json" 415 "${AUTH[@]}" "${ACC[@]}" \
    -H 'Content-Type: application/stix+json;version=2.1' --data '{"objects":[]}' "$COL/objects/"
probe "401 without credentials" 401 "${ACC[@]}" "$B/taxii2/"
if grep -qi '^www-authenticate: basic' "$TMP/h"; then ok "401 carries WWW-Authenticate: Basic"; else fail "401 carries WWW-Authenticate: Basic"; fi
probe "401 for a wrong token" 401 -u conf:wrong "${ACC[@]}" "$B/taxii2/"
probe "403 for POST to the read-only collection" 403 "${AUTH[@]}" "${ACC[@]}" \
    -H "Content-Type: $TAXII" --data '{"objects":[]}' "$B/fimi/collections/$RO/objects/"
probe "404 for an unknown collection" 404 "${AUTH[@]}" "${ACC[@]}" "$B/fimi/collections/00000000-0000-4000-8000-000000000000/"
probe "400 for limit=0" 400 "${AUTH[@]}" "${ACC[@]}" "$COL/objects/?limit=0"
probe "400 for a bogus next" 400 "${AUTH[@]}" "${ACC[@]}" "$COL/objects/?next=bogus"
probe "422 for an object without id" 422 "${AUTH[@]}" "${ACC[@]}" -H "Content-Type: $TAXII" \
    --data '{"objects":[{"type":"note","spec_version":"2.1"}]}' "$COL/objects/"
for res in objects manifest; do
    probe "GET $res" 200 "${AUTH[@]}" "${ACC[@]}" "$COL/$res/"
    if grep -qi '^x-taxii-date-added-first:' "$TMP/h" && grep -qi '^x-taxii-date-added-last:' "$TMP/h"; then
        ok "$res carries X-TAXII-Date-Added-First/Last"
    else
        fail "$res carries X-TAXII-Date-Added-First/Last"
    fi
done
# A partner organisation (read grant up to AMBER) reads every page: no RED, no AMBER+STRICT of ours.
if "$PY" - "$B" "$RW" "eve" "$EVE_TOKEN" <<'PY'
import sys
from taxii2client.v21 import Collection, as_pages
b, rw, user, token = sys.argv[1:5]
col = Collection(f"{b}/fimi/collections/{rw}/", user=user, password=token)
objs = [o for p in as_pages(col.get_objects, per_request=5, version="all") for o in p.get("objects", [])]
refs = {r for o in objs for r in o.get("object_marking_refs", [])}
bad = refs & {"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",   # RED
              "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"}   # AMBER+STRICT
sys.exit(1 if bad or not objs else 0)
PY
then ok "the partner organisation reads objects, none RED or AMBER+STRICT"; else fail "the partner organisation reads objects, none RED or AMBER+STRICT"; fi

# --- skydas taxii pull into a second store, twice (incremental). -------------------------------------
PULL=("$BIN" --data "$TMP/b" --json taxii pull "$B/taxii2/" --collection "$RW" --user conf --token "$TOKEN")
if "${PULL[@]}" >"$TMP/pull1.json" 2>"$TMP/pull.err"; then
    got="$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["objects"])' "$TMP/pull1.json")"
    # Every latest version but the deleted note.
    if [ "$got" = "$((N_LATEST - 1))" ]; then ok "taxii pull reads $got objects"; else fail "taxii pull reads $got objects, want $((N_LATEST - 1))"; fi
else
    fail "taxii pull: $(tail -3 "$TMP/pull.err")"
fi
if "${PULL[@]}" >"$TMP/pull2.json" 2>>"$TMP/pull.err"; then
    got="$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["objects"])' "$TMP/pull2.json")"
    if [ "$got" = "0" ]; then ok "a second pull is incremental (0 objects)"; else fail "a second pull read $got objects"; fi
else
    fail "second taxii pull: $(tail -3 "$TMP/pull.err")"
fi
"$BIN" --data "$DATA" audit list --limit 5000 >"$TMP/audit-a.txt" 2>&1
"$BIN" --data "$TMP/b" audit list >"$TMP/audit-b.txt" 2>&1
if grep -q 'taxii_post' "$TMP/audit-a.txt" && grep -q 'taxii_read' "$TMP/audit-a.txt" && grep -q 'taxii_pull' "$TMP/audit-b.txt"; then
    ok "POSTs and pulls are audited"
else
    fail "POSTs and pulls are audited"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
