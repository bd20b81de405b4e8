"""The ``flask --app app archive`` command group; its commands live in one module
per concern (``bags``: BagIt export and verify; ``backups``: backup and restore;
``wal``: the write-ahead log check after withdrawals)."""

from flask.cli import AppGroup

archive_cli = AppGroup(
    "archive", help="The archive as a whole: BagIt export and verify, backup and restore, the WAL check."
)
