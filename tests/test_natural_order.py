"""Orders people expect: names with numbers read naturally; tied units share a rank."""

from __future__ import annotations

from datetime import timedelta

from contest.helpers.text import natural_key
from contest.services.results import prizes
from tests import factories as f
from tests.ranking_factories import add_attempt


def test_natural_key_reads_numbers_as_numbers():
    names = ["Tổ dân phố 10", "Tổ dân phố 2", "tổ dân phố 1", "Đội 3", "Cơ quan B", "Tổ dân phố 2a"]
    assert sorted(names, key=natural_key) == [
        "Cơ quan B", "Đội 3", "tổ dân phố 1", "Tổ dân phố 2", "Tổ dân phố 2a", "Tổ dân phố 10"]


def test_shared_ranks_give_1_2_2_4():
    ranked = prizes.shared_ranks([9, 7, 7, 5], lambda n: n)
    assert [rank for rank, _ in ranked] == [1, 2, 2, 4]


def _names_in(text: str, names: list[str]) -> list[str]:
    return sorted(names, key=text.index)


def test_lists_of_units_sort_naturally(client, login_as, app):
    with app.app_context():
        for n in (10, 2, 1):
            f.make_unit(f"Tổ dân phố Mới {n}")
        contest = f.make_contest(slug="thu-tu")
        f.make_round(contest)
    names = ["Tổ dân phố Mới 1", "Tổ dân phố Mới 2", "Tổ dân phố Mới 10"]
    login_as("admin")
    page = client.get("/admin/units/").get_data(as_text=True)
    assert _names_in(page, names) == names
    form = client.get("/c/thu-tu/register").get_data(as_text=True)
    assert _names_in(form, names) == names


def test_collective_ranking_shares_ranks_between_tied_units(client, login_as, app):
    with app.app_context():
        contest = f.make_contest()
        opens = f.now() - timedelta(days=8)
        round_ = f.make_round(contest, opens_at=opens, closes_at=opens + timedelta(days=7))
        for name, n in (("Tổ dân phố Hạng 10", 2), ("Tổ dân phố Hạng 2", 2),
                        ("Tổ dân phố Hạng 1", 3), ("Tổ dân phố Hạng 3", 1)):
            unit = f.make_unit(name, population=8)
            for _ in range(n):
                add_attempt(round_, f.make_participant(contest, unit_id=unit.id), score=1)
        contest_id = contest.id
    login_as("viewer")
    page = client.get(f"/admin/results/contests/{contest_id}/collective").get_data(as_text=True)
    assert '<td class="num">1</td>' in page.split("Tổ dân phố Hạng 1<")[0].rsplit("<tr>", 1)[1]
    for name, rank in (("Tổ dân phố Hạng 2", 2), ("Tổ dân phố Hạng 10", 2),
                       ("Tổ dân phố Hạng 3", 4)):
        row = page.split(f"{name}<")[0].rsplit("<tr>", 1)[1]
        assert f'<td class="num">{rank}</td>' in row, (name, row)
    assert page.index("Tổ dân phố Hạng 2<") < page.index("Tổ dân phố Hạng 10<")
    # Kind and share as every other page writes them: 3 of 8 people is "37,5 %".
    row = page.split("Tổ dân phố Hạng 1<")[1].split("</tr>")[0]
    assert "<td>Tổ dân phố</td>" in row and "37,5 %" in row, row
