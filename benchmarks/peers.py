"""``service-rules score`` side by side with what a data engineer would write instead (issue 13).

    pip install -e '.[bench]'          # duckdb and polars for the peers
    python benchmarks/peers.py --data /tmp/benchdata --sizes 100000,1000000 --orders sorted,shuffled
    python benchmarks/peers.py --sizes 10000,100000,1000000 --runners score,loop --orders sorted   # growth in findings
    python benchmarks/peers.py --sizes 100000 --outlets 500,5000,50000 --runners score,loop,duckdb  # growth in outlets
    python benchmarks/peers.py --score-python before=/path/to/old/venv/bin/python ...  # one more score runner
    python benchmarks/peers.py --report run1.json run2.json     # the tables again, from saved runs (later files win)

A report, not a test (exits 0 unless a peer disagrees with the library: then 1). For each
(findings, outlets, order) cell it generates the quarter with benchmarks/generate.py (seed
20260927; ``shuffled`` is ``--shuffle``, ``skewed`` is ``--skew 0.8``) into ``--data`` unless
it is already there, then runs every runner as a whole process, ``--repeat`` times, alternating
(the runner order reversed on every other repetition), after one untimed warm-up of each runner
in the first cell. Runners (``--runners``):

* ``json.loads``, ``orjson.loads``: a ``python -c`` that parses every line and nothing else;
* ``score``: ``python -m service_rules score --pack cangzhou --as-of 2026-11-27 FILE > out.json``
  with this interpreter (its default ``--workers``: one process per CPU for large files);
  ``score-1``: the same with ``--workers 1`` (one process; its output must be byte-identical); ``--score-python NAME=PYTHON`` adds a runner NAME doing the same with
  another interpreter (another install of the library), whose output must be byte-identical;
* ``loop``: benchmarks/peer_loop.py (orjson, a dict of rules, the section totals only);
* ``duckdb``: benchmarks/peer_duckdb.py (one ``read_json`` query with explicit columns);
* ``polars``: benchmarks/peer_polars.py (``read_ndjson`` with a schema, then expressions);
* ``writer``: benchmarks/peer_writer.py (peer_loop.py's loop that also writes every deduction
  with its reason, as JSON Lines: what writing the document costs a plain loop); ``writer-bytes``
  the same with ``--bytes`` (tuned: a template per kind of deduction instead of a dict each);
  ``writer-2`` the tuned one on a pool of 2 processes over byte ranges (``--bytes --workers 2``),
  ``writer-shards`` on 2 processes by outlet (``--bytes --shards 2``).

After the timed runs of a cell, benchmarks/check_peers.py compares the last output of every peer
with the last ``score`` JSON: the same total and section scores for every scorecard (the CSVs),
the same deductions field by field (the writer's JSON Lines).

Measured per run, by a small launcher process (``python -I -S``; a child's ``ru_maxrss`` on
Linux starts at its parent's RSS, so the launcher is small): wall time from fork to reap
(interpreter start, imports, writing the output and teardown included), CPU time (user + system,
children included), and peak memory = the larger of the child's ``ru_maxrss`` from ``os.wait4``
(its own high-water mark, or its largest reaped descendant's) and the peak of the RSS summed
over the child and all its descendants, sampled every 10 ms from /proc (a process pool counts
once per process; shared pages count in each). The 1-minute load average (``os.getloadavg()``)
is recorded before every run. Reported: the median of the repetitions, every repetition, the
largest peak memory, the load range; the ratios of ``score`` to ``loop``, ``duckdb``, ``polars``
and the writers, of the writers to ``loop``, and of shuffled to sorted; and the cost per finding and per outlet as the input grows (the marginal
µs between consecutive sizes at the same outlet count, and between outlet counts at the same
size).
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from generate import DEFAULT_SEED, generate  # noqa: E402

AS_OF = "2026-11-27"
SKEW = 0.8
ORDERS = ("sorted", "shuffled", "skewed")

PARSE = {
    "json.loads": "import json, sys\nwith open(sys.argv[1], encoding='utf-8') as f:\n    for line in f:\n        json.loads(line)\n",
    "orjson.loads": "import orjson, sys\nwith open(sys.argv[1], 'rb') as f:\n    for line in f:\n        orjson.loads(line)\n",
}
PEERS = {"loop": ["peer_loop.py"], "duckdb": ["peer_duckdb.py"], "polars": ["peer_polars.py"],
         "writer": ["peer_writer.py"], "writer-bytes": ["peer_writer.py", "--bytes"],
         "writer-2": ["peer_writer.py", "--bytes", "--workers", "2"],
         "writer-shards": ["peer_writer.py", "--bytes", "--shards", "2"]}
#: What a peer writes: the section totals as CSV, or (the writers) every deduction as JSON Lines.
PEER_OUTPUT = {"writer": "jsonl", "writer-bytes": "jsonl", "writer-2": "jsonl", "writer-shards": "jsonl"}
DEFAULT_RUNNERS = "json.loads,orjson.loads,score,score-1,loop,writer,writer-bytes,writer-2,writer-shards,duckdb,polars"

LAUNCHER = r"""
import os, resource, sys, threading, time
out = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
err = os.open(sys.argv[2], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
null = os.open(os.devnull, os.O_RDONLY)
niceness = int(sys.argv[3])
cmd = sys.argv[4:]
done = False
peak = [0, 0]  # KiB summed over the tree, most processes seen at once

def tree(pid):
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo.extend(int(c) for c in f.read().split())
        except OSError:
            pass
    return pids

def rss(p):
    try:
        with open(f"/proc/{p}/statm") as f:
            return int(f.read().split()[1]) * PAGE_KIB
    except (OSError, IndexError, ValueError):
        return 0

PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024

def sample(pid):
    while not done:
        pids = tree(pid)
        total = sum(rss(p) for p in pids)
        if total > peak[0]:
            peak[0] = total
        peak[1] = max(peak[1], len(pids))
        time.sleep(0.01)

t0 = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        if niceness:
            os.setpriority(os.PRIO_PROCESS, 0, niceness)
        os.dup2(null, 0)
        os.dup2(out, 1)
        os.dup2(err, 2)
        os.execv(cmd[0], cmd)
    finally:
        os._exit(127)
sampler = threading.Thread(target=sample, args=(pid,), daemon=True)
sampler.start()
_, status, ru = os.wait4(pid, 0)
wall = time.perf_counter() - t0
done = True
sampler.join()
print(wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss, peak[0], peak[1], os.waitstatus_to_exitcode(status))
"""


class Runner:
    def __init__(self, name: str, cmd: list[str], output: str) -> None:
        self.name, self.cmd, self.output = name, cmd, output  # "json" (a score), "csv" or "jsonl" (a peer), "" (nothing)


def runners(names: list[str], extra_scores: list[tuple[str, str]]) -> list[Runner]:
    py = sys.executable
    out: list[Runner] = []
    for name in names:
        if name in PARSE:
            out.append(Runner(name, [py, "-c", PARSE[name]], ""))
        elif name == "score":
            out.append(Runner(name, [py, "-m", "service_rules", "score", "--pack", "cangzhou", "--as-of", AS_OF], "json"))
        elif name == "score-1":  # one process: the parallel reader off
            out.append(Runner(name, [py, "-m", "service_rules", "score", "--pack", "cangzhou", "--as-of", AS_OF,
                                     "--workers", "1"], "json"))
        elif name in PEERS:
            script, *flags = PEERS[name]
            out.append(Runner(name, [py, str(HERE / script), *flags], PEER_OUTPUT.get(name, "csv")))
        else:
            raise SystemExit(f"unknown runner {name!r} (known: {', '.join([*PARSE, 'score', 'score-1', *PEERS])})")
    for name, python in extra_scores:
        out.append(Runner(name, [python, "-m", "service_rules", "score", "--pack", "cangzhou", "--as-of", AS_OF], "json"))
    return out


def data_file(data: Path, findings: int, outlets: int, order: str, seed: int) -> Path:
    path = data / f"quarter-{findings}-{outlets}-{order}-{seed}.jsonl"
    manifest = Path(str(path) + ".manifest.json")
    if not (path.exists() and manifest.exists()):
        _log(f"generating {path.name}")
        generate(path, findings, outlets, seed, shuffle=order == "shuffled", skew=SKEW if order == "skewed" else None)
    with open(path, "rb") as f:  # into the page cache, as for every runner
        while f.read(1 << 24):
            pass
    return path


def child_env(work: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # children start as installed code does, from cached bytecode
    env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    return env


def _busy_seconds() -> float:
    """CPU seconds spent busy by the whole machine since boot (all cores), from /proc/stat."""
    try:
        with open("/proc/stat") as f:
            fields = f.readline().split()[1:]
    except OSError:
        return 0.0
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def others_busy(seconds: float = 0.5) -> float:
    """How many cores other processes keep busy now (sampled over ``seconds``)."""
    b0, t0 = _busy_seconds(), time.perf_counter()
    time.sleep(seconds)
    return (_busy_seconds() - b0) / (time.perf_counter() - t0)


def wait_for_quiet(max_busy: float, max_wait: float) -> float:
    """Wait (up to ``max_wait`` s) until other processes use at most ``max_busy`` cores; return the last sample."""
    deadline = time.monotonic() + max_wait
    busy = others_busy()
    while busy > max_busy and time.monotonic() < deadline:
        time.sleep(2)
        busy = others_busy()
    return busy


def run_once(r: Runner, path: Path, work: Path, env: dict[str, str], opts: argparse.Namespace | None = None) -> dict[str, Any]:
    suffix = {"json": ".json", "csv": ".csv", "jsonl": ".jsonl", "": ".out"}[r.output]
    stdout, stderr = work / f"{r.name}{suffix}", work / f"{r.name}.err"
    busy_before = wait_for_quiet(opts.max_busy, opts.max_wait) if opts is not None and opts.max_wait > 0 else None
    load = os.getloadavg()[0]
    b0, t0 = _busy_seconds(), time.perf_counter()
    res = subprocess.run(
        [sys.executable, "-I", "-S", "-c", LAUNCHER, str(stdout), str(stderr), str(opts.nice if opts else 0), *r.cmd, str(path)],
        capture_output=True, text=True, env=env, check=True,
    )
    busy, outer = _busy_seconds() - b0, time.perf_counter() - t0
    wall, cpu, maxrss, tree_kib, procs, code = res.stdout.split()
    ok = int(code) in ((0, 1) if r.output == "json" else (0,))  # score exits 1: the bad lines are rejected
    if not ok:
        _log(f"{r.name} exited {code}: {stderr.read_text(encoding='utf-8', errors='replace')[-2000:]}")
    return {"wall": float(wall), "cpu": float(cpu), "peak_mib": max(int(maxrss), int(tree_kib)) / 1024,
            "own_maxrss_mib": int(maxrss) / 1024, "tree_peak_mib": int(tree_kib) / 1024, "processes": int(procs),
            "exit": int(code), "ok": ok, "load": load, "busy_before": busy_before,
            # cores kept busy by everything else while it ran (the launcher included, ~0.02-0.05)
            "others_cores": max(0.0, (busy - float(cpu)) / outer)}


def check(rs: list[Runner], work: Path) -> dict[str, Any]:
    """Every peer CSV against the score JSON; every other score's bytes against score's."""
    result: dict[str, Any] = {}
    scores = [r for r in rs if r.output == "json"]
    peers = [r for r in rs if r.output in ("csv", "jsonl")]
    if not scores:
        return result
    ref = work / f"{scores[0].name}.json"
    if peers:
        res = subprocess.run([sys.executable, str(HERE / "check_peers.py"), str(ref), *(str(work / f"{p.name}.{p.output}") for p in peers)],
                             capture_output=True, text=True)
        result["peers_agree"] = res.returncode == 0
        result["peers_report"] = res.stdout.strip() + res.stderr.strip()
    digest = {r.name: _sha256(work / f"{r.name}.json") for r in scores}
    if len(scores) > 1:
        result["scores_identical"] = len(set(digest.values())) == 1
    result["score_sha256"] = digest
    return result


def bench_cell(findings: int, outlets: int, order: str, rs: list[Runner], opts: argparse.Namespace, warm: bool) -> dict[str, Any]:
    path = data_file(opts.data, findings, outlets, order, opts.seed)
    work = opts.data / "runs"
    work.mkdir(parents=True, exist_ok=True)
    env = child_env(work)
    if warm:
        for r in rs:
            _log(f"warm-up {r.name}")
            run_once(r, path, work, env)
    runs: dict[str, list[dict[str, Any]]] = {r.name: [] for r in rs}
    load_before = os.getloadavg()[0]
    for rep in range(opts.repeat):
        for r in (rs if rep % 2 == 0 else rs[::-1]):
            runs[r.name].append(run_once(r, path, work, env, opts))
            _log(f"{findings} × {outlets} {order} #{rep + 1} {r.name}: {runs[r.name][-1]['wall']:.2f} s")
    load_after = os.getloadavg()[0]
    manifest = json.loads(Path(str(path) + ".manifest.json").read_text(encoding="utf-8"))
    cell = {
        "findings": findings, "outlets": outlets, "order": order, "file": str(path), "lines": manifest["lines"],
        "bytes": path.stat().st_size, "load_before": load_before, "load_after": load_after, "runners": {},
        "check": check(rs, work),
    }
    for name, rr in runs.items():
        walls = [x["wall"] for x in rr]
        cell["runners"][name] = {
            "median": statistics.median(walls), "walls": walls, "cpu": statistics.median(x["cpu"] for x in rr),
            "peak_mib": max(x["peak_mib"] for x in rr), "processes": max(x["processes"] for x in rr),
            "loads": [x["load"] for x in rr], "ok": all(x["ok"] for x in rr),
            "others_cores": [x["others_cores"] for x in rr],
        }
    if not opts.keep_outputs:
        for f in [*work.glob("*.json"), *work.glob("*.jsonl")]:
            f.unlink()
    return cell


def machine() -> dict[str, Any]:
    info: dict[str, Any] = {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count()}
    try:
        with open("/proc/cpuinfo") as f:
            info["cpu"] = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
        with open("/proc/meminfo") as f:
            info["mem_gib"] = round(int(f.readline().split()[1]) / 2**20, 1)
    except (OSError, StopIteration):
        pass
    versions = {}
    for mod in ("orjson", "duckdb", "polars", "service_rules"):
        res = subprocess.run([sys.executable, "-c", f"import importlib.metadata as m; print(m.version({mod.replace('_', '-')!r}))"],
                             capture_output=True, text=True)
        versions[mod] = res.stdout.strip() or None
    info["versions"] = versions
    res = subprocess.run(["git", "-C", str(HERE), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    info["commit"] = res.stdout.strip() or None
    return info


# ---- the report ----------------------------------------------------------------------------

def _size(n: int) -> str:
    return f"{n // 1_000_000}M" if n >= 1_000_000 and n % 1_000_000 == 0 else f"{n // 1000}k" if n % 1000 == 0 else str(n)


def _label(cell: dict[str, Any], outlets_vary: bool) -> str:
    base = f"{_size(cell['findings'])} {cell['order']}"
    return f"{base} / {cell['outlets']:,} outlets" if outlets_vary else base


def render_markdown(report: dict[str, Any]) -> str:
    cells = sorted(report["cells"], key=lambda c: (c["outlets"], c["findings"], ORDERS.index(c["order"])))
    names: list[str] = []
    for c in cells:
        names += [n for n in c["runners"] if n not in names]
    outlets_vary = len({c["outlets"] for c in cells}) > 1
    m = report.get("machine", {})
    out = [f"Machine: {m.get('cpu', '?')}, {m.get('cpus', '?')} CPUs, {m.get('mem_gib', '?')} GiB; Python {m.get('python', '?')}; "
           + ", ".join(f"{k} {v}" for k, v in m.get("versions", {}).items() if v) + f"; commit {m.get('commit')}. "
           f"Whole process, median of {report.get('repeat', '?')} alternating runs: wall s (median CPU s, user + system, "
           "children included; largest peak memory, summed over processes)."
           + (f" Runners at niceness {report['nice']}." if report.get("nice") else "")]
    out.append("")
    out.append("| runner | " + " | ".join(_label(c, outlets_vary) for c in cells) + " |")
    out.append("| --- | " + " | ".join("---:" for _ in cells) + " |")
    for n in names:
        row = []
        for c in cells:
            r = c["runners"].get(n)
            row.append("" if r is None else f"{r['median']:.2f} s ({r['cpu']:.2f} cpu, {r['peak_mib']:,.0f} MiB)"
                       + ("" if r["ok"] else " FAILED"))
        out.append(f"| {n} | " + " | ".join(row) + " |")
    for a, b in (("score", "loop"), ("score", "duckdb"), ("score", "polars"), ("writer", "loop"), ("writer-bytes", "loop"),
                 ("writer-2", "loop"), ("writer-shards", "loop"), ("score", "writer"), ("score", "writer-bytes"),
                 ("score", "writer-2"), ("score", "writer-shards")):
        if any(a in c["runners"] and b in c["runners"] for c in cells):
            out.append(f"| {a} / {b} | " + " | ".join(
                f"{c['runners'][a]['median'] / c['runners'][b]['median']:.2f}×" if a in c["runners"] and b in c["runners"] else ""
                for c in cells) + " |")
    if any("score" in c["runners"] and "loop" in c["runners"] for c in cells):
        out.append("| score / loop, CPU time | " + " | ".join(
            f"{c['runners']['score']['cpu'] / c['runners']['loop']['cpu']:.2f}×"
            if "score" in c["runners"] and "loop" in c["runners"] else "" for c in cells) + " |")
    for extra in (n for n in names if n not in PARSE and n not in PEERS and n != "score"):
        out.append(f"| {extra} / score | " + " | ".join(
            f"{c['runners'][extra]['median'] / c['runners']['score']['median']:.3f}×"
            if extra in c["runners"] and "score" in c["runners"] else "" for c in cells) + " |")
    if any("scores_identical" in c["check"] for c in cells):
        out.append("| score outputs byte-identical | " + " | ".join(
            "" if "scores_identical" not in c["check"] else "yes" if c["check"]["scores_identical"] else "**no**"
            for c in cells) + " |")
    out.append("| load (1 min, min–max) | " + " | ".join(_load_range(c) for c in cells) + " |")
    if any("others_cores" in r for c in cells for r in c["runners"].values()):
        out.append("| other processes' CPU during the runs (cores, median–max) | " + " | ".join(_others(c) for c in cells) + " |")
    if any("peers_agree" in c["check"] for c in cells):
        out.append("| peers agree with score | " + " | ".join(
            "" if "peers_agree" not in c["check"] else "yes" if c["check"]["peers_agree"] else "**no**" for c in cells) + " |")
    shuffled = _shuffle_ratios(cells, names)
    if shuffled:
        out += ["", "Shuffled / sorted (same size and outlets): " + "; ".join(shuffled) + "."]
    out += _growth(cells, names)
    latency = report.get("latency")
    if latency:
        out += ["", "One record through the API (benchmarks/latency.py; median of "
                f"{latency.get('calls', '?')} warm calls, target < 0.2 ms): "
                + "; ".join(f"{k} {v['median_ms']:.3f} ms" for k, v in latency.get("kinds", {}).items()) + "."]
    out += ["", "Every repetition (s):", ""]
    out += [f"- {_label(c, outlets_vary)}: " + "; ".join(
        f"{n} " + ", ".join(f"{w:.2f}" for w in r["walls"]) for n, r in c["runners"].items()) for c in cells]
    return "\n".join(out) + "\n"


def _load_range(c: dict[str, Any]) -> str:
    loads = [c["load_before"], c["load_after"], *(x for r in c["runners"].values() for x in r["loads"])]
    return f"{min(loads):.2f}–{max(loads):.2f}"


def _others(c: dict[str, Any]) -> str:
    xs = [x for r in c["runners"].values() for x in r.get("others_cores", [])]
    return f"{statistics.median(xs):.2f}–{max(xs):.2f}" if xs else ""


def _shuffle_ratios(cells: list[dict[str, Any]], names: list[str]) -> list[str]:
    by = {(c["findings"], c["outlets"], c["order"]): c for c in cells}
    out = []
    for (f, o, order), c in sorted(by.items()):
        s = by.get((f, o, "sorted"))
        if order != "shuffled" or s is None:
            continue
        parts = [f"{n} {c['runners'][n]['median'] / s['runners'][n]['median']:.2f}×" for n in names if n in c["runners"] and n in s["runners"]]
        out.append(f"{_size(f)} × {o:,} outlets: " + ", ".join(parts))
    return out


def _growth(cells: list[dict[str, Any]], names: list[str]) -> list[str]:
    out: list[str] = []
    sorted_cells = [c for c in cells if c["order"] == "sorted"]
    for o in sorted({c["outlets"] for c in sorted_cells}):
        row = sorted((c for c in sorted_cells if c["outlets"] == o), key=lambda c: c["findings"])
        if len(row) < 2:
            continue
        steps = list(itertools.pairwise(row))
        out += ["", f"Cost per finding as the input grows ({o:,} outlets, sorted; µs per finding = wall / findings, and the "
                "marginal µs per added finding between sizes):", "",
                "| runner | " + " | ".join(f"{_size(c['findings'])} µs/finding" for c in row) + " | "
                + " | ".join(f"{_size(a['findings'])}→{_size(b['findings'])} marginal" for a, b in steps) + " |",
                "| --- | " + " | ".join("---:" for _ in range(len(row) + len(steps))) + " |"]
        for n in names:
            if not all(n in c["runners"] for c in row):
                continue
            per = [c["runners"][n]["median"] / c["findings"] * 1e6 for c in row]
            marg = [(b["runners"][n]["median"] - a["runners"][n]["median"]) / (b["findings"] - a["findings"]) * 1e6 for a, b in steps]
            out.append(f"| {n} | " + " | ".join(f"{x:.2f}" for x in per) + " | " + " | ".join(f"{x:.2f}" for x in marg) + " |")
    for f in sorted({c["findings"] for c in sorted_cells}):
        row = sorted((c for c in sorted_cells if c["findings"] == f), key=lambda c: c["outlets"])
        if len(row) < 2:
            continue
        steps = list(itertools.pairwise(row))
        out += ["", f"Cost per outlet as the outlets grow ({_size(f)} findings, sorted; wall and peak memory, and the "
                "marginal µs and KiB per added outlet):", "",
                "| runner | " + " | ".join(f"{c['outlets']:,} outlets" for c in row) + " | "
                + " | ".join(f"{a['outlets']:,}→{b['outlets']:,} µs/outlet, KiB/outlet" for a, b in steps) + " |",
                "| --- | " + " | ".join("---:" for _ in range(len(row) + len(steps))) + " |"]
        for n in names:
            if not all(n in c["runners"] for c in row):
                continue
            cols = [f"{c['runners'][n]['median']:.2f} s, {c['runners'][n]['peak_mib']:,.0f} MiB" for c in row]
            marg = [f"{(b['runners'][n]['median'] - a['runners'][n]['median']) / (b['outlets'] - a['outlets']) * 1e6:.1f}, "
                    f"{(b['runners'][n]['peak_mib'] - a['runners'][n]['peak_mib']) * 1024 / (b['outlets'] - a['outlets']):.2f}"
                    for a, b in steps]
            out.append(f"| {n} | " + " | ".join(cols + marg) + " |")
    return out


def _nice_autogroup(nice: int) -> None:
    """With autogroup scheduling (Linux), a process's nice value only counts within its session: set the session's too.

    Start the driver in a session of its own (``setsid``) so that this concerns the benchmark alone.
    """
    try:
        with open("/proc/self/autogroup", "w") as f:
            f.write(str(nice))
    except OSError as exc:
        _log(f"could not set the autogroup's nice value ({exc}); --nice applies within the session only")


def _sha256(path: Path) -> str | None:
    if not path.exists():
        return None
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def _log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')} load {os.getloadavg()[0]:.2f}] {msg}", file=sys.stderr, flush=True)


def _ints(text: str) -> list[int]:
    return [int(x.replace("_", "")) for x in text.split(",") if x]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, default=HERE / "out" / "peers", help="where the quarters and outputs go")
    p.add_argument("--sizes", type=_ints, default=[100_000, 1_000_000], help="findings, comma-separated")
    p.add_argument("--outlets", type=_ints, default=[5000], help="outlet counts, comma-separated")
    p.add_argument("--orders", default="sorted,shuffled,skewed", help=f"comma-separated, of {', '.join(ORDERS)}")
    p.add_argument("--runners", default=DEFAULT_RUNNERS)
    p.add_argument("--score-python", action="append", default=[], metavar="NAME=PYTHON",
                   help="one more score runner NAME with that interpreter (its output must be byte-identical)")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--no-latency", action="store_true", help="skip benchmarks/latency.py (one record through the API)")
    p.add_argument("--no-warmup", action="store_true")
    p.add_argument("--max-busy", type=float, default=0.3, metavar="CORES",
                   help="before each run, wait until other processes use at most this many cores (default 0.3)")
    p.add_argument("--max-wait", type=float, default=0.0, metavar="SECONDS",
                   help="but wait at most this long per run (default 0: do not wait)")
    p.add_argument("--nice", type=int, default=0,
                   help="run each runner at this niceness, and the session's autogroup too (negative, as root: ahead of "
                   "other work on a shared machine; start the driver with setsid)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    p.add_argument("--keep-outputs", action="store_true", help="keep the last score JSON of each cell (300 MB at 1M)")
    p.add_argument("--save", type=Path, help="write the measurements as JSON")
    p.add_argument("--report", type=Path, nargs="+", help="no runs: the tables from saved measurements")
    opts = p.parse_args(argv)
    if opts.report:
        reports = [json.loads(f.read_text(encoding="utf-8")) for f in opts.report]
        cells = {(c["findings"], c["outlets"], c["order"]): c for r in reports for c in r["cells"]}  # later files win
        merged = {**reports[-1], "cells": list(cells.values())}
        print(render_markdown(merged), end="")
        return 0
    orders = [o for o in opts.orders.split(",") if o]
    if bad := [o for o in orders if o not in ORDERS]:
        p.error(f"unknown order {bad[0]!r}")
    extra = []
    for spec in opts.score_python:
        name, sep, python = spec.partition("=")
        if not sep or not name or not python:
            p.error("--score-python NAME=PYTHON")
        extra.append((name, python))
    rs = runners([n for n in opts.runners.split(",") if n], extra)
    if opts.nice:
        _nice_autogroup(opts.nice)
    opts.data.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {"machine": machine(), "repeat": opts.repeat, "seed": opts.seed, "as_of": AS_OF, "nice": opts.nice,
                              "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "cells": []}
    warm = not opts.no_warmup
    for outlets in opts.outlets:
        for findings in sorted(opts.sizes):
            for order in orders:
                cell = bench_cell(findings, outlets, order, rs, opts, warm)
                warm = False
                report["cells"].append(cell)
                if "peers_report" in cell["check"]:
                    _log(cell["check"]["peers_report"])
                if opts.save:
                    opts.save.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    if not opts.no_latency:
        run = subprocess.run([sys.executable, str(HERE / "latency.py"), "--json"], capture_output=True, text=True, check=False)
        if run.returncode == 0:
            report["latency"] = json.loads(run.stdout)
    report["finished"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    if opts.save:
        opts.save.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(render_markdown(report), end="")
    agree = all(c["check"].get("peers_agree", True) and c["check"].get("scores_identical", True) for c in report["cells"])
    ok = all(r["ok"] for c in report["cells"] for r in c["runners"].values())
    return 0 if agree and ok else 1


if __name__ == "__main__":
    sys.exit(main())
