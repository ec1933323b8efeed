"""Generate a realistic quarter of Cangzhou observations as JSON Lines (deterministic, streamed).

    python benchmarks/generate.py --findings 100000 --outlets 2000 --seed 20260927 OUT.jsonl
    python benchmarks/generate.py --findings 1000000 --outlets 5000 --shuffle OUT.jsonl
    python benchmarks/generate.py --findings 1000000 --outlets 5000 --skew 0.8 OUT.jsonl

Everything comes from one ``random.Random(seed)``: the same arguments write the same bytes.
Lines are written as they are made; what is held in memory is a few numbers per outlet, the
positions of the bad lines and the (date, outlet) of each complaint, never a finding.
Next to ``OUT.jsonl`` goes ``OUT.jsonl.manifest.json``: the arguments, the count of every
kind of line, and the rejection codes the bad lines must produce.

The mix (defaults; 2026Q3, 1 July to 30 September 2026):

* **outlets**: ``--outlets`` registry records spread over the 16 counties and districts of
  Cangzhou (河间, 任丘, 泊头, 黄骅, 沧县, 青县, 东光, 海兴, 盐山, 肃宁, 南皮, 吴桥, 献县, 孟村,
  运河, 新华), weighted by size (任丘 and 河间 have about 3× the outlets of 海兴 or 新华).
  Every outlet has a name.
* **county reports**: one ``report`` per county for the quarter, submitted 1-10 October
  (each county has a 1-in-8 chance of reporting late, 11-16 October).
* **inspections**: every outlet gets county inspections on working days of the quarter
  (1 for 50% of outlets, 2 for 35%, 3 for 15%); 12% of outlets also get one city inspection.
* **findings**: exactly ``--findings`` finding lines (bad lines included). Outlets get very
  different numbers of findings (weights drawn from a gamma(2, 1) distribution). 50% of
  findings reference one of their outlet's inspections (and share its date); the others
  carry no ``inspection`` and a working day of the quarter. Articles (share of findings):

  ======================  =========  ====================================================
  articles                share      fields
  ======================  =========  ====================================================
  11-14 (section 3)       18%        ``points`` 1-3 (50/35/15%)
  15-19 (section 4)       30%        ``points`` 1-3
  24, 25 (section 5)      10%        fixed 3 points; 30% name one employee
  26 (section 5)          8%         40% tagged (``harsh_tone`` 70% / ``forbidden_phrase``
                                     30%, per person); the rest fixed 3 points
  27-30 (section 6)       20%        ``points`` 1-3; 10% name one employee
  39-43 (section 8)       14%        per person; 10% of article 41 tagged
                                     ``drunk_on_duty``
  ======================  =========  ====================================================

  Per-person findings (26 tagged, 39-43): 50% name 1-3 ``employees`` (1: 75%, 2: 20%, 3: 5%),
  25% give ``persons`` 1-3, 5% give both (consistent), 20% give neither (one person).
  30% of findings carry a Chinese ``note``; notes on article 40 (lateness) contain a clock
  time such as ``8:40`` (an ASCII colon, as inspectors write it).
* **complaints**: ``round(findings × 2%)`` complaints at random outlets, phone 70% / written
  30%: 25% pending (no ``verified``), 45% verified, 20% dismissed (``verified: false``), 10%
  verified with ``account_transferred``; 40% name an employee, 60% carry a note.
* **bad lines**: ``round(0.5% of all lines)`` finding or complaint lines, chosen at random,
  are replaced by a deliberately bad line of the same kind (same id), one of:
  unknown article 99 (``unknown_article``), article 7 whose text is missing
  (``article_missing_text``), article 2 of an unscored section (``article_not_scored``),
  points 0 or 4 on a graded article (``out_of_range``), a typo field ``pionts`` or
  ``artcle`` (``unknown_field``), an impossible date 2026-09-31 (``invalid_date``), and for
  complaints, channel ``email`` (``invalid_value``) or a typo field ``verifed``
  (``unknown_field``).

Two options change the shape, not the mix:

* ``--shuffle``: the same lines, in a random order (``random.Random("shuffle:<seed>")``), as a
  merged export is: findings before their outlet's registration and before the inspection they
  name. The whole file is then held in memory once, to shuffle it.
* ``--skew SHARE``: 1% of the outlets (at least one, chosen at random) hold ``SHARE`` of the
  findings (e.g. 0.8), the rest spread over the others by the same gamma weights. Without it
  the bytes are those of earlier versions of this script.

The manifest records both (``order``, ``skew``) and how many findings the busiest 1% of the
outlets hold (``top_1pct_outlets_findings``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
from collections import Counter
from pathlib import Path
from typing import Any, TextIO

DEFAULT_SEED = 20260927
QUARTER = "2026Q3"
Q_START = dt.date(2026, 7, 1)
Q_END = dt.date(2026, 9, 30)

# (county, code, full name of its union, relative size)
COUNTIES: tuple[tuple[str, str, str, float], ...] = (
    ("河间", "HJ", "河间市联社", 3.0),
    ("任丘", "RQ", "任丘市联社", 3.2),
    ("泊头", "BT", "泊头市联社", 2.2),
    ("黄骅", "HH", "黄骅市联社", 2.4),
    ("沧县", "CX", "沧县联社", 2.6),
    ("青县", "QX", "青县联社", 1.8),
    ("东光", "DG", "东光县联社", 1.6),
    ("海兴", "HX", "海兴县联社", 1.0),
    ("盐山", "YS", "盐山县联社", 1.6),
    ("肃宁", "SN", "肃宁县联社", 1.5),
    ("南皮", "NP", "南皮县联社", 1.5),
    ("吴桥", "WQ", "吴桥县联社", 1.3),
    ("献县", "XX", "献县联社", 2.3),
    ("孟村", "MC", "孟村回族自治县联社", 1.1),
    ("运河", "YH", "运河区联社", 1.2),
    ("新华", "XH", "新华区联社", 1.0),
)
TOWN_PARTS_1 = "东西南北中大小高王李张刘杨赵陈孙马朱胡郭何"
TOWN_PARTS_2 = ("庄", "村", "屯", "集", "口", "桥", "店", "营", "堡", "寨", "镇", "河", "楼", "洼")

# Article groups: (weight, articles, kind). kind: graded / fixed / tone (26) / person.
ARTICLE_GROUPS: tuple[tuple[float, tuple[int, ...], str], ...] = (
    (0.18, (11, 12, 13, 14), "graded"),
    (0.30, (15, 16, 17, 18, 19), "graded"),
    (0.10, (24, 25), "fixed"),
    (0.08, (26,), "tone"),
    (0.20, (27, 28, 29, 30), "graded"),
    (0.14, (39, 40, 41, 42, 43), "person"),
)
NOTES: dict[int, tuple[str, ...]] = {
    11: ("荣誉奖牌未按规定悬挂", "最高荣誉奖牌摆放位置不醒目"),
    12: ("监督台照片未及时更新", "顾客意见簿内容未及时更新", "未公布本县监督电话", "服务监督岗标识缺失"),
    13: ("凭条种类不全,缺少挂失申请书", "凭条摆放混乱,未分类排列"),
    14: ("营业厅两处照明灯损坏未修", "电子监控有一路画面中断", "叫号机故障"),
    15: ("地面有纸屑", "信贷室桌面堆放杂物", "窗台积灰", "主任室墙角有蛛丝"),
    16: ("门前有杂草", "营业厅内堆放与办公无关的物品", "院落内垃圾未清理"),
    17: ("未配备老花镜", "书写台笔墨缺失", "饮水机无水", "客户座椅损坏"),
    18: ("ATM机屏幕积灰", "自助设备加钞不及时", "ATM机故障未及时报修", "自助银行内有杂物"),
    19: ("利率牌未按最新利率更新", "未明示主要业务收费标准", "无安全提示"),
    24: ("客户咨询时未主动介绍办理程序", "手势不规范", "未向客户说明本社未开办该业务"),
    25: ("未提示取款客户当面清点", "递交存折动作过重", "临下班前对客户不耐烦"),
    26: ("对客户用语不规范", "与同事大声争执", "柜员对老年客户语气生硬", "使用服务禁语“不知道”"),
    27: ("业务办理超时", "未按章操作,出现差错", "一笔汇款录入错误后更正"),
    28: ("一名临柜人员未取得反假币上岗资格证书", "对新开办业务程序不熟悉"),
    29: ("柜员不熟悉新版业务系统操作", "对出纳制度掌握不全面"),
    30: ("未主动使用文明用语请客户更改凭证", "客户凭证要素有误时态度冷淡"),
    39: ("柜面可见客户账户信息未遮挡", "向无关人员透露客户存款数额"),
    41: ("营业期间串岗聊天", "柜台内吃零食", "营业厅内吸烟", "占用电话聊天", "午间饮酒后上岗"),
    42: ("乱收手续费", "违规为亲友办理业务"),
    43: ("隐瞒一笔短款差错未报告", "发现违规行为未及时报告"),
}
COMPLAINT_NOTES: dict[str, tuple[str, ...]] = {
    "pending": ("核实中", "已转县联社核查", "客户投诉柜员讲话生硬,待核实"),
    "verified": ("客户电话投诉柜员态度冷淡", "客户书面投诉排队时间过长且柜员不耐烦", "经核实柜员与客户争吵"),
    "dismissed": ("经调阅监控,投诉不属实", "经核实系客户误解"),
    "transferred": ("客户书面投诉后将存款转至他行", "客户因服务态度问题销户转行"),
}
BAD_SHARE = 0.005
COMPLAINT_SHARE = 0.02
REFERENCED_SHARE = 0.5
NOTE_SHARE = 0.3
CITY_SHARE = 0.12
LATE_REPORT_SHARE = 0.125
HOT_SHARE = 0.01  # --skew: the share of the outlets that hold the given share of the findings


def _pick(rng: random.Random, weighted: tuple[tuple[float, Any], ...]) -> Any:
    x = rng.random() * sum(w for w, _ in weighted)
    for w, value in weighted:
        x -= w
        if x < 0:
            return value
    return weighted[-1][1]


def _allocate(total: int, weights: list[float]) -> list[int]:
    """Split ``total`` into integers proportional to ``weights`` (largest remainder)."""
    s = sum(weights)
    exact = [total * w / s for w in weights]
    counts = [int(x) for x in exact]
    short = total - sum(counts)
    order = sorted(range(len(weights)), key=lambda i: (counts[i] - exact[i], i))
    for i in order[:short]:
        counts[i] += 1
    return counts


class _Writer:
    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.kinds: Counter[str] = Counter()

    def write(self, kind: str, record: dict[str, Any]) -> None:
        self.out.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
        self.out.write("\n")
        self.kinds[kind] += 1


def generate(
    path: str | Path,
    findings: int = 100_000,
    outlets: int = 2000,
    seed: int = DEFAULT_SEED,
    *,
    shuffle: bool = False,
    skew: float | None = None,
) -> dict[str, Any]:
    """Write the quarter to ``path`` and its manifest next to it; return the manifest.

    ``shuffle``: the same lines in a random order (seeded; see :func:`shuffle_lines`).
    ``skew``: the share of the findings held by 1% of the outlets (see the module docstring);
    ``None`` keeps the gamma(2, 1) spread, and the bytes of an unskewed quarter do not change.
    """
    if findings < 0 or outlets < 1:
        raise ValueError("need findings >= 0 and outlets >= 1")
    if skew is not None and not 0 < skew < 1:
        raise ValueError("skew is a share of the findings, between 0 and 1 (exclusive)")
    rng = random.Random(seed)
    days = [Q_START + dt.timedelta(d) for d in range((Q_END - Q_START).days + 1)]
    workdays = [d.isoformat() for d in days if d.weekday() < 5]
    all_days = [d.isoformat() for d in days]

    # ---- plan: a few numbers per outlet --------------------------------------------------
    county_of = _allocate(outlets, [c[3] for c in COUNTIES])
    plan: list[tuple[int, int]] = []  # (county index, number within county)
    for ci, n in enumerate(county_of):
        plan.extend((ci, k + 1) for k in range(n))
    n_county = [_pick(rng, ((0.50, 1), (0.35, 2), (0.15, 3))) for _ in plan]
    has_city = [rng.random() < CITY_SHARE for _ in plan]
    weights = [rng.gammavariate(2.0, 1.0) + 1e-9 for _ in plan]
    if skew is not None:
        weights = _skewed(rng, weights, skew)
    per_outlet = _allocate(findings, weights)
    complaints = round(findings * COMPLAINT_SHARE)
    total_lines = outlets + len(COUNTIES) + sum(n_county) + sum(has_city) + findings + complaints
    n_bad = min(round(total_lines * BAD_SHARE), findings + complaints)
    bad_at = set(rng.sample(range(findings + complaints), n_bad))  # ordinals among findings+complaints
    codes: Counter[str] = Counter()
    outlet_ids = [f"{COUNTIES[ci][1]}-{k:03d}" for ci, k in plan]

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="\n") as out:
        w = _Writer(out)
        # ---- registry and county reports ----
        for (ci, k), oid in zip(plan, outlet_ids, strict=True):
            county, _, union, _ = COUNTIES[ci]
            town = "营业部" if k == 1 else rng.choice(TOWN_PARTS_1) + rng.choice(TOWN_PARTS_2) + "信用社"
            w.write("outlet", {"type": "outlet", "outlet": oid, "county": county, "name": union + town})
        for county, code, _, _ in COUNTIES:
            w.write(
                "report",
                {
                    "type": "report",
                    "id": f"RPT-{code}-{QUARTER}",
                    "county": county,
                    "quarter": QUARTER,
                    "submitted": f"2026-10-{rng.randint(11, 16) if rng.random() < LATE_REPORT_SHARE else rng.randint(1, 10):02d}",
                    "note": f"{county}{QUARTER}优质文明服务检查通报",
                },
            )
        # ---- inspections and findings, outlet by outlet ----
        ordinal = 0  # of finding and complaint lines, for the bad-line choice
        city_no = 0
        for i, oid in enumerate(outlet_ids):
            emp_prefix = oid.replace("-", "")
            dates = sorted(rng.sample(workdays, n_county[i]))
            inspections = [(f"{oid}-{QUARTER}-I{j + 1}", d, "county") for j, d in enumerate(dates)]
            if has_city[i]:
                city_no += 1
                inspections.append((f"CITY-{QUARTER}-{city_no:04d}", rng.choice(workdays), "city"))
            attached = [0] * len(inspections)
            loose = 0
            for _ in range(per_outlet[i]):
                if rng.random() < REFERENCED_SHARE:
                    attached[rng.randrange(len(inspections))] += 1
                else:
                    loose += 1
            seq = 0
            groups = [*zip(inspections, attached, strict=True), (None, loose)]
            for ins, count in groups:
                if ins is not None:
                    iid, day, by = ins
                    w.write("inspection", {"type": "inspection", "id": iid, "outlet": oid, "date": day, "by": by})
                for _ in range(count):
                    seq += 1
                    fid = f"{oid}-{QUARTER}-F{seq:04d}"
                    if ins is not None:
                        record = _finding(rng, fid, oid, ins[1], ins[0], emp_prefix)
                    else:
                        record = _finding(rng, fid, oid, rng.choice(workdays), None, emp_prefix)
                    if ordinal in bad_at:
                        record, code = _spoil_finding(rng, record)
                        codes[code] += 1
                        w.write("bad_finding", record)
                    else:
                        w.write(_finding_kind(record), record)
                    ordinal += 1
        # ---- complaints, from the customer-service desk, by date ----
        picks = sorted((rng.choice(all_days), rng.randrange(outlets)) for _ in range(complaints))
        for n, (day, oi) in enumerate(picks, start=1):
            record, kind = _complaint(rng, f"C-{QUARTER}-{n:06d}", outlet_ids[oi], day, workdays)
            if ordinal in bad_at:
                record, code = _spoil_complaint(rng, record)
                codes[code] += 1
                kind = "bad_complaint"
            w.write(kind, record)
            ordinal += 1

    if shuffle:
        shuffle_lines(path, seed)
    kinds = dict(sorted(w.kinds.items()))
    hot = max(1, round(outlets * HOT_SHARE))
    manifest = {
        "file": str(path),
        "seed": seed,
        "findings": findings,
        "outlets": outlets,
        "order": "shuffled" if shuffle else "by outlet",
        "skew": skew,
        "top_1pct_outlets_findings": sum(sorted(per_outlet, reverse=True)[:hot]),
        "quarter": QUARTER,
        "lines": sum(kinds.values()),
        "bad_lines": n_bad,
        "expected_rejections": dict(sorted(codes.items())),
        "kinds": kinds,
    }
    Path(str(path) + ".manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return manifest


def _skewed(rng: random.Random, weights: list[float], skew: float) -> list[float]:
    """Rescale ``weights`` so that 1% of the outlets (at least one, chosen at random) hold ``skew`` of the total."""
    hot = set(rng.sample(range(len(weights)), max(1, round(len(weights) * HOT_SHARE))))
    if len(hot) == len(weights):
        return weights
    hot_sum = sum(weights[i] for i in hot)
    cold_sum = sum(weights) - hot_sum
    return [w * skew / hot_sum if i in hot else w * (1 - skew) / cold_sum for i, w in enumerate(weights)]


def shuffle_lines(path: str | Path, seed: int = DEFAULT_SEED) -> None:
    """Put the lines of ``path`` in a random order, in place (seeded: the same file and seed, the same order).

    A merged export is not sorted by outlet: findings come before their outlet's registration
    and before the inspection they name. Holds the whole file in memory (about 150 MB at 1M findings).
    """
    path = Path(path)
    with path.open("rb") as f:
        lines = f.readlines()
    random.Random(f"shuffle:{seed}").shuffle(lines)
    with path.open("wb") as f:
        f.writelines(lines)


def _employees(rng: random.Random, prefix: str, n: int) -> list[str]:
    return [f"{prefix}-E{e:02d}" for e in sorted(rng.sample(range(1, 31), n))]


def _note(rng: random.Random, article: int) -> str:
    if article == 40:
        h, m = rng.choice((8, 9)), rng.randrange(0, 60, 5)
        return rng.choice((f"员工{h}:{m:02d}到岗,迟到", f"营业时间内{h}:{m:02d}才开门", "一名员工早退"))
    return rng.choice(NOTES[article])


def _finding(rng: random.Random, fid: str, oid: str, day: str, inspection: str | None, emp: str) -> dict[str, Any]:
    _, articles, kind = _pick(rng, tuple((g[0], g) for g in ARTICLE_GROUPS))
    article = rng.choice(articles)
    r: dict[str, Any] = {"type": "finding", "id": fid, "outlet": oid, "date": day, "article": article}
    per_person = kind == "person"
    if kind == "tone" and rng.random() < 0.4:
        r["tag"] = "harsh_tone" if rng.random() < 0.7 else "forbidden_phrase"
        per_person = True
    if article == 41 and rng.random() < 0.1:
        r["tag"] = "drunk_on_duty"
    if kind == "graded":
        r["points"] = _pick(rng, ((0.50, 1), (0.35, 2), (0.15, 3)))
        if article >= 27 and rng.random() < 0.1:
            r["employees"] = _employees(rng, emp, 1)
    elif per_person:
        x = rng.random()
        n = _pick(rng, ((0.75, 1), (0.20, 2), (0.05, 3)))
        if x < 0.50:
            r["employees"] = _employees(rng, emp, n)
        elif x < 0.75:
            r["persons"] = n
        elif x < 0.80:
            r["employees"] = _employees(rng, emp, n)
            r["persons"] = n
    elif rng.random() < 0.3:  # fixed: 24, 25, untagged 26
        r["employees"] = _employees(rng, emp, 1)
    if inspection is not None:
        r["inspection"] = inspection
    if rng.random() < NOTE_SHARE:
        r["note"] = _note(rng, article)
    return r


def _finding_kind(r: dict[str, Any]) -> str:
    if "tag" in r:
        return f"finding_{r['article']}_{r['tag']}"
    return (
        "finding_graded" if "points" in r else "finding_fixed" if r["article"] in (24, 25, 26) else "finding_per_person"
    )


def _spoil_finding(rng: random.Random, r: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """A bad line in place of ``r``: the same id and outlet, one deliberate mistake."""
    base = {"type": "finding", "id": r["id"], "outlet": r["outlet"], "date": r["date"]}
    how = rng.choice(
        ("unknown_article", "missing_text", "not_scored", "out_of_range", "typo_points", "typo_article", "bad_date")
    )
    if how == "unknown_article":
        return {**base, "article": 99, "points": 1}, "unknown_article"
    if how == "missing_text":
        return {**base, "article": 7, "points": 2}, "article_missing_text"
    if how == "not_scored":
        return {**base, "article": 2}, "article_not_scored"
    if how == "out_of_range":
        return {**base, "article": rng.choice((12, 15, 18, 28)), "points": rng.choice((0, 4))}, "out_of_range"
    if how == "typo_points":
        return {**base, "article": rng.choice((13, 17, 29)), "pionts": 2}, "unknown_field"
    if how == "typo_article":
        return {**base, "artcle": 40, "persons": 1}, "unknown_field"
    return {**base, "date": "2026-09-31", "article": 25}, "invalid_date"


def _complaint(rng: random.Random, cid: str, oid: str, day: str, workdays: list[str]) -> tuple[dict[str, Any], str]:
    r: dict[str, Any] = {
        "type": "complaint",
        "id": cid,
        "outlet": oid,
        "date": day,
        "channel": "phone" if rng.random() < 0.7 else "written",
    }
    status = _pick(rng, ((0.25, "pending"), (0.45, "verified"), (0.20, "dismissed"), (0.10, "transferred")))
    later = [d for d in workdays if d > day][:10]
    verified_on = rng.choice(later) if later else day
    if status == "verified":
        r.update(verified=True, verified_on=verified_on)
    elif status == "dismissed":
        r.update(verified=False, verified_on=verified_on)
    elif status == "transferred":
        r.update(verified=True, verified_on=verified_on, account_transferred=True)
    if rng.random() < 0.4:
        r["employee"] = f"{oid.replace('-', '')}-E{rng.randint(1, 30):02d}"
    if rng.random() < 0.6:
        r["note"] = rng.choice(COMPLAINT_NOTES[status])
    return r, f"complaint_{status}"


def _spoil_complaint(rng: random.Random, r: dict[str, Any]) -> tuple[dict[str, Any], str]:
    if rng.random() < 0.5:
        return {**r, "channel": "email"}, "invalid_value"
    bad = {k: v for k, v in r.items() if k not in ("verified", "verified_on", "account_transferred")}
    return {**bad, "verifed": True}, "unknown_field"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("out", help="the JSON Lines file to write")
    p.add_argument("--findings", type=int, default=100_000)
    p.add_argument("--outlets", type=int, default=2000)
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    p.add_argument("--shuffle", action="store_true", help="write the same lines in a random order (seeded)")
    p.add_argument("--skew", type=float, default=None, metavar="SHARE",
                   help="1%% of the outlets hold this share of the findings (e.g. 0.8)")
    args = p.parse_args(argv)
    if args.skew is not None and not 0 < args.skew < 1:
        p.error("--skew is a share between 0 and 1, e.g. 0.8")
    manifest = generate(args.out, args.findings, args.outlets, args.seed, shuffle=args.shuffle, skew=args.skew)
    json.dump(manifest, sys.stdout, ensure_ascii=False, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
