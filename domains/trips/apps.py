from django.apps import AppConfig


class TripsConfig(AppConfig):
    name = "domains.trips"
    label = "trips"
    verbose_name = "Agents' trips and stops, and their day of movement"
