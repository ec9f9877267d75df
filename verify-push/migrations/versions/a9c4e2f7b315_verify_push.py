"""verify push

Revision ID: a9c4e2f7b315
Revises: f2b3c4d5e6a7
Create Date: 2026-12-02 05:00:00.000000

From Authy to Twilio Verify Push: a user's phone is now a factor of their entity at Verify.
Phones added to Authy cannot be moved to Verify (a factor is a key the phone makes for
itself), so 2FA is off after the upgrade for users who had it, until they enable it again;
logins waiting for an Authy approval end, and the app code's count goes with the app code.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a9c4e2f7b315'
down_revision = 'f2b3c4d5e6a7'
branch_labels = None
depends_on = None


def upgrade():
    # A login waiting for an Authy answer can get none from Verify: it ends.
    op.execute(
        "UPDATE pending_login SET status = 'cancelled', consumed_at = CURRENT_TIMESTAMP"
        " WHERE consumed_at IS NULL"
    )
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('verify_identity', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('factor_sid', sa.String(length=34), nullable=True))
        batch_op.add_column(sa.Column('factor_status', sa.String(length=16), nullable=True))
        batch_op.drop_column('authy_id')
    with op.batch_alter_table('pending_login', schema=None) as batch_op:
        batch_op.alter_column('authy_uuid', new_column_name='challenge_sid',
                              existing_type=sa.String(length=64), existing_nullable=False)
        batch_op.drop_column('code_tries')


def downgrade():
    with op.batch_alter_table('pending_login', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('code_tries', sa.Integer(), nullable=False, server_default='0')
        )
        batch_op.alter_column('challenge_sid', new_column_name='authy_uuid',
                              existing_type=sa.String(length=64), existing_nullable=False)
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('authy_id', sa.BigInteger(), nullable=True))
        batch_op.drop_column('factor_status')
        batch_op.drop_column('factor_sid')
        batch_op.drop_column('verify_identity')
