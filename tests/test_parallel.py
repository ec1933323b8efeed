"""The parallel reader gives byte-identical results to one process, and order changes only what
first-wins says it changes.

Hypothesis builds JSON Lines inputs from a generated quarter's lines (its deliberate bad lines
included) and hostile lines: duplicated ids, references to inspections before and after, in
other outlets, to ids that are not inspections, blank and broken lines, CRLF line ends, a BOM,
a missing final line end, several files. The parallel reader runs with ranges of a few bytes to
a few kilobytes, so lines straddle every boundary. No timing here.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import random
import signal
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import service_rules as sr
from _bench import bench_module
from service_rules import _parallel
from service_rules._evaluate import result_of
from service_rules._ingest import ingest
from service_rules.cli import main

ROOT = Path(__file__).resolve().parent.parent
AS_OF = dt.date(2026, 11, 27)

pytestmark = pytest.mark.skipif(not _parallel.can_fork(), reason="the parallel reader needs fork")


def _generate() -> ModuleType:
    return bench_module("generate")


@pytest.fixture(scope="module")
def compiled() -> sr.CompiledPack:
    return sr.compile_pack(sr.load_pack("cangzhou"))


HOSTILE = [
    b"",
    b"   ",
    b"not json",
    b"\xff\xfe{}",
    b"[1, 2]",
    b'{"type":"finding","id":"H-1","id":"H-2","outlet":"HJ-001","date":"2026-07-01","article":19,"points":1}',
    b'{"type":"finding","id":"H-3","outlet":"HJ-001","date":"2026-07-01","article":19,"points":1,"note":"a: b"}',
    b'{"type":"finding","id":"H-4","outlet":"HJ-001","date":"2026-07-01","article":19}',
    b'{"type":"finding","id":"H-5","outlet":"HJ-001","date":"2026-07-01","article":19,"points":1,"inspection":"H-3"}',
    b'{"type":"finding","id":"H-6","outlet":"HJ-001","date":"2026-07-01","article":19,"points":1,"inspection":"H-I1"}',
    b'{"type":"finding","id":"H-7","outlet":"HJ-002","date":"2026-07-01","article":19,"points":1,"inspection":"H-I1"}',
    b'{"type":"finding","id":"H-13","outlet":"HJ-001","date":"2026-07-02","article":19,"points":1,"inspection":"H-I1"}',
    b'{"type":"finding","id":"H-8","outlet":"HJ-001","date":"2026-07-01","article":19,"points":1,"inspection":"nowhere"}',
    b'{"type":"inspection","id":"H-I1","outlet":"HJ-001","date":"2026-07-01","by":"county"}',
    b'{"type":"inspection","id":"H-3","outlet":"HJ-001","date":"2026-07-01","by":"county"}',
    b'{"type":"outlet","outlet":"HJ-001","county":"\xe6\xb2\xb3\xe9\x97\xb4"}',
    b'{"type":"outlet","outlet":"HJ-001","county":"\xe4\xbb\xbb\xe4\xb8\x98"}',
    b'{"type":"finding","id":"H-9","outlet":"HJ-001","date":"2026-02-30","article":19,"points":1}',
    b'{"type":"finding","id":"H-10","outlet":"2026-07-01","date":"2026-07-01","article":19,"points":1}',
    b'{"type":"complaint","id":"H-11","outlet":"HJ-001","date":"2026-07-02","channel":"phone","verified":true}',
    b'{"type":"nonesuch","id":"H-12"}',
    b'{"type":["finding"],"id":"H-22","outlet":"HJ-001","date":"2026-07-01","article":19,"points":1}',
    b'{"type":{"finding":1},"id":"H-23"}',
    b'{"type":"finding","id":["H-24"],"outlet":"HJ-001","date":"2026-07-01","article":19,"points":1}',
    b'{"type":"complaint","id":"H-17","outlet":"HJ-001","date":"2026-07-03","channel":"written","verified":true,"account_transferred":true,"employee":"E1"}',
    b'{"type":"complaint","id":"H-18","outlet":"HJ-002","date":"2026-07-03","channel":"phone","verified":false}',
    b'{"type":"complaint","id":"H-1","outlet":"HJ-002","date":"2026-07-04","channel":"phone","verified":true}',
    b'{"type":"complaint","id":"H-19","outlet":"HJ-002","date":"2026-07-04","channel":"fax","verified":true}',
    b'{"type":"finding","id":"H-20","outlet":"HJ-002","date":"2026-07-05","article":41,"tag":"drunk_on_duty","persons":1}',
    b'{"type":"finding","id":"H-21","outlet":"HJ-002","date":"2026-07-05","article":41,"tag":"drunk_on_duty","inspection":"H-I1"}',
    b'{"type":"finding","id":"H-14","outlet":"HJ-001","date":"2026-07-01","article":19,"points":2,"replaces":"H-3"}',
    b'{"type":"finding","id":"H-15","outlet":"HJ-001","date":"2026-07-01","article":19,"points":1,"replaces":"zz"}',
    b'{"type":"finding","id":"H-16","outlet":"HJ-001","date":"2026-07-01","article":19,"points":1,"replaces":null}',
    b'{"type":"finding","id":7,"outlet":"HJ-001","date":"2026-07-01","article":19,"points":1}',
    b'{"id":"H-25","outlet":"HJ-001","date":"2026-07-01","article":19,"points":1}',
]


@pytest.fixture(scope="module")
def pool_of_lines(tmp_path_factory: pytest.TempPathFactory) -> list[bytes]:
    """A small generated quarter's lines (with its own bad lines) and the hostile ones above."""
    path = tmp_path_factory.mktemp("quarter") / "q.jsonl"
    _generate().generate(path, findings=300, outlets=12, shuffle=True)
    return path.read_bytes().splitlines()


def _result(compiled: sr.CompiledPack, files: list[Path], workers: int, chunk: int) -> bytes:
    if workers == 1:
        facts = ingest(compiled, files)
    else:
        facts = _parallel.ingest_parallel(compiled, files, workers=workers, min_bytes=0, chunk_bytes=chunk)
        assert facts == ingest(compiled, files)  # the same store: every index in the same order
    return result_of(compiled, facts, as_of=AS_OF).to_json()


@st.composite
def inputs(draw: st.DrawFn, pool: list[bytes]) -> list[bytes]:
    """One to three files' bytes drawn from ``pool`` and the hostile lines, half and half
    (repeats make duplicate ids)."""
    lines = draw(st.lists(st.sampled_from(pool) | st.sampled_from(HOSTILE), min_size=0, max_size=80))
    lines = draw(st.permutations(lines))
    ends = draw(st.lists(st.sampled_from([b"\n", b"\r\n"]), min_size=len(lines), max_size=len(lines)))
    data = [line + end for line, end in zip(lines, ends, strict=True)]
    cuts = sorted(draw(st.lists(st.integers(0, len(data)), max_size=2)))
    files = [b"".join(data[a:b]) for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]
    if draw(st.booleans()) and files[0]:
        files[0] = b"\xef\xbb\xbf" + files[0]
    if draw(st.booleans()) and files[-1].endswith(b"\n"):
        files[-1] = files[-1].rstrip(b"\r\n")  # no line end after the last line
    return files


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_the_parallel_reader_gives_the_bytes_of_one_process(
    compiled: sr.CompiledPack, pool_of_lines: list[bytes], tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    contents = data.draw(inputs(pool_of_lines))
    folder = tmp_path_factory.mktemp("in")
    files = []
    for i, content in enumerate(contents):
        files.append(folder / f"part{i}.jsonl")
        files[-1].write_bytes(content)
    chunk = data.draw(st.integers(1, 3000))
    workers = data.draw(st.integers(2, 3))
    serial = _result(compiled, files, 1, chunk)
    assert _result(compiled, files, workers, chunk) == serial


def test_a_generated_quarter_is_the_same_on_one_and_on_several_processes(
    compiled: sr.CompiledPack, tmp_path: Path
) -> None:
    """Every order of the benchmark's quarter, with ranges of about 2,000 lines."""
    generate = _generate()
    for order in ("sorted", "shuffled", "skewed"):
        path = tmp_path / f"{order}.jsonl"
        generate.generate(path, findings=6000, outlets=150, shuffle=order == "shuffled",
                          skew=0.8 if order == "skewed" else None)  # fmt: skip
        serial = ingest(compiled, [path])
        parallel = _parallel.ingest_parallel(compiled, [path], workers=2, min_bytes=0, chunk_bytes=200_000)
        assert parallel == serial  # the same store: observations in the same order, the same rejections
        assert (
            result_of(compiled, parallel, as_of=AS_OF).to_json() == result_of(compiled, serial, as_of=AS_OF).to_json()
        )


def test_a_run_holds_one_object_per_outlet_date_period_and_rule(compiled: sr.CompiledPack, tmp_path: Path) -> None:
    """Workers intern what findings repeat (their outlet, date, period and rule) and, within a
    range, their notes and inspections: the parent holds one string for each across all the
    ranges (it makes each one object as it loads them), not one per range — in a shuffled
    quarter every range names nearly every outlet."""
    path = tmp_path / "shuffled.jsonl"
    _generate().generate(path, findings=6000, outlets=150, shuffle=True)
    facts = _parallel.ingest_parallel(compiled, [path], workers=2, min_bytes=0, chunk_bytes=50_000)
    observations = [o for group in facts.observations.values() for o in group]
    assert len(observations) > 5000
    for field in ("outlet", "date", "period", "rule"):
        values = [getattr(o, field) for o in observations]
        assert len({id(v) for v in values}) == len(set(values)), field
    notes = [o.note for o in observations if o.note is not None]
    ranges = len(_parallel._ranges(str(path), path.stat().st_size, 50_000))
    shared = len({id(v) for v in notes})
    assert shared <= ranges * len(set(notes)) and shared < len(notes)  # at most one per text and range


def test_names_are_interned_only_up_to_a_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    """What is interned may live as long as the process (immortal on some CPythons): past
    MAX_INTERNED names a reader keeps each as one object of its own, interned no more."""
    from service_rules import _ingest

    monkeypatch.setattr(_ingest, "MAX_INTERNED", 2)
    names = _ingest.Interned()

    def fresh(text: str) -> str:
        return "".join(list(text))  # an equal string, not the same object

    a, b, c = (fresh(f"OUTLET-{i}-bound-test") for i in range(3))
    assert names[a] is sys.intern(fresh(a)) and names[b] is sys.intern(fresh(b))
    assert names[c] is c and names[fresh(c)] is c  # one object still, not the interned one
    assert sys.intern(fresh(c)) is not c


def test_progress_is_reported_at_the_same_lines(compiled: sr.CompiledPack, tmp_path: Path) -> None:
    path = tmp_path / "blank.jsonl"
    path.write_bytes(b"\n" * 140_000 + b'{"type":"outlet","outlet":"A","county":"B"}\n')
    calls: dict[int, list[int]] = {1: [], 2: []}
    ingest(compiled, [path, path], progress=calls[1].append)
    _parallel.ingest_parallel(
        compiled, [path, path], workers=2, min_bytes=0, chunk_bytes=50_000, progress=calls[2].append
    )
    assert calls[1] == calls[2] == [65536, 131072, 140_001 + 65536, 140_001 + 131072]  # per file, as read


def test_records_and_small_files_are_read_in_one_process(compiled: sr.CompiledPack, tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_bytes(b'{"type":"outlet","outlet":"A","county":"B"}\n')
    records = sr.Records([{"type": "outlet", "outlet": "C", "county": "B"}])
    a = _parallel.ingest_parallel(compiled, [path, records], workers=2)  # below MIN_BYTES
    assert a == ingest(compiled, [path, records])


def test_strict_registry_runs_are_the_same(
    compiled: sr.CompiledPack, pool_of_lines: list[bytes], tmp_path: Path
) -> None:
    path = tmp_path / "q.jsonl"
    path.write_bytes(b"\n".join(HOSTILE[::-1] + pool_of_lines + HOSTILE) + b"\n")
    serial = ingest(compiled, [path], strict_registry=True)
    parallel = _parallel.ingest_parallel(
        compiled, [path], workers=2, min_bytes=0, chunk_bytes=500, strict_registry=True
    )
    assert parallel == serial


def test_workers_must_be_a_whole_number_from_one() -> None:
    for bad in (0, -1, 1.5, "2", True):
        with pytest.raises(sr.UsageError, match="workers="):
            sr.score("cangzhou", [], workers=bad)  # type: ignore[arg-type]


def test_the_command_line_output_is_the_same_for_any_workers(
    pool_of_lines: list[bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "q.jsonl"
    path.write_bytes(b"\n".join(HOSTILE[::-1] + pool_of_lines + HOSTILE) + b"\n")
    monkeypatch.setattr(_parallel, "MIN_BYTES", 0)
    monkeypatch.setattr(_parallel, "CHUNK_BYTES", 700)
    outs = []
    for workers in ("1", "2", "3"):
        out = tmp_path / f"out{workers}.json"
        code = main(
            ["score", "--pack", "cangzhou", "--as-of", "2026-11-27", "--workers", workers, "-o", str(out), str(path)]
        )
        assert code == 1  # the hostile lines are rejected
        outs.append(out.read_bytes())
    assert outs[0] == outs[1] == outs[2]
    assert json.loads(outs[0])["rejected"]


def test_the_command_line_refuses_zero_workers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", "--pack", "cangzhou", "--workers", "0", str(tmp_path / "x.jsonl")]) == 2
    assert "--workers" in capsys.readouterr().err


def _good_lines(compiled: sr.CompiledPack, lines: list[bytes], tmp_path: Path) -> list[bytes]:
    """The lines of a quarter that are accepted (unique ids, no conflicting registrations)."""
    path = tmp_path / "all.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    rejected = {r.line for r in ingest(compiled, [path]).rejected}
    return [line for n, line in enumerate(lines, 1) if n not in rejected]


def test_the_order_of_accepted_lines_changes_nothing(compiled: sr.CompiledPack, tmp_path: Path) -> None:
    """Scorecards and actions do not depend on the order of the lines (first-wins decides only
    between lines that clash: a repeated id, a conflicting registration)."""
    path = tmp_path / "q.jsonl"
    _generate().generate(path, findings=800, outlets=30)
    good = _good_lines(compiled, path.read_bytes().splitlines(), tmp_path)
    results = []
    for seed in range(3):
        lines = list(good)
        random.Random(seed).shuffle(lines)
        shuffled = tmp_path / f"s{seed}.jsonl"
        shuffled.write_bytes(b"\n".join(lines) + b"\n")
        result = json.loads(sr.score(compiled, [shuffled], as_of="2026-11-27").to_json())
        assert result["rejected"] == []
        results.append((result["scorecards"], result["actions"]))
    assert results[0] == results[1] == results[2]


def test_an_amended_pack_with_appeals_and_corrections_is_the_same_on_several_processes(
    pool_of_lines: list[bytes], tmp_path: Path
) -> None:
    """Regression: workers judged every finding by the original text, not the amendment in force
    on its day (3,092 of 5,000 cards differed at 100k findings)."""
    amended = sr.compile_pack(sr.load_pack(str(ROOT / "examples" / "cangzhou-amended")))
    findings = [json.loads(line) for line in pool_of_lines if b'"finding"' in line][:60]
    extra = []
    for i, f in enumerate(findings[:30]):
        decision = ["upheld", "overturned", "amended", None][i % 4]
        appeal = {"type": "appeal", "id": f"AP{i}", "target": f["id"], "filed": "2026-10-01", "by": "x", "reason": "r"}
        if decision is not None:
            appeal |= {"decided": "2026-10-10", "decision": decision}
        if decision == "amended":
            appeal["points"] = 0
        extra.append(json.dumps(appeal, ensure_ascii=False).encode())
    for f in findings[30:40]:
        extra.append(json.dumps({**f, "id": f["id"] + "-C", "replaces": f["id"]}, ensure_ascii=False).encode())
    lines = pool_of_lines + HOSTILE + extra
    random.Random(5).shuffle(lines)
    path = tmp_path / "q.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    serial = _result(amended, [path], 1, 0)
    assert json.loads(serial)["scorecards"][0]["versions"], "the example amendment judges this quarter"
    for chunk in (700, 5000):
        assert _result(amended, [path], 2, chunk) == serial


EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.mark.parametrize(
    ("pack", "files", "as_of"),
    [
        ("cangzhou-amended", ["cangzhou-2026q3.jsonl", "cangzhou-2026q3-appeals.jsonl"], "2026-11-30"),
        ("monthly", ["monthly-2027-03.jsonl"], "2027-05-15"),
        ("generic", ["generic-2027q1.jsonl"], "2027-05-15"),
    ],
)
def test_amended_monthly_and_appealed_inputs_are_the_same_on_several_processes(
    pack: str, files: list[str], as_of: str, tmp_path: Path
) -> None:
    """An amended pack (each finding judged by the text of its day), corrections (``replaces``) and
    appeals, a monthly pack: in the given order and shuffled with repeats, every range size."""
    compiled = sr.compile_pack(sr.load_pack(pack if pack == "generic" else str(EXAMPLES / pack)))
    day = dt.date.fromisoformat(as_of)
    lines = [line for f in files for line in (EXAMPLES / f).read_bytes().splitlines()]
    mixed = list(lines) + lines[::3]
    random.Random(13).shuffle(mixed)
    for n, variant in enumerate((lines, mixed)):
        path = tmp_path / f"in{n}.jsonl"
        path.write_bytes(b"\n".join(variant) + b"\n")
        serial = ingest(compiled, [path])
        expected = result_of(compiled, serial, as_of=day).to_json()
        for chunk in (1, 97, 1500):
            parallel = _parallel.ingest_parallel(compiled, [path], workers=2, min_bytes=0, chunk_bytes=chunk)
            assert parallel == serial
            assert result_of(compiled, parallel, as_of=day).to_json() == expected


def test_a_file_that_changes_while_it_is_read_is_an_unreadable_input(
    compiled: sr.CompiledPack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Hostile input: lines appended while the workers read. The ranges were cut at the old size,
    so those lines would be lost and the digest be of other bytes; the run stops instead (exit 2)."""
    path = tmp_path / "growing.jsonl"
    line = b'{"type":"finding","id":"G-%d","outlet":"HJ-001","date":"2026-07-01","article":19,"points":1}\n'
    path.write_bytes(b"".join(line % i for i in range(200)))
    read = _parallel.ParallelFiles._read

    def read_then_append(self: _parallel.ParallelFiles, *args: object) -> None:
        read(self, *args)  # type: ignore[arg-type]
        with path.open("ab") as handle:
            handle.write(line % 999)

    monkeypatch.setattr(_parallel.ParallelFiles, "_read", read_then_append)
    with pytest.raises(sr.InputFileError, match="被改动"):
        _parallel.ingest_parallel(compiled, [path], workers=2, min_bytes=0, chunk_bytes=1000)


def test_an_outlet_spelt_like_a_date_is_located_at_its_first_line(compiled: sr.CompiledPack, tmp_path: Path) -> None:
    """Regression: the reader knew an outlet's first line by "not yet among the strings it kept",
    which held the dates too, so an outlet code spelt like an earlier line's date had no line
    in its unregistered-outlet warning."""
    lines = [
        b'{"type":"outlet","outlet":"HJ-001","county":"\xe6\xb2\xb3\xe9\x97\xb4"}',
        b'{"type":"finding","id":"F1","outlet":"HJ-001","date":"2026-07-01","article":19,"points":1}',
        b'{"type":"finding","id":"F2","outlet":"2026-07-01","date":"2026-07-02","article":19,"points":1}',
    ]
    path = tmp_path / "q.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    for facts in (
        ingest(compiled, [path]),
        _parallel.ingest_parallel(compiled, [path], workers=2, min_bytes=0, chunk_bytes=1),
    ):
        (warning,) = [w for w in facts.warnings if w.outlet == "2026-07-01"]
        assert (warning.file, warning.line) == (str(path), 3)


def test_a_type_that_is_a_list_or_an_object_is_rejected_on_several_processes(
    compiled: sr.CompiledPack, tmp_path: Path
) -> None:
    """Regression: a worker looked the type up as a key, and a list there (unhashable) ended the
    run with an internal error instead of an unknown_type rejection."""
    path = tmp_path / "q.jsonl"
    path.write_bytes(
        b'{"type":["finding"],"id":"H-22","outlet":"HJ-001","date":"2026-07-01","article":19,"points":1}\n'
        b'{"type":{"finding":1},"id":"H-23"}\n{"type":["complaint"],"id":"Q"}\n'
    )
    facts = _parallel.ingest_parallel(compiled, [path], workers=2, min_bytes=0, chunk_bytes=1)
    assert facts == ingest(compiled, [path])
    assert [r.code for r in facts.rejected] == ["unknown_type", "unknown_type", "unknown_type"]


def test_workers_run_at_a_lower_priority_than_the_parent(
    compiled: sr.CompiledPack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The parent decides every line in order (the run's critical path); the workers take the CPU
    it leaves. (A worker computes the file's digest: here it reports its own priority instead.)"""
    path = tmp_path / "q.jsonl"
    _generate().generate(path, findings=300, outlets=12)
    monkeypatch.setattr(_parallel, "_digest", _priority)
    facts = _parallel.ingest_parallel(compiled, [path], workers=2, min_bytes=0, chunk_bytes=2000)
    assert int(facts.inputs[0].sha256) == min(19, os.nice(0) + _parallel.WORKER_NICE)


def _priority(_path: str) -> str:
    return str(os.nice(0))


def _dies(path: str, start: int, end: int, first: bool) -> bytes:
    os._exit(3)


def _killed(path: str, start: int, end: int, first: bool) -> bytes:
    import signal

    os.kill(os.getpid(), signal.SIGKILL)  # as the system's out-of-memory killer does
    raise AssertionError("not reached")


def _fails(path: str, start: int, end: int, first: bool) -> bytes:
    raise ValueError("a bug in a worker")


def _cannot_read(path: str, start: int, end: int, first: bool) -> bytes:
    raise PermissionError(13, "Permission denied", path)


@pytest.mark.parametrize(
    ("stand_in", "error", "words"),
    [
        (_dies, RuntimeError, "意外退出"),
        (_killed, RuntimeError, "意外退出.*内存不足"),
        (_fails, RuntimeError, "a bug in a worker"),
        (_cannot_read, OSError, "Permission denied"),
    ],
)
def test_a_worker_that_dies_or_fails_ends_the_run_with_an_error(
    compiled: sr.CompiledPack,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    stand_in: Any,
    error: type[Exception],
    words: str,
) -> None:
    """Regression: a pool worker that died left the parent waiting for its result for ever. Now the
    parent sees its pipe end (or its error) and the run ends: an internal error, or an unreadable
    input when the worker could not read the file — and no worker is left behind."""
    import multiprocessing

    path = tmp_path / "q.jsonl"
    _generate().generate(path, findings=300, outlets=12)
    monkeypatch.setattr(_parallel, "_check_range", stand_in)
    expected = sr.InputFileError if error is OSError else error
    with pytest.raises(expected, match=words):
        _parallel.ingest_parallel(compiled, [path], workers=2, min_bytes=0, chunk_bytes=2000)
    assert multiprocessing.active_children() == []


_ABRUPT = """
import os, signal, sys
import service_rules as sr
from service_rules import _parallel
team = _parallel._Team(sr.compile_pack(sr.load_pack("cangzhou")), 2)
print(" ".join(str(p.pid) for p, _, _ in team.members), flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def _gone(pid: int) -> bool:
    """No such process, or only its exit status left (a zombie its new parent has not reaped)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_workers_end_by_themselves_when_the_parent_is_killed(tmp_path: Path) -> None:
    """Regression: each worker held both ends of its own pipes, so a parent killed (SIGKILL,
    SIGTERM, the OOM killer) left its workers waiting for orders for ever. A worker holds only
    its own ends: the parent's end closing is their end."""
    import subprocess
    import time

    out = tmp_path / "pids"
    with out.open("wb") as handle:  # not a pipe: the workers hold the parent's stdout
        code = subprocess.run([sys.executable, "-c", _ABRUPT], stdout=handle, timeout=60, check=False).returncode
    assert code == -9
    pids = [int(p) for p in out.read_text().split()]
    assert len(pids) == 2
    try:
        deadline = time.monotonic() + 10
        while not all(map(_gone, pids)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert all(map(_gone, pids))
    finally:
        for pid in pids:
            with contextlib.suppress(OSError):
                os.kill(pid, 9)


@pytest.mark.parametrize("debug", [False, True])
def test_a_worker_error_is_one_line_naming_it_and_its_traceback_only_with_debug(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], debug: bool
) -> None:
    """Regression: the one line of an internal error in a worker was the worker's traceback,
    escaped and cut before the error itself. Now it names the error (exit 70); the worker's
    traceback is shown with --debug only."""
    path = tmp_path / "q.jsonl"
    _generate().generate(path, findings=300, outlets=12)
    monkeypatch.setattr(_parallel, "_check_range", _fails)
    monkeypatch.setattr(_parallel, "MIN_BYTES", 0)
    monkeypatch.delenv("SERVICE_RULES_DEBUG", raising=False)
    argv = ["score", "--pack", "cangzhou", "--workers", "2", "-o", str(tmp_path / "out.json"), str(path)]
    assert main([*argv, "--debug"] if debug else argv) == 70
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("service-rules:")]
    assert len(lines) == 1
    assert "ValueError: a bug in a worker" in lines[0]
    assert "Traceback" not in lines[0]
    assert ("_fails" in err) is debug  # where in the worker it failed
    if not debug:
        assert err.count("\n") == 1


def _no_fork(self: Any) -> None:
    raise BlockingIOError(11, "Resource temporarily unavailable")


@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="reads /proc")
def test_a_system_that_refuses_the_workers_reads_the_file_in_one_process(
    compiled: sr.CompiledPack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression: a fork refused (a process or memory limit) ended the run as an unreadable file
    ("无法读写文件", exit 2) and left the new worker's pipes open. The workers are only a way to read
    faster: the file is read in one process, with the same result, and nothing is left open."""
    import multiprocessing.context

    path = tmp_path / "q.jsonl"
    _generate().generate(path, findings=300, outlets=12)
    expected = result_of(compiled, ingest(compiled, [path]), as_of=AS_OF).to_json()
    monkeypatch.setattr(multiprocessing.context.ForkProcess, "start", _no_fork)
    before = len(os.listdir("/proc/self/fd"))
    facts = _parallel.ingest_parallel(compiled, [path, path], workers=2, min_bytes=0, chunk_bytes=2000)
    assert len(os.listdir("/proc/self/fd")) == before
    assert (
        result_of(compiled, facts, as_of=AS_OF).to_json()
        == result_of(compiled, ingest(compiled, [path, path]), as_of=AS_OF).to_json()
    )
    assert (
        result_of(compiled, _parallel.ingest_parallel(compiled, [path], workers=3, min_bytes=0), as_of=AS_OF).to_json()
        == expected
    )


def test_a_file_a_worker_cannot_read_is_said_as_one_process_says_it(
    compiled: sr.CompiledPack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression: the message carried the worker's ``[Errno 13] … 'path'`` where one process says
    ``cannot read PATH: Permission denied``."""
    path = tmp_path / "q.jsonl"
    _generate().generate(path, findings=300, outlets=12)
    monkeypatch.setattr(_parallel, "_check_range", _cannot_read)
    with pytest.raises(sr.InputFileError) as caught:
        _parallel.ingest_parallel(compiled, [path], workers=2, min_bytes=0, chunk_bytes=2000)
    assert str(caught.value) == f"cannot read {path}: Permission denied"


@pytest.mark.skipif(not hasattr(signal, "pthread_sigmask"), reason="POSIX signal masks")
def test_a_ctrl_c_as_a_worker_starts_is_the_parents_alone(
    compiled: sr.CompiledPack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    """Regression: a worker ignored Ctrl-C only once it ran its own code; one that came while it
    was being started (the terminal sends it to the whole process group) killed it with a
    traceback on stderr. A worker is started with Ctrl-C held back until it ignores it."""
    import multiprocessing.util

    path = tmp_path / "q.jsonl"
    _generate().generate(path, findings=300, outlets=12)
    expected = result_of(compiled, ingest(compiled, [path]), as_of=AS_OF).to_json()
    after_fork = multiprocessing.util._run_after_forkers

    def interrupted() -> None:  # (in the new worker, before it runs the worker's code)
        after_fork()
        os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(multiprocessing.util, "_run_after_forkers", interrupted)
    facts = _parallel.ingest_parallel(compiled, [path], workers=2, min_bytes=0, chunk_bytes=2000)
    assert result_of(compiled, facts, as_of=AS_OF).to_json() == expected
    assert "Traceback" not in capfd.readouterr().err


@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="reads /proc")
def test_runs_that_end_in_an_error_leave_no_descriptor_open_even_without_the_collector(
    compiled: sr.CompiledPack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression: each worker's own pipe (multiprocessing's) was closed only when its process
    object was freed; after an error the traceback's cycles hold it, and with the cyclic
    collector off (as the command line runs) every failed run left descriptors open."""
    import gc

    path = tmp_path / "q.jsonl"
    _generate().generate(path, findings=300, outlets=12)
    monkeypatch.setattr(_parallel, "_check_range", _fails)
    collecting = gc.isenabled()
    gc.disable()
    try:
        before = len(os.listdir("/proc/self/fd"))
        for _ in range(3):
            with pytest.raises(RuntimeError):
                _parallel.ingest_parallel(compiled, [path], workers=3, min_bytes=0, chunk_bytes=2000)
        assert len(os.listdir("/proc/self/fd")) == before
    finally:
        if collecting:
            gc.enable()


@pytest.mark.skipif(not hasattr(signal, "SIGCHLD"), reason="POSIX")
def test_a_program_that_ignores_its_children_s_ends_still_reads_in_parallel(
    compiled: sr.CompiledPack, tmp_path: Path
) -> None:
    """With SIGCHLD ignored the system reaps the workers itself: a run ends as any other."""
    path = tmp_path / "q.jsonl"
    _generate().generate(path, findings=300, outlets=12)
    expected = result_of(compiled, ingest(compiled, [path]), as_of=AS_OF).to_json()
    before = signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    try:
        facts = _parallel.ingest_parallel(compiled, [path], workers=2, min_bytes=0, chunk_bytes=2000)
    finally:
        signal.signal(signal.SIGCHLD, before)
    assert result_of(compiled, facts, as_of=AS_OF).to_json() == expected


def _dies_at_start(compiled: sr.CompiledPack) -> None:
    os._exit(3)


def _fails_at_start(compiled: sr.CompiledPack) -> None:
    raise ValueError("a worker that cannot start")


@pytest.mark.parametrize(
    ("stand_in", "words"), [(_dies_at_start, r"意外退出\(退出码 3\)"), (_fails_at_start, "a worker that cannot start")]
)
def test_a_worker_gone_before_its_orders_is_an_internal_error_not_an_unreadable_file(
    compiled: sr.CompiledPack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stand_in: Any, words: str
) -> None:
    """Regression: a worker that died or failed as it started (before the parent wrote its orders)
    made the parent's write fail, said as ``cannot read FILE: Broken pipe`` (an unreadable input,
    exit 2). Now the run ends with the worker's own error, or that it ended."""
    path = tmp_path / "q.jsonl"
    _generate().generate(path, findings=300, outlets=12)
    monkeypatch.setattr(_parallel, "_start", stand_in)
    order = _parallel._Team.order

    def late(team: _parallel._Team, k: int, message: tuple[Any, ...]) -> None:  # once the worker is gone
        team.members[k][0].join(10)
        order(team, k, message)

    monkeypatch.setattr(_parallel._Team, "order", late)
    with pytest.raises(RuntimeError, match=words):
        _parallel.ingest_parallel(compiled, [path], workers=2, min_bytes=0, chunk_bytes=2000)


def _read_in_a_pool_worker(path: str) -> bytes:
    compiled = sr.compile_pack(sr.load_pack("cangzhou"))
    facts = _parallel.ingest_parallel(compiled, [path], workers=2, min_bytes=0, chunk_bytes=2000)
    return result_of(compiled, facts, as_of=AS_OF).to_json()


def test_workers_asked_for_inside_a_daemonic_process_read_in_that_process(
    compiled: sr.CompiledPack, tmp_path: Path
) -> None:
    """Regression: ``workers=2`` inside a multiprocessing pool's worker (a daemonic process, which
    may not start processes) raised AssertionError. The file is read in that one process."""
    import multiprocessing

    path = tmp_path / "q.jsonl"
    _generate().generate(path, findings=300, outlets=12)
    expected = result_of(compiled, ingest(compiled, [path]), as_of=AS_OF).to_json()
    with multiprocessing.get_context("fork").Pool(1) as pool:
        assert pool.apply(_read_in_a_pool_worker, (str(path),)) == expected


def test_no_more_workers_start_than_the_first_file_has_ranges(
    compiled: sr.CompiledPack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``workers=1000`` on a small file starts as many workers as it has ranges, not a thousand
    processes; the result is the same."""
    path = tmp_path / "q.jsonl"
    _generate().generate(path, findings=300, outlets=12)
    started: list[int] = []
    team = _parallel._Team

    def counted(compiled: sr.CompiledPack, workers: int) -> Any:
        started.append(workers)
        return team(compiled, workers)

    monkeypatch.setattr(_parallel, "_Team", counted)
    size = path.stat().st_size
    facts = _parallel.ingest_parallel(compiled, [path], workers=1000, min_bytes=0, chunk_bytes=size // 3)
    assert facts == ingest(compiled, [path])
    assert started == [len(_parallel._ranges(str(path), size, size // 3))]
    assert 2 <= started[0] <= 8
