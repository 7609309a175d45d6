from django.apps import AppConfig


class LostFoundConfig(AppConfig):
    """A lost-and-found book: a domain that exists only for the test suite (tests/settings.py)."""

    name = "tests.lostfound"
    label = "lostfound"
    verbose_name = "Lost and found"
