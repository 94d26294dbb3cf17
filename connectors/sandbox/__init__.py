"""Sandbox providers: simulated HubSpot, Salesforce, Dynamics, Slack, WhatsApp and Zapier APIs
with fault injection, for the demo (``manage.py run_sandbox``) and the tests
(``start_sandbox()``), and webhooks signed as each real provider signs them (``webhooks``).

Nothing here imports Django: the sandbox is a plain WSGI app on the standard library."""

from connectors.sandbox.app import make_app
from connectors.sandbox.server import RunningSandbox, start_sandbox
from connectors.sandbox.state import PROVIDERS, SandboxState

__all__ = ["PROVIDERS", "RunningSandbox", "SandboxState", "make_app", "start_sandbox"]
