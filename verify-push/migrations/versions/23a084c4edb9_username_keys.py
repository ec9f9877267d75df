"""username keys

Revision ID: 23a084c4edb9
Revises: 3ea69d89fa39
Create Date: 2026-12-01 22:12:43.622304

"""
from alembic import op
import sqlalchemy as sa

from app.usernames import key


# revision identifiers, used by Alembic.
revision = '23a084c4edb9'
down_revision = '3ea69d89fa39'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('username_key', sa.String(length=128), nullable=True))

    # Users registered before this migration get their key. If two of them have the same key
    # (Alice and alice), the unique index below fails: rename one of them first.
    user = sa.table('user', sa.column('id'), sa.column('username'), sa.column('username_key'))
    connection = op.get_bind()
    for id, username in connection.execute(sa.select(user.c.id, user.c.username)).all():
        connection.execute(
            user.update().where(user.c.id == id).values(username_key=key(username))
        )

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.alter_column('username_key', existing_type=sa.String(length=128), nullable=False)
        batch_op.create_index(batch_op.f('ix_user_username_key'), ['username_key'], unique=True)


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_username_key'))
        batch_op.drop_column('username_key')
