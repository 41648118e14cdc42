# SQLite footprint of one decision, measured: applies a schema to a fresh in-memory SQLite, inserts
# `n` decisions shaped like the Hall's own rows, and reports bytes per decision (page_count x
# page_size over the inserted rows) and rows written per decision the way D1 and Durable Object
# SQLite billing count them (a row in a table plus one per index on it). Started by
# bench/scaling-model.ts (python3's sqlite3); reads one JSON document on stdin, answers one on stdout.
#
# Input: {"schema": [sql], "n": int, "batch": int,
#         "writes": [{"table": name, "sql": "INSERT ...", "row": [values], "per": "decision"|"batch"|"tree"}]}
# Values are inserted as given; in strings, @@I@@ becomes the decision number (12 digits, zero-padded),
# so unique keys stay unique and lengths stay real; {"seq": true} is the 1-based decision number and
# {"prev": "<prefix>"} is null for the first decision, else the prefix + the previous number (a chain
# link). "tree" writes insert the RFC 9162 complete-subtree nodes a leaf completes (level, index, hash).
import json
import os
import sqlite3
import sys


def main() -> None:
    spec = json.load(sys.stdin)
    db = sqlite3.connect(":memory:")
    for stmt in spec["schema"]:
        db.executescript(stmt)
    indexes = {}
    for (tbl,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
        indexes[tbl] = db.execute("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = ?", (tbl,)).fetchone()[0]

    def size() -> int:
        return db.execute("PRAGMA page_count").fetchone()[0] * db.execute("PRAGMA page_size").fetchone()[0]

    n, batch = spec["n"], max(1, spec["batch"])
    base = size()
    rows_written = 0

    def fill(value, i):
        if isinstance(value, str):
            return value.replace("@@I@@", "%012d" % i)
        if isinstance(value, dict) and value.get("seq"):
            return i + 1
        if isinstance(value, dict) and "prev" in value:
            return None if i == 0 else value["prev"] + "%012d" % (i - 1)
        return value

    for i in range(n):
        for w in spec["writes"]:
            per = w["per"]
            if per == "batch" and i % batch != batch - 1:
                continue
            if per == "tree":
                nodes = [(0, i)]
                level, idx = 0, i
                while idx % 2 == 1:  # a right child completes its parent
                    level, idx = level + 1, idx // 2
                    nodes.append((level, idx))
                for level, idx in nodes:
                    db.execute(w["sql"], (level, idx, os.urandom(32)))
                    rows_written += 1 + indexes.get(w["table"], 0)
                continue
            db.execute(w["sql"], [fill(v, i) for v in w["row"]])
            rows_written += 1 + indexes.get(w["table"], 0)
    db.commit()
    json.dump(
        {
            "bytes_per_decision": (size() - base) / n,
            "rows_written_per_decision": rows_written / n,
            "indexes": indexes,
            "page_size": db.execute("PRAGMA page_size").fetchone()[0],
            "sqlite_version": sqlite3.sqlite_version,
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
