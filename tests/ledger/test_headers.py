from qianqi_rules.ledger.headers import HEADER_ALIASES, map_headers, missing_required, normalise_header


def test_every_contract_alias_maps_to_its_field() -> None:
    for field, aliases in HEADER_ALIASES.items():
        for alias in aliases:
            assert map_headers([f"  {alias} "]) == {field: 0}, alias


def test_header_matching_ignores_spaces_case_width_and_units() -> None:
    assert normalise_header(" Amount ") == "amount"
    assert map_headers(["金额（元）", "摘 要", "ＤＡＴＥ"]) == {"amount": 0, "description": 1, "date": 2}


def test_preferred_alias_wins_when_two_columns_name_one_field() -> None:
    # 金额 is preferred over 借方金额; 日期 over 业务日期, whatever the order in the file
    mapping = map_headers(["借方金额", "业务日期", "金额", "日期", "科目名称"])
    assert mapping["amount"] == 2
    assert mapping["date"] == 3
    assert missing_required(mapping) == []


def test_missing_required_lists_fields() -> None:
    assert missing_required(map_headers(["日期", "摘要"])) == ["category", "amount"]
