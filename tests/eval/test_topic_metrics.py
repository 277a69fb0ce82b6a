"""Topic-model figures on hand-checkable corpora."""

from __future__ import annotations

import math

import pytest

from eval.topic_metrics import agreement, npmi_coherence, tokens, topic_diversity, topic_figures


def test_tokens_are_lowercased_words_of_two_letters_or_more() -> None:
    assert tokens("My CARD, a card-reader 42!") == {"my", "card", "reader"}


def test_diversity_counts_shared_words_once() -> None:
    assert topic_diversity([("a", "b"), ("c", "d")]) == 1.0
    assert topic_diversity([("a", "b"), ("a", "c")]) == pytest.approx(3 / 4)
    assert topic_diversity([]) == 0.0


def test_npmi_is_one_for_words_that_always_co_occur_and_minus_one_for_words_that_never_do() -> None:
    texts = ["card lost", "card lost", "refund late", "refund late"]
    assert npmi_coherence([("card", "lost")], texts) == pytest.approx(1.0)
    assert npmi_coherence([("card", "refund")], texts) == pytest.approx(-1.0)
    assert npmi_coherence([("card", "unseen")], texts) == pytest.approx(-1.0)


def test_npmi_matches_the_formula_on_partial_overlap() -> None:
    texts = ["card lost", "card stolen", "lost keys", "other text"]
    p_ab, p_a, p_b = 1 / 4, 2 / 4, 2 / 4
    expected = math.log(p_ab / (p_a * p_b)) / -math.log(p_ab)
    assert npmi_coherence([("card", "lost")], texts) == pytest.approx(expected)
    # Mean over topics of the mean over pairs.
    two = npmi_coherence([("card", "lost"), ("card", "stolen")], texts)
    assert two == pytest.approx((expected + npmi_coherence([("card", "stolen")], texts)) / 2)


def test_agreement_is_perfect_for_a_relabelled_partition_and_outliers_cost() -> None:
    gold = ["a", "a", "b", "b"]
    assert agreement(gold, [7, 7, 3, 3]) == {"nmi": pytest.approx(1.0), "ari": pytest.approx(1.0)}
    assert agreement(gold, [-1, -1, -1, -1])["nmi"] == pytest.approx(0.0)
    with pytest.raises(ValueError, match="2 assignments"):
        agreement(gold, [1, 2])


def test_topic_figures_without_gold_leave_agreement_empty() -> None:
    figures = topic_figures(["card lost", "refund late"], None, [0, -1], [("card", "lost")])
    assert figures["n"] == 2 and figures["n_topics"] == 1 and figures["outlier_share"] == 0.5
    assert figures["nmi"] is None and figures["ari"] is None
    assert figures["diversity"] == 1.0
