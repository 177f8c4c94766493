"""SQLAlchemy models, engine set-up and Alembic migrations of the Baoxue store."""
