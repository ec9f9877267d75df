"""authy id for users

Revision ID: 0b16b2876068
Revises: 23a084c4edb9
Create Date: 2026-11-24 23:31:15.504354

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0b16b2876068'
down_revision = '23a084c4edb9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('authy_id', sa.BigInteger(), nullable=True))


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('authy_id')
