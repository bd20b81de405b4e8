"""The contributor's journey, and the narrators' of a conversation (see views,
conversation). Importing both modules registers their routes on ``bp``."""

from stories.contribute import conversation, views  # noqa: F401  (routes)
from stories.contribute.common import bp

__all__ = ["bp"]
