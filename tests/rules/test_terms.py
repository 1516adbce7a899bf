from qianqi_rules.rules.terms import TermFamily, TermScanner


def scanner() -> TermScanner:
    return TermScanner(
        {
            "用餐": TermFamily("用餐", ("餐费", "午餐"), ("伙食补助",)),
            "招待": TermFamily("招待", ("招待", "宴请"), ("招待所",)),
        }
    )


def test_scan_finds_families_and_words_in_order() -> None:
    assert scanner().scan("宴请客户午餐及餐费") == {"用餐": ("午餐", "餐费"), "招待": ("宴请",)}


def test_except_phrases_are_masked_before_matching() -> None:
    assert scanner().scan("入住招待所") == {}
    assert scanner().scan("在招待所宴请") == {"招待": ("宴请",)}


def test_scan_folds_width_and_case() -> None:
    s = TermScanner({"x": TermFamily("x", ("ipad",))})
    assert s.scan("购买ＩＰａｄ") == {"x": ("ipad",)}
    assert s.scan("") == {}


def test_latin_words_match_only_as_whole_words() -> None:
    s = TermScanner({"x": TermFamily("x", ("mba", "spa", "3d打印"))})
    assert s.scan("总经理MBA学费") == {"x": ("mba",)}
    assert s.scan("Embase文献检索") == {}
    assert s.scan("Space实验室") == {}
    assert s.scan("温泉SPA") == {"x": ("spa",)}
    assert s.scan("3D打印机") == {"x": ("3d打印",)}
    assert s.scan("13D打印机") == {}


def test_bundled_exemptions(pack) -> None:
    scan = pack.scanner.scan
    assert "用餐" not in scan("赴天津调研伙食补助费")
    assert "业务招待" not in scan("市政府招待所住宿费")
    assert "转拨经费" not in scan("推动成果转移转化")
    assert "办公设备" not in scan("计算机视觉算法专家咨询")
    assert "旅游观光" not in scan("智慧景区系统开发")
    assert "本单位人员" not in scan("外聘专家（非本单位）")
    assert "管理费" not in scan("物业管理费")


# --- the one-pass scanner against a plain per-family reading of its rules ---------------------

import re  # noqa: E402

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from qianqi_rules import load_rules  # noqa: E402
from qianqi_rules.rules.terms import fold  # noqa: E402

PACK = load_rules()
PHRASES = sorted({p for f in PACK.terms.values() for p in f.words + f.excepts + f.not_followed_by})


def oracle(text: str) -> dict[str, tuple[str, ...]]:
    """Each family on its own: every occurrence of each word, longest per position, filters applied."""
    folded = fold(text)
    for mask in PACK.scanner.masks:
        folded = mask.sub(lambda m: "\x00" * len(m.group()), folded)
    out = {}
    for name, family in PACK.terms.items():
        spans = [(i, i + len(e)) for e in {fold(x) for x in family.excepts}
                 for i in range(len(folded)) if folded.startswith(e, i)]
        best: dict[int, str] = {}
        for word in {fold(w) for w in family.words}:
            for i in range(len(folded)):
                end = i + len(word)
                if not folded.startswith(word, i):
                    continue
                if any(folded.startswith(fold(n), end) for n in family.not_followed_by):
                    continue
                latin = re.compile(r"[a-z0-9]")
                if (latin.match(word[0]) and i > 0 and latin.match(folded[i - 1])) or (
                    latin.match(word[-1]) and end < len(folded) and latin.match(folded[end])
                ):
                    continue
                if any(s < end and i < e for s, e in spans):
                    continue
                if len(word) > len(best.get(i, "")):
                    best[i] = word
        words = tuple(dict.fromkeys(best[i] for i in sorted(best)))
        if words:
            out[name] = words
    return out


@given(st.lists(st.one_of(st.sampled_from(PHRASES), st.text(max_size=3)), max_size=8).map("".join))
def test_scanner_matches_the_per_family_oracle(text: str) -> None:
    assert PACK.scanner.scan(text) == oracle(text)


def test_spaces_between_chinese_words_do_not_split_them() -> None:
    assert fold("项目经费 转  安贞医院") == "项目经费转安贞医院"
    assert fold("Office 365 办公") == "office 365 办公"  # spaces next to Latin text stay (whole-word matching)
    s = TermScanner({"x": TermFamily("x", ("办公用品",))})
    assert s.scan("办公 用品") == {"x": ("办公用品",)}
