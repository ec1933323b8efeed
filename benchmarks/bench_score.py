"""End-to-end benchmark of ``service-rules score`` against a bare ``json.loads`` of the same lines.

    python benchmarks/bench_score.py --sizes 10000,100000 --outlets 2000 --repeat 3

A report, not a test: it always exits 0. For each size it generates a quarter with
benchmarks/generate.py (fixed seed; the mix is in that script's docstring) into
benchmarks/out/, then runs every runner as a separate process, alternating between them
(runner order reversed on every other repetition) after ``--warmup`` untimed runs of each:

* ``json.loads``: ``python -c`` that opens the file (text, UTF-8) and ``json.loads`` every line;
* ``score``: ``python -m service_rules score --pack cangzhou --as-of 2026-11-27 FILE``, stdout
  to a file (``> out.json``).

Wall time is from just before the child is spawned to just after it is reaped, so
interpreter start, imports, pack compilation and writing the output are all included. Peak
RSS is the child's own ``ru_maxrss`` from ``os.wait4``. Reported: the median wall time,
findings per second at that median, the largest peak RSS over the repetitions, and
ratio = median(runner) / median(json.loads), against the targets (``--target-ratio``,
``--rss-limit-mb``).

On Linux a child's ``ru_maxrss`` is never below the RSS of its parent at the moment of the
fork (exec keeps the old address space's high-water mark), so each child is started by a
small launcher process (``python -I -S``, about 8 MiB; its RSS is printed as the floor of the
RSS figures) that forks, execs, and reports the child's ``os.wait4`` rusage and its own
fork-to-reap wall time. The launcher's own start-up is not in the wall time.

After the timed runs the output of the last ``score`` run is checked against the generator's
manifest: the rejected lines (count and codes) must be exactly the deliberately bad lines, and
the deductions, pending and dismissed complaints and scorecards must add up to the good lines.

New runners (baselines) are one entry in :data:`RUNNERS`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from generate import DEFAULT_SEED, generate

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
BASELINE = "json.loads"

JSON_LOADS = """\
import json, sys
with open(sys.argv[1], encoding="utf-8") as f:
    for line in f:
        json.loads(line)
"""

# Runs one child and reports it: fork, exec, os.wait4. A small process of its own (python -I -S
# imports nothing else), because a child's ru_maxrss starts at its parent's RSS (see above).
LAUNCHER = """\
import os, resource, sys, time
out = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
err = os.open(sys.argv[2], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
null = os.open(os.devnull, os.O_RDONLY)
cmd = sys.argv[3:]
try:  # this process's own high-water mark (ru_maxrss would include its parent's)
    with open("/proc/self/status") as f:
        floor = next(int(x.split()[1]) for x in f if x.startswith("VmHWM:"))
except (OSError, StopIteration):
    floor = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.dup2(null, 0)
        os.dup2(out, 1)
        os.dup2(err, 2)
        os.execv(cmd[0], cmd)
    finally:
        os._exit(127)
_, status, ru = os.wait4(pid, 0)
wall = time.perf_counter() - t0
print(wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss, os.waitstatus_to_exitcode(status), floor)
"""

# Run in a child so the parent's RSS (a floor of every child's ru_maxrss) stays small.
CHECK_OUTPUT = """\
import collections, json, sys
with open(sys.argv[1], "rb") as f:
    d = json.load(f)
cards = d["scorecards"]
print(json.dumps({
    "lines": sum(i["lines"] for i in d["inputs"]),
    "accepted": sum(i["accepted"] for i in d["inputs"]),
    "rejected": sum(i["rejected"] for i in d["inputs"]),
    "rejected_listed": len(d["rejected"]),
    "codes": dict(sorted(collections.Counter(r["code"] for r in d["rejected"]).items())),
    "scorecards": len(cards),
    "deductions": sum(len(c["deductions"]) for c in cards),
    "pending": sum(len(c["pending"]) for c in cards),
    "dismissed": sum(len(c["dismissed"]) for c in cards),
    "actions": len(d["actions"]),
    "action_kinds": dict(sorted(collections.Counter(a["action"] for a in d["actions"]).items())),
    "matcher": d["pack"]["matcher"],
}))
"""


class Options(argparse.Namespace):
    sizes: list[int]
    outlets: int
    repeat: int
    warmup: int
    seed: int
    pack: str
    as_of: str
    runners: list[str]
    target_ratio: float
    rss_limit_mb: float
    json: bool
    regenerate: bool


def _json_loads_cmd(data: Path, opts: Options) -> list[str]:
    return [sys.executable, "-c", JSON_LOADS, str(data)]


def _score_cmd(data: Path, opts: Options) -> list[str]:
    return [sys.executable, "-m", "service_rules", "score", "--pack", opts.pack, "--as-of", opts.as_of, str(data)]


#: name -> (command for an input file, does it get targets). The first is the baseline.
RUNNERS: dict[str, tuple[Callable[[Path, Options], list[str]], bool]] = {
    BASELINE: (_json_loads_cmd, False),
    "score": (_score_cmd, True),
}


def run_child(cmd: list[str], stdout: Path, stderr: Path) -> dict[str, Any]:
    """Run ``cmd`` under :data:`LAUNCHER`; its wall seconds, CPU seconds, peak RSS and exit code."""
    proc = subprocess.run(
        [sys.executable, "-I", "-S", "-c", LAUNCHER, str(stdout), str(stderr), *cmd],
        capture_output=True, text=True, check=False, cwd=ROOT,
    )
    try:
        wall, cpu, rss, code, floor = proc.stdout.split()
    except ValueError:
        raise RuntimeError(f"the launcher failed: {proc.stderr.strip()[-500:]}") from None
    scale = 1 if sys.platform == "darwin" else 1024
    return {
        "wall_s": float(wall),
        "cpu_s": float(cpu),
        "peak_rss_mb": int(rss) * scale / 2**20,
        "exit": int(code),
        "floor_rss_mb": int(floor) * scale / 2**20,
    }


def machine() -> dict[str, Any]:
    model = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False).stdout.strip() or None
    except OSError:
        commit = None
    try:
        status = subprocess.run(["git", "--no-optional-locks", "status", "--porcelain", "--", "src"], cwd=ROOT, capture_output=True, text=True, check=False)
        dirty: bool | None = bool(status.stdout.strip()) if status.returncode == 0 else None
    except OSError:
        dirty = None
    version = subprocess.run([sys.executable, "-m", "service_rules", "--version"], capture_output=True, text=True, check=False, cwd=ROOT)
    return {
        "nproc": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "cpu_model": model or platform.processor() or None,
        "memory_gib": mem,
        "os": f"{platform.system()} {platform.release()} {platform.machine()}",
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "executable": sys.executable,
        "src_modified": dirty,
        "service_rules": version.stdout.strip() or version.stderr.strip(),
        "commit": commit,
    }


def prepare(findings: int, opts: Options) -> tuple[Path, dict[str, Any]]:
    """The input file for a size, generated unless an identical one is already there."""
    data = OUT / f"quarter-{findings}-{opts.outlets}-s{opts.seed}.jsonl"
    manifest_path = Path(str(data) + ".manifest.json")
    if not opts.regenerate and data.exists() and manifest_path.exists():
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if (manifest.get("findings"), manifest.get("outlets"), manifest.get("seed")) == (findings, opts.outlets, opts.seed) and data.stat().st_size > 0:
            return data, manifest
    _log(f"generating {data.relative_to(ROOT)} ({findings} findings, {opts.outlets} outlets, seed {opts.seed})")
    return data, generate(data, findings, opts.outlets, opts.seed)


def check_output(out_json: Path, manifest: dict[str, Any], exit_code: int) -> dict[str, Any]:
    """Compare the scorer's output with what the generator wrote."""
    proc = subprocess.run([sys.executable, "-c", CHECK_OUTPUT, str(out_json)], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        return {"ok": False, "problems": [f"could not read {out_json}: {proc.stderr.strip()[-500:]}"]}
    got = json.loads(proc.stdout)
    kinds: dict[str, int] = manifest["kinds"]
    good_findings = sum(n for k, n in kinds.items() if k.startswith("finding"))
    expected = {
        "lines": manifest["lines"],
        "rejected": manifest["bad_lines"],
        "rejected_listed": manifest["bad_lines"],
        "codes": manifest["expected_rejections"],
        "accepted": manifest["lines"] - manifest["bad_lines"],
        "scorecards": manifest["outlets"],
        "deductions": good_findings + kinds.get("complaint_verified", 0) + kinds.get("complaint_transferred", 0),
        "pending": kinds.get("complaint_pending", 0),
        "dismissed": kinds.get("complaint_dismissed", 0),
    }
    problems = [f"{k}: expected {v}, the scorer says {got.get(k)}" for k, v in expected.items() if got.get(k) != v]
    want_exit = 1 if manifest["bad_lines"] else 0
    if exit_code != want_exit:
        problems.append(f"exit status: expected {want_exit}, got {exit_code}")
    return {"ok": not problems, "problems": problems, "expected": expected, "got": got}


def bench_size(findings: int, opts: Options) -> dict[str, Any]:
    data, manifest = prepare(findings, opts)
    names = [n for n in RUNNERS if n in opts.runners]
    outs = {n: OUT / f"{n.replace('.', '_')}-{findings}-{opts.outlets}.out" for n in names}
    errs = {n: OUT / f"{n.replace('.', '_')}-{findings}-{opts.outlets}.err" for n in names}
    runs: dict[str, list[dict[str, Any]]] = {n: [] for n in names}
    for _ in range(opts.warmup):
        for n in names:
            run_child(RUNNERS[n][0](data, opts), outs[n], errs[n])
    for rep in range(opts.repeat):
        for n in names if rep % 2 == 0 else names[::-1]:
            r = run_child(RUNNERS[n][0](data, opts), outs[n], errs[n])
            runs[n].append(r)
            _log(f"  {findings:>9} {n:<12} rep {rep + 1}: {r['wall_s']:.3f} s, {r['peak_rss_mb']:.0f} MiB, exit {r['exit']}")
    rows = []
    base = statistics.median(r["wall_s"] for r in runs[BASELINE]) if BASELINE in runs else None
    for n in names:
        wall = statistics.median(r["wall_s"] for r in runs[n])
        rss = max(r["peak_rss_mb"] for r in runs[n])
        row: dict[str, Any] = {
            "findings": findings,
            "outlets": opts.outlets,
            "lines": manifest["lines"],
            "bad_lines": manifest["bad_lines"],
            "runner": n,
            "wall_s": wall,
            "walls_s": [r["wall_s"] for r in runs[n]],
            "cpu_s": statistics.median(r["cpu_s"] for r in runs[n]),
            "findings_per_s": findings / wall,
            "lines_per_s": manifest["lines"] / wall,
            "peak_rss_mb": rss,
            "exits": [r["exit"] for r in runs[n]],
            "floor_rss_mb": max(r["floor_rss_mb"] for r in runs[n]),
            "ratio": wall / base if base else None,
        }
        if RUNNERS[n][1]:
            row["ratio_ok"] = row["ratio"] is not None and row["ratio"] <= opts.target_ratio
            row["rss_ok"] = rss < opts.rss_limit_mb
        if n == "score" and runs[n]:
            row["check"] = check_output(outs[n], manifest, runs[n][-1]["exit"])
        rows.append(row)
    return {"file": str(data.relative_to(ROOT)), "manifest": manifest, "rows": rows}


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _floor(report: dict[str, Any]) -> float:
    return max((r["floor_rss_mb"] for size in report["sizes"] for r in size["rows"]), default=0.0)


def _yes(ok: bool | None) -> str:
    return "-" if ok is None else "pass" if ok else "FAIL"


def render(report: dict[str, Any]) -> str:
    m = report["machine"]
    o = report["options"]
    lines = [
        f"machine: {m['cpu_model']}, {m['nproc']} CPUs ({m['usable_cpus']} usable), {m['memory_gib']} GiB; {m['os']}",
        f"python:  {m['python']} ({m['executable']}); {m['service_rules']}; commit {m['commit']}",
        f"runs:    {o['repeat']} timed (median reported) after {o['warmup']} warm-up per runner, alternating; "
        f"seed {o['seed']}; targets: ratio <= {o['target_ratio']:g}x, peak RSS < {o['rss_limit_mb']:g} MiB",
        f"launcher RSS (the floor of every RSS below): {_floor(report):.1f} MiB; src/ has uncommitted changes: {m['src_modified']}",
        "",
    ]
    head = ("findings", "outlets", "lines", "bad", "runner", "wall s", "cpu s", "findings/s", "peak RSS MiB", "ratio", "ratio target", "RSS target")
    table = [head]
    for size in report["sizes"]:
        for r in size["rows"]:
            table.append((
                f"{r['findings']:,}", f"{r['outlets']:,}", f"{r['lines']:,}", f"{r['bad_lines']:,}", r["runner"],
                f"{r['wall_s']:.3f}", f"{r['cpu_s']:.3f}", f"{r['findings_per_s']:,.0f}", f"{r['peak_rss_mb']:.0f}",
                f"{r['ratio']:.2f}x" if r["ratio"] is not None else "-",
                _yes(r.get("ratio_ok")), _yes(r.get("rss_ok")),
            ))
    widths = [max(len(row[i]) for row in table) for i in range(len(head))]
    for k, row in enumerate(table):
        lines.append("  ".join(c.rjust(w) if i not in (4,) else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))))
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    lines.append("")
    for size in report["sizes"]:
        for r in size["rows"]:
            c = r.get("check")
            if c is None:
                continue
            got, exp = c.get("got", {}), c.get("expected", {})
            lines.append(
                f"check {r['findings']:,} findings ({size['file']}): bad lines generated {size['manifest']['bad_lines']}, "
                f"rejected by the scorer {got.get('rejected')}; deductions {got.get('deductions')} (expected {exp.get('deductions')}), "
                f"pending {got.get('pending')}, dismissed {got.get('dismissed')}, scorecards {got.get('scorecards')}, "
                f"actions {got.get('actions')} {got.get('action_kinds')}: "
                + ("OK" if c["ok"] else "MISMATCH")
            )
            lines.extend(f"  - {p}" for p in c["problems"])
            if not c["ok"] and got:
                lines.append(f"    rejection codes expected {exp.get('codes')}")
                lines.append(f"    rejection codes got      {got.get('codes')}")
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> Options:
    p = argparse.ArgumentParser(description="Benchmark service-rules score end to end against json.loads (a report; exits 0).")
    p.add_argument("--sizes", default="10000,100000", help="finding counts, comma-separated (default: 10000,100000)")
    p.add_argument("--outlets", type=int, default=2000, help="outlets in the registry (default: 2000)")
    p.add_argument("--repeat", type=int, default=3, help="timed runs per runner and size; the median is reported (default: 3)")
    p.add_argument("--warmup", type=int, default=1, help="untimed runs per runner and size first (default: 1)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    p.add_argument("--pack", default="cangzhou")
    p.add_argument("--as-of", dest="as_of", default="2026-11-27")
    p.add_argument("--runners", default=",".join(RUNNERS), help=f"comma-separated, of: {', '.join(RUNNERS)}")
    p.add_argument("--target-ratio", type=float, default=4.0, help="the ratio target (default: 4)")
    p.add_argument("--rss-limit-mb", type=float, default=1024.0, help="the peak RSS target in MiB (default: 1024)")
    p.add_argument("--regenerate", action="store_true", help="write the inputs again even if they exist")
    p.add_argument("--json", action="store_true", help="print the report as JSON instead of a table")
    opts = p.parse_args(argv, namespace=Options())
    opts.sizes = [int(s.replace("_", "")) for s in str(opts.sizes).split(",") if s.strip()]
    opts.runners = [r.strip() for r in str(opts.runners).split(",") if r.strip()]
    unknown = [r for r in opts.runners if r not in RUNNERS]
    if unknown:
        p.error(f"unknown runner(s) {', '.join(unknown)}")
    if BASELINE not in opts.runners:
        opts.runners.insert(0, BASELINE)
    if opts.repeat < 1:
        p.error("--repeat must be at least 1")
    return opts


def main(argv: list[str] | None = None) -> int:
    opts = parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {
        "machine": machine(),
        "options": {k: getattr(opts, k) for k in ("sizes", "outlets", "repeat", "warmup", "seed", "pack", "as_of", "runners", "target_ratio", "rss_limit_mb")},
        "command": " ".join(["python", os.path.relpath(__file__, ROOT), *(sys.argv[1:] if argv is None else argv)]),
        "sizes": [],
    }
    for findings in opts.sizes:
        try:
            report["sizes"].append(bench_size(findings, opts))
        except Exception as exc:  # a report, not a test: say what failed and go on
            _log(f"size {findings}: {type(exc).__name__}: {exc}")
            report.setdefault("errors", []).append(f"size {findings}: {type(exc).__name__}: {exc}")
    if opts.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print(render(report))
        for e in report.get("errors", []):
            print(f"error: {e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
