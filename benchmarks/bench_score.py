"""End-to-end benchmark of ``service-rules score`` and its baselines against a bare ``json.loads``.

    python benchmarks/bench_score.py --sizes 10000,100000 --outlets 5000 --repeat 3
    python benchmarks/bench_score.py --sizes 1000000 --outlets 5000 --runners json.loads,score,pure
    python benchmarks/bench_score.py --merge out/a.json,out/b.json     # one report from saved runs

A report, not a test: it always exits 0. For each size (findings) and each ``--outlets`` count it
generates a quarter with benchmarks/generate.py (fixed seed; the mix is in that script's
docstring) into benchmarks/out/, then runs every selected runner as a separate process,
alternating between them (runner order reversed on every other repetition) after
``--warmup`` untimed runs of each. Runners (``--runners``, comma-separated):

* ``json.loads`` (always run: the baseline): ``python -c`` that opens the file (text, UTF-8)
  and ``json.loads`` every line;
* ``score``: ``python -m service_rules score --pack cangzhou --as-of 2026-11-27 FILE``, stdout
  to a file (``> out.json``);
* ``score-every``: the same with ``--match-every`` (durable_rules asked about every
  observation instead of once per distinct shape);
* ``naive`` / ``naive-one``: benchmarks/naive_durable.py, every observation asserted into
  durable_rules with its own id, one session per county / one session;
* ``pure``: benchmarks/pure_python.py, the fastest hand-written reading of the same rules.

Slow runners are skipped above a size (``--limit``, default ``naive=100000,naive-one=100000,
score-every=100000``; ``--limit naive=1000000`` lifts it), so that 1M findings can be run
for the fast runners alone and the reports merged (``--save`` then ``--merge``).

Wall time is from just before the child is spawned to just after it is reaped, so
interpreter start, imports, pack compilation, writing the output and interpreter teardown
are all included. With ``--bytecode cached`` (the default) the children may write and read
``.pyc`` files under benchmarks/out/pycache (``PYTHONPYCACHEPREFIX``, ``PYTHONDONTWRITEBYTECODE``
removed), so after the warm-up they start as an installed package does, without compiling
the library's source on every run; ``--bytecode env`` keeps the environment as it is. Peak
RSS is the child's own ``ru_maxrss`` from ``os.wait4``. Reported: the median wall time, the
spread of the repetitions, findings per second at that median, the largest peak RSS over
the repetitions, and ratio = median(runner) / median(json.loads) measured in the same
invocation, against the targets (``--target-ratio``, ``--rss-limit-mb``); then, per runner,
how time and memory grow with the size (per-finding cost at each size, the marginal cost
between sizes, a least-squares line) and, over every row, a fit of time and peak RSS to
``a + b·outlets + c·findings``.

On Linux a child's ``ru_maxrss`` is never below the RSS of its parent at the moment of the
fork (exec keeps the old address space's high-water mark), so each child is started by a
small launcher process (``python -I -S``, about 8 MiB; its RSS is printed as the floor of the
RSS figures) that forks, execs, and reports the child's ``os.wait4`` rusage and its own
fork-to-reap wall time. The launcher's own start-up is not in the wall time.

After the timed runs the output of the last ``score`` (and ``score-every``, ``pure``) run is
checked against the generator's manifest: the rejected lines (count and codes) must be
exactly the deliberately bad lines, and the deductions, pending and dismissed complaints and
scorecards must add up to the good lines. The outputs of ``score-every``, ``naive``,
``naive-one`` and ``pure`` are also compared with ``score``'s, scorecard by scorecard
(totals, section deductions, each observation's rule and points, whole cards), and the
observations ``naive`` lost inside durable_rules are listed (``--no-compare`` skips this).

New runners (baselines) are one entry in :data:`RUNNERS`.
"""

from __future__ import annotations

import argparse
import importlib.metadata
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
    "naive": {k: v for k, v in d.get("naive", {}).items() if k != "lost_ids"} or None,
}))
"""

# Compares a runner's output with score's, scorecard by scorecard; run in a child (big files).
COMPARE = """\
import collections, hashlib, json, sys

def summary(path):
    with open(path, "rb") as f:
        d = json.load(f)
    cards = {}
    for c in d["scorecards"]:
        cards[(c["outlet"], c["period"])] = (
            c["total"],
            tuple(s["deducted"] for s in c["sections"]),
            {x["observations"][0]: (x["rule"], x["points"]) for x in c["deductions"]},
            tuple(c["pending"]) + tuple(c["dismissed"]),
            hashlib.sha1(json.dumps(c, sort_keys=True, ensure_ascii=False).encode()).digest(),
        )
    rejected = {(r["line"], r["code"]) for r in d["rejected"]}
    codes = {r["line"]: r["code"] for r in d["rejected"]}
    naive = d.get("naive") or {}
    return cards, rejected, naive, codes

ref, ref_rej, _, ref_codes = summary(sys.argv[1])
got, got_rej, naive, got_codes = summary(sys.argv[2])
recoded = collections.Counter(
    f"{ref_codes[line]} -> {got_codes[line]}" for line in ref_codes.keys() & got_codes.keys() if ref_codes[line] != got_codes[line]
)
lost = {i for i, _ in naive.get("lost_ids", [])}
only_ref = sorted(set(ref) - set(got))
only_got = sorted(set(got) - set(ref))
totals = identical = 0
missing, extra, changed, examples, unexplained = [], [], [], [], 0
for key in sorted(set(ref) & set(got)):
    r, g = ref[key], got[key]
    identical += r[4] == g[4]
    m = [o for o in r[2] if o not in g[2]]
    e = [o for o in g[2] if o not in r[2]]
    ch = [o for o in r[2] if o in g[2] and r[2][o] != g[2][o]]
    missing += m
    extra += e
    changed += ch
    if r[0] != g[0]:
        totals += 1
        gap = r[0] - g[0]
        explained = -sum(r[2][o][1] for o in m) + sum(g[2][o][1] for o in e) == gap
        unexplained += not explained
        if len(examples) < 10:
            examples.append({"outlet": key[0], "period": key[1], "score": r[0], "runner": g[0],
                             "missing": m[:5], "extra": e[:5], "explained_by_missing": explained})
print(json.dumps({
    "scorecards": [len(ref), len(got)],
    "only_in_score": [list(k) for k in only_ref[:10]], "only_in_runner": [list(k) for k in only_got[:10]],
    "identical_scorecards": identical,
    "total_mismatches": totals,
    "total_mismatches_not_explained_by_missing_observations": unexplained,
    "examples": examples,
    "missing_observations": len(missing), "missing_ids": sorted(missing)[:20],
    "missing_that_the_runner_reported_lost": len(set(missing) & lost),
    "extra_observations": len(extra), "changed_rule_or_points": len(changed),
    "rejected_lines_equal": ref_rej == got_rej,
    "rejected_only_in_score": len({l for l, _ in ref_rej} - {l for l, _ in got_rej}),
    "rejected_only_in_runner": len({l for l, _ in got_rej} - {l for l, _ in ref_rej}),
    "rejected_code_differences": len(ref_rej ^ got_rej),
    "rejected_recoded": dict(recoded.most_common()),
    "lost": naive.get("lost"), "lost_by_cause": naive.get("lost_by_cause"),
}))
"""


class Options(argparse.Namespace):
    sizes: list[int]
    outlets: list[int]
    repeat: int
    warmup: int
    seed: int
    pack: str
    as_of: str
    runners: list[str]
    limit: dict[str, int]
    target_ratio: float
    rss_limit_mb: float
    json: bool
    markdown: bool
    save: str | None
    merge: list[str]
    regenerate: bool
    bytecode: str
    compare: bool
    clean_outputs: bool
    commit: str | None


def _json_loads_cmd(data: Path, opts: Options) -> list[str]:
    return [sys.executable, "-c", JSON_LOADS, str(data)]


def _score_cmd(data: Path, opts: Options) -> list[str]:
    return [sys.executable, "-m", "service_rules", "score", "--pack", opts.pack, "--as-of", opts.as_of, str(data)]


def _score_every_cmd(data: Path, opts: Options) -> list[str]:
    return [*_score_cmd(data, opts)[:-1], "--match-every", str(data)]


def _naive_cmd(data: Path, opts: Options) -> list[str]:
    return [
        sys.executable,
        str(HERE / "naive_durable.py"),
        "--sessions",
        "county",
        "--pack",
        opts.pack,
        "--as-of",
        opts.as_of,
        str(data),
    ]


def _naive_one_cmd(data: Path, opts: Options) -> list[str]:
    return [
        sys.executable,
        str(HERE / "naive_durable.py"),
        "--sessions",
        "one",
        "--pack",
        opts.pack,
        "--as-of",
        opts.as_of,
        str(data),
    ]


def _pure_cmd(data: Path, opts: Options) -> list[str]:
    return [sys.executable, str(HERE / "pure_python.py"), "--as-of", opts.as_of, str(data)]


#: name -> (command for an input file, is its output checked against the manifest). The first is the baseline.
RUNNERS: dict[str, tuple[Callable[[Path, Options], list[str]], bool]] = {
    BASELINE: (_json_loads_cmd, False),
    "score": (_score_cmd, True),
    "score-every": (_score_every_cmd, True),
    "naive": (_naive_cmd, False),
    "naive-one": (_naive_one_cmd, False),
    "pure": (_pure_cmd, True),
}
#: runners whose output is compared with score's, scorecard by scorecard
COMPARED = ("score-every", "naive", "naive-one", "pure")
DEFAULT_LIMIT = "naive=100000,naive-one=100000,score-every=100000"


def child_env(opts: Options) -> dict[str, str]:
    """The children's environment: ours, with bytecode cached under benchmarks/out/ (``--bytecode cached``)."""
    env = dict(os.environ)
    if opts.bytecode == "cached":
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(OUT / "pycache")
    return env


def run_child(cmd: list[str], stdout: Path, stderr: Path, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run ``cmd`` under :data:`LAUNCHER`; its wall seconds, CPU seconds, peak RSS and exit code."""
    proc = subprocess.run(
        [sys.executable, "-I", "-S", "-c", LAUNCHER, str(stdout), str(stderr), *cmd],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        env=env,
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
        commit = (
            subprocess.run(
                ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
            ).stdout.strip()
            or None
        )
    except OSError:
        commit = None
    try:
        status = subprocess.run(
            ["git", "--no-optional-locks", "status", "--porcelain", "--", "src"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        dirty: bool | None = bool(status.stdout.strip()) if status.returncode == 0 else None
    except OSError:
        dirty = None
    version = subprocess.run(
        [sys.executable, "-m", "service_rules", "--version"], capture_output=True, text=True, check=False, cwd=ROOT
    )
    try:
        durable_version: str | None = importlib.metadata.version("durable_rules")
    except importlib.metadata.PackageNotFoundError:
        durable_version = None
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
        "durable_rules": durable_version,
        "commit": commit,
    }


def prepare(findings: int, outlets: int, opts: Options) -> tuple[Path, dict[str, Any]]:
    """The input file for a size, generated unless an identical one is already there."""
    data = OUT / f"quarter-{findings}-{outlets}-s{opts.seed}.jsonl"
    manifest_path = Path(str(data) + ".manifest.json")
    if not opts.regenerate and data.exists() and manifest_path.exists():
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if (manifest.get("findings"), manifest.get("outlets"), manifest.get("seed")) == (
            findings,
            outlets,
            opts.seed,
        ) and data.stat().st_size > 0:
            return data, manifest
    _log(f"generating {data.relative_to(ROOT)} ({findings} findings, {outlets} outlets, seed {opts.seed})")
    return data, generate(data, findings, outlets, opts.seed)


def check_output(out_json: Path, manifest: dict[str, Any], exit_code: int) -> dict[str, Any]:
    """Compare the scorer's output with what the generator wrote."""
    proc = subprocess.run(
        [sys.executable, "-c", CHECK_OUTPUT, str(out_json)], capture_output=True, text=True, check=False
    )
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


def compare_outputs(reference: Path, other: Path) -> dict[str, Any]:
    """``other``'s scorecards against ``reference``'s (score), in a child process."""
    proc = subprocess.run(
        [sys.executable, "-c", COMPARE, str(reference), str(other)], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        return {"error": f"could not compare {other.name}: {proc.stderr.strip()[-500:]}"}
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


def bench_size(findings: int, outlets: int, opts: Options) -> dict[str, Any]:
    data, manifest = prepare(findings, outlets, opts)
    names = [n for n in RUNNERS if n in opts.runners]
    skipped = [n for n in names if findings > opts.limit.get(n, findings)]
    names = [n for n in names if n not in skipped]
    for n in skipped:
        _log(f"  {findings:>9} {n:<12} skipped: over --limit {n}={opts.limit[n]}")
    outs = {n: OUT / f"{n.replace('.', '_')}-{findings}-{outlets}.out" for n in names}
    errs = {n: OUT / f"{n.replace('.', '_')}-{findings}-{outlets}.err" for n in names}
    runs: dict[str, list[dict[str, Any]]] = {n: [] for n in names}
    env = child_env(opts)
    load_before = _load()
    for _ in range(opts.warmup):
        for n in names:
            run_child(RUNNERS[n][0](data, opts), outs[n], errs[n], env)
    for rep in range(opts.repeat):
        for n in names if rep % 2 == 0 else names[::-1]:
            r = run_child(RUNNERS[n][0](data, opts), outs[n], errs[n], env)
            runs[n].append(r)
            _log(
                f"  {findings:>9} {outlets:>6} {n:<12} rep {rep + 1}: {r['wall_s']:.3f} s, {r['peak_rss_mb']:.0f} MiB, exit {r['exit']}"
            )
    load_after = _load()
    rows = []
    base = statistics.median(r["wall_s"] for r in runs[BASELINE]) if BASELINE in runs else None
    for n in names:
        walls = [r["wall_s"] for r in runs[n]]
        wall = statistics.median(walls)
        rss = max(r["peak_rss_mb"] for r in runs[n])
        row: dict[str, Any] = {
            "findings": findings,
            "outlets": outlets,
            "lines": manifest["lines"],
            "bad_lines": manifest["bad_lines"],
            "runner": n,
            "wall_s": wall,
            "walls_s": walls,
            "spread": (max(walls) - min(walls)) / wall if wall else 0.0,
            "cpu_s": statistics.median(r["cpu_s"] for r in runs[n]),
            "findings_per_s": findings / wall,
            "lines_per_s": manifest["lines"] / wall,
            "peak_rss_mb": rss,
            "exits": [r["exit"] for r in runs[n]],
            "floor_rss_mb": max(r["floor_rss_mb"] for r in runs[n]),
            "baseline_wall_s": base,
            "ratio": wall / base if base else None,
            "load": [load_before, load_after],
            "commit": opts.commit,
        }
        if n != BASELINE:
            row["ratio_ok"] = row["ratio"] is not None and row["ratio"] <= opts.target_ratio
            row["rss_ok"] = rss < opts.rss_limit_mb
        if RUNNERS[n][1] and runs[n]:
            row["check"] = check_output(outs[n], manifest, runs[n][-1]["exit"])
        rows.append(row)
    if opts.compare and any(n in COMPARED for n in names):
        reference = outs.get("score")
        if reference is None:  # run score once, untimed, for the reference output
            reference = OUT / f"score_ref-{findings}-{outlets}.out"
            _log(f"  {findings:>9} {outlets:>6} score (reference for the comparison, untimed)")
            run_child(_score_cmd(data, opts), reference, OUT / f"score_ref-{findings}-{outlets}.err", env)
        for row in rows:
            if row["runner"] in COMPARED:
                row["compare"] = compare_outputs(reference, outs[row["runner"]])
        if opts.clean_outputs and "score" not in outs:
            reference.unlink(missing_ok=True)
    if opts.clean_outputs:
        for path in outs.values():
            path.unlink(missing_ok=True)
    return {"file": str(data.relative_to(ROOT)), "manifest": manifest, "rows": rows, "skipped": skipped}


def _load() -> list[float] | None:
    """The 1, 5 and 15-minute load averages (other work on the machine skews the timings)."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _floor(report: dict[str, Any]) -> float:
    return max((r["floor_rss_mb"] for size in report["sizes"] for r in size["rows"]), default=0.0)


def _yes(ok: bool | None) -> str:
    return "-" if ok is None else "pass" if ok else "FAIL"


# ---- growth -------------------------------------------------------------------------------
def _lstsq(xs: list[list[float]], ys: list[float]) -> list[float] | None:
    """Least squares ``y ≈ X·b`` by the normal equations (a few columns; Gaussian elimination)."""
    k = len(xs[0])
    if len(xs) < k:
        return None
    a = [
        [sum(x[i] * x[j] for x in xs) for j in range(k)] + [sum(x[i] * y for x, y in zip(xs, ys, strict=True))]
        for i in range(k)
    ]
    for c in range(k):
        pivot = max(range(c, k), key=lambda r: abs(a[r][c]))
        if abs(a[pivot][c]) < 1e-12:
            return None
        a[c], a[pivot] = a[pivot], a[c]
        for r in range(k):
            if r != c:
                f = a[r][c] / a[c][c]
                a[r] = [vr - f * vc for vr, vc in zip(a[r], a[c], strict=True)]
    return [a[i][k] / a[i][i] for i in range(k)]


def _r2(xs: list[list[float]], ys: list[float], b: list[float]) -> float:
    mean = sum(ys) / len(ys)
    ss_tot = sum((y - mean) ** 2 for y in ys)
    ss_res = sum((y - sum(bi * xi for bi, xi in zip(b, x, strict=True))) ** 2 for x, y in zip(xs, ys, strict=True))
    return 1.0 - ss_res / ss_tot if ss_tot else 1.0


def growth(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """How time and memory grow with findings (per runner and outlet count) and with outlets."""
    series: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for r in rows:
        series.setdefault((r["runner"], r["outlets"]), []).append(r)
    out: dict[str, Any] = {"by_size": [], "fits": []}
    for (runner, outlets), rs in sorted(
        series.items(), key=lambda kv: (list(RUNNERS).index(kv[0][0]) if kv[0][0] in RUNNERS else 99, kv[0][1])
    ):
        rs = sorted(rs, key=lambda r: r["findings"])
        if len({r["findings"] for r in rs}) < 2:
            continue
        points = []
        prev = None
        for r in rs:
            p = {
                "findings": r["findings"],
                "us_per_finding": r["wall_s"] / r["findings"] * 1e6,
                "kb_per_finding": r["peak_rss_mb"] * 1024 / r["findings"],
            }
            if prev is not None:
                dn = r["findings"] - prev["findings"]
                p["marginal_us_per_finding"] = (r["wall_s"] - prev["wall_s"]) / dn * 1e6
                p["marginal_kb_per_finding"] = (r["peak_rss_mb"] - prev["peak_rss_mb"]) * 1024 / dn
                p["per_finding_ratio_to_previous"] = p["us_per_finding"] / (prev["wall_s"] / prev["findings"] * 1e6)
            points.append(p)
            prev = r
        xs = [[1.0, float(r["findings"])] for r in rs]
        t = _lstsq(xs, [r["wall_s"] for r in rs])
        m = _lstsq(xs, [r["peak_rss_mb"] for r in rs])
        out["by_size"].append(
            {
                "runner": runner,
                "outlets": outlets,
                "points": points,
                "time_fit": None
                if t is None
                else {"intercept_s": t[0], "us_per_finding": t[1] * 1e6, "r2": _r2(xs, [r["wall_s"] for r in rs], t)},
                "rss_fit": None
                if m is None
                else {
                    "intercept_mb": m[0],
                    "kb_per_finding": m[1] * 1024,
                    "r2": _r2(xs, [r["peak_rss_mb"] for r in rs], m),
                },
            }
        )
    by_runner: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_runner.setdefault(r["runner"], []).append(r)
    for runner, rs in by_runner.items():
        if len({r["outlets"] for r in rs}) < 2 or len({r["findings"] for r in rs}) < 2:
            continue
        xs = [[1.0, float(r["outlets"]), float(r["findings"])] for r in rs]
        t = _lstsq(xs, [r["wall_s"] for r in rs])
        m = _lstsq(xs, [r["peak_rss_mb"] for r in rs])
        if t is None or m is None:
            continue
        out["fits"].append(
            {
                "runner": runner,
                "rows": len(rs),
                "time": {
                    "intercept_s": t[0],
                    "ms_per_outlet": t[1] * 1e3,
                    "us_per_finding": t[2] * 1e6,
                    "r2": _r2(xs, [r["wall_s"] for r in rs], t),
                },
                "rss": {
                    "intercept_mb": m[0],
                    "kb_per_outlet": m[1] * 1024,
                    "kb_per_finding": m[2] * 1024,
                    "r2": _r2(xs, [r["peak_rss_mb"] for r in rs], m),
                },
            }
        )
    return out


def _rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for size in report["sizes"] for r in size["rows"]]


def render(report: dict[str, Any]) -> str:
    m = report["machine"]
    o = report["options"]
    lines = [
        f"machine: {m['cpu_model']}, {m['nproc']} CPUs ({m['usable_cpus']} usable), {m['memory_gib']} GiB; {m['os']}",
        f"python:  {m['python']} ({m['executable']}); {m['service_rules']}; durable_rules {m.get('durable_rules')}; commit {m['commit']}",
        f"runs:    {o['repeat']} timed (median reported) after {o['warmup']} warm-up per runner, alternating; "
        f"seed {o['seed']}; bytecode {o['bytecode']}; targets: ratio <= {o['target_ratio']:g}x, peak RSS < {o['rss_limit_mb']:g} MiB",
        f"launcher RSS (the floor of every RSS below): {_floor(report):.1f} MiB; src/ has uncommitted changes: {m['src_modified']}",
        f"load average before {report['load_before']}, after {report['load_after']} (1, 5, 15 min; {m['nproc']} CPUs)",
    ]
    for cmd in report.get("commands", [report.get("command")]):
        lines.append(f"command: {cmd}")
    lines.append("")
    head = (
        "findings",
        "outlets",
        "lines",
        "bad",
        "runner",
        "wall s",
        "spread",
        "cpu s",
        "findings/s",
        "peak RSS MiB",
        "ratio",
        "ratio target",
        "RSS target",
        "load",
    )
    table = [head]
    for size in report["sizes"]:
        for r in size["rows"]:
            load = r.get("load") or [None, None]
            table.append(
                (
                    f"{r['findings']:,}",
                    f"{r['outlets']:,}",
                    f"{r['lines']:,}",
                    f"{r['bad_lines']:,}",
                    r["runner"],
                    f"{r['wall_s']:.3f}",
                    f"{r.get('spread', 0) * 100:.0f}%",
                    f"{r['cpu_s']:.3f}",
                    f"{r['findings_per_s']:,.0f}",
                    f"{r['peak_rss_mb']:.0f}",
                    f"{r['ratio']:.2f}x" if r["ratio"] is not None else "-",
                    _yes(r.get("ratio_ok")),
                    _yes(r.get("rss_ok")),
                    "/".join(f"{x[0]:.1f}" if x else "?" for x in load),
                )
            )
    widths = [max(len(row[i]) for row in table) for i in range(len(head))]
    for k, row in enumerate(table):
        lines.append(
            "  ".join(
                c.rjust(w) if i not in (4,) else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    for size in report["sizes"]:
        for n in size.get("skipped", []):
            lines.append(f"skipped: {n} at {size['manifest']['findings']:,} findings (over --limit)")
    lines.append("")
    g = growth(_rows(report))
    if g["by_size"]:
        lines.append(
            "growth with findings (wall = median; marginal = difference to the previous size / difference in findings):"
        )
        for s in g["by_size"]:
            pts = "; ".join(
                f"{p['findings']:,}: {p['us_per_finding']:.2f} us/finding, {p['kb_per_finding']:.2f} KiB/finding"
                + (
                    f" (marginal {p['marginal_us_per_finding']:.2f} us, {p['marginal_kb_per_finding']:.2f} KiB; per-finding x{p['per_finding_ratio_to_previous']:.2f})"
                    if "marginal_us_per_finding" in p
                    else ""
                )
                for p in s["points"]
            )
            lines.append(f"  {s['runner']:<12} {s['outlets']:>6} outlets: {pts}")
            if s["time_fit"] and s["rss_fit"]:
                t, mm = s["time_fit"], s["rss_fit"]
                lines.append(
                    f"  {'':<12} {'':>6}          least squares: wall = {t['intercept_s']:.3f} s + {t['us_per_finding']:.2f} us x findings (r2 {t['r2']:.4f}); "
                    f"peak RSS = {mm['intercept_mb']:.1f} MiB + {mm['kb_per_finding']:.3f} KiB x findings (r2 {mm['r2']:.4f})"
                )
        lines.append("")
    if g["fits"]:
        lines.append("fit over every row of a runner: y = a + b x outlets + c x findings")
        for f in g["fits"]:
            t, mm = f["time"], f["rss"]
            lines.append(
                f"  {f['runner']:<12} ({f['rows']} rows) wall = {t['intercept_s']:.3f} s + {t['ms_per_outlet']:.4f} ms x outlets + {t['us_per_finding']:.2f} us x findings (r2 {t['r2']:.4f}); "
                f"peak RSS = {mm['intercept_mb']:.1f} MiB + {mm['kb_per_outlet']:.2f} KiB x outlets + {mm['kb_per_finding']:.3f} KiB x findings (r2 {mm['r2']:.4f})"
            )
        lines.append("")
    for size in report["sizes"]:
        for r in size["rows"]:
            c = r.get("check")
            if c is not None:
                got, exp = c.get("got", {}), c.get("expected", {})
                lines.append(
                    f"check {r['runner']} {r['findings']:,} findings / {r['outlets']:,} outlets ({size['file']}): bad lines generated {size['manifest']['bad_lines']}, "
                    f"rejected {got.get('rejected')}; deductions {got.get('deductions')} (expected {exp.get('deductions')}), "
                    f"pending {got.get('pending')}, dismissed {got.get('dismissed')}, scorecards {got.get('scorecards')}, "
                    f"actions {got.get('actions')} {got.get('action_kinds')}: " + ("OK" if c["ok"] else "MISMATCH")
                )
                lines.extend(f"  - {p}" for p in c["problems"])
                if not c["ok"] and got:
                    lines.append(f"    rejection codes expected {exp.get('codes')}")
                    lines.append(f"    rejection codes got      {got.get('codes')}")
            cmp_ = r.get("compare")
            if cmp_ is not None:
                if "error" in cmp_:
                    lines.append(f"compare {r['runner']} {r['findings']:,}/{r['outlets']:,}: {cmp_['error']}")
                    continue
                lines.append(
                    f"compare {r['runner']} with score, {r['findings']:,} findings / {r['outlets']:,} outlets: scorecards {cmp_['scorecards'][1]} vs {cmp_['scorecards'][0]}, "
                    f"identical {cmp_['identical_scorecards']}, totals differing {cmp_['total_mismatches']} "
                    f"(not explained by missing observations: {cmp_['total_mismatches_not_explained_by_missing_observations']}), "
                    f"observations missing {cmp_['missing_observations']} (reported lost by the runner: {cmp_['missing_that_the_runner_reported_lost']}), "
                    f"extra {cmp_['extra_observations']}, other rule or points {cmp_['changed_rule_or_points']}; "
                    f"rejected lines only in score {cmp_['rejected_only_in_score']}, only in runner {cmp_['rejected_only_in_runner']}, "
                    f"same lines with another code {sum(cmp_.get('rejected_recoded', {}).values())} {cmp_.get('rejected_recoded', {})}"
                    + (
                        f"; lost in durable_rules {cmp_['lost']} {cmp_['lost_by_cause']}"
                        if cmp_.get("lost") is not None
                        else ""
                    )
                )
                if cmp_["missing_ids"]:
                    lines.append(f"  missing ids: {', '.join(cmp_['missing_ids'])}")
                for ex in cmp_["examples"][:3]:
                    lines.append(f"  e.g. {ex}")
    return "\n".join(lines)


def render_markdown(report: dict[str, Any]) -> str:
    """The rows and the growth as Markdown tables (for docs/performance.md)."""
    out = [
        "| findings | outlets | lines | runner | wall s (median) | runs (s) | cpu s | findings/s | peak RSS MiB | ratio to json.loads | 3x | < 1 GiB | commit | load 1 min |",
        "| ---: | ---: | ---: | --- | ---: | --- | ---: | ---: | ---: | ---: | --- | --- | --- | --- |",
    ]
    for size in report["sizes"]:
        for r in size["rows"]:
            load = r.get("load") or [None, None]
            out.append(
                f"| {r['findings']:,} | {r['outlets']:,} | {r['lines']:,} | {r['runner']} | {r['wall_s']:.3f} | "
                + ", ".join(f"{w:.3f}" for w in r["walls_s"])
                + f" | {r['cpu_s']:.3f} | {r['findings_per_s']:,.0f} | {r['peak_rss_mb']:.0f} | "
                + (f"**{r['ratio']:.2f}x**" if r["runner"] == "score" else f"{r['ratio']:.2f}x")
                + f" | {_yes(r.get('ratio_ok'))} | {_yes(r.get('rss_ok'))} | {r.get('commit', '')} | "
                + " / ".join(f"{x[0]:.1f}" if x else "?" for x in load)
                + " |"
            )
    g = growth(_rows(report))
    if g["by_size"]:
        out += [
            "",
            "| runner | findings | us/finding | marginal us/finding | per-finding cost / previous size | KiB/finding | marginal KiB/finding |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for s in g["by_size"]:
            for p in s["points"]:
                out.append(
                    f"| {s['runner']} | {p['findings']:,} | {p['us_per_finding']:.2f} | {_num(p.get('marginal_us_per_finding'), '.2f')} | "
                    f"{_num(p.get('per_finding_ratio_to_previous'), '.2f')} | {p['kb_per_finding']:.3f} | {_num(p.get('marginal_kb_per_finding'), '.3f')} |"
                )
        out += [
            "",
            "| runner | outlets | wall = a + b x findings | r2 | peak RSS = a + b x findings | r2 |",
            "| --- | ---: | --- | ---: | --- | ---: |",
        ]
        for s in g["by_size"]:
            t, m = s["time_fit"], s["rss_fit"]
            if t and m:
                out.append(
                    f"| {s['runner']} | {s['outlets']:,} | {t['intercept_s']:.3f} s + {t['us_per_finding']:.2f} us | {t['r2']:.4f} | "
                    f"{m['intercept_mb']:.1f} MiB + {m['kb_per_finding']:.3f} KiB | {m['r2']:.4f} |"
                )
    if g["fits"]:
        out += [
            "",
            "| runner | rows | wall = a + b x outlets + c x findings | r2 | peak RSS = a + b x outlets + c x findings | r2 |",
            "| --- | ---: | --- | ---: | --- | ---: |",
        ]
        for f in g["fits"]:
            t, m = f["time"], f["rss"]
            out.append(
                f"| {f['runner']} | {f['rows']} | {t['intercept_s']:.3f} s + {t['ms_per_outlet']:.4f} ms + {t['us_per_finding']:.2f} us | {t['r2']:.4f} | "
                f"{m['intercept_mb']:.1f} MiB + {m['kb_per_outlet']:.2f} KiB + {m['kb_per_finding']:.3f} KiB | {m['r2']:.4f} |"
            )
    return "\n".join(out)


def _num(x: float | None, fmt: str) -> str:
    return "-" if x is None else format(x, fmt)


def _limits(text: str) -> dict[str, int]:
    limits: dict[str, int] = {}
    for part in text.split(","):
        if part.strip():
            name, _, value = part.partition("=")
            limits[name.strip()] = int(value.replace("_", ""))
    return limits


def parse_args(argv: list[str] | None) -> Options:
    p = argparse.ArgumentParser(
        description="Benchmark service-rules score end to end against json.loads (a report; exits 0)."
    )
    p.add_argument("--sizes", default="10000,100000", help="finding counts, comma-separated (default: 10000,100000)")
    p.add_argument(
        "--outlets", default="2000", help="outlets in the registry, comma-separated for several (default: 2000)"
    )
    p.add_argument(
        "--repeat", type=int, default=3, help="timed runs per runner and size; the median is reported (default: 3)"
    )
    p.add_argument("--warmup", type=int, default=1, help="untimed runs per runner and size first (default: 1)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    p.add_argument("--pack", default="cangzhou")
    p.add_argument("--as-of", dest="as_of", default="2026-11-27")
    p.add_argument(
        "--runners",
        default="json.loads,score,pure",
        help=f"comma-separated, of: {', '.join(RUNNERS)} (default: json.loads,score,pure)",
    )
    p.add_argument(
        "--limit",
        default=DEFAULT_LIMIT,
        help=f"RUNNER=N,...: skip a runner above N findings (default: {DEFAULT_LIMIT})",
    )
    p.add_argument("--target-ratio", type=float, default=3.0, help="the ratio target (default: 3)")
    p.add_argument("--rss-limit-mb", type=float, default=1024.0, help="the peak RSS target in MiB (default: 1024)")
    p.add_argument(
        "--bytecode",
        choices=("cached", "env"),
        default="cached",
        help="cached (default): children may write and read .pyc under benchmarks/out/pycache, as an installed "
        "package would (the warm-up run writes them); env: the environment as it is (PYTHONDONTWRITEBYTECODE honoured)",
    )
    p.add_argument("--regenerate", action="store_true", help="write the inputs again even if they exist")
    p.add_argument(
        "--no-compare",
        dest="compare",
        action="store_false",
        help="do not compare other runners' scorecards with score's",
    )
    p.add_argument(
        "--clean-outputs", action="store_true", help="delete the runners' outputs once checked (they are large at 1M)"
    )
    p.add_argument("--json", action="store_true", help="print the report as JSON instead of a table")
    p.add_argument("--markdown", action="store_true", help="print the tables as Markdown (for docs/performance.md)")
    p.add_argument("--save", metavar="PATH", help="also write the JSON report to PATH")
    p.add_argument(
        "--merge",
        metavar="PATHS",
        default="",
        help="render one report from saved JSON reports (comma-separated); runs nothing",
    )
    opts = p.parse_args(argv, namespace=Options())
    opts.sizes = [int(s.replace("_", "")) for s in str(opts.sizes).split(",") if s.strip()]
    opts.outlets = [int(s.replace("_", "")) for s in str(opts.outlets).split(",") if s.strip()]
    opts.runners = [r.strip() for r in str(opts.runners).split(",") if r.strip()]
    opts.merge = [m.strip() for m in str(opts.merge).split(",") if m.strip()]
    try:
        opts.limit = _limits(str(opts.limit))
    except ValueError:
        p.error("--limit takes RUNNER=N,...")
    unknown = [r for r in [*opts.runners, *opts.limit] if r not in RUNNERS]
    if unknown:
        p.error(f"unknown runner(s) {', '.join(unknown)} (known: {', '.join(RUNNERS)})")
    if BASELINE not in opts.runners:
        opts.runners.insert(0, BASELINE)
    if opts.repeat < 1:
        p.error("--repeat must be at least 1")
    return opts


def merge(paths: list[str]) -> dict[str, Any]:
    """One report from several saved ones: later reports replace rows of the same (findings, outlets, runner)."""
    reports = [json.loads(Path(p).read_text(encoding="utf-8")) for p in paths]
    merged = dict(reports[-1])
    by_key: dict[tuple[int, int], dict[str, Any]] = {}
    for rep in reports:
        for size in rep["sizes"]:
            for r in size["rows"]:
                r.setdefault("commit", rep["machine"].get("commit"))
            key = (size["manifest"]["findings"], size["manifest"]["outlets"])
            have = by_key.setdefault(key, {**size, "rows": [], "skipped": []})
            runners = {r["runner"] for r in size["rows"]}
            have["rows"] = [r for r in have["rows"] if r["runner"] not in runners] + size["rows"]
            have["skipped"] = [
                n for n in [*have["skipped"], *size.get("skipped", [])] if n not in {r["runner"] for r in have["rows"]}
            ]
    order = list(RUNNERS)
    for size in by_key.values():
        size["rows"].sort(key=lambda r: order.index(r["runner"]) if r["runner"] in order else 99)
    merged["sizes"] = [by_key[k] for k in sorted(by_key, key=lambda k: (k[1], k[0]))]
    merged["commands"] = [r.get("command") for r in reports]
    merged["load_before"] = [r.get("load_before") for r in reports]
    merged["load_after"] = [r.get("load_after") for r in reports]
    return merged


def main(argv: list[str] | None = None) -> int:
    opts = parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    if opts.merge:
        report = merge(opts.merge)
    else:
        report = {
            "machine": machine(),
            "options": {
                k: getattr(opts, k)
                for k in (
                    "sizes",
                    "outlets",
                    "repeat",
                    "warmup",
                    "seed",
                    "pack",
                    "as_of",
                    "runners",
                    "limit",
                    "target_ratio",
                    "rss_limit_mb",
                    "bytecode",
                )
            },
            "command": " ".join(["python", os.path.relpath(__file__, ROOT), *(sys.argv[1:] if argv is None else argv)]),
            "sizes": [],
        }
        report["load_before"] = _load()
        opts.commit = report["machine"]["commit"]
        for outlets in opts.outlets:
            for findings in opts.sizes:
                try:
                    report["sizes"].append(bench_size(findings, outlets, opts))
                except Exception as exc:  # a report, not a test: say what failed and go on
                    _log(f"size {findings}/{outlets}: {type(exc).__name__}: {exc}")
                    report.setdefault("errors", []).append(f"size {findings}/{outlets}: {type(exc).__name__}: {exc}")
        report["load_after"] = _load()
    report["growth"] = growth(_rows(report))
    text = json.dumps(report, ensure_ascii=False, indent=2)
    if opts.save:
        Path(opts.save).write_text(text + "\n", encoding="utf-8")
    if opts.json:
        print(text)
    elif opts.markdown:
        print(render_markdown(report))
    else:
        print(render(report))
        for e in report.get("errors", []):
            print(f"error: {e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
