"""send again

Revision ID: 7a954944fb04
Revises: 774dfdad5e67
Create Date: 2026-11-25 00:31:23.919466

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7a954944fb04'
down_revision = '774dfdad5e67'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('pending_login', schema=None) as batch_op:
        # Logins waiting during the upgrade: one push, sent "now".
        batch_op.add_column(
            sa.Column('sends', sa.Integer(), nullable=False, server_default='1')
        )
        batch_op.add_column(
            sa.Column(
                'sent_at', sa.DateTime(), nullable=False, server_default=sa.func.current_timestamp()
            )
        )


def downgrade():
    with op.batch_alter_table('pending_login', schema=None) as batch_op:
        batch_op.drop_column('sent_at')
        batch_op.drop_column('sends')
