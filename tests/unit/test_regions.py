from knowledge.regions import CITY_CODES, DISTRICTS, City, city_of_division, is_district_of


def test_thirteen_cities_in_official_order():
    assert [c.label for c in City] == [
        "南京市", "无锡市", "徐州市", "常州市", "苏州市", "南通市", "连云港市",
        "淮安市", "盐城市", "扬州市", "镇江市", "泰州市", "宿迁市",
    ]  # fmt: skip
    assert CITY_CODES[City.NANJING] == "320100" and CITY_CODES[City.SUQIAN] == "321300"


def test_districts_belong_to_their_city_by_division_code():
    assert sum(len(d) for d in DISTRICTS.values()) == 95
    for city, districts in DISTRICTS.items():
        for code in districts:
            assert city_of_division(code) is city


def test_known_districts():
    assert is_district_of(City.NANJING, "江宁区")
    assert is_district_of(City.SUZHOU, "昆山市")
    assert is_district_of(City.NANTONG, "海门区")
    assert not is_district_of(City.NANJING, "吴中区")
