"""pending logins

Revision ID: 1fc6f7505390
Revises: 5d2c8e1f7a40
Create Date: 2026-11-24 23:40:54.185347

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1fc6f7505390'
down_revision = '5d2c8e1f7a40'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'pending_login',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('authy_uuid', sa.String(length=64), nullable=False),
        sa.Column('remember', sa.Boolean(), nullable=False),
        sa.Column('next_url', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('consumed_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('pending_login', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pending_login_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('pending_login', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pending_login_user_id'))

    op.drop_table('pending_login')
