"""Chinese analysis for the index: domain terms kept whole, sub-words, synonyms; recall on the labelled set."""

from __future__ import annotations

import jieba
import pytest

from search_index import analysis
from tests.integration.search_recall import DOCS, QUERIES, recall_at
from tests.integration.test_search_index import find


@pytest.fixture(scope="module", autouse=True)
def _warm() -> None:
    analysis.warm_up()


# ---- analysis


def test_domain_terms_stay_whole_in_context():
    assert analysis.query_words("承插型盘扣式钢管脚手架搭设") == ["承插型盘扣式钢管脚手架", "搭设"]
    assert analysis.query_words("深基坑开挖采用SMW工法桩") == ["深基坑", "开挖", "采用", "smw工法桩"]
    assert analysis.query_words("屋顶管道") == ["屋顶", "管道"]  # 顶管 is a term, but not here
    assert [t for t in analysis.DOMAIN_TERMS if analysis.query_words(t) != [analysis.normalize(t)]] == []
    assert len(analysis.DOMAIN_TERMS) >= 80


def test_index_tokens_add_the_words_inside_a_term():
    tokens = analysis.tokens("高大模板支撑体系")
    assert {"高大模板支撑体系", "高大模板", "模板", "支撑体系"} <= set(tokens)
    assert "通过" not in analysis.tokens("不通过")


def test_the_index_fast_path_makes_the_same_terms_as_the_tokenizers(corpus):
    texts = (
        [d["title"] for d in DOCS] + [d.get("body", "") for d in DOCS] + ["深基坑开挖深度15.2m，QTZ80塔吊"]
    )
    for tokenizer in (analysis.WordTokenizer(), analysis.PairTokenizer()):
        for text in texts:
            assert tokenizer.index_terms(text) == [t for t, _ in tokenizer.terms(text, "index")], text


def test_full_width_case_and_model_numbers():
    # A standard number is one canonical token (search_index.normalize).
    assert analysis.query_words("ＱＴＺ８０塔吊，依据JGJ120-2012，C30混凝土") == [
        "qtz80", "塔吊", "依据", "jgj120-2012", "c30", "混凝土"
    ]  # fmt: skip


def test_the_domain_dictionary_is_private():
    assert analysis.segmenter() is not jieba.dt
    assert "高支模" not in jieba.dt.FREQ


def test_every_synonym_is_one_token():
    for group in analysis.SYNONYM_GROUPS:
        for word in group:
            assert analysis.query_words(word) == [analysis.normalize(word)], word
    assert set(analysis.expand("塔吊")) == {"塔吊", "塔式起重机", "塔机"}
    assert "深基坑" not in analysis.expand("超深基坑")


# ---- recall


def test_recall_at_ten_on_the_labelled_set(corpus, capsys):
    found = {q: [h.doc_id for h in find(corpus, q, per_page=10).hits] for q in QUERIES}
    recall = recall_at(found)
    with capsys.disabled():
        print(
            f"\nsearch recall@10 on {len(QUERIES)} labelled queries over {len(DOCS)} documents: {recall:.3f}"
        )
    assert recall >= 0.9
