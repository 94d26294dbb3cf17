#!/usr/bin/env python
"""The django-webhook peer project of `make bench-outbound` (runs in bench/.venv-peer)."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peer_project.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
