"""Households from a roster: per-cell errors, likely duplicates, nothing written before the
confirmation, then exactly the good rows in one go."""

import hashlib
import io

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from accounts.models import User
from core.errors import ApplicationError
from tests.factories import make_household, make_user, make_workshop
from workshops.models import Household, HouseholdConsent, HouseholdEvent
from workshops.roster import MAX_ROWS, read_roster, template_xlsx
from workshops.services import household_import_confirm, household_import_preview

HEADERS = [
    "户主姓名",
    "手机号",
    "身份证后四位",
    "村",
    "参与人数",
    "收款账户",
    "收款人",
    "同意处理个人信息",
]


def _xlsx(rows: list[list]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _good(n: int) -> list:
    return [f"农户{n}", 13000000000 + n, f"{n % 10000:04d}", "甲居村", 2, "", "", "是"]


def test_two_thousand_rows_with_20_bad_and_5_duplicates_show_all_25_then_write_only_good_rows(
    operator, workshop
):
    on_platform = make_household(make_workshop(), name="别处", phone="13900000001")
    in_workshop = make_household(workshop, name="老户", phone="13900000002", id_tail="")
    rows = [_good(n) for n in range(1, 1976)]
    bad = [
        [f"坏{n}", "1234", "", "", 2, "", "", "是"] if n % 2 else ["", 13100000000 + n, "", "", 1]
        for n in range(20)
    ]
    duplicates = [
        _good(1),  # same name and phone as row 2 of the file
        ["农户2", 13888888888, "0002", "甲居村", 2, "", "", "是"],  # same name + ID tail as row 3
        ["老户", 13900000002, "", "", 1, "", "", "否"],  # already in the workshop
        ["新人", 13900000001, "", "", 1, "", "", "否"],  # phone already on the platform
        ["老户", "１３９０００００００２", "", "", 1, "", "", ""],  # full-width: same as above
    ]
    sheet = rows + bad + duplicates
    assert len(sheet) == 2000
    before = Household.objects.count()

    preview = household_import_preview(
        actor=operator, workshop_id=workshop.pk, file_name="名册.xlsx", content=_xlsx(sheet)
    )

    error_rows = {error["row"] for error in preview.errors}
    assert len(error_rows) == 20
    assert error_rows == set(range(1977, 1997))
    assert {error["cell"] for error in preview.errors} == {
        f"A{r}" for r in range(1977, 1997, 2)
    } | {f"B{r}" for r in range(1978, 1997, 2)}
    assert [row["row"] for row in preview.duplicate_rows] == [1997, 1998, 1999, 2000, 2001]
    assert "第 2 行" in preview.duplicate_rows[0]["duplicates"][0]
    assert "第 3 行" in preview.duplicate_rows[1]["duplicates"][0]
    assert str(in_workshop.pk) in preview.duplicate_rows[2]["duplicates"][0]
    assert "平台" in preview.duplicate_rows[3]["duplicates"][0]
    assert len(preview.clean_rows) == 1975
    assert Household.objects.count() == before  # nothing written by the preview

    done = household_import_confirm(
        actor=operator, token=preview.token, file_sha256=preview.file_sha256
    )

    assert done.status == "confirmed"
    assert done.created_count == 1975
    created = Household.objects.filter(workshop=workshop).exclude(pk=in_workshop.pk)
    assert created.count() == 1975
    assert set(created.values_list("name", flat=True)) == {f"农户{n}" for n in range(1, 1976)}
    first = created.get(name="农户1")
    assert (first.phone, first.id_tail, first.village, first.members) == (
        "13000000001",
        "0001",
        "甲居村",
        2,
    )
    assert len(set(created.values_list("card_code", flat=True))) == 1975
    assert (
        HouseholdConsent.objects.filter(
            household__in=created, method="spreadsheet", purpose="data_processing"
        ).count()
        == 1975
    )
    assert HouseholdEvent.objects.filter(household__in=created, kind="imported").count() == 1975
    assert on_platform.pk not in set(created.values_list("pk", flat=True))


def test_a_duplicate_is_written_only_when_its_row_is_chosen(operator, workshop):
    make_household(workshop, name="老户", phone="13900000002")
    content = _xlsx([["老户", "13900000002"], ["老户", "13900000002"], ["新户", "13900000003"]])
    preview = household_import_preview(
        actor=operator, workshop_id=workshop.pk, file_name="a.xlsx", content=content
    )
    assert [row["row"] for row in preview.duplicate_rows] == [2, 3]

    with pytest.raises(ApplicationError) as refused:
        household_import_confirm(
            actor=operator, token=preview.token, file_sha256=preview.file_sha256, include_rows=[4]
        )
    assert refused.value.code == "import_row_not_duplicate"

    done = household_import_confirm(
        actor=operator, token=preview.token, file_sha256=preview.file_sha256, include_rows=[2]
    )
    assert done.created_count == 2
    assert done.included_duplicates == [2]
    assert done.rows[0] == {"row": 2, "duplicates": done.rows[0]["duplicates"], "written": True}
    assert "13900000002" not in str(done.rows)  # the personal values live in the households
    assert Household.objects.filter(workshop=workshop, name="老户").count() == 2
    assert Household.objects.filter(workshop=workshop, name="新户").count() == 1


def test_confirm_replay_writes_nothing_twice(operator, workshop):
    preview = household_import_preview(
        actor=operator, workshop_id=workshop.pk, file_name="a.xlsx", content=_xlsx([_good(1)])
    )
    first = household_import_confirm(
        actor=operator, token=preview.token, file_sha256=preview.file_sha256
    )
    again = household_import_confirm(
        actor=operator, token=preview.token, file_sha256=preview.file_sha256
    )
    assert (first.pk, again.created_count) == (again.pk, 1)
    assert Household.objects.filter(workshop=workshop).count() == 1


def test_a_changed_file_is_refused_and_nothing_written(operator, workshop):
    preview = household_import_preview(
        actor=operator, workshop_id=workshop.pk, file_name="a.xlsx", content=_xlsx([_good(1)])
    )
    other = hashlib.sha256(_xlsx([_good(1), _good(2)])).hexdigest()
    with pytest.raises(ApplicationError) as refused:
        household_import_confirm(actor=operator, token=preview.token, file_sha256=other)
    assert (refused.value.status, refused.value.code) == (409, "import_file_changed")
    assert not Household.objects.filter(workshop=workshop).exists()


def test_a_household_registered_since_the_preview_makes_the_confirmation_stale(operator, workshop):
    preview = household_import_preview(
        actor=operator, workshop_id=workshop.pk, file_name="a.xlsx", content=_xlsx([_good(1)])
    )
    make_household(workshop, name="农户1", phone="13000000001")
    with pytest.raises(ApplicationError) as refused:
        household_import_confirm(
            actor=operator, token=preview.token, file_sha256=preview.file_sha256
        )
    assert (refused.value.code, refused.value.detail) == ("import_stale", {"rows": [2]})
    assert Household.objects.filter(workshop=workshop).count() == 1


def test_wps_quirks_are_cleaned_or_named_by_cell():
    csv = (
        "户主姓名 ,手机号,身份证后四位,参与人数,收款账户,同意处理个人信息\n"
        " 张三 ,１３８１２３４５６７８,123,２,6217000011112222333,是\n"
        ",,,,,\n"
        "\n"
        "李四,1.38123E+10,12A,x,6.217E+18,可能\n"
        "王五,13812345679.0,11010519491231002X,,,否\n"
    )
    roster = read_roster(file_name="wps.csv", content=csv.encode("gb18030"))

    assert roster.empty_rows == 2
    assert [(row["row"], row["name"], row["phone"], row["id_tail"]) for row in roster.rows] == [
        (2, "张三", "13812345678", "0123"),
        (6, "王五", "13812345679", "002X"),
    ]
    assert roster.rows[0]["members"] == 2
    assert roster.rows[0]["payment_account"] == "6217000011112222333"
    assert {error.cell for error in roster.errors} == {"B5", "C5", "D5", "E5", "F5"}
    phone_error = next(e for e in roster.errors if e.cell == "B5")
    assert "科学计数法" in phone_error.message


def test_an_xlsx_number_cell_for_a_phone_is_taken_back_and_a_long_account_is_refused():
    content = _xlsx([["张三", 13812345678.0, 123.0, "", 2.0, 6217000011112222333.0]])
    roster = read_roster(file_name="a.xlsx", content=content)
    assert [error.cell for error in roster.errors] == ["F2"]
    assert "末尾几位已经丢失" in roster.errors[0].message


def test_unknown_header_is_an_error_at_its_cell_and_blocks_the_confirmation(operator, workshop):
    book = Workbook()
    book.active.append(["户主姓名", "手机号", "备注栏"])
    book.active.append(["张三", "13812345678", "x"])
    out = io.BytesIO()
    book.save(out)
    preview = household_import_preview(
        actor=operator, workshop_id=workshop.pk, file_name="a.xlsx", content=out.getvalue()
    )
    assert [error["cell"] for error in preview.errors] == ["C1"]
    with pytest.raises(ApplicationError) as refused:
        household_import_confirm(
            actor=operator, token=preview.token, file_sha256=preview.file_sha256
        )
    assert refused.value.code == "import_header_invalid"
    assert not Household.objects.filter(workshop=workshop).exists()


def test_too_many_rows_or_a_wrong_format_is_refused_with_a_message(operator, workshop):
    many = ("户主姓名\n" + "张三\n" * (MAX_ROWS + 1)).encode()
    with pytest.raises(ApplicationError) as refused:
        household_import_preview(
            actor=operator, workshop_id=workshop.pk, file_name="a.csv", content=many
        )
    assert refused.value.code == "import_unreadable"
    assert str(MAX_ROWS) in str(refused.value.message)
    with pytest.raises(ApplicationError) as refused:
        household_import_preview(
            actor=operator, workshop_id=workshop.pk, file_name="a.xls", content=b"x"
        )
    assert "xlsx" in str(refused.value.message)


def test_a_lead_imports_into_its_own_workshop_only(workshop, lead):
    other = make_workshop()
    with pytest.raises(ApplicationError) as refused:
        household_import_preview(
            actor=lead, workshop_id=other.pk, file_name="a.xlsx", content=_xlsx([_good(1)])
        )
    assert refused.value.status == 404
    preview = household_import_preview(
        actor=lead, workshop_id=workshop.pk, file_name="a.xlsx", content=_xlsx([_good(1)])
    )
    other_lead = other.lead
    with pytest.raises(ApplicationError):
        household_import_confirm(
            actor=other_lead, token=preview.token, file_sha256=preview.file_sha256
        )
    assert (
        household_import_confirm(
            actor=lead, token=preview.token, file_sha256=preview.file_sha256
        ).created_count
        == 1
    )
    checker = make_user(User.Role.CHECKER)
    with pytest.raises(ApplicationError) as refused:
        household_import_preview(
            actor=checker, workshop_id=workshop.pk, file_name="a.xlsx", content=_xlsx([])
        )
    assert refused.value.status == 403


def test_the_template_reads_back_as_one_good_row():
    roster = read_roster(file_name="template.xlsx", content=template_xlsx())
    assert roster.errors == []
    assert [row["name"] for row in roster.rows] == ["张秀英"]
    headers = [cell.value for cell in load_workbook(io.BytesIO(template_xlsx())).active[1]]
    assert headers == HEADERS


def test_the_lead_uploads_previews_and_confirms_on_the_phone_pages(client, workshop, lead):
    client.force_login(lead)
    template = client.get(reverse("workshops:roster_template"))
    assert template.status_code == 200
    upload = io.BytesIO(_xlsx([_good(1), ["", "13800000000"]]))
    upload.name = "roster.xlsx"
    response = client.post(
        reverse("workshops:roster_upload", args=[workshop.pk]), {"roster": upload}
    )
    assert response.status_code == 302, response.content
    page = client.get(response["Location"])
    text = page.content.decode()
    assert "A3" in text and "户主姓名不能为空" in text
    assert not Household.objects.filter(workshop=workshop).exists()
    sha = page.context["preview"].file_sha256
    confirmed = client.post(response["Location"], {"file_sha256": sha})
    assert confirmed.status_code == 302
    assert list(Household.objects.filter(workshop=workshop).values_list("name", flat=True)) == [
        "农户1"
    ]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_confirmations_racing_write_the_rows_once(operator, workshop):
    import threading

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, so there is no race to test")
    preview = household_import_preview(
        actor=operator,
        workshop_id=workshop.pk,
        file_name="a.xlsx",
        content=_xlsx([_good(n) for n in range(1, 41)]),
    )
    barrier = threading.Barrier(2)
    results: list[int] = []

    def confirm() -> None:
        try:
            barrier.wait()
            done = household_import_confirm(
                actor=operator, token=preview.token, file_sha256=preview.file_sha256
            )
            results.append(done.created_count)
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert results == [40, 40]
    assert Household.objects.filter(workshop=workshop).count() == 40
    assert HouseholdEvent.objects.filter(kind="imported").count() == 40


def test_the_lead_households_page_lists_its_own_and_another_lead_cannot_open_its_preview(
    client, workshop, lead
):
    mine = make_household(workshop, name="甲户")
    make_household(make_workshop(), name="别户")
    client.force_login(lead)
    page = client.get(reverse("workshops:my_households"))
    text = page.content.decode()
    assert page.status_code == 200
    assert "甲户" in text and "别户" not in text
    assert reverse("workshops:roster_upload", args=[workshop.pk]) in text
    assert reverse("workshops:household_consent", args=[mine.pk]) in text
    preview = household_import_preview(
        actor=lead, workshop_id=workshop.pk, file_name="a.xlsx", content=_xlsx([_good(1)])
    )
    client.force_login(make_workshop().lead)
    url = reverse("workshops:roster_preview", args=[preview.token])
    assert client.get(url).status_code == 404
    assert client.post(url, {"file_sha256": preview.file_sha256}).status_code == 404
    assert not Household.objects.filter(name="农户1").exists()


def test_a_preview_left_unconfirmed_expires_its_rows_and_cannot_be_confirmed(
    client, operator, workshop, settings
):
    from datetime import timedelta

    from django.utils import timezone

    from workshops.import_models import HouseholdImport
    from workshops.tasks import roster_previews_expire_task

    content = _xlsx([_good(1), _good(2)])
    old = household_import_preview(
        actor=operator, workshop_id=workshop.pk, file_name="旧.xlsx", content=content
    )
    fresh = household_import_preview(
        actor=operator, workshop_id=workshop.pk, file_name="新.xlsx", content=content
    )
    HouseholdImport.objects.filter(pk=old.pk).update(
        uploaded_at=timezone.now() - timedelta(hours=settings.ROSTER_PREVIEW_TTL_HOURS, minutes=1)
    )
    sha = hashlib.sha256(content).hexdigest()
    before = Household.objects.count()

    # Past its time, even before the sweep ran, it is refused and nothing is written.
    with pytest.raises(ApplicationError) as refused:
        household_import_confirm(actor=operator, token=old.token, file_sha256=sha)
    assert (refused.value.status, refused.value.code) == (409, "import_expired")
    assert Household.objects.count() == before

    assert roster_previews_expire_task() == 1
    assert roster_previews_expire_task() == 0  # again: nothing more to do
    old.refresh_from_db()
    assert (old.status, old.rows, old.errors) == ("expired", [], [])
    fresh.refresh_from_db()
    assert fresh.status == "previewed" and len(fresh.rows) == 2

    client.force_login(operator)
    page = client.get(reverse("workshops:roster_preview", args=[old.token])).content.decode()
    assert 'id="import-expired"' in page and "农户1" not in page
    posted = client.post(
        reverse("workshops:roster_preview", args=[old.token]), {"file_sha256": sha}, follow=True
    )
    assert "已经过期" in posted.content.decode()
    assert Household.objects.count() == before
