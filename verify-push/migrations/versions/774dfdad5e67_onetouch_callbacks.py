"""onetouch callbacks

Revision ID: 774dfdad5e67
Revises: 2b21e955cdea
Create Date: 2026-11-25 00:23:35.882465

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '774dfdad5e67'
down_revision = '2b21e955cdea'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'callback_nonce',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('nonce', sa.String(length=64), nullable=False),
        sa.Column('signature', sa.String(length=128), nullable=False),
        sa.Column('received_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('nonce', 'signature'),
    )
    with op.batch_alter_table('callback_nonce', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_callback_nonce_received_at'), ['received_at'], unique=False
        )

    with op.batch_alter_table('pending_login', schema=None) as batch_op:
        batch_op.add_column(sa.Column('answer', sa.String(length=16), nullable=True))


def downgrade():
    with op.batch_alter_table('pending_login', schema=None) as batch_op:
        batch_op.drop_column('answer')

    with op.batch_alter_table('callback_nonce', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_callback_nonce_received_at'))

    op.drop_table('callback_nonce')
