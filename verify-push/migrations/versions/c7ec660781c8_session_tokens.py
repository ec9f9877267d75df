"""session tokens

Revision ID: c7ec660781c8
Revises: d8c127b2f9a4
Create Date: 2026-11-25 00:49:27.018882

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c7ec660781c8'
down_revision = 'd8c127b2f9a4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('session_token', sa.String(length=64), nullable=False, server_default='')
        )
    # A token of its own for every existing user. Sessions from before the upgrade name the
    # user without one, so they end: everybody logs in once more.
    user = sa.table('user', sa.column('id', sa.Integer), sa.column('session_token', sa.String))
    connection = op.get_bind()
    for (user_id,) in connection.execute(sa.select(user.c.id)).all():
        connection.execute(
            user.update()
            .where(user.c.id == user_id)
            .values(session_token=secrets.token_urlsafe(32))
        )


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('session_token')
