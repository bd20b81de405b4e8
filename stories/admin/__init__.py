from stories.admin.views import bp

__all__ = ["bp"]
