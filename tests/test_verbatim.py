"""Texts true to the source: every verbatim article text and every quotation of the shipped packs is
in their source file, and `check` refuses a doctored one, located."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

import service_rules as sr
from service_rules._condition_numbers import check_limits
from service_rules._verbatim import check_verbatim, divergence, quotations
from service_rules.cli import main

PACKS = ["cangzhou", "generic"]


def root(pack: str) -> Path:
    return Path(sr.load_pack(pack).root or "")


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("pack", PACKS)
def test_every_verbatim_text_and_quote_is_in_the_source(pack: str) -> None:
    """Independently of the check: each piece between … cuts is in the source, in order."""
    loaded = sr.load_pack(pack)
    source = squash((root(pack) / "source.txt").read_text(encoding="utf-8"))
    checked = 0
    for a in loaded.articles:
        for text in (a.text if a.status in ("complete", "partial") else None, a.quote):
            if not text:
                continue
            at = 0
            for piece in filter(None, (squash(p) for p in re.split(r"…+", text))):
                found = source.find(piece, at)
                assert found >= 0, (a.number, piece)
                at = found + len(piece)
            checked += 1
    assert checked >= 24


@pytest.mark.parametrize("pack", PACKS)
def test_the_shipped_packs_pass_the_check(pack: str) -> None:
    loaded = sr.load_pack(pack)
    assert check_verbatim(loaded) == [] and check_limits(loaded) == []
    assert loaded.meta.source_file == "source.txt"


def prose(path: Path) -> str:
    """A pack file's text as a reader sees it: comment markers dropped, so a quotation may run on."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return "\n".join(x.lstrip()[1:] if x.lstrip().startswith("#") else x for x in lines)


def misquoted(folder: Path) -> list[str]:
    """Every quotation in every TOML file of a pack folder (data, comments, tests/) that is not the
    source's own words, as ``file: “quotation”: why``; an unbalanced mark is reported too."""
    source = squash((folder / "source.txt").read_text(encoding="utf-8"))
    found: list[str] = []
    for path in sorted(folder.rglob("*.toml")):
        quoted, unbalanced = quotations(prose(path))
        name = path.relative_to(folder).as_posix()
        if unbalanced:
            found.append(f"{name}: {unbalanced}")
        found += [f"{name}: “{q}”: {why}" for q in quoted if (why := divergence(q, source)) is not None]
    return found


@pytest.mark.parametrize("pack", PACKS)
def test_every_quotation_in_the_pack_files_comments_and_tests_is_verbatim(pack: str) -> None:
    """`check` reads the pack's data; this reads every file as text, comments and tests/*.toml included,
    so words of the pack's own are never put in quotation marks there either."""
    assert not any(r.unverified_quotes for r in sr.load_pack(pack).rules)  # none to allow for
    assert misquoted(root(pack)) == []


@pytest.mark.parametrize(
    ("file", "old", "new"),
    [
        ("rules.toml", "# 107: “有条件的还应安装排队机、配备专门的大堂经理…”", "# 107: “有条件的还应配备…”"),
        ("tests/items.toml", "# Cap (each rule loses at most its cap)", "# Cap (“每项扣分以该项分值为限”)"),
        ("tests/floors.toml", "than its allotment scores 0", "than its allotment “扣完为止”, scores 0"),
    ],
)
def test_a_misquotation_in_a_comment_or_test_is_found(file: str, old: str, new: str, tmp_path: Path) -> None:
    folder = copy_pack("generic", tmp_path)
    doctor(folder / file, old, new)
    (problem,) = misquoted(folder)
    assert problem.startswith(f"{file}: “")


#: A document of the source file is named in a note as 第一篇 … 第五篇; the file heads each with it.
_DOCUMENT = re.compile(r"第([一二三四五六七八九十])篇")


def documents(folder: Path) -> dict[str, str]:
    """The source file split at its 第N篇: headings (a line beginning with one): numeral → its text."""
    text = (folder / "source.txt").read_text(encoding="utf-8")
    parts = re.split(r"^第([一二三四五六七八九十])篇[::]", text, flags=re.M)
    return {parts[i]: squash(parts[i + 1]) for i in range(1, len(parts), 2)}


def chunks(path: Path) -> list[str]:
    """A pack file as units of prose: each data line, and each run of comment lines."""
    out: list[str] = []
    comment: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith("#"):
            comment.append(line.lstrip()[1:])
            continue
        if comment:
            out.append("\n".join(comment))
            comment = []
        out.append(line)
    if comment:
        out.append("\n".join(comment))
    return out


def attributed(text: str) -> list[tuple[str, str]]:
    """Each outermost quotation of ``text`` that follows a 第N篇 in it, with the numeral nearest before it."""
    found: list[tuple[str, str]] = []
    depth, start = 0, 0
    for i, ch in enumerate(text):
        if ch in "“「":
            depth += 1
            if depth == 1:
                start = i
        elif ch in "”」" and depth:
            depth -= 1
            if depth == 0:
                named = _DOCUMENT.findall(text[:start])
                if named:
                    found.append((text[start + 1 : i], named[-1]))
    return found


def misattributed(folder: Path, articles: list[sr.Article] | None = None) -> list[str]:
    """Quotations (and article texts) credited to a document — the nearest 第N篇 before them in the
    same note or comment; an article's first 第N篇 in its note — that are not that document's words."""
    docs = documents(folder)
    found: list[str] = []
    for path in sorted(folder.rglob("*.toml")):
        name = path.relative_to(folder).as_posix()
        for chunk in chunks(path):
            for quoted, numeral in attributed(chunk):
                if numeral in docs and (why := divergence(quoted, docs[numeral])) is not None:
                    found.append(f"{name}: “{quoted}” credited to 第{numeral}篇: {why}")
    for a in articles or []:
        named = _DOCUMENT.search(a.note or "")
        if named is None or named[1] not in docs:
            continue
        for text in (a.text if a.status in ("complete", "partial") else None, a.quote):
            if text and (why := divergence(text, docs[named[1]])) is not None:
                found.append(f"article {a.number}: credited to 第{named[1]}篇 by its note: {why}")
    return found


@pytest.mark.parametrize("pack", PACKS)
def test_every_quotation_is_in_the_document_it_is_credited_to(pack: str) -> None:
    """The check above matches a quotation against the whole file of five documents; here a quotation
    that a note credits to one of them (第N篇 before it) must be in that one."""
    assert set(documents(root(pack))) == set("一二三四五")
    assert misattributed(root(pack), list(sr.load_pack(pack).articles)) == []


@pytest.mark.parametrize(
    ("file", "old", "new"),
    [
        # document one's words credited to document three
        ("oversight.toml", "与第一篇“经核实后扣10分”一致", "与第三篇“经核实后扣10分”一致"),
        # document three's words credited to document five, in a comment
        ("rules.toml", "# 107: “有条件的还应安装", "# 107 (第五篇): “有条件的还应安装"),
        # an article whose note names the wrong document
        ("articles.toml", 'note = "第五篇二(四)。', 'note = "第四篇二(四)。'),
    ],
)
def test_a_quotation_credited_to_the_wrong_document_is_found(file: str, old: str, new: str, tmp_path: Path) -> None:
    folder = copy_pack("generic", tmp_path)
    doctor(folder / file, old, new)
    assert misquoted(folder) == []  # the whole file has the words: the first check cannot tell
    (problem,) = misattributed(folder, list(sr.load_pack(folder).articles))
    assert "credited to 第" in problem


def test_the_generic_items_say_how_they_stand_to_the_source() -> None:
    articles = {a.number: a for a in sr.load_pack("generic").articles}
    assert all(a.status != "complete" for n, a in articles.items() if n in (701, 702))
    assert {articles[n].status for n in (701, 702)} == {"assumed"}
    assert all(a.quote for a in articles.values() if a.status == "derived")


def copy_pack(pack: str, tmp_path: Path) -> Path:
    folder = tmp_path / pack
    shutil.copytree(root(pack), folder)
    return folder


def doctor(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("pack", "file", "old", "new", "where", "code"),
    [
        # a verbatim article text that drops words without marking the cut
        (
            "cangzhou",
            "articles.toml",
            "凡营业窗口(含营业厅、主任室、信贷室)必须做到",
            "凡营业窗口做到",
            "articles.toml:$.articles[14].text",
            "text_not_verbatim",
        ),
        # a quotation in a note with a word changed
        (
            "generic",
            "oversight.toml",
            "「对于连续三个月评选为“岗位服务明星”者",
            "「对于连续三个月评为“岗位服务明星”者",
            "oversight.toml:$.streaks[0].length.note",
            "quotation_not_verbatim",
        ),
        # the quote of a derived item
        (
            "generic",
            "articles.toml",
            'quote = "营业外厅还需配备沙发、饮水机',
            'quote = "营业外厅配备沙发、饮水机',
            "articles.toml:$.articles[0].quote",
            "quote_not_verbatim",
        ),
        # a quotation in a reason
        (
            "generic",
            "rules.toml",
            "按第一篇“每项扣3分”扣{points}分",
            "按第一篇“每项扣5分”扣{points}分",
            "rules.toml:$.rules[",
            "quotation_not_verbatim",
        ),
        # a time limit whose provenance is gone
        (
            "generic",
            "rules.toml",
            'measured = { lte = 300 } }\nlimits = { "measured.lte" = { value = 300,',
            'measured = { lte = 300 } }\nlimits = { "measured.gte" = { value = 300,',
            "rules.toml:$.rules[",
            "limit_provenance_missing",
        ),
    ],
)
def test_check_refuses_a_doctored_text(
    pack: str, file: str, old: str, new: str, where: str, code: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = copy_pack(pack, tmp_path)
    doctor(folder / file, old, new)
    assert main(["check", str(folder)]) == 2
    err = capsys.readouterr()
    lines = [x for x in (err.out + err.err).splitlines() if f": {code}: " in x]
    assert lines and all(where in x for x in lines), err


def test_a_number_in_a_condition_needs_provenance(tmp_path: Path) -> None:
    folder = copy_pack("generic", tmp_path)
    doctor(folder / "rules.toml", "measured = { lte = 900 } }", "measured = { lte = 901 } }")
    with pytest.raises(sr.PackError) as err:
        sr.compile_pack(sr.load_pack(folder), matcher="python")
    (p,) = [p for p in err.value.problems if p.code == "limit_mismatch"]
    assert p.file == "rules.toml" and p.path is not None and p.path.endswith('.limits."measured.lte".value')


def test_a_missing_source_file_is_located(tmp_path: Path) -> None:
    folder = copy_pack("cangzhou", tmp_path)
    (folder / "source.txt").unlink()
    with pytest.raises(sr.PackError) as err:
        sr.compile_pack(sr.load_pack(folder), matcher="python")
    (p,) = err.value.problems
    assert (p.code, p.file, p.path) == ("source_file_unreadable", "pack.toml", "$.pack.source_file")


def test_a_layer_without_a_source_is_not_checked_but_its_base_is(tmp_path: Path) -> None:
    layer = tmp_path / "tianjin"
    layer.mkdir()
    (layer / "pack.toml").write_text('[pack]\nname = "tianjin"\ntitle = "t"\nversion = "1"\nextends = "generic"\n')
    (layer / "articles.toml").write_text(
        '[[articles]]\nnumber = 1001\noverride = true\ntext = "纸质原文,来源文件中没有。"\n', encoding="utf-8"
    )
    assert check_verbatim(sr.load_pack(layer)) == []  # the layer's own text: no source to check against
    (layer / "pack.toml").write_text(
        '[pack]\nname = "tianjin"\ntitle = "t"\nversion = "1"\nextends = "generic"\nsource_file = "own.txt"\n'
    )
    (layer / "own.txt").write_text("天津的原文。", encoding="utf-8")
    (p,) = check_verbatim(sr.load_pack(layer))
    assert (p.code, p.file, p.path) == ("text_not_verbatim", "tianjin/articles.toml", "$.articles[0].text")


def test_derived_and_assumed_items_need_their_quote_and_reason(tmp_path: Path) -> None:
    folder = copy_pack("generic", tmp_path)
    doctor(
        folder / "articles.toml",
        'quote = "营业外厅还需配备沙发、饮水机、空调、老花镜、验钞机、顾客休息区等便民设施"\nnote = "第三篇三(一)。原文',
        'note = "第三篇三(一)。原文',
    )
    codes = {p.code for p in check_verbatim(sr.load_pack(folder))}
    assert codes == {"quote_missing"}


@pytest.mark.parametrize(
    ("text", "found", "problem"),
    [
        ("甲“乙”丙「丁」", ["乙", "丁"], None),
        ("“外“内”外”", ["外“内”外"], None),
        ("“未闭合", [], "an opening “ is never closed"),
        ("多余”", [], "a closing ” at character 3 matches no opening “"),
        ("“交错「”」", [], "a closing ” at character 5 matches no opening “"),  # 「 is the innermost open
    ],
)
def test_quotations(text: str, found: list[str], problem: str | None) -> None:
    assert quotations(text) == (found, problem)


def test_divergence_cuts_and_placeholders() -> None:
    source = "甲乙丙丁戊己庚"
    assert divergence("乙丙…戊", source) is None
    assert divergence("乙{points}丁", source) is None
    assert divergence("戊…乙", source) is not None  # pieces out of order
    assert "parts from the source after “乙丙”" in (divergence("乙丙戊", source) or "")


def test_a_number_in_an_oversight_condition_needs_provenance_too(tmp_path: Path) -> None:
    folder = copy_pack("cangzhou", tmp_path)
    doctor(
        folder / "oversight.toml",
        'when = { type = "finding", article = 41, tag = "drunk_on_duty" }',
        'when = { type = "finding", article = 41, tag = "drunk_on_duty", persons = { gte = 2 } }',
    )
    (p,) = check_limits(sr.load_pack(folder))
    assert (p.code, p.file, p.path) == (
        "limit_provenance_missing",
        "oversight.toml",
        "$.recommendation.exclude[2].when.persons.gte",
    )
    doctor(
        folder / "oversight.toml",
        "persons = { gte = 2 } }",
        'persons = { gte = 2 } }\nlimits = { "persons.gte" = { value = 2, provenance = "assumed", note = "两人次以上才排除。" } }',
    )
    assert check_limits(sr.load_pack(folder)) == []


def test_a_quotation_kept_unverified_must_still_be_there_and_wrong(tmp_path: Path) -> None:
    folder = copy_pack("generic", tmp_path)
    rules = folder / "rules.toml"
    right = '按第一篇“每项扣3分”扣{points}分。"\n'
    kept = '按第一篇“每项扣3分(下同)”扣{points}分。"\nunverified_quotes = { "每项扣3分(下同)" = "已发布的结果用此措辞。" }\n'
    doctor(rules, right, kept)
    assert check_verbatim(sr.load_pack(folder)) == []  # listed, with why: not an error
    doctor(rules, "按第一篇“每项扣3分(下同)”扣", "按第一篇“每项扣3分”扣")
    (p,) = check_verbatim(sr.load_pack(folder))  # fixed, still listed
    assert (p.code, p.file) == ("unverified_quote_stale", "rules.toml")
    assert p.path is not None and p.path.endswith(".unverified_quotes")
    doctor(rules, "按第一篇“每项扣3分”扣", "按第一篇“每项扣4分”扣")
    assert sorted(p.code for p in check_verbatim(sr.load_pack(folder))) == [
        "quotation_not_verbatim",
        "unverified_quote_stale",
    ]
