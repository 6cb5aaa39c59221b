"""Date formats that differ from Django's own (``FORMAT_MODULE_PATH``)."""
