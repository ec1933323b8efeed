"""The ``service-rules`` command: a thin layer over the Python API.

Machine output (JSON) goes to stdout; messages go to stderr. Exit codes are
:class:`ExitCode`. Known errors print one line on stderr; unknown ones a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import enum
import gc
import os
import sys
from collections.abc import Sequence

import attrs
import orjson

from . import __version__
from ._compiler import compile_pack
from ._errors import PackError, Problem, ServiceRulesError, UsageError
from ._evaluate import score, score_to_stream
from ._loader import load_pack
from ._model import Pack
from ._report import render_table


class ExitCode(enum.IntEnum):
    """Exit status of every subcommand (stable; documented in docs/cli.md)."""

    OK = 0  #: every input line accepted / the pack is valid
    REJECTED = 1  #: some input lines were rejected; the output is complete for the rest
    USAGE = 2  #: bad arguments, unreadable files, or an unknown or invalid pack


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageExit(f"{self.prog}: {message}")


class _UsageExit(Exception):
    pass


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="service-rules", description="Score bank-outlet inspection findings under a policy pack.")
    parser.add_argument("--version", action="store_true", help="print the version and the matcher in use")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    s = sub.add_parser("score", help="score observations (JSON Lines) under a pack")
    s.add_argument(
        "--pack", required=True, help="a pack name (built-in or installed: service-rules list) or a pack folder"
    )
    s.add_argument("--period", help="score one quarter only, e.g. 2026Q3")
    s.add_argument("--as-of", dest="as_of", help="the date deadlines are judged at (default: today)")
    s.add_argument("--format", choices=("json", "table"), default="json")
    s.add_argument(
        "--match-every",
        dest="match_every",
        action="store_true",
        help="ask the matcher about every observation instead of once per distinct shape (same result, slower)",
    )
    s.add_argument("files", nargs="+", metavar="FILE", help="JSON Lines files; - for standard input")
    k = sub.add_parser("candidates", help="rank the outlets eligible for recommendation as model units")
    k.add_argument(
        "--pack", required=True, help="a pack name (built-in or installed: service-rules list) or a pack folder"
    )
    k.add_argument("--year", required=True, type=int, help="the calendar year, e.g. 2026")
    k.add_argument("--top", type=int, help="list the first N candidates only")
    k.add_argument("--as-of", dest="as_of", help="quarters that ended before this date are judged (default: today)")
    k.add_argument("--format", choices=("json", "table"), default="json")
    k.add_argument("files", nargs="+", metavar="FILE", help="JSON Lines files; - for standard input")
    t = sub.add_parser("test", help="run a pack's own cases (PACK/tests/*.toml) and report coverage")
    t.add_argument("pack", help="a pack name (built-in or installed: service-rules list) or a pack folder")
    t.add_argument(
        "--min-coverage", dest="min_coverage", type=float, help="fail when rule or article coverage is below N percent"
    )
    t.add_argument("--junit", help="also write a JUnit XML report to FILE")
    t.add_argument("--cases", help="a folder of cases instead of PACK/tests")
    t.add_argument(
        "--coverage",
        choices=("layer", "all"),
        default="layer",
        help="for a pack that extends another: cover only what its layer adds or overrides (default), or everything",
    )
    li = sub.add_parser("list", help="list the packs available by name (built-in and installed)")
    li.add_argument("--format", choices=("json", "table"), default="table")
    df = sub.add_parser("diff", help="score the same observations under two packs and report what changed")
    df.add_argument("old", help="the pack as it is (name or folder)")
    df.add_argument("new", help="the pack as proposed (name or folder)")
    df.add_argument("--observations", nargs="+", required=True, metavar="FILE", help="JSON Lines files; - for stdin")
    df.add_argument("--period", help="compare one quarter only, e.g. 2026Q3")
    df.add_argument("--as-of", dest="as_of", help="the date deadlines are judged at (default: today)")
    df.add_argument("--format", choices=("markdown", "json"), default="markdown")
    df.add_argument("--limit", type=int, default=50, help="rows per list in the Markdown summary")
    dc = sub.add_parser("docs", help="render a pack as a readable Chinese document (Markdown)")
    dc.add_argument("pack", help="a pack name (built-in or installed: service-rules list) or a pack folder")
    dc.add_argument("--output", "-o", help="write to FILE instead of standard output")
    sc = sub.add_parser("schema", help="write the JSON Schemas of the pack files (for editors)")
    sc.add_argument("--out", default=".", help="the folder to write <file>.schema.json into")
    c = sub.add_parser("check", help="check a pack and list every problem")
    c.add_argument("pack", help="a pack name (built-in or installed: service-rules list) or a pack folder")
    c.add_argument("--strict", action="store_true", help="warnings fail too")
    c.add_argument("--format", choices=("json", "text"), default="text")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status instead of exiting."""
    try:
        args = _parser().parse_args(argv)
    except _UsageExit as exc:
        print(exc, file=sys.stderr)
        return ExitCode.USAGE
    except SystemExit as exc:  # --help
        return int(exc.code or 0)
    collecting = gc.isenabled()
    try:
        return _run(args)
    finally:
        if collecting:
            gc.enable()


def _run(args: argparse.Namespace) -> int:
    if args.version:
        from ._compiler import default_matcher

        print(f"service-rules {__version__} (matcher: {default_matcher()}, Python {sys.version.split()[0]})")
        return ExitCode.OK
    if args.command is None:
        _parser().print_help(sys.stderr)
        return ExitCode.USAGE
    try:
        if args.command == "score":
            return _score(args)
        if args.command == "candidates":
            return _candidates(args)
        if args.command == "test":
            return _test(args)
        if args.command == "list":
            return _list(args)
        if args.command == "schema":
            return _schema(args)
        if args.command == "docs":
            return _docs(args)
        if args.command == "diff":
            return _diff(args)
        return _check(args)
    except PackError as exc:
        first = exc.problems[0] if exc.problems else "invalid pack"
        more = f" (and {len(exc.problems) - 1} more: run service-rules check)" if len(exc.problems) > 1 else ""
        print(f"service-rules: invalid pack {exc.location}: {first}{more}", file=sys.stderr)
        return ExitCode.USAGE
    except UsageError as exc:
        print(f"service-rules: {_in_flags(exc)}", file=sys.stderr)
        return ExitCode.USAGE
    except ServiceRulesError as exc:
        print(f"service-rules: {exc}", file=sys.stderr)
        return ExitCode.USAGE


#: The command-line flag of each API argument a UsageError may name.
_FLAGS = {"period": "--period", "as_of": "--as-of", "top": "--top", "year": "--year"}


def _in_flags(exc: UsageError) -> str:
    """The library's message in the command line's terms (``--period`` for ``period=``)."""
    text = str(exc)
    flag = _FLAGS.get(exc.param or "")
    if flag is not None and exc.param is not None and text.startswith(exc.param):
        return flag + text[len(exc.param) :]
    return text


def _score(args: argparse.Namespace) -> int:
    compiled = compile_pack(load_pack(args.pack))
    reuse = not args.match_every
    if reuse:
        # Scoring allocates many small objects that never form cycles; the cyclic collector would
        # only re-scan them (about a quarter of the run time on 100k findings). main() restores it.
        # Not with --match-every: each durable_rules call leaves a cycle only the collector frees.
        gc.disable()
    if args.format == "table":
        result = score(compiled, args.files, period=args.period, as_of=args.as_of, reuse_matches=reuse)
        sys.stdout.write(render_table(result, compiled.pack.meta.article_unit, compiled.oversight.action_labels))
        return ExitCode.REJECTED if result.rejected else ExitCode.OK
    sys.stdout.flush()
    out = sys.stdout.buffer
    progress = _Progress.for_stderr()
    try:
        rejected = score_to_stream(
            compiled, args.files, out, period=args.period, as_of=args.as_of, reuse_matches=reuse, progress=progress
        )
    finally:
        if progress is not None:
            progress.done()
    out.flush()
    return ExitCode.REJECTED if rejected else ExitCode.OK


class _Progress:
    """Lines read and rate on a terminal's stderr, once a run has taken over a second."""

    def __init__(self) -> None:
        import time

        self._clock = time.monotonic
        self._start = self._clock()
        self._shown = False

    @classmethod
    def for_stderr(cls) -> _Progress | None:
        return cls() if sys.stderr.isatty() else None

    def __call__(self, lines: int) -> None:
        elapsed = self._clock() - self._start
        if elapsed >= 1.0:
            self._shown = True
            sys.stderr.write(f"\r已读 {lines:,} 行,{lines / elapsed:,.0f} 行/秒 ")
            sys.stderr.flush()

    def done(self) -> None:
        if self._shown:
            sys.stderr.write("\n")
            sys.stderr.flush()


def _candidates(args: argparse.Namespace) -> int:
    from ._candidates import candidates, render_candidates

    gc.disable()
    result = candidates(compile_pack(load_pack(args.pack)), args.files, year=args.year, as_of=args.as_of, top=args.top)
    if args.format == "table":
        sys.stdout.write(render_candidates(result))
    else:
        sys.stdout.flush()
        sys.stdout.buffer.write(result.to_json() + b"\n")
        sys.stdout.flush()
    return ExitCode.REJECTED if result.rejected else ExitCode.OK


def _test(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ._packtest import junit_xml, render_report, run_pack_tests

    report = run_pack_tests(compile_pack(load_pack(args.pack)), args.cases, scope=args.coverage)
    sys.stdout.write(render_report(report))
    if args.junit:
        Path(args.junit).write_bytes(junit_xml(report))
    if not report.cases:
        print(f"{args.pack}: no cases found", file=sys.stderr)
        return ExitCode.REJECTED
    if args.min_coverage is not None:
        coverage = (("rule", report.rules), ("article", report.articles))
        low = [(what, c.percent) for what, c in coverage if c.percent < args.min_coverage]
        for what, percent in low:
            print(f"{what} coverage {percent:.1f}% is below --min-coverage {args.min_coverage:g}", file=sys.stderr)
        if low:
            return ExitCode.REJECTED
    return ExitCode.OK if report.passed else ExitCode.REJECTED


def _list(args: argparse.Namespace) -> int:
    import json

    from ._loader import available_packs

    rows: list[dict[str, str | None]] = []
    for source in available_packs():
        try:
            pack = load_pack(source.path)
            version, title, status = pack.version, pack.meta.title, "ok"
            if pack.name != source.name:
                status = f"its [pack] name is {pack.name!r}, not {source.name!r}"
        except ServiceRulesError as exc:
            version, title, status = "", "", f"invalid: {exc.message.splitlines()[0]}"
        rows.append(
            {
                "name": source.name,
                "version": version,
                "title": title,
                "origin": source.origin,
                "distribution": source.distribution,
                "path": source.path,
                "status": status,
            }
        )
    if args.format == "json":
        print(json.dumps(rows, ensure_ascii=False))
    else:
        for r in rows:
            origin = f"{r['origin']}" + (f" ({r['distribution']})" if r["distribution"] else "")
            print(
                f"{r['name']:<16} {r['version']:<10} {origin:<28} {r['title']}"
                + ("" if r["status"] == "ok" else f"  [{r['status']}]")
            )
    return ExitCode.OK


def _diff(args: argparse.Namespace) -> int:
    from ._diff import diff_packs, render_diff_markdown

    gc.disable()
    old = compile_pack(load_pack(args.old))
    new = compile_pack(load_pack(args.new))
    d = diff_packs(old, new, args.observations, period=args.period, as_of=args.as_of)
    if args.format == "json":
        sys.stdout.flush()
        sys.stdout.buffer.write(orjson.dumps(d.to_dict()) + b"\n")
    else:
        sys.stdout.write(render_diff_markdown(d, limit=args.limit))
    return ExitCode.OK


def _docs(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ._packdocs import render_pack_docs

    pack = load_pack(args.pack)
    compile_pack(pack)  # a document of a pack that does not compile would mislead
    text = render_pack_docs(pack)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return ExitCode.OK


def _schema(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ._schema import pack_schemas, schema_text

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for file_name in pack_schemas():
        target = out / (file_name.removesuffix(".toml") + ".schema.json")
        target.write_text(schema_text(file_name), encoding="utf-8")
        print(target)
    return ExitCode.OK


def _check(args: argparse.Namespace) -> int:
    import json

    problems: list[Problem] = []
    pack = None
    try:
        pack = load_pack(args.pack)
        compiled = compile_pack(pack)
        problems.extend(compiled.warnings)
    except PackError as exc:
        problems.extend(exc.problems)
    errors = [p for p in problems if p.severity == "error"]
    warnings = [p for p in problems if p.severity != "error"]
    changes = pack.changes if pack is not None else []
    valid = not errors and not (args.strict and warnings)
    if args.format == "json":
        print(
            json.dumps(
                {
                    "pack": args.pack,
                    "valid": valid,
                    "layers": pack.layers if pack is not None else [],
                    "digest": pack.digest if pack is not None else None,
                    "problems": [attrs.asdict(p) for p in problems],
                    "changes": [attrs.asdict(c) for c in changes],
                },
                ensure_ascii=False,
            )
        )
    else:
        for p in problems:
            print(f"{p.severity}: {p}")
        for c in changes:
            base = f" (from {c.base_layer})" if c.base_layer else ""
            print(f"layer: {c.layer} {c.action}s {c.kind} {c.key}{base} at {c.file}")
        if pack is not None and not errors:
            print(
                f"{args.pack}: {'valid' if valid else 'invalid under --strict'} ({pack.name} {pack.version}, "
                f"layers {' → '.join(pack.layers)}, {len(pack.rules)} rules, {_oversight_count(pack)} oversight rules, "
                f"{len(pack.articles)} articles, "
                f"{len(warnings)} warning(s), {pack.digest})"
            )
        else:
            print(f"{args.pack}: invalid ({len(errors)} error(s), {len(warnings)} warning(s))")
    return ExitCode.OK if valid else ExitCode.USAGE


def _oversight_count(pack: Pack) -> int:
    o = pack.oversight
    return len(o.ladders) + len(o.streaks) + len(o.cadences) + len(o.deadlines) + len(o.crosschecks)


def entry_point() -> None:
    """The console script: ``main()``, then exit without tearing the heap down object by object.

    A scoring run leaves hundreds of thousands of small objects; freeing them one by one at
    interpreter exit costs about a tenth of a second per 100k findings and helps nobody. The
    streams are flushed first; the library registers no exit handlers.
    """
    try:
        code = main()
        sys.stdout.flush()
    except BrokenPipeError:  # the reader went away (| head): stop quietly, as Unix tools do
        code = ExitCode.REJECTED
    with contextlib.suppress(BrokenPipeError, ValueError):
        sys.stderr.flush()
    os._exit(code)
