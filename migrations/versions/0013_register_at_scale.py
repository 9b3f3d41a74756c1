"""the register at a million records: search text on the record, full-text search
(a tsvector with a GIN index on PostgreSQL, FTS5 on SQLite), and an index for every
filter and sort

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 04:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# What the publication actor writes (casework.register.search_text), for the records
# already published: the land's name and address and the body's description of it.
BACKFILL = """
UPDATE register_records SET search_text = COALESCE((
    SELECT trim(coalesce(l.name, '') || ' ' || coalesce(l.address, '') || ' '
                || coalesce(a.land_description, ''))
    FROM asset_transfer_requests a LEFT JOIN land l ON l.id = a.land_id
    WHERE a.id = register_records.case_id), '')
"""

# The `simple` configuration: words are lower-cased and kept as they are, never stemmed
# and never dropped as stop words, so place names and Scots words (Auchtermuchty, Kirk
# Wynd, the Braes) are found as typed, and a prefix ("auchter:*") finds them as SQLite's
# FTS5 does. The title, reference and the body's own title weigh most; then the body,
# the authority and the land; then the text. Hyphens part words, so a reference's every
# part is a word ("PR-FIFE-2026-0001" is pr, fife, 2026 and 0001).
VECTOR = """
setweight(to_tsvector('simple'::regconfig, replace(
    coalesce(title, '') || ' ' || reference || ' ' || coalesce(request_title, ''),
    '-', ' ')), 'A')
|| setweight(to_tsvector('simple'::regconfig, replace(
    body_name || ' ' || authority_name || ' ' || search_text, '-', ' ')), 'B')
|| setweight(to_tsvector('simple'::regconfig, coalesce(text, '')), 'D')
"""

# SQLite: an external-content FTS5 table over the same columns, and triggers that keep it
# in step with register_records whoever writes the row.
FTS_COLUMNS = "title, reference, request_title, body_name, authority_name, search_text, text"
_NEW = ", ".join(f"new.{c.strip()}" for c in FTS_COLUMNS.split(","))
_OLD = ", ".join(f"old.{c.strip()}" for c in FTS_COLUMNS.split(","))
SQLITE_FTS = [
    f"CREATE VIRTUAL TABLE register_search USING fts5({FTS_COLUMNS}, "
    "content='register_records', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER register_search_insert AFTER INSERT ON register_records BEGIN "
    f"INSERT INTO register_search(rowid, {FTS_COLUMNS}) VALUES (new.id, {_NEW}); END",
    "CREATE TRIGGER register_search_delete AFTER DELETE ON register_records BEGIN "
    f"INSERT INTO register_search(register_search, rowid, {FTS_COLUMNS}) "
    f"VALUES ('delete', old.id, {_OLD}); END",
    "CREATE TRIGGER register_search_update AFTER UPDATE ON register_records BEGIN "
    f"INSERT INTO register_search(register_search, rowid, {FTS_COLUMNS}) "
    f"VALUES ('delete', old.id, {_OLD}); "
    f"INSERT INTO register_search(rowid, {FTS_COLUMNS}) VALUES (new.id, {_NEW}); END",
    "INSERT INTO register_search(register_search) VALUES ('rebuild')",
]

# (name, columns) of the indexes each filter and sort reads (casework.models.register).
NEW_INDEXES = [
    ("ix_register_authority_published", ["authority_code", "published_at", "id"]),
    ("ix_register_document_published", ["document", "published_at", "id"]),
    ("ix_register_kind_published", ["kind", "published_at", "id"]),
    ("ix_register_outcome_published", ["outcome", "published_at", "id"]),
    ("ix_register_issued", ["issued_on", "id"]),
    ("ix_register_reference", ["reference", "document"]),
]


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.add_column(
        "register_records",
        sa.Column("search_text", sa.Text, nullable=False, server_default=""),
    )
    op.execute(BACKFILL)
    op.drop_index("ix_register_authority_published", "register_records")
    op.drop_index("ix_register_document_published", "register_records")
    for name, columns in NEW_INDEXES:
        op.create_index(name, "register_records", columns)
    op.create_index(
        "ix_register_by_authority",
        "register_records",
        ["authority_name", sa.text("published_at DESC"), sa.text("id DESC")],
    )
    if sqlite:
        for statement in SQLITE_FTS:
            op.execute(statement)
    else:
        # Computed from the row by PostgreSQL itself, for the rows there are now too.
        op.execute(
            "ALTER TABLE register_records ADD COLUMN search_vector tsvector "
            f"GENERATED ALWAYS AS ({VECTOR}) STORED"
        )
        op.execute("CREATE INDEX ix_register_search ON register_records USING gin (search_vector)")


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER register_search_{trigger}")
        op.execute("DROP TABLE register_search")
    else:
        op.execute("DROP INDEX ix_register_search")
        op.execute("ALTER TABLE register_records DROP COLUMN search_vector")
    op.drop_index("ix_register_by_authority", "register_records")
    for name, _columns in NEW_INDEXES:
        op.drop_index(name, "register_records")
    op.create_index(
        "ix_register_authority_published", "register_records", ["authority_code", "published_at"]
    )
    op.create_index(
        "ix_register_document_published", "register_records", ["document", "published_at"]
    )
    with op.batch_alter_table("register_records") as batch:
        batch.drop_column("search_text")
