"""Alembic environment: the service hands over its own connection (see ``db.migrate``)."""

from alembic import context

from qianqi_rules.service.db import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
