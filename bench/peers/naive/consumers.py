"""The tutorial's consumer: store each point, then tell the dashboards' group."""

from __future__ import annotations

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils.dateparse import parse_datetime

from bench.peers.naive.models import Point
from bench.peers.relay import agent_of


class LiveConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        self.agent = None
        await self.accept()

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard("dashboards", self.channel_name)

    async def receive_json(self, content: dict, **kwargs: object) -> None:
        kind = content.get("type")
        if kind == "auth":
            self.agent = agent_of(content.get("token", ""))
            await self.send_json({"type": "welcome"})
        elif kind == "subscribe":
            await self.channel_layer.group_add("dashboards", self.channel_name)
            await self.send_json({"type": "subscribed", "topic": content.get("topic")})
        elif kind == "location":
            points = content["points"]
            for p in points:
                await database_sync_to_async(Point.objects.create)(
                    agent=self.agent,
                    recorded_at=parse_datetime(p["recorded_at"]),
                    lat=p["lat"],
                    lon=p["lon"],
                    accuracy=p.get("accuracy"),
                )
            await self.send_json(
                {"type": "location_ack", "ref": content["ref"], "stored": len(points), "duplicates": 0}
            )
            trail = [[p["recorded_at"], p["lat"], p["lon"]] for p in points]
            await self.channel_layer.group_send(
                "dashboards",
                {"type": "location.event", "data": {"agent_id": self.agent, "trail": trail, "points": len(points)}},
            )

    async def location_event(self, message: dict) -> None:
        await self.send_json({"type": "event", "topic": "agents.locations", "event": {"data": message["data"]}})
