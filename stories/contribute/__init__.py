"""The contributor's journey (see views)."""

from stories.contribute.views import bp

__all__ = ["bp"]
