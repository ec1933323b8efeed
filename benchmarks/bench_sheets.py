"""Reading an office workbook: openpyxl (what service_rules uses) against python-calamine.

    python benchmarks/bench_sheets.py --rows 50000 --repeat 3

A report, not a test. Writes benchmarks/out/sheets-<rows>.xlsx: the bundled quarter's workbook
(examples/cangzhou-2026q3.xlsx) scaled up — its findings repeated under new ids until the
findings sheet holds ``--rows`` rows, the other sheets as they are — then times, each in this
process (median of ``--repeat`` runs, after one untimed run):

* ``openpyxl raw``: read-only, data_only, every row's values (``iter_rows(values_only=True)``);
* ``calamine raw``: python-calamine, every sheet ``to_python()``;
* ``iter_sheets``: service_rules' reader end to end (openpyxl raw + header recognition +
  every declared conversion → contract records);
* ``iter_sheets+formula``: the same workbook with one formula cell, which makes the reader take a
  second (formula) pass to find formulas without a saved result;
* ``calamine+convert``: calamine's rows through the same header recognition and conversions, to
  see what switching readers would save end to end.

Also reports the peak traced Python memory of ``iter_sheets`` (tracemalloc).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl

import service_rules as sr
from service_rules._importmap import tag_labels_of
from service_rules._sheets import _RowReader, _sheet_input, iter_sheets, write_records_workbook

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"


def _records(rows: int) -> list[dict[str, Any]]:
    base = [
        json.loads(line)
        for line in (ROOT / "examples" / "cangzhou-2026q3.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    findings = [r for r in base if r["type"] == "finding"]
    others = [r for r in base if r["type"] != "finding"]
    scaled = []
    for i in range(rows):
        f = dict(findings[i % len(findings)])
        f["id"] = f"{f['id']}-{i}"
        scaled.append(f)
    return others + scaled


def _time(fn: Callable[[], Any], repeat: int) -> float:
    fn()
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    pack = sr.load_pack("cangzhou")
    tags = tag_labels_of(pack)
    path = OUT / f"sheets-{args.rows}.xlsx"
    write_records_workbook(_records(args.rows), path, pack.imports, tags)
    with_formula = OUT / f"sheets-{args.rows}-formula.xlsx"
    book = openpyxl.load_workbook(path)
    book["检查发现问题"]["E2"] = "=1+1"
    book.save(with_formula)

    def openpyxl_raw() -> int:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        n = sum(1 for ws in wb.worksheets for _ in ws.iter_rows(values_only=True))
        wb.close()
        return n

    def calamine_raw() -> int:
        from python_calamine import CalamineWorkbook

        wb = CalamineWorkbook.from_path(str(path))
        return sum(len(wb.get_sheet_by_name(n).to_python()) for n in wb.sheet_names)

    def ours(p: Path = path) -> int:
        return sum(1 for s in iter_sheets(p, pack.imports, tags) for r in s.rows if r.record is not None)

    def calamine_convert() -> int:
        from python_calamine import CalamineWorkbook

        wb = CalamineWorkbook.from_path(str(path))
        reader = _RowReader(pack.imports, tags)
        n = 0
        for name in wb.sheet_names:
            rows = ((i, list(r)) for i, r in enumerate(wb.get_sheet_by_name(name).to_python(), start=1))
            sheet = _sheet_input(str(path), name, "", reader, rows)
            n += sum(1 for r in sheet.rows if r.record is not None)
        return n

    assert ours() == calamine_convert(), "the two readers disagree"
    results = {
        "openpyxl raw": _time(openpyxl_raw, args.repeat),
        "calamine raw": _time(calamine_raw, args.repeat),
        "iter_sheets": _time(ours, args.repeat),
        "iter_sheets+formula": _time(lambda: ours(with_formula), args.repeat),
        "calamine+convert": _time(calamine_convert, args.repeat),
    }
    tracemalloc.start()
    ours()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"{path.name}: {path.stat().st_size / 1e6:.1f} MB, {args.rows} finding rows, median of {args.repeat}")
    for name, seconds in results.items():
        print(f"  {name:22} {seconds:7.3f} s  {args.rows / seconds:9,.0f} rows/s")
    print(f"  iter_sheets peak traced memory {peak / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
