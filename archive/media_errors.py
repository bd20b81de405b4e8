"""The error every media check raises: a message fit to show the contributor."""


class MediaError(Exception):
    """An upload or media change the archive refuses, with a friendly message."""
