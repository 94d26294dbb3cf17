import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()

# POST /webhooks/<uuid> skips the middleware it doesn't need (see webhooks/inbound/wsgi.py).
from webhooks.inbound.wsgi import with_lean_receive  # noqa: E402  (needs Django set up)

application = with_lean_receive(application)
