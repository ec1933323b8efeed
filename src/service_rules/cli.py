"""The ``service-rules`` command: a thin layer over the Python API.

Machine output (JSON) goes to stdout; messages go to stderr. Exit codes are
:class:`ExitCode`. Known errors print one line on stderr; an internal error prints one line
too (exit 70), and its traceback only with ``--debug`` or ``SERVICE_RULES_DEBUG=1``.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import gc
import io
import os
import sys
from collections.abc import Callable, Sequence
from typing import IO, TYPE_CHECKING

import attrs
import orjson

from . import _facts
from ._compiler import compile_pack
from ._errors import EngineError, ExitCode, PackError, ServiceRulesError, UsageError
from ._evaluate import score, score_to_stream
from ._files import atomic_path, write_atomic
from ._loader import load_pack
from ._model import Pack
from ._report import escape, render_table
from ._results import ScoreResult

if TYPE_CHECKING:
    from ._diff import PackDiff


#: Set to 1 to print the traceback of an internal error (as ``--debug`` does).
DEBUG_ENV = "SERVICE_RULES_DEBUG"
#: The longest message line printed on stderr; longer ones are cut, saying how much was cut.
MAX_MESSAGE = 400


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageExit(f"{self.prog}: {message}")


class _UsageExit(Exception):
    pass


#: ``score --format``: the first two print to a terminal, the last two write files (need --output).
SCORE_FORMATS = ("json", "table", "markdown", "csv", "xlsx", "docx")
FILE_FORMATS = ("xlsx", "docx")
PACK_HELP = (
    "a pack name (built-in or installed: service-rules list) or a pack folder; "
    "PACK@YYYY-MM-DD: its text in force that day"
)
INPUT_HELP = "JSON Lines, .xlsx or .csv files (by extension; docs/office.md); - for standard input (JSON Lines)"

#: The years a date of the contract may fall in (docs/contract.md, limits).
YEARS = _facts.YEARS


def _year(text: str) -> int:
    """``--year``: a calendar year the contract accepts."""
    low, high = YEARS
    value = _integer(text)
    if not low <= value <= high:
        raise argparse.ArgumentTypeError(f"年份须在 {low} 至 {high} 之间,而不是 {_cut(text, 40)}")
    return value


def _year_of(text: str) -> str:
    """``--as-of`` and ``--period`` start with a year: one the contract accepts, or a usage error.
    The rest of their form is the library's to judge."""
    digits = len(text) - len(text.lstrip("0123456789"))
    if digits:
        low, high = YEARS
        if digits != 4 or not low <= int(text[:4]) <= high:
            raise argparse.ArgumentTypeError(f"年份须在 {low} 至 {high} 之间,而不是 {_cut(text, 40)}")
    return text


def _at_least(low: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        value = _integer(text)
        if value < low or value > 10**9:
            raise argparse.ArgumentTypeError(f"须为 {low} 至 {10**9} 之间的整数,而不是 {_cut(text, 40)}")
        return value

    return parse


def _integer(text: str) -> int:
    stripped = text.strip()
    if not (stripped.lstrip("+-").isascii() and stripped.lstrip("+-").isdigit()) or len(stripped) > 12:
        raise argparse.ArgumentTypeError(f"须为整数,而不是 {_cut(text, 40)}")
    return int(stripped)


def _percent(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"须为 0 至 100 之间的数,而不是 {_cut(text, 40)}") from None
    if not 0.0 <= value <= 100.0:  # also refuses nan
        raise argparse.ArgumentTypeError(f"须为 0 至 100 之间的数,而不是 {_cut(text, 40)}")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="service-rules", description="Score bank-outlet inspection findings under a policy pack.")
    parser.add_argument("--version", action="store_true", help="print the version and the matcher in use")
    parser.add_argument(
        "--debug", action="store_true", help=f"print the traceback of an internal error (or set {DEBUG_ENV}=1)"
    )
    common = _Parser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    s = sub.add_parser("score", parents=[common], help="score observations (JSON Lines) under a pack")
    s.add_argument(
        "--pack", required=True, help="a pack name (built-in or installed: service-rules list) or a pack folder"
    )
    s.add_argument(
        "--period", type=_year_of, help="score one period only, in the pack's period: 2026-07, 2026Q3, 2026H2 or 2026"
    )
    s.add_argument("--as-of", dest="as_of", type=_year_of, help="the date deadlines and threshold windows are judged at (default: today)")
    s.add_argument(
        "--format",
        choices=SCORE_FORMATS,
        default="json",
        help="json (default), table (terminal), markdown (the 通报), csv (the ranked table), "
        "xlsx (the office workbook) or docx (the 通报 in Word); xlsx and docx need --output",
    )
    s.add_argument("--output", "-o", help="write to FILE (atomically) instead of standard output")
    s.add_argument(
        "--match-every",
        dest="match_every",
        action="store_true",
        help="ask the matcher about every observation instead of once per distinct shape (same result, slower)",
    )
    s.add_argument(
        "--strict-registry",
        dest="strict_registry",
        action="store_true",
        help="where outlet records are given, reject facts on unregistered outlets and counties (else warnings)",
    )
    s.add_argument(
        "--workers",
        type=_at_least(1),
        metavar="N",
        help="processes that read a large JSON Lines file (default: one per CPU for files of 4 MiB or more; "
        "standard input and spreadsheets are read in one process); the output is the same whatever N",
    )
    s.add_argument("files", nargs="+", metavar="FILE", help=INPUT_HELP)
    k = sub.add_parser(
        "candidates", parents=[common], help="rank the outlets eligible for recommendation as model units"
    )
    k.add_argument(
        "--pack", required=True, help="a pack name (built-in or installed: service-rules list) or a pack folder"
    )
    k.add_argument("--year", required=True, type=_year, help="the calendar year, e.g. 2026 (1900 to 2099)")
    k.add_argument("--top", type=_at_least(1), help="list the first N candidates only")
    k.add_argument(
        "--as-of", dest="as_of", type=_year_of, help="quarters that ended before this date are judged (default: today)"
    )
    k.add_argument("--format", choices=("json", "table"), default="json")
    k.add_argument(
        "--strict-registry",
        dest="strict_registry",
        action="store_true",
        help="where outlet records are given, reject facts on unregistered outlets and counties (else warnings)",
    )
    k.add_argument("files", nargs="+", metavar="FILE", help=INPUT_HELP)
    t = sub.add_parser("test", parents=[common], help="run a pack's own cases (PACK/tests/*.toml) and report coverage")
    t.add_argument("pack", help=PACK_HELP)
    t.add_argument(
        "--min-coverage",
        dest="min_coverage",
        type=_percent,
        help="fail when rule or article coverage is below N percent",
    )
    t.add_argument("--junit", help="also write a JUnit XML report to FILE")
    t.add_argument("--cases", help="a folder of cases instead of PACK/tests")
    t.add_argument(
        "--coverage",
        choices=("layer", "all"),
        default="layer",
        help="for a pack that extends another: cover only what its layer adds or overrides (default), or everything",
    )
    li = sub.add_parser("list", parents=[common], help="list the packs available by name (built-in and installed)")
    li.add_argument("--format", choices=("json", "table"), default="table")
    df = sub.add_parser(
        "diff", parents=[common], help="score the same observations under two packs and report what changed"
    )
    df.add_argument("old", help="the pack as it is (name or folder; @YYYY-MM-DD: its text in force that day)")
    df.add_argument("new", help="the pack as proposed (name or folder; @YYYY-MM-DD: its text in force that day)")
    df.add_argument("--observations", nargs="+", required=True, metavar="FILE", help=INPUT_HELP)
    df.add_argument(
        "--period", type=_year_of, help="compare one period only, in the packs' period: 2026-07, 2026Q3, 2026H2 or 2026"
    )
    df.add_argument("--as-of", dest="as_of", type=_year_of, help="the date deadlines and threshold windows are judged at (default: today)")
    df.add_argument("--format", choices=("markdown", "json"), default="markdown")
    df.add_argument("--limit", type=_at_least(0), default=50, help="rows per list in the Markdown summary")
    df.add_argument(
        "--fail-on",
        dest="fail_on",
        action="append",
        choices=("changed", "rejected"),
        default=[],
        help="exit 3 when any result changed / when the new pack rejects a line the old one accepted (repeatable)",
    )
    im = sub.add_parser(
        "import", parents=[common], help="turn .xlsx/.csv sheets into the JSON Lines scoring reads from them"
    )
    im.add_argument(
        "--pack", required=True, help="the pack whose import map (imports.toml) reads the headers (name or folder)"
    )
    im.add_argument("--output", "-o", help="write to FILE (atomically) instead of standard output")
    im.add_argument("files", nargs="+", metavar="FILE", help=".xlsx or .csv files")
    dc = sub.add_parser("docs", parents=[common], help="render a pack as a readable Chinese document (Markdown)")
    dc.add_argument("pack", help=PACK_HELP)
    dc.add_argument("--output", "-o", help="write to FILE instead of standard output")
    sc = sub.add_parser("schema", parents=[common], help="write the JSON Schemas of the pack files (for editors)")
    sc.add_argument("--out", default=".", help="the folder to write <file>.schema.json into")
    c = sub.add_parser("check", parents=[common], help="check a pack and list every problem")
    c.add_argument("pack", help=PACK_HELP)
    c.add_argument("--strict", action="store_true", help="warnings fail too")
    c.add_argument("--format", choices=("json", "text"), default="text")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status instead of exiting.

    Every outcome is an :class:`ExitCode`: known errors (usage, unreadable input, invalid
    pack) print one line on stderr; anything else is an internal error (70), one line on
    stderr and the traceback only with ``--debug`` or ``SERVICE_RULES_DEBUG=1``. Ctrl-C ends
    quietly with 130, a closed standard output quietly with 141.
    """
    return _main(argv, restore_gc=True)


def _main(argv: Sequence[str] | None, *, restore_gc: bool) -> int:
    """:func:`main`; ``restore_gc`` False leaves the cyclic collector as the command left it
    (the console script exits next: re-enabling it would scan every object of the run once,
    about a second at 1M findings, for nothing)."""
    debug = os.environ.get(DEBUG_ENV, "").strip() not in ("", "0")
    collecting = gc.isenabled()
    closed = sys.stdout is None  # started with stdout closed (>&-): writing to it is an error, not a crash
    if closed:
        sys.stdout = _ClosedStream()
    try:
        try:
            args = _parser().parse_args(argv)
        except _UsageExit as exc:
            _say(str(exc))
            return ExitCode.USAGE
        except SystemExit as exc:  # --help
            return ExitCode.OK if exc.code in (None, 0) else ExitCode.USAGE
        debug = debug or bool(getattr(args, "debug", False))
        return _run(args)
    except KeyboardInterrupt:
        return ExitCode.INTERRUPTED
    except BrokenPipeError:
        return ExitCode.BROKEN_PIPE
    except Exception as exc:  # the one place that turns a bug into exit 70
        return _internal_error(exc, debug)
    finally:
        if closed:
            sys.stdout = None
        if collecting and restore_gc:
            gc.enable()


class _ClosedStream:
    """Stands in for a standard output the process was started without."""

    def __init__(self) -> None:
        self.buffer = self

    def write(self, _: object) -> int:
        raise OSError(errno.EBADF, "标准输出已关闭")

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


def _cut(text: str, limit: int = MAX_MESSAGE) -> str:
    """One line of at most ``limit`` characters, control characters escaped."""
    line = escape(text)
    if len(line) <= limit:
        return line
    return f"{line[:limit]}…(另有 {len(line) - limit} 个字符未显示)"


def _say(message: str) -> None:
    """One line on stderr; a closed stderr is not worth a traceback."""
    if sys.stderr is None:
        return
    with contextlib.suppress(OSError, ValueError):
        sys.stderr.write(_cut(message) + "\n")
        sys.stderr.flush()


def _internal_error(exc: BaseException, debug: bool) -> int:
    import traceback

    if debug and sys.stderr is not None:
        with contextlib.suppress(OSError, ValueError):
            traceback.print_exception(exc, file=sys.stderr)
    _say(
        f"service-rules: 内部错误(internal_error,退出码 70):{type(exc).__name__}: {exc};"
        f"输出不完整,不可使用。请报告此问题" + ("" if debug else f"(加 --debug 或设 {DEBUG_ENV}=1 可看完整的出错位置)")
    )
    return ExitCode.INTERNAL


def _run(args: argparse.Namespace) -> int:
    if args.version:
        from . import __version__
        from ._compiler import default_matcher

        print(f"service-rules {__version__} (matcher: {default_matcher()}, Python {sys.version.split()[0]})")
        return ExitCode.OK
    if args.command is None:
        _parser().print_help(sys.stderr)
        return ExitCode.USAGE
    try:
        _check_stdin(args)
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
        if args.command == "import":
            return _import(args)
        if args.command == "diff":
            return _diff(args)
        return _check(args)
    except PackError as exc:
        first = exc.problems[0] if exc.problems else "invalid pack"
        more = (
            f"(另有 {len(exc.problems) - 1} 个问题,运行 service-rules check 查看全部)" if len(exc.problems) > 1 else ""
        )
        _say(f"service-rules: 规则包无效(invalid pack) {exc.location}: {first}{more}")
        return ExitCode.USAGE
    except UsageError as exc:
        _say(f"service-rules: {_in_flags(exc)}")
        return ExitCode.USAGE
    except ServiceRulesError as exc:
        if isinstance(exc, EngineError):  # the engine behaved outside what the design relies on: a bug
            raise
        _say(f"service-rules: {exc}")
        return ExitCode.USAGE
    except OSError as exc:  # a file named in the arguments that cannot be written (or read)
        if isinstance(exc, BrokenPipeError):
            raise
        where = f"{exc.filename}: " if exc.filename else ""
        _say(f"service-rules: 无法读写文件({type(exc).__name__}):{where}{exc.strerror or exc}")
        return ExitCode.USAGE


def _check_stdin(args: argparse.Namespace) -> None:
    """``-`` needs a standard input to read: a closed one is a usage error, not a crash."""
    files = list(getattr(args, "files", None) or []) + list(getattr(args, "observations", None) or [])
    if "-" not in files:
        return
    stdin = sys.stdin
    if stdin is None or stdin.closed or getattr(stdin, "buffer", None) is None:
        raise UsageError("输入文件为 -(标准输入),但标准输入已关闭或不可读")
    try:
        fd = stdin.fileno()
    except (OSError, ValueError, io.UnsupportedOperation):
        return  # a stream put in place of stdin (an embedding program): let the reader try it
    try:
        os.fstat(fd)
    except OSError:
        raise UsageError("输入文件为 -(标准输入),但标准输入已关闭") from None


#: The command-line flag of each API argument a UsageError may name.
_FLAGS = {"period": "--period", "as_of": "--as-of", "top": "--top", "year": "--year", "workers": "--workers"}


def _in_flags(exc: UsageError) -> str:
    """The library's message in the command line's terms (``--period`` for ``period=``)."""
    text = str(exc)
    flag = _FLAGS.get(exc.param or "")
    if flag is not None and exc.param is not None and text.startswith(exc.param):
        return flag + text[len(exc.param) :]
    return text


def _workers(args: argparse.Namespace) -> int:
    """``--workers``, or one per CPU this process may run on (at most 8): the pool starts only
    for a file large enough."""
    if args.workers is not None:
        return int(args.workers)
    affinity = getattr(os, "sched_getaffinity", None)
    cpus = len(affinity(0)) if affinity is not None else os.cpu_count()
    return max(1, min(cpus or 1, 8))


def _score(args: argparse.Namespace) -> int:
    if args.format in FILE_FORMATS and not args.output:
        raise UsageError(
            f"--format {args.format} 写出的是文件,须用 --output FILE 指定文件名(如 --output 2026Q3.{args.format})"
        )
    compiled = compile_pack(load_pack(args.pack))
    reuse = not args.match_every
    if reuse:
        # Scoring allocates many small objects that never form cycles; the cyclic collector would
        # only re-scan them (about a quarter of the run time on 100k findings). main() restores it.
        # Not with --match-every: each durable_rules call leaves a cycle only the collector frees.
        gc.disable()
    if args.format != "json":
        result = score(
            compiled,
            args.files,
            period=args.period,
            as_of=args.as_of,
            reuse_matches=reuse,
            strict_registry=args.strict_registry,
            workers=_workers(args),
        )
        _write_result(result, compiled.pack, args.format, args.output)
        incomplete = result.rejected or any(i.problem is not None for i in result.inputs)
        return ExitCode.REJECTED if incomplete else ExitCode.OK
    progress = _Progress.for_stderr()

    def stream(out: IO[bytes]) -> int:
        return score_to_stream(
            compiled,
            args.files,
            out,
            period=args.period,
            as_of=args.as_of,
            reuse_matches=reuse,
            progress=progress,
            strict_registry=args.strict_registry,
            workers=_workers(args),
        )

    try:
        if args.output:
            with atomic_path(args.output) as tmp, open(tmp, "wb") as handle:
                rejected = stream(handle)
        else:
            sys.stdout.flush()
            rejected = stream(sys.stdout.buffer)
            sys.stdout.buffer.flush()
    finally:
        if progress is not None:
            progress.done()
    return ExitCode.REJECTED if rejected else ExitCode.OK


def _write_result(result: ScoreResult, pack: Pack, fmt: str, output: str | None) -> None:
    """A result in one of the formats other than streamed JSON, to ``output`` (atomically) or stdout."""
    from ._documents import (
        DocumentLabels,
        render_bulletin,
        render_ranking_csv,
        write_bulletin_docx,
        write_ranking_csv,
        write_workbook,
    )

    labels = DocumentLabels.from_pack(pack)
    if fmt == "xlsx":
        assert output is not None
        write_workbook(result, output, labels=labels)
        return
    if fmt == "docx":
        assert output is not None
        write_bulletin_docx(result, output, labels=labels)
        return
    if fmt == "csv" and output:
        write_ranking_csv(result, output)  # with a byte-order mark, for Excel on a Chinese system
        return
    if fmt == "table":
        text = render_table(result, pack.meta.article_unit, labels.action_labels, labels.rule_titles)
    elif fmt == "markdown":
        text = render_bulletin(result, labels=labels)
    else:
        text = render_ranking_csv(result)
    _emit(text, output)


def _emit(text: str, output: str | None) -> None:
    """Text to ``output`` (written atomically) or to standard output."""
    if output:
        write_atomic(output, text.encode("utf-8"))
    else:
        sys.stdout.write(text)


def _import(args: argparse.Namespace) -> int:
    from ._importmap import tag_labels_of
    from ._sheets import run_import

    pack = load_pack(args.pack)
    tags = tag_labels_of(pack)
    if args.output:
        with atomic_path(args.output) as tmp, open(tmp, "wb") as handle:
            status = run_import(args.files, pack.imports, tags, handle, _StderrText())
    else:
        sys.stdout.flush()
        status = run_import(args.files, pack.imports, tags, sys.stdout.buffer, _StderrText())
        sys.stdout.buffer.flush()
    return ExitCode.REJECTED if status else ExitCode.OK


class _StderrText(io.StringIO):
    """What ``run_import`` reports, one escaped and cut line each on stderr (as every message)."""

    def write(self, text: str) -> int:
        for line in text.splitlines():
            _say(line)
        return len(text)


class _Progress:
    """Lines read and rate on a terminal's stderr, once a run has taken over a second."""

    def __init__(self) -> None:
        import time

        self._clock = time.monotonic
        self._start = self._clock()
        self._shown = False

    @classmethod
    def for_stderr(cls) -> _Progress | None:
        return cls() if sys.stderr is not None and sys.stderr.isatty() else None  # (2>&-: None)

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
    result = candidates(
        compile_pack(load_pack(args.pack)),
        args.files,
        year=args.year,
        as_of=args.as_of,
        top=args.top,
        strict_registry=args.strict_registry,
    )
    if args.format == "table":
        sys.stdout.write(render_candidates(result))
    else:
        sys.stdout.flush()
        sys.stdout.buffer.write(result.to_json() + b"\n")
        sys.stdout.flush()
    incomplete = result.rejected or any(i.problem is not None for i in result.inputs)
    return ExitCode.REJECTED if incomplete else ExitCode.OK


def _test(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ._packtest import junit_xml, render_report, run_pack_tests

    report = run_pack_tests(compile_pack(load_pack(args.pack)), args.cases, scope=args.coverage)
    sys.stdout.write(render_report(report))
    if args.junit:
        Path(args.junit).write_bytes(junit_xml(report))
    if not report.cases:
        _say(f"{args.pack}:没有找到用例(tests/ 下的 *.toml 中没有 [[cases]];或用 --cases 指定文件夹)")
        return ExitCode.REJECTED
    if args.min_coverage is not None:
        coverage = (("rule", report.rules), ("article", report.articles))
        low = [(what, c.percent) for what, c in coverage if c.percent < args.min_coverage]
        for what, percent in low:
            words = {"rule": "规则", "article": "条款"}[what]
            print(f"{words}覆盖率 {percent:.1f}% 低于 --min-coverage {args.min_coverage:g}", file=sys.stderr)
        if low:
            return ExitCode.REJECTED
    return ExitCode.OK if report.passed else ExitCode.REJECTED


def _list(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    from ._loader import PackSource, builtin_pack_names, builtin_packs_root, installed_packs, pack_name_conflicts

    installed = installed_packs()
    conflicts = pack_name_conflicts(installed)
    sources = [PackSource(n, str(builtin_packs_root() / n), "builtin") for n in builtin_pack_names()] + installed
    rows: list[dict[str, str | None]] = []
    for source in sources:
        version, title, status = "", "", "ok"
        if source.path.startswith("<"):
            status = f"invalid: {source.path[1:-1]}"
        else:
            try:
                pack = load_pack(Path(source.path))
                version, title = pack.version, pack.meta.title
                if pack.name != source.name:
                    status = f"its [pack] name is {pack.name!r}, not {source.name!r}"
            except ServiceRulesError as exc:
                status = f"invalid: {exc.message.splitlines()[0]}"
        if source.origin == "entry-point" and source.name in conflicts:
            warning = conflicts[source.name]
            status = f"warning: {warning}" if status == "ok" else f"{status}; warning: {warning}"
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
                escape(
                    f"{r['name']:<16} {r['version']:<10} {origin:<28} {r['title']}"
                    + ("" if r["status"] == "ok" else f"  [{r['status']}]")
                )
            )
    for warning in conflicts.values():
        _say(f"service-rules: 警告:{warning}")
    return ExitCode.OK


def _diff(args: argparse.Namespace) -> int:
    from ._diff import diff_packs, render_diff_markdown

    gc.disable()
    old = compile_pack(load_pack(args.old))
    new = compile_pack(load_pack(args.new))
    d = diff_packs(old, new, args.observations, period=args.period, as_of=args.as_of)
    d = _with_days(d, args.old, args.new)
    if args.format == "json":
        sys.stdout.flush()
        sys.stdout.buffer.write(orjson.dumps(d.to_dict()) + b"\n")
    else:
        sys.stdout.write(render_diff_markdown(d, limit=args.limit))
    tripped = []
    if "changed" in args.fail_on and not d.empty:
        tripped.append("changed")
    if "rejected" in args.fail_on and d.newly_rejected:
        tripped.append("rejected")
    if tripped:
        sys.stdout.flush()
        _say(f"service-rules: --fail-on {'、'.join(tripped)} 触发:{_gate_reason(d, tripped)}")
        return ExitCode.GATE
    return ExitCode.OK


def _with_days(d: PackDiff, old: str, new: str) -> PackDiff:
    """The diff naming the days of ``pack@YYYY-MM-DD`` references (the packs were loaded here)."""
    from ._amendments import split_reference

    return attrs.evolve(d, old_day=split_reference(old)[1], new_day=split_reference(new)[1])


def _gate_reason(d: PackDiff, tripped: list[str]) -> str:
    parts = []
    if "changed" in tripped:
        parts.append(
            f"评分卡变化 {len(d.changed)} 张,处理事项新增 {len(d.actions_added)}、撤销 {len(d.actions_removed)},"
            f"新拒绝 {len(d.newly_rejected)} 行、新接受 {len(d.newly_accepted)} 行"
            + (
                f",罚款新增 {len(d.fines_added)}、撤销 {len(d.fines_removed)},员工台账变化 {len(d.employees_changed)} 条"
                if d.money_changed
                else ""
            )
        )
    if "rejected" in tripped:
        parts.append(f"新规则包拒绝了旧规则包接受的 {len(d.newly_rejected)} 行")
    return ";".join(parts)


def _docs(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ._amendments import day_note, split_reference, text_in_force
    from ._packdocs import render_pack_docs

    ref, day = split_reference(args.pack)  # pack@YYYY-MM-DD: the text in force that day, said in its head
    pack = load_pack(ref)
    note = None
    if day is not None:
        note = day_note(pack, day)
        pack = text_in_force(pack, day)
    compile_pack(pack)  # a document of a pack that does not compile would mislead
    text = render_pack_docs(pack, day_note=note)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return ExitCode.OK


def _schema(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    from ._schema import pack_schemas, schema_text

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for file_name in pack_schemas():
        target = out / (file_name.removesuffix(".toml") + ".schema.json")
        target.write_text(schema_text(file_name), encoding="utf-8")
        print(target)
    from ._packtest import cases_schema

    target = out / "cases.schema.json"  # the pack's test-case files, tests/*.toml
    target.write_text(json.dumps(cases_schema(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(target)
    return ExitCode.OK


def _check(args: argparse.Namespace) -> int:
    import json

    from ._loader import load_pack_partial

    pack, problems = load_pack_partial(args.pack)
    if pack is not None:  # a layer's merge mistakes do not hide the rest: compile what loaded
        try:
            problems.extend(compile_pack(pack).warnings)
        except PackError as exc:  # every problem at once: the warnings found beside the errors too
            problems.extend(exc.problems)
            problems.extend(exc.warnings)
    errors = [p for p in problems if p.severity == "error"]
    warnings = [p for p in problems if p.severity != "error"]
    changes = pack.changes if pack is not None else []
    if pack is not None:  # each amendment's own changes, after the layers'
        changes = changes + [c for t in pack.amendments for c in t.pack.changes if c.layer == t.amendment.id]
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
                    "amendments": [attrs.asdict(t.amendment) for t in pack.amendments] if pack is not None else [],
                },
                ensure_ascii=False,
            )
        )
    else:
        for p in problems:
            print(f"{p.severity}: {escape(str(p))}")
        for c in changes:
            base = f" (from {c.base_layer})" if c.base_layer else ""
            whole = f", replacing {', '.join(c.replaced)} whole" if c.replaced else ""
            key = "" if c.key == c.kind else f" {c.key}"  # a whole table ([employees]) is named once
            print(escape(f"layer: {c.layer} {c.action}s {c.kind}{key}{base}{whole} at {c.file}"))
        for t in pack.amendments if pack is not None else ():
            a = t.amendment
            print(escape(f"amendment: {a.id} in force from {a.effective} ({a.document}) at {a.folder}"))
        if pack is not None and not errors:
            print(
                f"{escape(args.pack)}: {'valid' if valid else 'invalid under --strict'} ({pack.name} {pack.version}, "
                f"layers {' → '.join(pack.layers)}, {len(pack.rules)} rules, {_oversight_count(pack)} oversight rules, "
                f"{len(pack.articles)} articles, "
                f"{len(warnings)} warning(s), {pack.digest})"
            )
        else:
            print(f"{escape(args.pack)}: invalid ({len(errors)} error(s), {len(warnings)} warning(s))")
    return ExitCode.OK if valid else ExitCode.USAGE


def _oversight_count(pack: Pack) -> int:
    o = pack.oversight
    return len(o.ladders) + len(o.streaks) + len(o.cadences) + len(o.deadlines) + len(o.crosschecks) + len(o.thresholds)


def entry_point() -> None:
    """The console script: ``main()``, then exit without tearing the heap down object by object.

    A scoring run leaves hundreds of thousands of small objects; freeing them one by one at
    interpreter exit costs about a tenth of a second per 100k findings and helps nobody. The
    streams are flushed first; the library registers no exit handlers; the cyclic collector is
    left as the command left it (turned back on, its first pass would scan every object of the
    run once, about a second at 1M findings). A reader that went away
    (``| head``) ends the run quietly with 141, as Unix tools do.
    """
    try:
        code = _main(None, restore_gc=False)
        if sys.stdout is not None:
            sys.stdout.flush()
    except BrokenPipeError:
        code = ExitCode.BROKEN_PIPE
    except KeyboardInterrupt:
        code = ExitCode.INTERRUPTED
    except OSError:  # the last buffered bytes could not be written (a full disk): not complete
        _say("service-rules: 无法写出标准输出的最后部分,输出不完整")
        code = ExitCode.USAGE
    if sys.stderr is not None:
        with contextlib.suppress(OSError, ValueError):
            sys.stderr.flush()
    os._exit(code)
