import pytest

from core.roles import Role
from domains.shops.models import BranchRole, BranchStaff
from tests.factories import branch_factory, member_factory, shop_product, stock_up

# The live-server fixtures of the realtime tests, for the shops' end-to-end test.
from tests.realtime.conftest import server, server_factory  # noqa: F401


def assign(member, branch, role):  # type: ignore[no-untyped-def]
    row, _ = BranchStaff.objects.update_or_create(
        branch=branch, user=member.user, defaults={"tenant": branch.tenant, "role": role}
    )
    return row


@pytest.fixture
def shops(tenant, admin):  # type: ignore[no-untyped-def]
    """Two branches of one store, a product stocked at the first, a cashier at each."""
    north = branch_factory(tenant=tenant, name="North")
    south = branch_factory(tenant=tenant, name="South", store=north.store)
    soap = shop_product(tenant=tenant, name="Soap", price="2.50", cost="1.20")
    tea = shop_product(tenant=tenant, name="Tea", price="4.00", cost="2.10")
    stock_up(soap, 20, actor=admin.user, branch=north)
    stock_up(tea, 10, actor=admin.user, branch=north)
    cashier = member_factory(tenant=tenant, role=Role.CASHIER)
    assign(cashier, north, BranchRole.CASHIER)
    south_cashier = member_factory(tenant=tenant, role=Role.CASHIER)
    assign(south_cashier, south, BranchRole.CASHIER)
    return {
        "north": north,
        "south": south,
        "soap": soap,
        "tea": tea,
        "cashier": cashier,
        "south_cashier": south_cashier,
    }
