"""Write examples/cangzhou-2026q3.xlsx: the bundled quarter as the workbook an office keeps.

    python examples/make_workbook.py

One sheet per record type, Chinese headers from the cangzhou pack's import map, dates as date
cells, yes/no and verification results in words. tests/test_sheets.py checks that reading it back
gives exactly the records of examples/cangzhou-2026q3.jsonl.
"""

from __future__ import annotations

import json
from pathlib import Path

import service_rules as sr
from service_rules._importmap import tag_labels_of
from service_rules._sheets import write_records_workbook

HERE = Path(__file__).parent


def main() -> None:
    pack = sr.load_pack("cangzhou")
    lines = (HERE / "cangzhou-2026q3.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines if line.strip()]
    write_records_workbook(records, HERE / "cangzhou-2026q3.xlsx", pack.imports, tag_labels_of(pack))


if __name__ == "__main__":
    main()
