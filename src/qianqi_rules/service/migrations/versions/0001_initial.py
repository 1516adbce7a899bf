"""The first schema: projects, claims, web checks, reviews.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "projects",
        sa.Column("code", sa.String(200), primary_key=True),
        sa.Column("project_text", sa.Text, nullable=False),
        sa.Column("last_seq", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_table(
        "claims",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("project_code", sa.String(200), sa.ForeignKey("projects.code"), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("claim_id", sa.String(200), nullable=False),
        sa.Column("content_sha256", sa.String(64), nullable=False),
        sa.Column("entry_json", sa.Text, nullable=False),
        sa.Column("findings_json", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("project_code", "claim_id", name="uq_claims_project_claim"),
        sa.UniqueConstraint("project_code", "seq", name="uq_claims_project_seq"),
    )
    op.create_table(
        "checks",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("ledger_name", sa.String(300), nullable=False),
        sa.Column("ledger", sa.LargeBinary, nullable=False),
        sa.Column("project_name", sa.String(300), nullable=False),
        sa.Column("project_text", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("check_id", sa.String(32), sa.ForeignKey("checks.id"), nullable=False),
        sa.Column("finding_key", sa.String(300), nullable=False),
        sa.Column("rule_id", sa.String(50), nullable=False),
        sa.Column("row", sa.Integer, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
        sa.Column("approved_by", sa.String(200), nullable=False, server_default=""),
        sa.Column("until", sa.String(10), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("check_id", "finding_key", name="uq_reviews_check_finding"),
    )


def downgrade() -> None:
    for table in ("reviews", "checks", "claims", "projects"):
        op.drop_table(table)
