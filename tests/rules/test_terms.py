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


def test_bundled_exemptions(pack) -> None:
    scan = pack.scanner.scan
    assert "用餐" not in scan("赴天津调研伙食补助费")
    assert "业务招待" not in scan("市政府招待所住宿费")
    assert "转拨经费" not in scan("推动成果转移转化")
    assert "办公设备" not in scan("计算机视觉算法专家咨询")
    assert "旅游观光" not in scan("智慧景区系统开发")
    assert "本单位人员" not in scan("外聘专家（非本单位）")
    assert "管理费" not in scan("物业管理费")
