from django.db import models


class Point(models.Model):
    agent = models.IntegerField()
    recorded_at = models.DateTimeField()
    lat = models.FloatField()
    lon = models.FloatField()
    accuracy = models.FloatField(null=True)

    class Meta:
        app_label = "naive"

    def __str__(self) -> str:
        return f"{self.agent}@{self.recorded_at}"
