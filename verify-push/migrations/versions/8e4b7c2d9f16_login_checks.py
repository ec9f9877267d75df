"""login checks

Revision ID: 8e4b7c2d9f16
Revises: 1fc6f7505390
Create Date: 2026-12-01 22:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8e4b7c2d9f16'
down_revision = '1fc6f7505390'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('pending_login', schema=None) as batch_op:
        batch_op.add_column(sa.Column('checked_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('pending_login', schema=None) as batch_op:
        batch_op.drop_column('checked_at')
