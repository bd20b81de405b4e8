from stories.oai.views import bp

__all__ = ["bp"]
