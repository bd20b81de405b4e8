from stories.auth.views import bp

__all__ = ["bp"]
