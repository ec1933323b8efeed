"""A peer: the Cangzhou section totals with Polars (``read_ndjson`` with a schema, then expressions).

    pip install 'service-rules[bench]'      # duckdb, polars
    python benchmarks/peer_polars.py FILE.jsonl > totals.csv

The same computation as benchmarks/peer_duckdb.py (the rules as a small frame joined on
(article, tag), the same checks, a group-by, every registered outlet in every quarter that has a
deduction), written as a Polars user would. Fields outside the schema are ignored, so a typo field
reads as the field missing. Polars uses every core.

Output: the CSV of benchmarks/peer_loop.py, checked by benchmarks/check_peers.py.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    import polars as pl  # the bench extra

    rules = pl.DataFrame(
        [
            *((a, None, 3, "graded", 3) for a in (11, 12, 13, 14)),
            *((a, None, 4, "graded", 3) for a in (15, 16, 17, 18, 19)),
            *((a, None, 5, "fixed", 3) for a in (24, 25, 26)),
            (26, "harsh_tone", 5, "person", 5),
            (26, "forbidden_phrase", 5, "person", 5),
            *((a, None, 6, "graded", 3) for a in (27, 28, 29, 30)),
            *((a, None, 8, "person", 5) for a in (39, 40, 41, 42, 43)),
            (41, "drunk_on_duty", 8, "person", 10),
        ],
        schema={"article": pl.Int64, "tag": pl.String, "section": pl.Int64, "kind": pl.String, "rule_points": pl.Int64},
        orient="row",
    )
    lines = pl.read_ndjson(
        args[0],
        schema={
            "type": pl.String, "outlet": pl.String, "date": pl.String, "article": pl.Int64, "tag": pl.String,
            "points": pl.Int64, "persons": pl.Int64, "employees": pl.List(pl.String),
            "channel": pl.String, "verified": pl.Boolean, "account_transferred": pl.Boolean,
        },
    ).with_columns(day=pl.col("date").str.to_date("%Y-%m-%d", strict=False))

    findings = (
        lines.filter((pl.col("type") == "finding") & pl.col("day").is_not_null())
        .join(rules, on=["article", "tag"], nulls_equal=True)
        .filter((pl.col("kind") != "graded") | pl.col("points").is_between(1, pl.col("rule_points")))
        .select(
            "outlet", "day", "section",
            points=pl.when(pl.col("kind") == "graded").then(pl.col("points"))
            .when(pl.col("kind") == "fixed").then(pl.col("rule_points"))
            .otherwise(pl.col("rule_points") * pl.coalesce(pl.col("employees").list.len(), pl.col("persons"), pl.lit(1))),
        )
    )
    complaints = lines.filter(
        (pl.col("type") == "complaint") & (pl.col("verified") == True)  # noqa: E712 (a column, not a bool)
        & pl.col("channel").is_in(["phone", "written"]) & pl.col("day").is_not_null()
    ).select(
        "outlet", "day", section=pl.lit(5, pl.Int64),
        points=pl.when(pl.col("account_transferred") == True).then(20).otherwise(10).cast(pl.Int64),  # noqa: E712
    )
    deductions = pl.concat([findings, complaints]).with_columns(
        period=pl.col("day").dt.year().cast(pl.String) + "Q" + pl.col("day").dt.quarter().cast(pl.String)
    )
    by_outlet = deductions.group_by("outlet", "period").agg(
        pl.col("points").filter(pl.col("section") == s).sum().alias(f"d{s}") for s in (3, 4, 5, 6, 7, 8)
    )
    registered = lines.filter(pl.col("type") == "outlet").select("outlet").unique()
    cards = pl.concat([
        by_outlet.select("outlet", "period"),
        registered.join(by_outlet.select("period").unique(), how="cross"),
    ]).unique()
    allotment = {3: 15, 4: 15, 5: 20, 6: 20, 7: 15, 8: 15}
    scores = (
        cards.join(by_outlet, on=["outlet", "period"], how="left")
        .select("outlet", "period", *(
            (pl.lit(a) - pl.col(f"d{s}").fill_null(0)).alias(f"s{s}") for s, a in allotment.items()
        ))
        .with_columns(total=pl.sum_horizontal(*(f"s{s}" for s in allotment)))
        .select("outlet", "period", "total", *(f"s{s}" for s in allotment))
        .sort("period", "outlet")
    )
    sys.stdout.write(scores.write_csv())
    return 0


if __name__ == "__main__":
    sys.exit(main())
