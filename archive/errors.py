"""What the archive raises when it refuses a request: messages fit to show the
person who made it (marked for translation; ``str()`` renders them in the
reader's language)."""


class ArchiveError(Exception):
    """A request the archive refuses, with a friendly message."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class StoryError(ArchiveError):
    """A change to a story the archive refuses."""


class ActionRefused(StoryError):
    """The policy does not allow this action on a story in its present status."""


class DuplicateSubmission(StoryError):
    """The same submission form was sent again (a reload or a double click)."""


class MediaError(ArchiveError):
    """An upload or media change the archive refuses."""


class StorageUnavailable(MediaError):
    """Files could not be saved because of the archive's own storage (full,
    read-only, unreachable): not the contributor's doing, and nothing was kept."""


class UploadRefused(MediaError):
    """One or more uploads were refused; ``errors`` maps each upload's ``key`` (a
    form field) to a message."""

    def __init__(self, errors: dict):
        super().__init__(*errors.values())
        self.errors = errors

    def __str__(self) -> str:
        return "; ".join(str(message) for message in self.errors.values())


class ProcessingBusy(ArchiveError):
    """Too many uploads are waiting to be processed in this process: nothing was
    stored, and the same request may be sent again in a little while."""


class AccountError(ArchiveError):
    """A request about accounts the archive refuses."""
