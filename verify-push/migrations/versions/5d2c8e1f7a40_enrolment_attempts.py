"""enrolment attempts

Revision ID: 5d2c8e1f7a40
Revises: 0b16b2876068
Create Date: 2026-12-01 22:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5d2c8e1f7a40'
down_revision = '0b16b2876068'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('registration_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('registration_checked_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('registration_checked_at')
        batch_op.drop_column('registration_id')
