from rest_framework.routers import SimpleRouter


class OptionalSlashRouter(SimpleRouter):
    """Routes that answer with or without a trailing slash: the seeds' clients send none."""

    def __init__(self) -> None:
        super().__init__()
        self.trailing_slash = "/?"
