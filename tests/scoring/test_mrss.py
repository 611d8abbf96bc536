"""mRSS (spec section 4): 17 sites 0-3, total only when all are scored."""
import pytest

from pro_app.scoring import MRSS_SITES, ScoringInputError, score_mrss
from tests.scoring.scoring_helpers import mismatches, vector_params


@pytest.mark.parametrize(("given", "expected"), vector_params("mrss"))
def test_public_vector_reproduces(given, expected):
    assert mismatches(expected, score_mrss(given["sites"]).to_dict()) == []


def test_sites_follow_the_spec_order():
    assert MRSS_SITES[:5] == ("face", "chest", "abdomen", "l_fingers", "r_fingers")
    assert MRSS_SITES[-2:] == ("l_foot_dorsum", "r_foot_dorsum")
    assert len(set(MRSS_SITES)) == 17


def test_total_ranges_from_zero_to_fifty_one():
    assert score_mrss({site: 0 for site in MRSS_SITES}).mrss == 0
    assert score_mrss({site: 3 for site in MRSS_SITES}).mrss == 51


def test_one_unscored_site_gives_no_total_and_names_the_site():
    sites = {site: 2 for site in MRSS_SITES} | {"r_thigh": None}

    result = score_mrss(sites)

    assert result.mrss is None
    assert result.computable is False
    assert result.missing_sites == ("r_thigh",)


def test_site_score_of_four_is_rejected():
    with pytest.raises(ScoringInputError, match=r"^sites\.face: must be between 0 and 3$"):
        score_mrss({site: 1 for site in MRSS_SITES} | {"face": 4})


def test_unknown_site_is_rejected():
    with pytest.raises(ScoringInputError, match=r"^sites\.back: unknown site code$"):
        score_mrss({"back": 1})
