from stories.curate.views import bp

__all__ = ["bp"]
