"""The taxii2-client flow of docs/INTEROP.md section 8(b), against `skydas serve`.

Usage: flow.py PORT RW RO BUNDLE USER TOKEN IND NOTE
Prints one `ok   …` or `FAIL …` line per check; exit 0 when every check passed.
"""
import json
import sys
import traceback

from taxii2client.exceptions import AccessError
from taxii2client.v21 import Collection, Server, as_pages

PORT, RW, RO, BUNDLE, USER, TOKEN, IND, NOTE = sys.argv[1:9]
bundle = json.load(open(BUNDLE))
N_LATEST = len({o["id"] for o in bundle["objects"]})
B = f"http://127.0.0.1:{PORT}"
A = dict(user=USER, password=TOKEN)
failed = 0
state = {}


def check(name):
    def run(fn):
        global failed
        try:
            fn()
            print(f"ok   {name}")
        except Exception as e:  # noqa: BLE001 - every failure is reported, then the next step runs
            failed += 1
            print(f"FAIL {name}: {type(e).__name__}: {e}")
            traceback.print_exc(limit=2, file=sys.stderr)
        return fn

    return run


@check("discovery and api root")
def _():
    srv = Server(f"{B}/taxii2/", **A)
    root = srv.api_roots[0]
    assert srv.title, "discovery has a title"
    assert "application/taxii+json;version=2.1" in root.versions, root.versions
    assert root.max_content_length > 0
    state["root"] = root


col = Collection(f"{B}/fimi/collections/{RW}/", **A)


@check(f"add_objects: {len(bundle['objects'])} objects, status complete")
def _():
    st = col.add_objects({"objects": bundle["objects"]}, wait_for_completion=True, timeout=30)
    assert st.status == "complete", st.status
    assert st.success_count == len(bundle["objects"]), (st.success_count, st.failures)
    assert all("id" in s and "version" in s for s in st.successes), st.successes[:2]
    state["status"] = st.id


@check("get_status through the api root")
def _():
    assert state["root"].get_status(state["status"]).status == "complete"


@check("a newer version of the indicator is stored")
def _():
    ind = next(o for o in bundle["objects"] if o["id"] == IND)
    ind2 = dict(ind, modified="2099-03-02T10:00:00.000Z")
    assert col.add_objects({"objects": [ind2]}, wait_for_completion=True).status == "complete"


@check(f"as_pages(get_objects, per_request=5) yields {N_LATEST} latest objects")
def _():
    pages = list(as_pages(col.get_objects, per_request=5))
    sizes = [len(p.get("objects", [])) for p in pages]
    assert sum(sizes) == N_LATEST, (sizes, N_LATEST)
    assert all(s <= 5 for s in sizes), sizes


@check("get_objects() pages at the server's size 5 with more and next")
def _():
    env = col.get_objects()
    assert len(env["objects"]) == 5 and env["more"] is True and env.get("next"), {k: env.get(k) for k in ("more", "next")}


@check("match[type]=indicator")
def _():
    assert {o["type"] for o in col.get_objects(type="indicator")["objects"]} == {"indicator"}


@check("match[id] with version=all gives both versions")
def _():
    assert len(col.get_objects(id=IND, version="all")["objects"]) == 2


@check("manifest pages and added_after")
def _():
    man = [m for p in as_pages(col.get_manifest, per_request=5) for m in p.get("objects", [])]
    assert len(man) == N_LATEST, len(man)
    assert all({"id", "date_added", "version", "media_type"} <= set(m) for m in man)
    assert all(m["media_type"] == "application/stix+json;version=2.1" for m in man)
    first = min(m["date_added"] for m in man)
    later = col.get_manifest(added_after=first).get("objects", [])
    assert later and all(m["date_added"] > first for m in later), later[:2]


@check("object_versions lists two versions")
def _():
    assert len(set(col.object_versions(IND)["versions"])) == 2


@check("delete_object, then the note is gone")
def _():
    col.delete_object(NOTE)
    assert col.get_objects(id=NOTE) in ({}, {"more": False})


@check("the read-only collection refuses writes before sending")
def _():
    try:
        Collection(f"{B}/fimi/collections/{RO}/", **A).add_objects({"objects": []})
    except AccessError:
        return
    raise AssertionError("RO accepted")


@check("a wrong token is refused")
def _():
    try:
        Server(f"{B}/taxii2/", user=USER, password="wrong").refresh()
    except Exception as e:  # taxii2-client raises requests' HTTPError for 401
        assert "401" in str(e), e
        return
    raise AssertionError("wrong token accepted")


print(f"N_LATEST={N_LATEST}", file=sys.stderr)
sys.exit(1 if failed else 0)
