# ruff: noqa: RUF001 (Uzbek names: its turned comma and apostrophe are letters, not quotes)
"""Demo clients for `make run`: the reference dictionaries, a dozen shops along the demo agent's
route (assigned to the agent), and a storefront photo."""

from __future__ import annotations

from django.core.files.base import ContentFile

from core.demo import demo_username, png
from core.models import Organization, User
from core.roles import Role
from domains.clients import services
from domains.clients.models import Client, Reference, ReferenceKind

REFERENCES = {
    ReferenceKind.VISIT_TYPE: ["Muntazam tashrif", "Merchandayzing", "Qarz undirish"],
    ReferenceKind.VISIT_STATUS: ["Buyurtma olindi", "Buyurtma yoʻq", "Doʻkon yopiq"],
    ReferenceKind.PRIORITY: ["Past", "Oʻrta", "Yuqori"],
    ReferenceKind.IMAGE_STATUS: ["Yangi", "Tasdiqlangan", "Rad etilgan"],
    ReferenceKind.IMAGE_SOURCE: ["Kamera", "Galereya"],
}
CLIENTS = [  # name, code, phone, address, lat, lon
    ("Baraka Savdo", "C-0001", "+998 90 111-22-01", "Amir Temur 12", 41.3112, 69.2801),
    ("Oila Supermarketi", "C-0002", "+998 90 111-22-02", "Shota Rustaveli 5", 41.3161, 69.2853),
    ("Korzinka Ekspress", "C-0003", "+998 90 111-22-03", "Navoi 40", 41.3210, 69.2915),
    ("Dilnoza Oziq-ovqat", "C-0004", "+998 90 111-22-04", "Bobur 7", 41.3252, 69.2980),
    ("Yangi Hayot", "C-0005", "+998 90 111-22-05", "Chilonzor 19", 41.3215, 69.3042),
    ("Shirin Choy", "C-0006", "+998 90 111-22-06", "Mirobod 3", 41.3139, 69.2962),
    ("Mahalla Doʻkoni", "C-0007", "+998 90 111-22-07", "Yunusobod 22", 41.3600, 69.2900),
    ("Oilaviy Doʻkon", "C-0008", "+998 90 111-22-08", "Sergeli 8", 41.2300, 69.2200),
]


def seed(tenant: Organization) -> None:
    if Reference.all_objects.filter(tenant=tenant).exists():
        return
    for kind, names in REFERENCES.items():
        for position, name in enumerate(names):
            services.reference_create(tenant=tenant, kind=kind, name=name, position=position)
    agent = User.objects.get(username=demo_username(Role.AGENT))
    manager = User.objects.get(username=demo_username(Role.MANAGER))
    for name, code, phone, address, lat, lon in CLIENTS:
        services.client_create(
            tenant=tenant, name=name, code=code, phone=phone, address=address, lat=lat, lon=lon, agents=[agent]
        )
    first = Client.objects.get(tenant=tenant, code="C-0001")
    services.client_photo_add(
        client=first,
        actor=manager,
        upload=ContentFile(png(), name="storefront.png"),
        content_type="image/png",
        caption="Doʻkon peshtoqi",
        status=Reference.objects.get(tenant=tenant, kind=ReferenceKind.IMAGE_STATUS, name="Tasdiqlangan"),
        source=Reference.objects.get(tenant=tenant, kind=ReferenceKind.IMAGE_SOURCE, name="Kamera"),
    )
