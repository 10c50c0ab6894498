#!/usr/bin/env python3
"""The coordination-network-toolkit (PyPI coordination_network_toolkit 1.5.2) on the German
election data: its 8-column CSV (message_id, user_id, username, repost_id, reply_id, message,
timestamp, urls; one row per post), then `compute_networks ... compute co_link` at 30 s with a
minimum edge weight of 2. Two inputs: URLs only (what co_link is for), and every object type
(URL, domain, hashtag, image hash) written as a URL of its own, so that co_link pairs them all.
Only posts that carry an object are written: an empty urls cell is stored by the toolkit as
the empty URL, which would pair every such post with every other.

    python3 toolkit.py WORK_DIR DATA_CSV_GZ COMPUTE_NETWORKS
"""
import csv
import json
import os
import subprocess
import sys
import time

import networkx as nx
import pandas as pd

work, data, cn = sys.argv[1], sys.argv[2], sys.argv[3]
d = pd.read_csv(data, dtype={"account_id": str})
d = d[d.post_id.notna()].drop_duplicates()


def ids(s):
    return sorted({int(v) for v in s if pd.notna(v)})


posts = d.groupby("post_id", sort=True).agg(
    account_id=("account_id", "first"), timestamp=("timestamp", "first"),
    url=("url_id", ids), dom=("domain_id", ids), hts=("hashtag_id", ids), ph=("phash_id", ids),
).reset_index()
posts["urls_url"] = posts.url.map(lambda l: " ".join(f"https://u.example/{u}" for u in l))
posts["urls_all"] = [
    " ".join([f"https://u.example/{u}" for u in a] + [f"https://d.example/{u}" for u in b]
             + [f"https://h.example/{u}" for u in c] + [f"https://p.example/{u}" for u in e])
    for a, b, c, e in zip(posts.url, posts.dom, posts.hts, posts.ph)]
for kind in ["url", "all"]:
    col = f"urls_{kind}"
    rows = posts[posts[col] != ""]
    path = os.path.join(work, f"toolkit_{kind}.csv")
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["message_id", "user_id", "username", "repost_id", "reply_id", "message", "timestamp", "urls"])
        for r in rows.itertuples():
            w.writerow([int(r.post_id), r.account_id, r.account_id, "", "", "", int(r.timestamp), getattr(r, col)])
    db = os.path.join(work, f"toolkit_{kind}.db")
    for ext in ("", "-wal", "-shm"):
        if os.path.exists(db + ext):
            os.remove(db + ext)
    graph = os.path.join(work, f"toolkit_{kind}.graphml")
    t0 = time.time()
    subprocess.run([cn, db, "preprocess", "--format", "csv", path], check=True, capture_output=True)
    # --output_format csv fails in 1.5.2; graphml is its default.
    subprocess.run([cn, db, "compute", "co_link", "--time_window", "30", "--min_edge_weight", "2",
                    "--n_cpus", "2", "--output_file", graph, "--output_format", "graphml"],
                   check=True, capture_output=True)
    secs = time.time() - t0
    g = nx.read_graphml(graph)
    accounts = sorted({str(n) for e in g.edges() for n in e})
    with open(os.path.join(work, f"toolkit_{kind}.json"), "w") as f:
        json.dump({"accounts": accounts, "edges": g.number_of_edges(), "seconds": round(secs, 1)}, f)
    print(f"toolkit co_link {kind}: {len(rows)} posts, {len(accounts)} accounts, {secs:.1f} s")
