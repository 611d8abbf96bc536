"""MCID flags (spec section 8): inclusive thresholds, no flag for the globals."""
import pytest

from pro_app.scoring import CORE_ITEMS, CoreSet, mcid_flags

STEADY = dict(mrss=20, fvc_pct=70.0, pt_global=5, md_global=5, haq_di=1.5)


def flag(item, before, after):
    return mcid_flags(CoreSet(**{**STEADY, item: before}), CoreSet(**{**STEADY, item: after}))[item]


@pytest.mark.parametrize(
    ("item", "before", "after", "improved", "worsened"),
    [
        ("mrss", 20, 15, True, False),  # -5: inclusive
        ("mrss", 20, 16, False, False),  # -4: below the diffuse-SSc MCID
        ("mrss", 20, 25, False, True),
        ("haq_di", 1.5, 1.36, True, False),  # -0.14 exactly; 1.36 - 1.5 is -0.13999... in floats
        ("haq_di", 1.5, 1.37, False, False),
        ("haq_di", 1.5, 1.64, False, True),
        ("fvc_pct", 70.1, 73.1, True, False),  # +3.0 exactly; 2.99999... in floats
        ("fvc_pct", 70.0, 72.9, False, False),
        ("fvc_pct", 70.0, 67.0, False, True),
    ],
)
def test_change_reaching_the_mcid_is_flagged(item, before, after, improved, worsened):
    result = flag(item, before, after)

    assert (result.improved, result.worsened) == (improved, worsened)


@pytest.mark.parametrize("item", ["pt_global", "md_global"])
def test_globals_get_no_flag_because_none_is_published(item):
    result = flag(item, 8, 2)

    assert result.delta == -6.0
    assert result.improved is None and result.worsened is None
    assert result.threshold_improve is None
    assert "none published" in result.source


def test_missing_value_gives_no_delta_and_no_flag():
    result = flag("mrss", 20, None)

    assert result.delta is None
    assert result.improved is None


def test_thresholds_and_sources_follow_the_spec_table():
    flags = mcid_flags(CoreSet(**STEADY), CoreSet(**STEADY))

    assert list(flags) == list(CORE_ITEMS)
    assert (flags["mrss"].threshold_improve, flags["mrss"].threshold_worsen) == (-5.0, 5.0)
    assert (flags["haq_di"].threshold_improve, flags["haq_di"].threshold_worsen) == (-0.14, 0.14)
    assert (flags["fvc_pct"].threshold_improve, flags["fvc_pct"].threshold_worsen) == (3.0, -3.0)
    assert "3-4 points overall" in flags["mrss"].note
    assert "Kafaja" in flags["fvc_pct"].source
