"""Times shown to people: Vietnam time, and closing times the way notices write them."""

from datetime import UTC, datetime

from contest.helpers.timeutil import format_local, format_local_end, format_period, local_to_utc


def test_midnight_closing_reads_as_24h_of_the_day_before():
    monday_midnight = local_to_utc(datetime(2026, 11, 30, 0, 0))
    assert format_local_end(monday_midnight) == "24:00 29/11/2026"
    assert format_local_end(monday_midnight, "%H:%M ngày %d/%m/%Y") == "24:00 ngày 29/11/2026"
    assert format_local(monday_midnight) == "00:00 30/11/2026"  # an opening time stays as is


def test_other_closing_times_are_plain_local_times():
    assert format_local_end(datetime(2026, 11, 29, 10, 30, tzinfo=UTC)) == "17:30 29/11/2026"
    assert format_local_end(local_to_utc(datetime(2026, 11, 30, 0, 0, 1))) == "00:00 30/11/2026"
    assert format_local_end(None) == ""


def test_contest_page_says_when_the_round_ends_as_residents_read_it(app, client):
    from datetime import timedelta

    from tests import factories

    with app.app_context():
        # Local midnight three days from now: a round that "ends at 24:00" the day before.
        closes = local_to_utc(datetime.combine(
            (datetime.now(UTC) + timedelta(days=3)).date(), datetime.min.time()))
        contest = factories.make_contest(slug="het-gio")
        factories.make_round(contest, opens_at=closes - timedelta(days=7), closes_at=closes)
        expected = format_local_end(closes)
    page = client.get("/c/het-gio").get_data(as_text=True)
    assert expected.startswith("24:00") and f"đến {expected}" in page


def test_durations_read_in_words_without_leading_zeros():
    from contest.helpers.timeutil import format_duration

    assert format_duration(6_200) == "6,2 giây"
    assert format_duration(400) == "0,4 giây"
    assert format_duration(125_400) == "2 phút 5,4 giây"
    assert format_duration(897_000, tenths=False) == "14 phút 57 giây"
    assert format_duration(897_999, tenths=False) == "14 phút 57 giây"  # never reads longer
    assert format_duration(900_000, tenths=False) == "15 phút"
    assert format_duration(3_900_000) == "1 giờ 5 phút"
    assert format_duration(0) == "0 giây"
    assert format_duration(None) == ""


def test_a_rounds_period_in_running_text():
    """Posters and the rules template write a round's dates the same way."""
    opens = local_to_utc(datetime(2026, 3, 2, 0, 0))
    closes = local_to_utc(datetime(2026, 3, 9, 0, 0))
    assert format_period(opens, closes) == "từ 00:00 ngày 02/03/2026 đến 24:00 ngày 08/03/2026"
