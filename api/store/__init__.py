"""The database: engines and migrations, the tables, and the one module that touches a
session (``repositories``)."""
