"""throttle hits

Revision ID: d8c127b2f9a4
Revises: 7a954944fb04
Create Date: 2026-11-25 00:43:16.679903

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd8c127b2f9a4'
down_revision = '7a954944fb04'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'hit',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('hit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hit_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_hit_key'), ['key'], unique=False)


def downgrade():
    with op.batch_alter_table('hit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hit_key'))
        batch_op.drop_index(batch_op.f('ix_hit_at'))

    op.drop_table('hit')
