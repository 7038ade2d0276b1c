#!/usr/bin/env python3
"""The Python baseline for `callboard bench import`: what a call center's script does today with the same
CSV: `csv` + `phonenumbers` (parse with a default region, validate, E.164), dedupe, insert into SQLite.

    python3 import_baseline.py FILE.csv OUT.db [REGION]

Prints one JSON line: rows, imported, seconds.
"""
import csv
import json
import sqlite3
import sys
import time

import phonenumbers


def main():
    path, db, region = sys.argv[1], sys.argv[2], (sys.argv[3] if len(sys.argv) > 3 else "KW")
    start = time.perf_counter()
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(
        "CREATE TABLE IF NOT EXISTS contacts (id INTEGER PRIMARY KEY, phone_e164 TEXT NOT NULL UNIQUE, "
        "name TEXT, email TEXT, variables TEXT)"
    )
    seen = set()
    rows = imported = 0
    batch = []
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        for row in reader:
            rows += 1
            raw = (row.get("Phone") or "").strip()
            try:
                num = phonenumbers.parse(raw, region)
            except phonenumbers.NumberParseException:
                continue
            if not phonenumbers.is_valid_number(num):
                continue
            e164 = phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)
            if e164 in seen:
                continue
            seen.add(e164)
            extra = {k: v for k, v in row.items() if k not in ("Name", "Phone", "Email") and v}
            batch.append((e164, row.get("Name", ""), row.get("Email", ""), json.dumps(extra)))
            if len(batch) >= 5000:
                conn.executemany(
                    "INSERT OR IGNORE INTO contacts(phone_e164, name, email, variables) VALUES (?, ?, ?, ?)", batch
                )
                conn.commit()
                imported += len(batch)
                batch = []
    if batch:
        conn.executemany("INSERT OR IGNORE INTO contacts(phone_e164, name, email, variables) VALUES (?, ?, ?, ?)", batch)
        conn.commit()
        imported += len(batch)
    conn.close()
    print(json.dumps({"rows": rows, "imported": imported, "seconds": time.perf_counter() - start}))


if __name__ == "__main__":
    main()
