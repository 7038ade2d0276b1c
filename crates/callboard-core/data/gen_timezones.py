#!/usr/bin/env python3
"""Generates timezones.txt (libphonenumber's resources/timezones/map_data.txt) from the copy that ships in the
PyPI package `phonenumbers` (phonenumbers/tzdata), which is generated from that same file.

    pip install phonenumbers==9.0.43 && python3 crates/callboard-core/data/gen_timezones.py

Legacy zone names are renamed to their current IANA names (Asia/Calcutta -> Asia/Kolkata …), because Debian 13
and Ubuntu 24.04 moved the old names to tzdata-legacy; duplicates created by a rename are dropped.
Format: one `prefix|Zone&Zone…` line per E.164 digit prefix, sorted; `#` lines are comments.
"""
import os

import phonenumbers
from phonenumbers.tzdata import TIMEZONE_DATA

# Kept in sync with LEGACY_ZONES in src/phone/timezones.rs.
RENAMES = {
    "Africa/Asmera": "Africa/Asmara",
    "America/Buenos_Aires": "America/Argentina/Buenos_Aires",
    "America/Godthab": "America/Nuuk",
    "Asia/Calcutta": "Asia/Kolkata",
    "Asia/Choibalsan": "Asia/Ulaanbaatar",
    "Asia/Katmandu": "Asia/Kathmandu",
    "Asia/Rangoon": "Asia/Yangon",
    "Atlantic/Faeroe": "Atlantic/Faroe",
    "Europe/Kiev": "Europe/Kyiv",
    "Pacific/Enderbury": "Pacific/Kanton",
    "Pacific/Ponape": "Pacific/Pohnpei",
    "Pacific/Truk": "Pacific/Chuuk",
}


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "timezones.txt")
    with open(out, "w", encoding="utf-8", newline="\n") as f:
        f.write("# libphonenumber resources/timezones/map_data.txt, as shipped in PyPI phonenumbers %s\n"
                % phonenumbers.__version__)
        f.write("# (phonenumbers/tzdata); Apache-2.0, (C) The Libphonenumber Authors. Legacy zone names renamed.\n")
        f.write("# Regenerate with gen_timezones.py next to this file.\n")
        for prefix in sorted(TIMEZONE_DATA):
            zones = []
            for z in TIMEZONE_DATA[prefix]:
                z = RENAMES.get(z, z)
                if z not in zones:
                    zones.append(z)
            f.write("%s|%s\n" % (prefix, "&".join(zones)))


if __name__ == "__main__":
    main()
