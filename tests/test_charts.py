from datetime import date, timedelta

from pro_app.charts import Point, trend_chart


def test_chart_lists_every_value_for_screen_readers_and_pdf_text():
    svg = trend_chart("HAQ-DI", [Point(date(2026, 1, 1), 1.5, "Baseline"), Point(date(2026, 4, 1), None, "Month 3"),
                                 Point(date(2026, 7, 1), 1.25, "Month 6")], 0, 3, decimals=3)

    assert "Baseline: 1.500; Month 3: not recorded; Month 6: 1.250" in svg
    assert 'role="img"' in svg


def test_missing_values_break_the_line_instead_of_being_interpolated():
    points = [Point(date(2026, 1, 1), 1.0), Point(date(2026, 2, 1), None), Point(date(2026, 3, 1), 2.0)]

    svg = trend_chart("x", points, 0, 3)

    assert "<polyline" not in svg  # two single points, no segment joins them
    assert svg.count("<circle") == 2


def test_mcid_band_drawn_around_the_baseline_value():
    points = [Point(date(2026, 1, 1), 20), Point(date(2026, 6, 1), 14)]

    with_band = trend_chart("mRSS", points, 0, 51, mcid=5, baseline=date(2026, 1, 1))
    without = trend_chart("mRSS", points, 0, 51, baseline=date(2026, 1, 1))

    assert "<rect" in with_band and "<rect" not in without


def test_labels_are_escaped():
    svg = trend_chart("<script>x</script>", [Point(date(2026, 1, 1), 1, '"><img src=x>')], 0, 3)

    assert "<script>" not in svg and "<img" not in svg
    assert "&lt;script&gt;" in svg


def test_no_inline_style_attribute_so_the_csp_allows_it():
    svg = trend_chart("x", [Point(date(2026, 1, 1), 1), Point(date(2026, 2, 1), 2)], 0, 3)

    assert "style=" not in svg


def test_explicit_ticks_give_round_grid_labels():
    svg = trend_chart("Global", [Point(date(2026, 1, 1), 6), Point(date(2026, 4, 1), 3)], 0, 10, decimals=0,
                      ticks=(0, 5, 10), dates=False)

    labels = [part.split(">")[1].split("<")[0] for part in svg.split('text-anchor="end"')[1:]]
    assert labels == ["0", "5", "10"]  # not 2 and 8 for 2.5 and 7.5


def test_max_labels_thins_the_axis_but_keeps_first_last_and_every_value_in_the_description():
    points = [Point(date(2026, 1, 1) + timedelta(days=91 * i), i, f"V{i}") for i in range(12)]

    svg = trend_chart("x", points, 0, 12, max_labels=4, dates=False)

    shown = [label for label in (f">V{i}<" for i in range(12)) if label in svg]
    assert shown == [">V0<", ">V4<", ">V7<", ">V11<"]
    assert svg.count("<circle") == 12 and "V5: 5.0" in svg
    assert "Jan 2026" not in svg  # dates=False: no first/last date under the axis
