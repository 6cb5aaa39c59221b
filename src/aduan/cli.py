"""The ``aduan`` command: Django's management commands under one name."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aduan.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        import django

        django.setup()
    except ImproperlyConfigured as error:
        # A wrong environment variable (docs/operations.md): one line that names it, not a
        # traceback through the settings module.
        sys.stderr.write(f"aduan: configuration error: {error}\n")
        sys.exit(2)
    execute_from_command_line(["aduan", *sys.argv[1:]])


if __name__ == "__main__":
    main()
