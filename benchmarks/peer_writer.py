"""A peer: the loop a data engineer would write by hand for the Cangzhou deductions, each with its reason (orjson).

    python benchmarks/peer_writer.py FILE.jsonl > deductions.jsonl
    python benchmarks/peer_writer.py --bytes FILE.jsonl > deductions.jsonl   # the same bytes, tuned
    python benchmarks/peer_writer.py --bytes --workers 2 FILE.jsonl > deductions.jsonl   # on 2 cores
    python benchmarks/peer_writer.py --bytes --shards 2 FILE.jsonl > deductions.jsonl    # on 2 cores, by outlet

benchmarks/peer_loop.py computes the section totals and writes nothing else; the library writes
every deduction with its reason (341 MB at 1M findings). This peer writes that part too, the way
one would by hand: the same rule table as peer_loop.py with each rule's id and reason template
copied from the pack (policies/cangzhou/rules.toml), a dict per deduction, the deductions of each
outlet and quarter sorted as the library sorts them (section, then article with complaints last,
then observation id), and one ``orjson.dumps`` per outlet and quarter. It checks what peer_loop.py
checks and nothing more. So it measures what writing the document costs a plain loop, to set
beside what the library spends on checking every line, keeping its fact store and deciding.

``--bytes`` is the same loop tuned the way the library writes (no dict per deduction): the bytes
of each deduction from a template per (rule, article, points, persons, tag) with the id, the note
and the date filled in, joined per outlet and quarter. The output is the same, byte for byte.
``--workers N`` reads the file in 4N byte ranges (cut at line ends) on a ``multiprocessing`` pool
of N forked processes, each making its ranges' deductions; the parent joins each outlet's and
quarter's lists in range order (so in line order), sorts and writes them: again the same bytes.
``--shards N`` splits the work by outlet instead: each of N forked processes reads the whole file,
keeps the lines whose outlet (found in the raw bytes) hashes to it, and hands back its cards
finished (sorted and joined); the parent writes them in order. The same bytes again.

Output: JSON Lines, one line per (outlet, quarter) with a deduction, sorted by quarter then outlet:
``{"outlet", "period", "deductions": [{"rule", "article", "section", "points", "observations",
"reason", "note", "date"}, ...]}`` (the library's field names and values).
benchmarks/check_peers.py compares it with ``service-rules score``, deduction by deduction.
"""

from __future__ import annotations

import gc
import io
import itertools
import os
import sys
import zlib
from typing import Any

import orjson

from peer_loop import CHANNELS, FIXED, GRADED, PER_PERSON, quarter  # benchmarks/ is on the path (run as a script)

# The loop below is peer_loop.totals' loop written out again, not called: each peer is the code a
# data engineer would run, and a call per line would change what is measured.

#: The labels of the tags the reasons name (policies/cangzhou/articles.toml).
TAGS = {"harsh_tone": "语气生硬", "forbidden_phrase": "使用服务禁语", "drunk_on_duty": "酒后上岗"}
_R3 = "第{article}条所列内容缺损、未达标,按第三章“每项扣1-3分”评定扣{points}分。"
_R4 = "第{article}条服务设施未达标,依第十四条后“每项扣1-3分…(下同)”评定扣{points}分。"
_R5 = "第{article}条未达要求,按第五章“每项扣3分”扣{points}分。"
_R6 = "第{article}条服务质量未达标,依第十四条后“每项扣1-3分…(下同)”评定扣{points}分。"
_R8 = "违反第{article}条,{persons}人(次),每人(次)扣5分,共扣{points}分。"
#: (article, tag) -> (rule id, section, kind, points: the fixed amount, per person, or the graded maximum; reason template)
RULES: dict[tuple[int, str | None], tuple[str, int, int, int, str]] = {}
for _a in (11, 12, 13, 14):
    RULES[(_a, None)] = ("cz-3-item", 3, GRADED, 3, _R3)
for _a in (15, 16, 17, 18, 19):
    RULES[(_a, None)] = ("cz-4-item", 4, GRADED, 3, _R4)
for _a in (24, 25, 26):
    RULES[(_a, None)] = ("cz-5-item", 5, FIXED, 3, _R5)
RULES[(26, "harsh_tone")] = RULES[(26, "forbidden_phrase")] = (
    "cz-5-tone", 5, PER_PERSON, 5, "第{article}条:{tag},{persons}人(次),每人(次)扣5分,共扣{points}分。"
)
for _a in (27, 28, 29, 30):
    RULES[(_a, None)] = ("cz-6-item", 6, GRADED, 3, _R6)
for _a in (39, 40, 41, 42, 43):
    RULES[(_a, None)] = ("cz-8-person", 8, PER_PERSON, 5, _R8)
RULES[(41, "drunk_on_duty")] = (
    "cz-8-drunk", 8, PER_PERSON, 10, "违反第{article}条:{tag},{persons}人(次),每人(次)扣10分,共扣{points}分。"
)
COMPLAINT = ("cz-5-complaint", 10, "因服务态度差被客户投诉,经核实,按第五章章末条款扣{points}分。")
TRANSFERRED = ("cz-5-complaint-transfer", 20, "因服务态度差被客户投诉并造成客户转户,经核实,按第五章章末条款扣{points}分。")


def deductions(path: str, as_bytes: bool = False) -> dict[tuple[str, str], list[tuple[Any, ...]]]:
    """(outlet, quarter) -> its deductions as (sort key..., the deduction's dict or, ``as_bytes``,
    its JSON), in line order."""
    with open(path, "rb") as f:
        return _deductions(f, as_bytes)


def _range(job: tuple[str, int, int, bool]) -> dict[tuple[str, str], list[tuple[Any, ...]]]:
    """:func:`deductions` of the lines from byte ``start`` to ``end`` (a pool's task)."""
    path, start, end, as_bytes = job
    gc.disable()
    with open(path, "rb") as f:
        f.seek(start)
        return _deductions(io.BytesIO(f.read(end - start)), as_bytes)  # its lines, as a file gives them


def _ranges(path: str, n: int) -> list[tuple[int, int]]:
    """``n`` byte ranges of the file, cut after a line end."""
    size = os.path.getsize(path)
    cuts = [0]
    with open(path, "rb") as f:
        for i in range(1, n):
            f.seek(max(cuts[-1], size * i // n))
            f.readline()
            cuts.append(min(f.tell(), size))
    cuts.append(size)
    return list(itertools.pairwise(cuts))


def parallel_deductions(path: str, as_bytes: bool, workers: int) -> dict[tuple[str, str], list[tuple[Any, ...]]]:
    """:func:`deductions` on a pool of ``workers`` forked processes, over 4 ranges a process."""
    import multiprocessing

    jobs = [(path, a, b, as_bytes) for a, b in _ranges(path, 4 * workers) if a < b]
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        parts = pool.map(_range, jobs, chunksize=1)
    cards: dict[tuple[str, str], list[tuple[Any, ...]]] = {}
    for part in parts:  # in range order: each card's deductions stay in line order
        for key, rows in part.items():
            card = cards.get(key)
            if card is None:
                cards[key] = rows
            else:
                card.extend(rows)
    return cards


def _shard(job: tuple[str, int, int, bool]) -> dict[tuple[str, str], bytes]:
    """The finished lines of the cards whose outlet hashes to ``k`` of ``n`` (a pool's task)."""
    path, k, n, as_bytes = job
    gc.disable()

    def mine() -> Any:
        with open(path, "rb") as f:
            for raw in f:
                # the first "outlet" key's value, raw (a generated quarter repeats no key)
                i = raw.find(b'"outlet":"')
                j = raw.find(b'"', i + 10) if i >= 0 else -1
                if (zlib.crc32(raw[i + 10 : j]) % n if j >= 0 else 0) == k:  # no outlet: shard 0's
                    yield raw

    cards = _deductions(mine(), as_bytes)
    return {key: _card_line(key, rows, as_bytes) for key, rows in cards.items()}


def sharded_deductions(path: str, as_bytes: bool, shards: int) -> dict[tuple[str, str], bytes]:
    """Every card's finished line, made on a pool of ``shards`` forked processes by outlet."""
    import multiprocessing

    with multiprocessing.get_context("fork").Pool(shards) as pool:
        parts = pool.map(_shard, [(path, k, shards, as_bytes) for k in range(shards)], chunksize=1)
    lines: dict[tuple[str, str], bytes] = {}
    for part in parts:
        lines.update(part)
    return lines


def _card_line(key: tuple[str, str], rows: list[tuple[Any, ...]], as_bytes: bool) -> bytes:
    """A card's line of output: its deductions sorted (stable: line order among equals, as the library)."""
    outlet, period = key
    rows.sort(key=_order)
    if as_bytes:
        head = orjson.dumps({"outlet": outlet, "period": period})[:-1]
        return b"".join((head, b',"deductions":[', b",".join([d[4] for d in rows]), b"]}\n"))
    return orjson.dumps({"outlet": outlet, "period": period, "deductions": [d[4] for d in rows]}) + b"\n"


def _deductions(lines: Any, as_bytes: bool) -> dict[tuple[str, str], list[tuple[Any, ...]]]:
    loads = orjson.loads
    dumps = orjson.dumps
    templates: dict[tuple[Any, ...], tuple[bytes, bytes]] = {}
    rules_get = RULES.get
    periods: dict[object, str | None] = {}
    reasons: dict[tuple[Any, ...], str] = {}
    cards: dict[tuple[str, str], list[tuple[Any, ...]]] = {}
    for raw in lines:
        o = loads(raw)
        t = o.get("type")
        persons = None
        if t == "finding":
            article, tag = o.get("article"), o.get("tag")
            r = rules_get((article, tag))
            if r is None:
                continue
            rule, section, kind, points, template = r
            if kind == GRADED:
                points = o.get("points")
                if type(points) is not int or not 1 <= points <= r[3]:
                    continue
            elif kind == PER_PERSON:
                employees = o.get("employees")
                persons = len(employees) if employees is not None else o.get("persons") or 1
                points *= persons
        elif t == "complaint":
            if o.get("verified") is not True or o.get("channel") not in CHANNELS:
                continue
            rule, points, template = TRANSFERRED if o.get("account_transferred") is True else COMPLAINT
            article = tag = None
            section = 5
        else:
            continue
        date = o.get("date")
        period = periods[date] if date in periods else periods.setdefault(date, quarter(date))
        if period is None:
            continue
        key = (rule, article, points, persons, tag)
        reason = reasons.get(key)
        if reason is None:
            label = TAGS.get(tag, tag) if tag is not None else None
            reason = reasons[key] = template.format(article=article, points=points, persons=persons, tag=label)
        oid = o["id"]
        row: Any
        if as_bytes:
            pieces = templates.get(key)
            if pieces is None:
                head = dumps({"rule": rule, "article": article, "section": section, "points": points})[:-1]
                pieces = templates[key] = (head + b',"observations":[', b'],"reason":' + dumps(reason) + b',"note":')
            note = o.get("note")
            row = b"".join((pieces[0], dumps(oid), pieces[1], b"null" if note is None else dumps(note),
                            b',"date":', dumps(date), b"}"))
        else:
            row = {"rule": rule, "article": article, "section": section, "points": points, "observations": [oid],
                   "reason": reason, "note": o.get("note"), "date": date}
        card = cards.get((o["outlet"], period))
        if card is None:
            card = cards[(o["outlet"], period)] = []
        card.append((section, article is None, article or 0, oid, row))
    return cards


def _order(d: tuple[Any, ...]) -> tuple[Any, ...]:
    return d[:4]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    as_bytes = args[:1] == ["--bytes"]
    if as_bytes:
        args = args[1:]
    workers = shards = 1
    if args[:1] in (["--workers"], ["--shards"]) and len(args) > 1 and args[1].isdigit() and int(args[1]) >= 1:
        if args[0] == "--workers":
            workers = int(args[1])
        else:
            shards = int(args[1])
        args = args[2:]
    if len(args) != 1:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    gc.disable()  # acyclic objects only
    write = sys.stdout.buffer.write
    if shards > 1:
        lines = sharded_deductions(args[0], as_bytes, shards)
        for key in sorted(lines, key=lambda k: (k[1], k[0])):
            write(lines[key])
    else:
        cards = deductions(args[0], as_bytes) if workers == 1 else parallel_deductions(args[0], as_bytes, workers)
        for key in sorted(cards, key=lambda k: (k[1], k[0])):
            write(_card_line(key, cards[key], as_bytes))
    sys.stdout.flush()
    if argv is None:
        os._exit(0)  # no teardown of the dicts
    gc.enable()  # called in-process (the tests): the collector back on
    return 0


if __name__ == "__main__":
    sys.exit(main())
