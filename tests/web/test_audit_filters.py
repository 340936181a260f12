"""The audit log page: filters applied in SQL, page numbers that keep them, readable sentences, exports, bad input."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from openpyxl import load_workbook
from sqlalchemy import event, select

from expert_pool.draws.models import Seat, SeatStatus
from knowledge import audit
from knowledge.accounts import audit_text
from knowledge.accounts.models import Role
from knowledge.audit import AuditLog
from tests.factories import (
    login,
    make_account,
    make_draw_record,
    make_expert,
    make_plan_version,
    make_project,
    make_work,
)


def log(session, action, obj, *, at=None, actor_id=None, before=None, after=None):
    row = audit.record(session, actor_id=actor_id, action=action, obj=obj, before=before, after=after)
    if at is not None:
        row.at = at
    session.commit()
    return row


def auditor(client, session):
    account = make_account(session, Role.AUDIT_ADMIN)
    login(client, account)
    return account


def descriptions(page: str) -> list[str]:
    return [part.split("</td>")[0] for part in page.split('<td class="description">')[1:]]


def test_the_date_range_is_taken_in_china_time_both_ends_included(client, session):
    expert = make_expert(session, name="周一")
    log(session, "expert_id_view", ("expert", expert.id), at=datetime(2026, 1, 31, 15, 59, tzinfo=UTC))
    log(session, "expert_id_view", ("expert", expert.id), at=datetime(2026, 1, 31, 16, 0, tzinfo=UTC))
    log(session, "expert_id_view", ("expert", expert.id), at=datetime(2026, 2, 28, 15, 59, tzinfo=UTC))
    log(session, "expert_id_view", ("expert", expert.id), at=datetime(2026, 2, 28, 16, 0, tzinfo=UTC))
    auditor(client, session)
    page = client.get("/admin/audit", query_string={"action": "expert_id_view", "date_from": "2026-02-01",
                                                     "date_to": "2026-02-28"}).get_data(as_text=True)  # fmt: skip
    assert "2026-02-01 00:00:00" in page and "2026-02-28 23:59:00" in page
    assert "2026-01-31 23:59:00" not in page and "2026-03-01 00:00:00" not in page
    assert "共 2 条" in page


def test_the_username_filter_shows_only_that_accounts_rows(client, session):
    first, second = make_account(session, Role.ADMIN), make_account(session, Role.ADMIN)
    log(session, "token_revoke", ("api_token", 1), actor_id=first.id)
    log(session, "token_revoke", ("api_token", 2), actor_id=second.id)
    auditor(client, session)
    page = client.get("/admin/audit", query_string={"username": first.username, "action": "token_revoke"})
    text = page.get_data(as_text=True)
    assert f"（{first.username}）" in text and f"（{second.username}）" not in text and "共 1 条" in text
    none = client.get("/admin/audit", query_string={"username": "nobody"}).get_data(as_text=True)
    assert "没有符合条件的审计记录" in none


def test_object_type_and_action_filters_are_combined(client, session):
    expert = make_expert(session)
    log(session, "credit_event", ("expert", expert.id), after={"points": -10, "reason": "无故缺席"})
    log(session, "expert_status", ("expert", expert.id), after={"status": "active"})
    log(session, "credit_event", ("account", 1), after={"points": -5, "reason": "别的对象"})
    auditor(client, session)
    page = client.get("/admin/audit", query_string={"object_type": "expert", "action": "credit_event"})
    text = page.get_data(as_text=True)
    assert "无故缺席" in text and "别的对象" not in text and "共 1 条" in text


def test_page_numbers_keep_the_filters(client, session):
    for n in range(45):
        log(session, "token_revoke", ("api_token", n))
    auditor(client, session)
    page = client.get("/admin/audit?action=token_revoke&object_type=api_token&page=2").get_data(as_text=True)
    assert "共 45 条" in page and 'class="page-item active"' in page
    for number in (1, 3):
        assert f"/admin/audit?page={number}&amp;object_type=api_token&amp;action=token_revoke" in page or (
            f"page={number}" in page and "action=token_revoke" in page
        )
    links = [part.split('"')[0] for part in page.split('class="page-link" href="')[1:]]
    assert len(links) == 3 and all(
        "action=token_revoke" in link and "object_type=api_token" in link for link in links
    )


def test_rows_read_as_chinese_sentences_with_names_and_no_personal_data(app, client, session):
    expert = make_expert(session, name="张三", id_number_masked="320102********1234", phone="13912345678")
    work = make_work(session, make_project(session), name="3#楼深基坑工程")
    version = make_plan_version(session, work, app.config["UPLOAD_DIR"])
    draw = make_draw_record(session, work, version, seq=37)
    seat = Seat(draw_id=draw.id, expert_id=expert.id, position=1, status=list(SeatStatus)[0])
    session.add(seat)
    session.commit()
    log(session, "seat_confirm", ("seat", seat.id), after={"draw": draw.id})
    log(session, "expert_update", ("expert", expert.id), before={"name": "张三", "id_number": "320102********1234"},
        after={"name": "张三", "id_number": "320102********1234", "phone": "139****5678", "status": "suspended"})  # fmt: skip
    auditor(client, session)
    page = client.get("/admin/audit").get_data(as_text=True)
    shown = descriptions(page)
    assert (
        f"座位{seat.id}（专家{expert.id}）；抽取第{draw.id}号记录（3#楼深基坑工程）" in shown
    )  # no panel names
    assert f"专家{expert.id}（张三）；状态：暂停" in shown
    assert "1234" not in " ".join(shown) and "5678" not in page and '{"draw"' not in page


def test_names_are_read_once_per_object_type_for_a_whole_page(session):
    experts = [make_expert(session) for _ in range(15)]
    rows = [
        log(session, "credit_event", ("expert", e.id), after={"points": -5, "reason": "逾期"})
        for e in experts
    ]
    rows += [log(session, "token_revoke", ("account", make_account(session).id)) for _ in range(5)]
    statements: list[str] = []
    engine = session.get_bind()
    listener = lambda *args: statements.append(args[2])  # noqa: E731 - (conn, cursor, statement, ...)
    event.listen(engine, "before_cursor_execute", listener)
    try:
        texts = audit_text.describe_all(session, rows)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert len(statements) == 2  # one for the experts, one for the accounts
    assert texts[0] == f"专家{experts[0].id}（{experts[0].name}）；分值：-5分，事由：逾期"


def test_the_csv_export_has_the_filtered_rows_with_their_description(client, session):
    expert = make_expert(session, name="李四")
    log(session, "credit_event", ("expert", expert.id), after={"points": -10, "reason": "=HYPERLINK(1)"})
    log(session, "token_revoke", ("api_token", 9))
    account = auditor(client, session)
    response = client.get("/admin/audit/export.csv?action=credit_event")
    body = response.get_data(as_text=True)
    assert (
        response.headers["Content-Type"].startswith("text/csv")
        and response.headers["Cache-Control"] == "no-store"
    )
    header, *lines = [line for line in body.lstrip("\ufeff").splitlines() if line]
    assert "说明" in header and len(lines) == 1
    assert f"专家{expert.id}（李四）；分值：-10分，事由：=HYPERLINK(1)" in lines[0]
    last = session.scalar(
        select(AuditLog).where(AuditLog.actor_id == account.id).order_by(AuditLog.seq.desc())
    )
    assert last.action == "audit_export" and last.after == {"action": "credit_event", "rows": 1}


def test_the_xlsx_export_has_the_same_rows(client, session):
    log(session, "token_revoke", ("api_token", 3))
    account = auditor(client, session)
    response = client.get("/admin/audit/export.xlsx?action=token_revoke")
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][6] == "说明" and len(rows) == 2 and rows[1][6] == "API令牌3"
    last = session.scalar(
        select(AuditLog).where(AuditLog.actor_id == account.id).order_by(AuditLog.seq.desc())
    )
    assert last.after == {"action": "token_revoke", "rows": 1, "format": "xlsx"}


def test_bad_filter_values_get_a_chinese_message(client, session):
    auditor(client, session)
    for args, message in (({"date_from": "2026-13-40"}, "起始日期“2026-13-40”无效"),
                          ({"date_to": "昨天"}, "截止日期“昨天”无效"),
                          ({"date_from": "2026-03-01", "date_to": "2026-02-01"}, "起始日期不能晚于截止日期"),
                          ({"action": "drop_table"}, "未知的操作“drop_table”"),
                          ({"actor_id": "abc"}, "操作人编号须为数字")):  # fmt: skip
        response = client.get("/admin/audit", query_string=args)
        assert response.status_code == 200 and message in response.get_data(as_text=True)
    export = client.get("/admin/audit/export.csv", query_string={"date_from": "2026-13-40"})
    assert export.status_code == 302 and "/admin/audit?" in export.headers["Location"]
    assert client.get("/admin/audit/export.pdf").status_code == 404


def test_only_the_audit_administrator_exports(client, session):
    login(client, make_account(session, Role.ADMIN))
    assert client.get("/admin/audit/export.xlsx").status_code == 403
    assert client.get("/admin/audit?date_from=2026-01-01").status_code == 403
