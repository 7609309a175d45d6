from django.apps import AppConfig


class NaiveConfig(AppConfig):
    name = "bench.peers.naive"
    label = "naive"
