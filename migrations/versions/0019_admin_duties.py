"""separation of duties: security and audit administrator roles; accounts never deleted

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05 11:45:00

"""
from alembic import op
import sqlalchemy as sa

from knowledge.accounts.models import ACCOUNT_POSTGRES_GUARDS, ACCOUNT_SQLITE_GUARDS


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

BEFORE = ("project_team", "draw_office", "expert", "regulator", "admin")
AFTER = BEFORE + ("security_admin", "audit_admin")
GUARDS = {"sqlite": ACCOUNT_SQLITE_GUARDS, "postgresql": ACCOUNT_POSTGRES_GUARDS}
DROP_GUARDS = {
    "sqlite": ["DROP TRIGGER IF EXISTS account_no_delete"],
    "postgresql": ["DROP TRIGGER IF EXISTS account_no_delete ON account",
                   "DROP FUNCTION IF EXISTS account_never_deleted()"],
}


def _in_list(roles: tuple[str, ...]) -> str:
    return "role IN (" + ", ".join(f"'{r}'" for r in roles) + ")"


def _guards(table: dict) -> None:
    for statement in table.get(op.get_bind().dialect.name, []):
        op.execute(statement)


def _roles(old: tuple[str, ...], new: tuple[str, ...]) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        op.drop_constraint(op.f("ck_account_role"), "account", type_="check")
        op.create_check_constraint(op.f("ck_account_role"), "account", sa.text(_in_list(new)))
        return
    # SQLite cannot alter a CHECK; a batch copy would drop the account table, which other tables reference
    # (and api_token's ON DELETE CASCADE would empty). SQLite's documented procedure for a CHECK that refuses
    # less (https://www.sqlite.org/lang_altertable.html, "otheralter"): rewrite the stored CREATE TABLE in
    # one transaction and bump the schema version, which changes no row.
    table_sql = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'account'"
    ).scalar_one()
    if table_sql.count(_in_list(old)) != 1:
        raise RuntimeError("account.role CHECK constraint not found as created by migration 0001")
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema=ON")
    bind.exec_driver_sql(
        "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'account'",
        (table_sql.replace(_in_list(old), _in_list(new)),),
    )
    bind.exec_driver_sql(f"PRAGMA schema_version={int(version) + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema=OFF")


def upgrade():
    _roles(BEFORE, AFTER)
    _guards(GUARDS)


def downgrade():
    account = sa.table("account", sa.column("role", sa.String))
    held = op.get_bind().execute(
        sa.select(sa.func.count()).select_from(account).where(account.c.role.in_(AFTER[len(BEFORE):]))
    ).scalar_one()
    if held:
        raise RuntimeError(f"{held} accounts hold the security or audit administrator role: change them first")
    _guards(DROP_GUARDS)
    _roles(AFTER, BEFORE)
