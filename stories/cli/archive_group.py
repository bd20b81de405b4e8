"""The ``flask --app app archive`` command group; its commands live in one module
per concern (``bags``: BagIt export and verify; ``backups``: backup and restore)."""

from flask.cli import AppGroup

archive_cli = AppGroup("archive", help="Preservation: BagIt export and verify, backup and restore.")
