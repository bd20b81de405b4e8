"""Collections and story circles: public pages, the circle's link and poster, and
curators' pages for collections and prompts (see views)."""

from stories.collections.views import bp

__all__ = ["bp"]
