"""REST endpoints of the shops. Writes go through ``services``, reads through ``selectors``; which
branches a caller reaches is decided by ``access`` (organization admins: all; others: where
assigned)."""

from __future__ import annotations

import mimetypes
from pathlib import Path

from django.http import FileResponse
from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from core.files import open_stored
from core.idempotency import idempotency_key, idempotency_parameter
from core.parsers import JSONParser
from core.schema import binary_responses
from core.viewsets import TenantScopedViewSet
from domains.shops import access, selectors, services
from domains.shops.filters import BranchFilter, ExpenseFilter, SaleFilter
from domains.shops.models import Branch, Expense, ExpenseCategory, Sale, Store
from domains.shops.serializers import (
    DOWNLOAD_TYPES,
    BranchInput,
    BranchMinimumInput,
    BranchOutput,
    BranchStockOutput,
    BranchUpdateInput,
    ExpenseCategoryInput,
    ExpenseCategoryOutput,
    ExpenseInput,
    ExpenseOutput,
    ExpenseUpdateInput,
    LowStockInput,
    ReportInput,
    ReturnInput,
    ReturnOutput,
    RevisionOutput,
    SaleInput,
    SaleOutput,
    StaffInput,
    StaffOutput,
    StoreInput,
    StoreOutput,
    StoreUpdateInput,
    SummaryOutput,
    TopProductsInput,
    TopProductsOutput,
)
from domains.stock import api as stock_api

TAGS = ["shops"]
# Branch names and their stores are not secret inside an organization: anyone working with
# branches may list them.
BRANCH_READERS = ("shops.manage", "sales.view", "expenses.manage", "stock.view", "analytics.view")


@extend_schema(tags=TAGS)
class StoreViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, TenantScopedViewSet):
    """Stores (shops) of the organization; each has branches. Deleting is a soft delete."""

    serializer_class = StoreOutput
    search_fields = ["name", "address"]
    ordering_fields = ["id", "name"]
    capabilities = {
        "list": BRANCH_READERS,
        "retrieve": BRANCH_READERS,
        "create": "shops.manage",
        "partial_update": "shops.manage",
        "destroy": "shops.manage",
    }

    def get_tenant_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.store_list(tenant=self.request.tenant)

    def _output(self, store: Store, code: int = status.HTTP_200_OK) -> Response:
        return Response(StoreOutput(self.get_queryset().get(pk=store.pk)).data, status=code)

    @extend_schema(request=StoreInput, responses={201: StoreOutput})
    def create(self, request: Request) -> Response:
        data = StoreInput(data=request.data)
        data.is_valid(raise_exception=True)
        return self._output(
            services.store_create(tenant=request.tenant, **data.validated_data), status.HTTP_201_CREATED
        )

    @extend_schema(request=StoreUpdateInput, responses={200: StoreOutput})
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        store = self.get_object()
        data = StoreUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        return self._output(services.store_update(store=store, **data.validated_data))

    def perform_destroy(self, instance: Store) -> None:
        services.store_delete(store=instance)


@extend_schema(tags=TAGS)
class BranchViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, TenantScopedViewSet):
    """Branches: where stock is kept and sales happen. Staff are assigned per branch with a
    role there; the branch's stock levels are on the shared ledger."""

    serializer_class = BranchOutput
    filterset_class = BranchFilter
    search_fields = ["name", "address"]
    ordering_fields = ["id", "name"]
    capabilities = {
        "list": BRANCH_READERS,
        "retrieve": BRANCH_READERS,
        "create": "shops.manage",
        "partial_update": "shops.manage",
        "destroy": "shops.manage",
        "staff": "shops.manage",
        "unassign": "shops.manage",
        "stock": ("stock.view", "sales.view"),
        "minimum": "stock.manage",
    }

    def get_tenant_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.branch_list(tenant=self.request.tenant)

    @extend_schema(request=BranchInput, responses={201: BranchOutput})
    def create(self, request: Request) -> Response:
        data = BranchInput(data=request.data, context={"tenant": request.tenant})
        data.is_valid(raise_exception=True)
        branch = services.branch_create(tenant=request.tenant, **data.validated_data)
        return Response(BranchOutput(branch).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=BranchUpdateInput, responses={200: BranchOutput})
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        branch = self.get_object()
        data = BranchUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(BranchOutput(services.branch_update(branch=branch, **data.validated_data)).data)

    def perform_destroy(self, instance: Branch) -> None:
        services.branch_delete(branch=instance)

    @extend_schema(methods=["get"], request=None, responses={200: StaffOutput(many=True)})
    @extend_schema(methods=["post"], request=StaffInput, responses={201: StaffOutput})
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def staff(self, request: Request, pk: str | None = None) -> Response:
        """GET: who works here, with which role. POST: assign a member (or change their role)."""
        branch = self.get_object()
        if request.method == "GET":
            return Response(StaffOutput(selectors.staff_of(branch=branch), many=True).data)
        data = StaffInput(data=request.data, context={"tenant": request.tenant})
        data.is_valid(raise_exception=True)
        row = services.staff_assign(branch=branch, actor=request.user, **data.validated_data)
        return Response(StaffOutput(row).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["delete"], url_path=r"staff/(?P<user_id>\d+)")
    def unassign(self, request: Request, pk: str | None = None, user_id: str = "") -> Response:
        """Remove a member from the branch (their organization membership stays)."""
        services.staff_unassign(branch=self.get_object(), user_id=int(user_id))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses={200: BranchStockOutput(many=True)})
    @action(detail=True, methods=["get"])
    def stock(self, request: Request, pk: str | None = None) -> Response:
        """The branch's stock levels, product by product (``?low=true``: only those below their
        minimum). Stock viewers see every branch; sales staff see their own."""
        branch = self.get_object()
        access.require_branch_stock(request.membership, branch)
        low = request.query_params.get("low") in ("true", "1")
        rows = stock_api.branch_levels(tenant_id=request.tenant.pk, branch_ids=[branch.pk], low_only=low)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(BranchStockOutput(page, many=True).data)

    @extend_schema(request=BranchMinimumInput, responses={200: BranchStockOutput})
    @action(detail=True, methods=["post"])
    def minimum(self, request: Request, pk: str | None = None) -> Response:
        """Set a product's low-stock line at this branch (null: use the product's own)."""
        branch = self.get_object()
        data = BranchMinimumInput(data=request.data, context={"tenant": request.tenant})
        data.is_valid(raise_exception=True)
        row = stock_api.branch_minimum(branch=branch, actor=request.user, **data.validated_data)
        levels = stock_api.branch_levels(tenant_id=request.tenant.pk, branch_ids=[branch.pk])
        return Response(BranchStockOutput(levels.get(id=row.pk)).data)


@extend_schema(tags=TAGS)
class SaleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantScopedViewSet):
    """Sales, newest first, with their lines and returns. A sale is never edited: it is returned
    in full or in part. Each caller sees the sales of the branches they work at."""

    serializer_class = SaleOutput
    filterset_class = SaleFilter
    search_fields = ["customer_name", "customer_phone", "note"]
    ordering_fields = ["id", "total"]
    capabilities = {"list": "sales.view", "retrieve": "sales.view", "create": "sales.record", "returns": "sales.record"}

    def get_tenant_queryset(self):  # type: ignore[no-untyped-def]
        sales = selectors.sale_list(tenant=self.request.tenant).order_by("-pk")
        return access.scope(sales, self.request.membership, "sales.view")

    def _output(self, sale: Sale, code: int) -> Response:
        fresh = selectors.sale_list(tenant=self.request.tenant).get(pk=sale.pk)
        return Response(SaleOutput(fresh).data, status=code)

    @extend_schema(
        request=SaleInput,
        responses={201: SaleOutput, 200: SaleOutput},
        parameters=[idempotency_parameter("A repeat returns the first sale with 200 instead of selling twice.")],
    )
    def create(self, request: Request) -> Response:
        """Record a sale at a branch where you may sell. Every line's stock leaves the branch or
        none does: 409 ``insufficient_stock`` names each short product (a product the branch
        never stocked has none)."""
        data = SaleInput(data=request.data, context={"tenant": request.tenant})
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        access.require_branch(request.membership, values["branch"], "sales.record")
        sale, created = services.sale_record(
            tenant=request.tenant, actor=request.user, idempotency_key=idempotency_key(request), **values
        )
        if created:  # the service hands back the sale with its lines: no need to read it again
            return Response(SaleOutput(sale).data, status=status.HTTP_201_CREATED)
        return self._output(sale, status.HTTP_200_OK)

    @extend_schema(
        request=ReturnInput,
        responses={201: ReturnOutput, 200: ReturnOutput},
        parameters=[idempotency_parameter("A repeat returns the first return with 200 instead of refunding twice.")],
    )
    @action(detail=True, methods=["post"])
    def returns(self, request: Request, pk: str | None = None) -> Response:
        """Return all of the sale (no ``lines``) or some lines in part. Stock comes back to the
        branch and the refund is the returned share of what was paid; returning more than is
        left is a 400 on the line's ``quantity``."""
        sale = self.get_object()
        access.require_branch(request.membership, sale.branch, "sales.record")
        data = ReturnInput(data=request.data)
        data.is_valid(raise_exception=True)
        record, created = services.sale_return(
            sale=sale, actor=request.user, idempotency_key=idempotency_key(request), **data.validated_data
        )
        return Response(ReturnOutput(record).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


@extend_schema(tags=TAGS)
class ExpenseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, TenantScopedViewSet):
    """Expenses per branch. JSON, or multipart/form-data to attach a receipt (PDF or image).
    Every change is a numbered revision (``history``); deleting is a soft delete, recorded too."""

    serializer_class = ExpenseOutput
    filterset_class = ExpenseFilter
    search_fields = ["note"]
    ordering_fields = ["id", "spent_on", "amount"]
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    capabilities = {
        "list": "expenses.manage",
        "retrieve": "expenses.manage",
        "create": "expenses.manage",
        "partial_update": "expenses.manage",
        "destroy": "expenses.manage",
        "history": "expenses.manage",
        "attachment": "expenses.manage",
    }

    def get_tenant_queryset(self):  # type: ignore[no-untyped-def]
        # A deleted expense's history stays readable: that is what the history is for.
        deleted_too = self.action == "history"
        expenses = selectors.expense_list(tenant=self.request.tenant, deleted_too=deleted_too).order_by(
            "-spent_on", "-pk"
        )
        return access.scope(expenses, self.request.membership, "expenses.manage")

    def _input(self, serializer: type[ExpenseInput]) -> dict:
        data = serializer(data=request_data(self.request), context={"tenant": self.request.tenant})
        data.is_valid(raise_exception=True)
        if "branch" in data.validated_data:
            access.require_branch(self.request.membership, data.validated_data["branch"], "expenses.manage")
        return dict(data.validated_data)

    @extend_schema(request=ExpenseInput, responses={201: ExpenseOutput})
    def create(self, request: Request) -> Response:
        expense = services.expense_create(tenant=request.tenant, actor=request.user, **self._input(ExpenseInput))
        return Response(ExpenseOutput(expense).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ExpenseUpdateInput, responses={200: ExpenseOutput})
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        expense = self.get_object()
        expense = services.expense_update(expense=expense, actor=request.user, **self._input(ExpenseUpdateInput))
        return Response(ExpenseOutput(expense).data)

    def perform_destroy(self, instance: Expense) -> None:
        services.expense_delete(expense=instance, actor=self.request.user)

    @extend_schema(responses=binary_responses(DOWNLOAD_TYPES))
    @action(detail=True, methods=["get"])
    def attachment(self, request: Request, pk: str | None = None) -> FileResponse:
        """The receipt, as uploaded (404 if the expense has none). Receipts are private to the
        organization, so they are served here, behind the same checks, never from a public URL."""
        expense = self.get_object()
        if not expense.attachment:
            raise NotFound(gettext("This expense has no attachment."))
        name = Path(expense.attachment.name).name
        kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
        return FileResponse(open_stored(expense.attachment), as_attachment=True, filename=name, content_type=kind)

    @extend_schema(responses={200: RevisionOutput(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None)
    def history(self, request: Request, pk: str | None = None) -> Response:
        """Every revision, oldest first: who changed what, from which value to which."""
        return Response(RevisionOutput(selectors.expense_history(expense=self.get_object()), many=True).data)


def request_data(request: Request) -> dict:
    """The body as one dict: a multipart form's fields and its files together."""
    if hasattr(request.data, "dict"):
        return {**request.data.dict(), **request.FILES.dict()}
    return request.data


@extend_schema(tags=TAGS)
class ExpenseCategoryViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, TenantScopedViewSet
):
    """Expense categories: rent, salary, utilities, purchase and other to start with; editable.
    Deleting is a soft delete: past expenses keep their category."""

    serializer_class = ExpenseCategoryOutput
    ordering_fields = ["id", "name"]
    capabilities = {
        "list": ("expenses.manage", "analytics.view"),
        "retrieve": ("expenses.manage", "analytics.view"),
        "create": "expenses.manage",
        "partial_update": "expenses.manage",
        "destroy": "expenses.manage",
    }

    def get_tenant_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.expense_category_list(tenant=self.request.tenant)

    @extend_schema(request=ExpenseCategoryInput, responses={201: ExpenseCategoryOutput})
    def create(self, request: Request) -> Response:
        data = ExpenseCategoryInput(data=request.data)
        data.is_valid(raise_exception=True)
        category = services.category_create(tenant=request.tenant, **data.validated_data)
        return Response(ExpenseCategoryOutput(category).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ExpenseCategoryInput, responses={200: ExpenseCategoryOutput})
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        category = self.get_object()
        data = ExpenseCategoryInput(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(ExpenseCategoryOutput(services.category_update(category=category, **data.validated_data)).data)

    def perform_destroy(self, instance: ExpenseCategory) -> None:
        services.category_delete(category=instance)


# Reports


class ReportView(GenericAPIView):
    """Reports over the branches where the caller holds ``analytics.view`` (one ``branch`` if
    given, which must be one of them)."""

    capabilities = {"get": "analytics.view"}
    params: type[ReportInput] = ReportInput

    def _params(self, request: Request) -> tuple[dict, list[int] | None]:
        params = self.params(data=request.query_params, context={"tenant": request.tenant})
        params.is_valid(raise_exception=True)
        values = dict(params.validated_data)
        branch = values.pop("branch", None)
        allowed = access.branches_for(request.membership, "analytics.view")
        if branch is not None:
            access.require_branch(request.membership, branch, "analytics.view")
            return values, [branch.pk]
        return values, None if allowed is access.EVERY_BRANCH else sorted(allowed)


@extend_schema(tags=["reports"], parameters=[ReportInput], responses={200: SummaryOutput})
class SummaryView(ReportView):
    serializer_class = SummaryOutput

    def get(self, request: Request) -> Response:
        """Revenue, cost, gross margin, discounts and expenses for ``start``..``end``
        (organization-local days, the last 30 by default): per day and branch, per product
        category, per expense category, and in total, each per currency. Revenue is net of
        returns, counted on the day of the return."""
        values, branch_ids = self._params(request)
        figures = selectors.summary(tenant=request.tenant, branch_ids=branch_ids, **values)
        return Response(SummaryOutput({**values, **figures}).data)


@extend_schema(tags=["reports"], parameters=[TopProductsInput], responses={200: TopProductsOutput})
class TopProductsView(ReportView):
    serializer_class = TopProductsOutput
    params = TopProductsInput

    def get(self, request: Request) -> Response:
        """The best sellers by net revenue for ``start``..``end`` (``limit``, 10 by default)."""
        values, branch_ids = self._params(request)
        limit = values.pop("limit")
        products = selectors.top_products(tenant=request.tenant, branch_ids=branch_ids, limit=limit, **values)
        return Response(TopProductsOutput({**values, "products": products}).data)


@extend_schema(tags=["reports"], parameters=[LowStockInput], responses={200: BranchStockOutput(many=True)})
class LowStockView(GenericAPIView):
    """Products below their minimum (the branch's, else the product's), per branch."""

    serializer_class = BranchStockOutput
    filter_backends = ()  # its own parameters (LowStockInput); rows come from stock's door
    capabilities = {"get": ("stock.view", "analytics.view")}

    def get(self, request: Request) -> Response:
        params = LowStockInput(data=request.query_params, context={"tenant": request.tenant})
        params.is_valid(raise_exception=True)
        branch = params.validated_data.get("branch")
        branch_ids = [branch.pk] if branch else selectors.live_branch_ids(tenant=request.tenant)
        rows = stock_api.branch_levels(tenant_id=request.tenant.pk, branch_ids=branch_ids, low_only=True)
        rows = access.scope_stock(rows, request.membership)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(BranchStockOutput(page, many=True).data)
