"""Large JSON Lines files read on every core: worker processes over byte ranges, merged in line order.

The output is byte-identical whatever the number of workers, because the workers only do what
does not depend on the lines before: each worker reads a range of the file (cut at line ends),
parses every line and, for the common line — a finding or a complaint that passes the contract
and its rule's checks — computes what the serial reader would (its rule, points, period) and
hands back a compact tuple; consecutive such lines travel as one run, which the parent takes in
one tight loop. Everything that depends on earlier lines (first-wins duplicate ids, the outlet's
first line, the inspection a finding names, registrations, the rare record types, every line
the worker did not accept) is done by the parent, range after range in line order, with the
serial reader's own code: a worker hands back any other line as its bytes, and the parent reads
it exactly as :meth:`_ingest._Reader.read_line` would have. Ranges are numbered within the file,
so line numbers, rejections and their order are those of one process.

A worker takes most findings in one call made for their shape (:meth:`_Collector.quick_for`),
which hands back a finding's fields only when the full path would keep it with the same ones,
and otherwise leaves the line to the full path. Workers run at a lower priority than the parent:
the parent, which decides every line in order, is the run's critical path.

Only regular files by path are read this way (not standard input, streams, records in memory or
spreadsheets), and only where the ``fork`` start method exists (the workers inherit the
compiled pack); everything else, and ``strict_registry`` runs, go through :func:`_ingest.ingest`
unchanged.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import itertools
import marshal
import os
import signal
import stat
import struct
from collections.abc import Callable, Sequence
from typing import Annotated, Any, Literal

import orjson

try:
    import fcntl
except ImportError:  # not on Windows (where there is no fork either)
    fcntl = None  # type: ignore[assignment]

from ._compiler import CompiledPack
from ._errors import InputFileError, UsageError
from ._facts import MAX_INT, MAX_PERSONS, Reject, checked_dates
from ._ingest import Records, Source, _check_keys, _PendingReference, _Reader, _Verdict, ingest
from ._store import Facts, Observation

#: Below this size a file is read in one process (starting workers costs more than they save).
MIN_BYTES = 4 * 2**20
#: A worker's range, at most (the parent replays one range while the workers check the next).
CHUNK_BYTES = 4 * 2**20

#: A range's items, in line order: ``(line, raw bytes)`` for a line the parent reads itself, and
#: ``(first line, start, end)`` plus ``watched`` for a *run* of consecutive common lines — their
#: positions among the range's common lines, ``watched`` None or ``{position in the run: (verdict
#: as a tuple, record)}`` for those a ladder or an exclusion watches. A range travels as one
#: ``marshal`` string (plain data; twice as fast as pickle).
Entry = tuple[Any, ...]


class _Collector(_Reader):
    """A worker's reader: checks a finding as the serial reader does, then hands back what it
    computed instead of storing it (storing depends on the lines before)."""

    def __init__(self, compiled: CompiledPack) -> None:
        super().__init__(compiled, True, None, False)
        #: the run of common findings being collected, and those of it something watches
        self.run: list[tuple[Any, ...]] = []
        self.watched: dict[int, Any] = {}
        self.verdict_tuples: dict[int, tuple[str, tuple[str, ...], tuple[str, ...]]] = {}
        #: a finding's field names in order → its one-call path (:meth:`quick_for`), or None; how many made
        self.made = 0
        self.quick: dict[tuple[Any, ...], Callable[[dict[str, Any], bytes], tuple[Any, ...] | None] | None] = {}
        #: a finding's verdict key → (rule, deduct kind, min, max, points), () when something watches it
        self.keyed: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        #: a finding's date → (the date as one object, its period), once the full path made it
        self.dated: dict[str, tuple[str, str]] = {}
        #: a range's notes and inspection ids, each one string object (marshalled once, held once by
        #: the parent); emptied at each range, so that it holds no more than a range's texts
        self.shared: dict[Any, Any] = {}
        # only the plain finding handler: not an amended pack's (its version by date), not a watched one
        handler = self.dispatch["finding"][1]
        self.quick_allowed = getattr(handler, "__func__", None) is _Reader._finding
        #: the typed path (:meth:`_typed`): a decoder, and what follows it
        self.typed = self._typed()

    def quick_for(self, shape: tuple[Any, ...]) -> Callable[[dict[str, Any], bytes], tuple[Any, ...] | None] | None:
        """The one-call path of findings whose field names are exactly ``shape`` (:meth:`_quick`),
        made once per shape; None for a shape no finding passes the contract with (another
        record type's, say), whose lines take the full path. At most ``MAX_QUICK`` of each kind
        are kept: past them (hostile input) a shape is asked about again at each line, and past
        ``MAX_QUICK`` quick paths none is made — odd shapes never use up the findings' places."""
        fits = (
            self.quick_allowed
            and "type" in shape
            and "replaces" not in shape
            and self.dispatch["finding"][0].fits(shape)
        )
        fn = None
        if fits and self.made < MAX_QUICK:
            fn = self._quick(shape)
            self.made += 1
            self.quick[shape] = fn
        elif not fits and len(self.quick) - self.made < MAX_QUICK:
            self.quick[shape] = None
        return fn

    def _dated_for(self, date: str) -> tuple[str, str] | None:
        """A date as one object and its period, once the full path has made its period (which
        it makes only for a date the contract took); None while it has not."""
        period = self.periods.get(date)
        if period is None:
            return None
        pair = self.dated[date] = (self.names[date], period)
        return pair

    def _keyed_for(self, key: tuple[Any, ...]) -> tuple[Any, ...]:
        """What the quick path needs of the verdict of ``key``, once the full path has made it;
        () while it has not, or when a ladder or an exclusion watches the rule."""
        cached = self.finding_verdicts.get(key)
        if cached is None:
            return ()
        verdict, deduct = cached
        rule = verdict.rule  # interned, as outlets, dates and periods are: marshal marks them so, and
        # the parent's loads makes each one object for the whole run, not one per range
        if verdict.ladders or verdict.exclusions:
            how: tuple[Any, ...] = ()
        elif deduct is None:
            how = (rule, None, 0, 0, 0)
        else:
            how = (rule, deduct.kind, deduct.min, deduct.max, deduct.points)
        self.keyed[key] = how
        return how

    def _quick(self, shape: tuple[Any, ...]) -> Callable[[dict[str, Any], bytes], tuple[Any, ...] | None]:
        """A finding's fields as :meth:`_finding_kept` hands them back, in one call, when the full
        path (``accept``'s checks, :meth:`_Reader._finding`) would keep it with the same fields;
        None whenever it might not — a rejection, a verdict or a period not made yet, a watched
        rule — and the line takes the full path. Straight-line code for the one shape: each field
        read once, fast_ok's own tests (:meth:`_facts.RecordType.field_tests`), then _finding's
        decisions in the same terms; tests/test_quick_path.py holds the two paths to the same
        tuples."""
        tests, env, local = self.dispatch["finding"][0].field_tests(shape, "return None")
        lines = [
            "def quick(o, piece):",
            # accept(): its type, no repeated key, then the contract (this shape's fast_ok)
            f"    if o['type'] != 'finding' or piece.count(b':') > {len(shape)}:",
            "        return None",
            *tests,
            *self._decisions(local),
        ]
        return self._make(lines, env)

    def _decisions(self, local: dict[str, str]) -> list[str]:
        """_finding()'s decisions on a finding whose fields (``local``: field → the local it is
        in; an absent field is null) passed the contract, and _Collector._finding_kept's tuple."""

        def field(name: str) -> str:
            return local.get(name, "None")

        extra = "".join(f", class_of({f!r}, {field(f)})" for f in self.finding_extra)  # as _finding's key
        return [
            f"    number = {field('article')}",
            f"    tag = {field('tag')}",
            f"    key = (number, tag{extra})",
            "    how = keyed_get(key)",
            "    if not how:",
            "        how = keyed_for(key)",
            "        if not how:",
            "            return None",
            "    rule, kind, low, high, each = how",
            f"    points = {field('points')}",
            f"    persons = {field('persons')}",
            f"    employees = {field('employees')}",
            # _finding()'s decisions, a rejection as None
            "    if kind is None:",  # listed, not deducted
            "        if points is not None or persons is not None:",
            "            return None",
            "        amount = 0",
            "    elif kind == 'graded':",
            "        if points is None or not low <= points <= high or persons is not None:",
            "            return None",
            "        amount = points",
            "    elif points is not None:",
            "        return None",
            "    elif kind == 'per_person':",
            "        if employees is not None:",
            "            if persons is not None and persons != len(employees):",
            "                return None",
            "            persons = len(employees)",
            "        elif persons is None:",
            "            persons = 1",
            "        amount = each * persons",
            "    elif kind == 'fixed' and persons is None:",
            "        amount = each",
            "    else:",
            "        return None",
            f"    dated = dated_get({field('date')})",  # (the date as one object, its period)
            "    if dated is None:",
            f"        dated = dated_for({field('date')})",
            "        if dated is None:",
            "            return None",
            "    date, period = dated",
            f"    outlet = {field('outlet')}",
            f"    note = {field('note')}",
            f"    ref = {field('inspection')}",
            # _Collector._finding_kept's tuple, field by field
            f"    return ({field('id')}, canon(outlet), period, date, rule, number,"
            " amount, persons, tag, tuple(employees) if employees is not None else None, share(note, note),"
            " share(ref, ref))",
        ]

    def _make(self, lines: list[str], env: dict[str, Any]) -> Callable[[Any, bytes], tuple[Any, ...] | None]:
        env.update(
            keyed_get=self.keyed.get,
            keyed_for=self._keyed_for,
            dated_get=self.dated.get,
            dated_for=self._dated_for,
            canon=self.names.__getitem__,
            class_of=self.c.classes.of,
            share=self.shared.setdefault,
        )
        exec("\n".join(lines), env)  # the contract's own field names, not input
        fn: Callable[[Any, bytes], tuple[Any, ...] | None] = env["quick"]
        return fn

    def _typed(self) -> tuple[Callable[[bytes], Any], Callable[[Any, bytes], tuple[Any, ...] | None]] | None:
        """The typed path of a finding line: a msgspec decoder that reads the line straight into
        a record of the finding contract's fields and types (C code: no dict, no type tests),
        and the rest of :meth:`_quick` on it — the tests msgspec does not make (blank strings,
        dates, lists of names), no repeated key, _finding's decisions. A line the decoder
        refuses (another type, a field the record does not have, a wrong type, bad JSON) takes
        the other paths, which say why. None without msgspec, or where there is no quick path
        (an amended pack: its version by date)."""
        if not self.quick_allowed:
            return None
        try:
            import msgspec
        except ImportError:  # an optional speed-up: the dict paths do the same
            return None
        spec = self.dispatch["finding"][0]
        # "type" a field of its own, required: as a msgspec tag it may be left out (a record
        # decoded as its one type needs no tag), and a line without it is no finding
        fields: list[tuple[str, Any, Any] | tuple[str, Any]] = [("type", Literal["finding"])]
        tests: list[str] = []
        env: dict[str, Any] = {"dates": checked_dates()}
        local: dict[str, str] = {}
        text = Annotated[str, msgspec.Meta(min_length=1)]
        for i, name in enumerate(spec.fields):
            if name in ("type", "replaces"):
                continue  # the type (above); a correction is the parent's to read (an unknown field here)
            kind, extra = spec.kind_of(name)
            v = f"f{i}"
            test = None
            typ: Any
            if kind == "str":
                typ, test = text, f"{v}.isspace()"
            elif kind == "int":
                typ = Annotated[int, msgspec.Meta(ge=-MAX_INT, le=MAX_INT)]
            elif kind == "persons":
                typ = Annotated[int, msgspec.Meta(ge=1, le=MAX_PERSONS)]
            elif kind == "bool":
                typ = bool
            elif kind == "date":
                # the finding's date: checked once (the full path memoises its period only for
                # a date the contract took), and found below with its period, or passed on
                typ, test = str, None if name == "date" else f"{v} not in dates"
            elif kind == "enum":
                env[f"enum{i}"] = extra
                typ, test = str, f"{v} not in enum{i}"
            elif kind == "names":
                # the contract's test (_facts._str_list) on what msgspec made a list of strings,
                # in C: not empty, not too long, no blank name, none twice
                env["isspace"] = str.isspace
                typ = list[str]
                test = (
                    f"not {v} or len({v}) > {MAX_PERSONS} or '' in {v} or any(map(isspace, {v}))"
                    f" or len(set({v})) != len({v})"
                )
            else:
                continue  # a field it cannot type: a line with it takes the other paths
            local[name] = v
            tests.append(f"    {v} = r.{name}")
            if name in spec.required:
                fields.append((name, typ))
            else:
                fields.append((name, typ | None, None))
                test = test and f"{v} is not None and ({test})"
            if test:
                tests += [f"    if {test}:", "        return None"]
        optional = ", ".join(local[name] for name in spec.fields if name in local and name not in spec.required)
        record = msgspec.defstruct("Finding", fields, kw_only=True, forbid_unknown_fields=True, gc=False)
        lines = [
            "def quick(r, piece):",
            *tests,
            # no repeated key: each key has a colon, and every one of them is a field given
            # (not null: the type, the required ones, and the optional ones given) — a repeated
            # key or a null would be one colon more
            f"    given = ({optional}{',' if optional else ''})",
            f"    if piece.count(b':') > {len(fields)} - given.count(None):",
            "        return None",
            *self._decisions(local),
        ]
        return msgspec.json.Decoder(record).decode, self._make(lines, env)

    def _finding_kept(
        self,
        obj: dict[str, Any],
        index: int,
        line: int,
        verdict: _Verdict,
        number: int,
        amount: int,
        persons: int | None,
        tag: str | None,
        employees: list[str] | None,
    ) -> None:
        # _Reader._finding_kept's Observation, as the plain tuple the parent makes it from (no
        # named tuple built twice); the outlet and the date one object each, marshalled once.
        names = self.names
        date = names[obj["date"]]
        shared = self.shared.setdefault
        note, ref = obj.get("note"), obj.get("inspection")
        if verdict.ladders or verdict.exclusions:
            as_tuple = self.verdict_tuples.get(id(verdict))  # verdicts are kept per shape: ids are stable
            if as_tuple is None:
                as_tuple = self.verdict_tuples[id(verdict)] = (verdict.rule, verdict.ladders, verdict.exclusions)
            self.watched[len(self.run)] = (as_tuple, obj)
        self.run.append(
            (
                obj["id"],  # id
                names[obj["outlet"]],  # outlet
                self._period_of(date),  # period
                date,  # date
                verdict.rule,  # rule
                number,  # article
                amount,  # points
                persons,  # persons
                tag,  # tag
                tuple(employees) if employees is not None else None,  # employees
                shared(note, note),  # note
                shared(ref, ref),  # inspection
            )
        )

    def _keep(self, obs: Observation) -> None:  # a complaint's
        self.run.append(tuple(obs))  # (a plain tuple: marshal's) its outlet, date, period and rule interned

    def _record_watched(self, verdict: _Verdict, obj: dict[str, Any]) -> None:  # a complaint's, before _keep
        as_tuple = self.verdict_tuples.get(id(verdict))
        if as_tuple is None:
            as_tuple = self.verdict_tuples[id(verdict)] = (verdict.rule, verdict.ladders, verdict.exclusions)
        self.watched[len(self.run)] = (as_tuple, obj)


#: Finding shapes with a quick path of their own in a worker; past them (hostile input) the full path.
MAX_QUICK = 64

#: The record types a worker checks itself (each kept as an Observation; any other line the
#: parent reads).
COMMON = ("finding", "complaint")

_worker: _Collector | None = None
#: How much lower a worker's priority is than the parent's (``os.nice`` steps).
WORKER_NICE = 5


def _start(compiled: CompiledPack) -> None:
    global _worker
    _worker = _Collector(compiled)
    # The parent decides every line in order: it is the run's critical path, and the workers
    # need only the CPU it leaves (on 2 cores, 1M findings: 0.3 s sooner).
    with contextlib.suppress(OSError):
        os.nice(WORKER_NICE)


def _check_range(path: str, start: int, end: int, first: bool) -> bytes:
    """Read and check the lines of ``path[start:end]`` (whole lines): their count, the common
    lines' fields and the items, in line order, marshalled. A finding or complaint the serial
    reader would keep is checked here (its rule, points, period); every other line goes back as
    its bytes.

    (Tried and not kept: sending a range's common lines grouped by outlet, so that the parent
    allocates a card's observations together. At 1M shuffled findings it saved the parent 0.6 s
    of scorecards and cost the workers about 1 s and the parent's replay as much: no faster.)"""
    reader = _worker
    assert reader is not None
    with open(path, "rb") as handle:
        handle.seek(start)
        data = handle.read(end - start)
    pieces = data.split(b"\n")
    tail = pieces.pop()  # b"" when the range ends with a line end
    items: list[Entry] = []
    loads = orjson.loads
    decode_error = orjson.JSONDecodeError
    # exactly what accept() uses (an amended pack's too)
    common = {t: (spec.fast_ok, spec.check, handle) for t in COMMON for spec, handle in (reader.dispatch[t],)}
    kept = reader.run = []  # the common findings' fields, in line order
    reader.shared.clear()
    reader.watched = {}
    runs: list[tuple[int, int]] = []  # (line, position in ``kept``) where each run starts
    running = False  # the line before was a common one
    quick_get = reader.quick.get
    decode, typed = reader.typed or (None, None)
    n = 0
    for piece in pieces:
        n += 1
        fields = None
        if decode is not None and (n > 1 or not first):
            try:
                record = decode(piece)
            except Exception:  # any line it cannot read: the dict way reads it, and says why
                record = None
            if record is not None:
                fields = typed(record, piece)  # type: ignore[misc]
        if fields is None:  # the dict way: any line the typed path did not keep
            try:
                obj = loads(piece)
            except decode_error:
                obj = None
            if type(obj) is dict and (n > 1 or not first):
                quick = quick_get(shape := tuple(obj), _UNSEEN)
                if quick is _UNSEEN:
                    quick = reader.quick_for(shape)
                if quick is not None:
                    fields = quick(obj, piece)
        if fields is not None:
            if not running:
                runs.append((n, len(kept)))
                items.append(_RUN)
                running = True
            kept.append(fields)
            continue
        if (
            type(obj) is dict
            and type(rtype := obj.get("type")) is str  # (a list or an object is no key)
            and (how := common.get(rtype)) is not None
            and (piece.count(b":") <= len(obj) or _keys_hold(piece, obj))
            and not (first and n == 1)
            and "replaces" not in obj  # a correction: the parent notes what it replaces (accept())
        ):
            size = len(kept)
            try:
                if not how[0](obj):  # (the id is text once these pass)
                    how[1](obj)
                how[2](obj, 0, n)
            except Reject:
                pass
            if len(kept) > size:
                if not running:
                    runs.append((n, size))
                    items.append(_RUN)
                    running = True
                continue
        items.append((n, piece + b"\n"))
        running = False
    if tail:
        n += 1
        items.append((n, tail))
    # the watched findings (few) to their runs: both in order, one pass
    watched = sorted(reader.watched.items())
    mine: list[dict[int, Any] | None] = [None] * len(runs)
    which = 0
    for at, what in watched:
        while which + 1 < len(runs) and runs[which + 1][1] <= at:
            which += 1
        held = mine[which]
        if held is None:
            held = mine[which] = {}
        held[at - runs[which][1]] = what
    bounds = [*(at for _, at in runs[1:]), len(kept)]
    made = iter((line, a, b, held) for (line, a), b, held in zip(runs, bounds, mine, strict=True))
    out = [next(made) if item is _RUN else item for item in items]
    return marshal.dumps((n, kept, out))


def _keys_hold(piece: bytes, obj: dict[str, Any]) -> bool:
    """More colons than keys: a colon in a value (a note's "9:50"), or a key given twice — looked
    at properly, as the parent would (:meth:`_ingest._Reader._keys_hold`); a line with a key
    given twice goes to the parent, which rejects it."""
    try:
        _check_keys(piece, obj)
    except Reject:
        return False
    return True


#: Where a run of common findings stands among a range's items (while the range is read).
_RUN: Entry = (None,)
#: A shape a worker has not made a quick path for yet.
_UNSEEN: Any = object()


def _identity(info: os.stat_result) -> tuple[int, int, int, int]:
    """What tells a file changed between two ``stat`` calls."""
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)


def _digest(path: str) -> str:
    """The sha256 of the whole file (as the serial reader's, line after line)."""
    sha = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(2**20), b""):
            sha.update(block)
    return sha.hexdigest()


def _ranges(path: str, size: int, chunk: int) -> list[tuple[int, int]]:
    """Byte ranges of ``path`` that start at a line start and end after a line end (or at EOF):
    ``chunk`` bytes or so, the first ones smaller (an eighth, a quarter, a half), so that the
    parent, which takes the ranges in order, waits less for the first."""
    cuts = [0]
    step = max(1, chunk // 8)
    with open(path, "rb") as handle:
        at = step
        while at < size:
            handle.seek(at)
            rest = handle.readline()  # the remainder of the line ``at`` falls in
            cut = at + len(rest)
            if cut >= size:
                break
            cuts.append(cut)
            step = min(chunk, 2 * step)
            at = cut + step
    cuts.append(size)
    return list(itertools.pairwise(cuts))


class _Team:
    """The worker processes of a run: each reads the ranges it is given, in order, and hands each
    one's items back through a pipe of its own; the parent reads them range after range.

    (Not a ``multiprocessing.Pool``: its result thread, pickling and chunked reads cost the
    parent, the run's critical path, about 0.4 s of CPU per 180 MB of results; a worker that
    died left a pool waiting for ever, where here the parent sees the pipe end and says so.)"""

    def __init__(self, compiled: CompiledPack, workers: int) -> None:
        import multiprocessing  # only when a file is large enough (its import is a start-up cost)

        context = multiprocessing.get_context("fork")
        self.members: list[tuple[Any, int, Any]] = []  # (process, command pipe, result pipe)
        loose: list[int] = []  # the pipe ends of the worker being started (closed if it is not)
        try:
            for _ in range(workers):
                order_r, order_w = os.pipe()
                loose += (order_r, order_w)
                result_r, result_w = os.pipe()
                loose += (result_r, result_w)
                _widen(result_w)
                # The parent's ends (this worker's and those of the workers started before) are
                # not the worker's to hold: a parent that dies (killed) closes them, and its
                # workers see the orders end (or their results go nowhere) and end too.
                others = [order_w, result_r, *(fd for _, w, r in self.members for fd in (w, r.fileno()))]
                process = context.Process(target=_serve, args=(compiled, order_r, result_w, others), daemon=True)
                # Ctrl-C held back while the worker starts (it would kill it with a traceback):
                # the worker ignores it, then lets it through (_serve); the parent gets it here.
                held = _hold_interrupts()
                try:
                    process.start()
                    self.members.append((process, order_w, open(result_r, "rb", buffering=0)))  # noqa: SIM115
                    loose = []
                finally:
                    _release_interrupts(held)
                os.close(order_r)
                os.close(result_w)
        except BaseException:
            for fd in loose:
                with contextlib.suppress(OSError):
                    os.close(fd)
            self.close()
            raise

    def order(self, k: int, message: tuple[Any, ...]) -> None:
        """Send worker ``k`` what to do next."""
        try:
            _send(self.members[k][1], 0, marshal.dumps(message))
        except BrokenPipeError:  # it is gone (it failed or died as it started): its error, not the file's
            self.result(k)
            raise RuntimeError("并行读取的工作进程意外退出(未能接收任务)") from None

    def result(self, k: int) -> bytes | bytearray:
        """The next thing worker ``k`` hands back."""
        process, _, pipe = self.members[k]
        head = _receive(pipe, 9)
        if head is None:
            process.join(1)
            code = process.exitcode
            hint = ";它被系统强行终止,常见原因是内存不足" if code == -signal.SIGKILL else ""
            raise RuntimeError(f"并行读取的工作进程意外退出(退出码 {code}{hint})")
        status, size = _HEAD.unpack(head)
        body = _receive(pipe, size)
        if body is None:
            raise RuntimeError("并行读取的工作进程意外退出(结果不完整)")
        if status == 2:
            raise OSError(bytes(body).decode("utf-8", "replace"))
        if status:
            # the error in one line; where it happened (the worker's traceback) shown with --debug
            what, where = marshal.loads(body)
            error = RuntimeError(f"并行读取的工作进程出错:{what}")
            error.add_note(f"工作进程中的出错位置:\n{where}")
            raise error
        return body

    def close(self) -> None:
        for process, order, pipe in self.members:
            with contextlib.suppress(OSError):
                os.close(order)
            pipe.close()
            if process.is_alive():
                process.terminate()
        for process, _, _ in self.members:
            process.join()
            # its own pipe (multiprocessing's) now, not when a collection finds it; a worker
            # reaped by the system (SIGCHLD ignored) has no exit status to wait for
            with contextlib.suppress(ValueError):
                process.close()
        self.members = []


#: A message's head: its status (0 ok, 1 a worker's error: its summary and traceback, 2 an OSError) and its size.
_HEAD = struct.Struct("<BQ")
#: The size a result pipe is asked to have (Linux; fewer, larger reads): a 4 MB range's items
#: in four writes, not sixty-four.
PIPE_BYTES = 2**20


def _widen(fd: int) -> None:
    set_size = getattr(fcntl, "F_SETPIPE_SZ", None) if fcntl is not None else None
    if set_size is not None:
        with contextlib.suppress(OSError):  # a system limit below it: the default size
            fcntl.fcntl(fd, set_size, PIPE_BYTES)


def _send(fd: int, status: int, data: bytes) -> None:
    view = memoryview(_HEAD.pack(status, len(data)) + data) if len(data) < 65536 else None
    if view is None:
        _write_all(fd, memoryview(_HEAD.pack(status, len(data))))
        view = memoryview(data)
    _write_all(fd, view)


def _write_all(fd: int, view: memoryview) -> None:
    while view:
        view = view[os.write(fd, view) :]


def _receive(pipe: Any, size: int) -> bytearray | None:
    """Exactly ``size`` bytes from ``pipe``, or None at its end."""
    buffer = bytearray(size)
    view = memoryview(buffer)
    got = 0
    while got < size:
        n = pipe.readinto(view[got:])
        if not n:
            return None
        got += n
    return buffer


def _hold_interrupts() -> bool:
    """Hold SIGINT back (POSIX); True when it was not held already."""
    if not hasattr(signal, "pthread_sigmask"):
        return False
    return signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})


def _release_interrupts(held: bool) -> None:
    if held:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _serve(compiled: CompiledPack, orders: int, results: int, others: list[int]) -> None:
    """A worker: ranges to read, or a file's digest to make, until the parent closes its orders.
    It ends with ``os._exit``: nothing of the parent's (buffered output, exit handlers) runs twice."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle (it ends the workers)
    _release_interrupts(True)  # held back since the fork (_Team): one that came meanwhile is ignored
    for fd in others:
        with contextlib.suppress(OSError):
            os.close(fd)
    try:
        _start(compiled)
        pipe = open(orders, "rb", buffering=0)  # noqa: SIM115
        while (head := _receive(pipe, 9)) is not None and (body := _receive(pipe, _HEAD.unpack(head)[1])) is not None:
            _, path, ranges, digest = marshal.loads(body)
            for start, end, first in ranges:
                _send(results, 0, _check_range(path, start, end, first))
            if digest:
                _send(results, 0, _digest(path).encode())
    except OSError as exc:  # the file could not be read: the parent says so as for one process
        with contextlib.suppress(OSError):
            _send(results, 2, (exc.strerror or str(exc)).encode())
    except BaseException as exc:  # the parent reports it (a worker has no stderr of its own to speak on)
        import traceback

        what = "".join(traceback.format_exception_only(exc)).strip()  # its type and message
        with contextlib.suppress(OSError):
            _send(results, 1, marshal.dumps((what, traceback.format_exc(limit=-3))))
    finally:
        os._exit(0)


class ParallelFiles:
    """The ``read_file`` hook of :func:`_ingest.ingest`: one team of workers for the run, started
    at the first file large enough."""

    def __init__(self, compiled: CompiledPack, workers: int, min_bytes: int, chunk_bytes: int) -> None:
        self.compiled = compiled
        self.workers = workers
        self.min_bytes = min_bytes
        self.chunk_bytes = chunk_bytes
        self.team: _Team | None = None
        #: the system refused the workers (they are only a way to read faster): one process
        self.refused = False
        #: the verdicts workers hand back as tuples, as objects again
        self.verdicts: dict[Any, _Verdict] = {}

    def close(self) -> None:
        if self.team is not None:
            self.team.close()
            self.team = None

    def __call__(self, reader: _Reader, index: int, path: str) -> bool:
        if "finding" in reader.registry_check.watched_types() or not reader.reuse:
            return False  # strict registry, or the matcher asked per line: one process
        try:
            info = os.stat(path)
        except OSError:
            return False  # the serial reader says why
        if not stat.S_ISREG(info.st_mode) or info.st_size < max(self.min_bytes, 1):
            return False
        if self.team is None and (self.refused or not can_fork()):  # the workers inherit the compiled pack
            return False
        try:
            ranges = _ranges(path, info.st_size, self.chunk_bytes)
        except OSError as exc:
            raise InputFileError(f"cannot read {path}: {exc.strerror or exc}") from exc  # as _ingest._open says it
        if self.team is None:
            try:  # no more workers than the first file has ranges (``--workers 1000`` on a 5 MB file: 4)
                self.team = _Team(self.compiled, min(self.workers, len(ranges)))
            except OSError:  # no more processes or pipes to be had (a system limit): one process
                self.refused = True
                return False
        try:
            self._read(self.team, reader, index, path, ranges)
            after = os.stat(path)
        except OSError as exc:
            raise InputFileError(f"cannot read {path}: {exc.strerror or exc}") from exc  # as _ingest._open says it
        if _identity(after) != _identity(info):
            # the ranges were cut at the size it had: lines written since are not read, and the
            # digest would be of other bytes; no result that looks complete
            raise InputFileError(f"{path}: 文件在读取过程中被改动(大小或修改时间变了);请在文件写完后再评分")
        return True

    def _read(self, team: _Team, reader: _Reader, index: int, path: str, ranges: list[tuple[int, int]]) -> None:
        count = reader.inputs[index]
        workers = len(team.members)
        # Range i is worker i mod n's; the digest (the whole file's) the next one's, after its ranges.
        last = len(ranges) % workers
        for k in range(workers):
            mine = [(a, b, a == 0) for a, b in ranges[k::workers]]
            team.order(k, ("ranges", path, mine, k == last))
        base = 0
        progress = reader.progress
        for i in range(len(ranges)):
            lines, kept, entries = marshal.loads(team.result(i % workers))
            _replay(reader, index, base, kept, entries, self.verdicts)
            if progress is not None:
                for mark in range((base >> 16) + 1, ((base + lines) >> 16) + 1):
                    progress(reader.lines_before + (mark << 16))
            base += lines
        count.lines = base
        count.digest = bytes(team.result(last)).decode()
        reader.lines_before += base


def _replay(
    reader: _Reader,
    index: int,
    base: int,
    kept: list[tuple[Any, ...]],
    entries: list[Entry],
    verdicts: dict[Any, _Verdict],
) -> None:
    """A range's items in line order, into the run's reader: its other lines as
    :meth:`_ingest._Reader.read_line` reads them, its runs of common findings and complaints
    (their fields in ``kept``, in line order) as ``accept`` and ``_store_finding`` take them."""
    made = list(map(functools.partial(tuple.__new__, Observation), kept))
    read_line = reader.read_line
    for entry in entries:
        if len(entry) == 2:
            read_line(index, base + entry[0], entry[1])
        else:
            line, a, b, watched = entry
            _decide(reader, index, base + line, made[a:b], watched, verdicts)


def _decide(
    reader: _Reader,
    index: int,
    line: int,
    run: list[Observation],
    watched: dict[int, Any] | None,
    verdicts: dict[Any, _Verdict],
) -> None:
    """A run of common findings and complaints (``line`` is the first's), each decided in order
    as ``accept`` and ``_store_finding`` decide it: an id given before is a duplicate (first
    wins), an inspection not yet seen is waited for."""
    seen = reader.seen_ids
    add = seen.add
    first = reader.first
    inspection_of = reader.inspection_index.get
    pending = reader.pending.append
    new = tuple.__new__
    observations = reader.observations
    count = len(seen)
    # The card the finding before went to: most findings of a sorted file go to the card of the
    # one before (its outlet and period the same objects: interned), without a key to look up.
    outlet_before = period_before = card = None
    for at, obs in enumerate(run, line):
        add(obs[0])
        if len(seen) == count:  # the id was given before (one set lookup per finding, not two)
            reader.duplicate(index, at, obs[0], {"outlet": obs[1], "date": obs[3]})
            continue
        count += 1
        outlet = obs[1]
        if outlet is not outlet_before and outlet not in first:
            first[outlet] = (index, at)
        if watched is None or at - line not in watched:
            ref = obs[11]
            if ref is not None:
                target = inspection_of(ref)
                if target is None:
                    if ref not in seen:  # the inspection may come later: decided at the end
                        pending(new(_PendingReference, (obs, ref, index, at, None, None)))
                        continue
                    _store(reader, index, at, obs, None, None, verdicts)
                    continue
                if target[0] != outlet or target[1] != obs[3]:
                    _store(reader, index, at, obs, None, None, verdicts)
                    continue
            period = obs[2]
            if outlet is not outlet_before or period is not period_before:
                card = observations[(outlet, period)]
                outlet_before, period_before = outlet, period
            card.append(obs)  # type: ignore[union-attr]
        else:
            as_verdict, record = watched[at - line]
            _store(reader, index, at, obs, as_verdict, record, verdicts)


def _store(
    reader: _Reader,
    index: int,
    line: int,
    obs: Observation,
    as_verdict: tuple[Any, ...] | None,
    record: dict[str, Any] | None,
    verdicts: dict[Any, _Verdict],
) -> None:
    """One finding through ``_store_finding`` (it names an inspection not seen yet or not its
    own, or something watches it), rejected as ``accept`` would reject it."""
    verdict = None
    if as_verdict is not None:
        verdict = verdicts.get(as_verdict)
        if verdict is None:
            verdict = verdicts[as_verdict] = _Verdict(*as_verdict)
    try:
        reader._store_finding(index, line, obs, verdict, record)  # type: ignore[arg-type]
    except Reject as exc:  # as accept() rejects it: the record names its outlet and date
        reader.reject(index, line, obs.id, exc.code, exc.message, {"outlet": obs.outlet, "date": obs.date})


def can_fork() -> bool:
    """Whether this process may start workers: ``fork`` exists, and it is not itself a daemonic
    process (a multiprocessing pool's worker, which may not start processes)."""
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods() and not multiprocessing.current_process().daemon


def check_workers(workers: object) -> int:
    """A ``workers=`` argument: None (one process) or an int from 1."""
    if workers is None:
        return 1
    if type(workers) is not int or workers < 1:
        raise UsageError(f"workers={workers!r}: expected a whole number of processes, 1 or more", param="workers")
    return workers


def ingest_parallel(
    compiled: CompiledPack,
    inputs: Sequence[Source | Records],
    *,
    workers: int,
    reuse_matches: bool = True,
    progress: Callable[[int], None] | None = None,
    strict_registry: bool = False,
    min_bytes: int | None = None,
    chunk_bytes: int | None = None,
) -> Facts:
    """:func:`_ingest.ingest` with large JSON Lines files read by ``workers`` processes: the same
    facts, byte for byte in every result (one process when ``workers`` is 1 or fork is missing)."""
    if workers <= 1:
        return ingest(compiled, inputs, reuse_matches=reuse_matches, progress=progress, strict_registry=strict_registry)
    files = ParallelFiles(
        compiled,
        workers,
        MIN_BYTES if min_bytes is None else min_bytes,
        max(1, CHUNK_BYTES if chunk_bytes is None else chunk_bytes),
    )
    try:
        return ingest(
            compiled,
            inputs,
            reuse_matches=reuse_matches,
            progress=progress,
            strict_registry=strict_registry,
            read_file=files,
        )
    finally:
        files.close()
