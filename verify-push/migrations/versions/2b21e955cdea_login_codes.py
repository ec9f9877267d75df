"""login codes

Revision ID: 2b21e955cdea
Revises: 8e4b7c2d9f16
Create Date: 2026-11-25 00:19:15.088915

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '2b21e955cdea'
down_revision = '8e4b7c2d9f16'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('pending_login', schema=None) as batch_op:
        # A login waiting during the upgrade has no code; it expires within minutes.
        batch_op.add_column(
            sa.Column('code', sa.String(length=8), nullable=False, server_default='')
        )


def downgrade():
    with op.batch_alter_table('pending_login', schema=None) as batch_op:
        batch_op.drop_column('code')
