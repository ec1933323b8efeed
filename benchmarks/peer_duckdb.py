"""A peer: the Cangzhou section totals as one DuckDB query over the JSON Lines (``read_json``, explicit columns).

    pip install 'service-rules[bench]'      # duckdb, polars
    python benchmarks/peer_duckdb.py FILE.jsonl > totals.csv
    python benchmarks/peer_duckdb.py --sql          # print the query

What an analyst would write instead of the library: the rules as a VALUES table joined on
(article, tag), the checks that change a total on benchmarks/generate.py's quarters (a rule
exists, graded points in range, the date exists, the complaint channel is known: the same as
benchmarks/peer_loop.py), a GROUP BY, and every registered outlet in every quarter that has a
deduction. Columns not listed are ignored by ``read_json``, so a typo field reads as the field
missing. DuckDB uses every core (``threads`` is its default, the number of CPUs).

Output: the CSV of benchmarks/peer_loop.py (``outlet,period,total,s3,s4,s5,s6,s7,s8``, sorted by
quarter then outlet), checked by benchmarks/check_peers.py.
"""

from __future__ import annotations

import sys

QUERY = """
WITH
rules(article, tag, section, kind, points) AS (VALUES
    (11, NULL, 3, 'graded', 3), (12, NULL, 3, 'graded', 3), (13, NULL, 3, 'graded', 3), (14, NULL, 3, 'graded', 3),
    (15, NULL, 4, 'graded', 3), (16, NULL, 4, 'graded', 3), (17, NULL, 4, 'graded', 3), (18, NULL, 4, 'graded', 3),
    (19, NULL, 4, 'graded', 3),
    (24, NULL, 5, 'fixed', 3), (25, NULL, 5, 'fixed', 3), (26, NULL, 5, 'fixed', 3),
    (26, 'harsh_tone', 5, 'person', 5), (26, 'forbidden_phrase', 5, 'person', 5),
    (27, NULL, 6, 'graded', 3), (28, NULL, 6, 'graded', 3), (29, NULL, 6, 'graded', 3), (30, NULL, 6, 'graded', 3),
    (39, NULL, 8, 'person', 5), (40, NULL, 8, 'person', 5), (41, NULL, 8, 'person', 5), (42, NULL, 8, 'person', 5),
    (43, NULL, 8, 'person', 5), (41, 'drunk_on_duty', 8, 'person', 10)
),
lines AS (
    SELECT *, try_cast("date" AS DATE) AS day
    FROM read_json(?, format = 'newline_delimited', columns = {
        type: 'VARCHAR', outlet: 'VARCHAR', "date": 'VARCHAR', article: 'BIGINT', tag: 'VARCHAR',
        points: 'BIGINT', persons: 'BIGINT', employees: 'VARCHAR[]',
        channel: 'VARCHAR', verified: 'BOOLEAN', account_transferred: 'BOOLEAN'
    })
),
deductions AS (
    SELECT l.outlet, l.day, r.section,
           CASE r.kind WHEN 'graded' THEN l.points
                       WHEN 'fixed' THEN r.points
                       ELSE r.points * coalesce(len(l.employees), l.persons, 1) END AS points
    FROM lines l JOIN rules r ON l.article = r.article AND l.tag IS NOT DISTINCT FROM r.tag
    WHERE l.type = 'finding' AND l.day IS NOT NULL
      AND (r.kind <> 'graded' OR l.points BETWEEN 1 AND r.points)
    UNION ALL
    SELECT outlet, day, 5, CASE WHEN account_transferred THEN 20 ELSE 10 END
    FROM lines
    WHERE type = 'complaint' AND verified AND channel IN ('phone', 'written') AND day IS NOT NULL
),
by_outlet AS (
    SELECT outlet, year(day) || 'Q' || quarter(day) AS period,
           sum(points) FILTER (section = 3) AS d3, sum(points) FILTER (section = 4) AS d4,
           sum(points) FILTER (section = 5) AS d5, sum(points) FILTER (section = 6) AS d6,
           sum(points) FILTER (section = 7) AS d7, sum(points) FILTER (section = 8) AS d8
    FROM deductions GROUP BY ALL
),
cards AS (
    SELECT DISTINCT outlet, period FROM by_outlet
    UNION
    SELECT o.outlet, p.period
    FROM (SELECT DISTINCT outlet FROM lines WHERE type = 'outlet') o, (SELECT DISTINCT period FROM by_outlet) p
),
scores AS (
    SELECT c.outlet, c.period,
           15 - coalesce(d3, 0) AS s3, 15 - coalesce(d4, 0) AS s4, 20 - coalesce(d5, 0) AS s5,
           20 - coalesce(d6, 0) AS s6, 15 - coalesce(d7, 0) AS s7, 15 - coalesce(d8, 0) AS s8
    FROM cards c LEFT JOIN by_outlet b USING (outlet, period)
)
SELECT outlet, period, s3 + s4 + s5 + s6 + s7 + s8 AS total, s3, s4, s5, s6, s7, s8
FROM scores ORDER BY period, outlet
"""


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args == ["--sql"]:
        print(QUERY.strip())
        return 0
    if len(args) != 1:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    import duckdb  # the bench extra

    rows = duckdb.connect().execute(QUERY, [args[0]]).fetchall()
    out = ["outlet,period,total,s3,s4,s5,s6,s7,s8"]
    out += [",".join(map(str, row)) for row in rows]
    sys.stdout.write("\n".join(out) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
