"""app code tries

Revision ID: e1a2b3c4d5f6
Revises: c7ec660781c8
Create Date: 2026-12-02 01:36:30.673519

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e1a2b3c4d5f6'
down_revision = 'c7ec660781c8'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('pending_login', schema=None) as batch_op:
        # Logins waiting during the upgrade: no code tried yet.
        batch_op.add_column(
            sa.Column('code_tries', sa.Integer(), nullable=False, server_default='0')
        )


def downgrade():
    with op.batch_alter_table('pending_login', schema=None) as batch_op:
        batch_op.drop_column('code_tries')
