from stories.search.views import bp

__all__ = ["bp"]
