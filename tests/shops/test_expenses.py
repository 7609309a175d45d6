"""Expenses: categories, attachments through the storage API, edits with history."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from core.roles import Role
from domains.shops.models import Expense, ExpenseCategory, ExpenseRevision
from tests.factories import bearer, member_factory, tenant_factory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_every_organization_starts_with_the_usual_categories(api, admin, tenant):
    names = [c["name"] for c in api.get("/api/shops/expense-categories/", **bearer(admin)).json()["results"]]
    assert sorted(names) == ["Other", "Purchase", "Rent", "Salary", "Utilities"]
    answer = api.post("/api/shops/expense-categories/", {"name": "Marketing"}, format="json", **bearer(admin))
    assert answer.status_code == 201
    dup = api.post("/api/shops/expense-categories/", {"name": "rent"}, format="json", **bearer(admin))
    assert dup.status_code == 400 and "name" in dup.json()["error"]["fields"]


def test_an_expense_with_a_receipt_then_edited_keeps_its_history(api, admin, tenant, shops):
    rent = ExpenseCategory.objects.get(tenant=tenant, name="Rent")
    receipt = SimpleUploadedFile("march.pdf", PDF, content_type="application/pdf")
    body = {
        "branch": shops["north"].pk,
        "category": rent.pk,
        "amount": "1200.00",
        "currency": "USD",
        "spent_on": date.today().isoformat(),
        "note": "March",
        "attachment": receipt,
    }
    answer = api.post("/api/shops/expenses/", body, format="multipart", **bearer(admin))
    assert answer.status_code == 201, answer.json()
    expense = Expense.objects.get(pk=answer.json()["id"])
    assert default_storage.exists(expense.attachment.name)
    assert default_storage.open(expense.attachment.name).read() == PDF
    download = api.get(answer.json()["attachment"], **bearer(admin))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert download["Content-Type"] == "application/pdf" and "march" in download["Content-Disposition"]
    outsider = member_factory(tenant=tenant_factory())
    assert api.get(answer.json()["attachment"], **bearer(outsider)).status_code == 404

    url = f"/api/shops/expenses/{expense.pk}/"
    manager = member_factory(tenant=tenant, role=Role.MANAGER)
    from tests.shops.conftest import assign

    assign(manager, shops["north"], "manager")
    edit = api.patch(url, {"amount": "1250.00", "note": "March, with the late fee"}, format="json", **bearer(manager))
    assert edit.status_code == 200 and edit.json()["version"] == 2
    same = api.patch(url, {"amount": "1250.00"}, format="json", **bearer(manager))
    assert same.json()["version"] == 2  # nothing changed, nothing recorded
    assert api.delete(url, **bearer(manager)).status_code == 204
    history = api.get(f"{url}history/", **bearer(admin))
    assert history.status_code == 200
    revisions = history.json()
    assert [(r["version"], r["action"]) for r in revisions] == [(1, "created"), (2, "updated"), (3, "deleted")]
    assert revisions[1]["changes"] == {
        "amount": ["1200.00", "1250.00"],
        "note": ["March", "March, with the late fee"],
    }
    assert revisions[1]["changed_by"] == manager.user_id
    assert api.get(url, **bearer(admin)).status_code == 404  # deleted: gone from lists and reports


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"amount": "0"}, "amount", "min_value"),
        ({"amount": "-5"}, "amount", "min_value"),
        ({"amount": "12.345"}, "amount", "max_decimal_places"),
        ({"currency": "usd"}, "currency", "invalid"),
        ({"spent_on": (date.today() + timedelta(days=5)).isoformat()}, "spent_on", "future"),
        ({"category": 10**6}, "category", "does_not_exist"),
    ],
)
def test_bad_expenses_are_400_on_the_field(api, admin, tenant, shops, change, field, code):
    rent = ExpenseCategory.objects.get(tenant=tenant, name="Rent")
    body = {"branch": shops["north"].pk, "category": rent.pk, "amount": "10", "currency": "USD"}
    body = {**body, "spent_on": date.today().isoformat(), **change}
    answer = api.post("/api/shops/expenses/", body, format="json", **bearer(admin))
    assert answer.status_code == 400 and answer.json()["error"]["fields"][field][0]["code"] == code
    assert not Expense.objects.exists() and not ExpenseRevision.objects.exists()


def test_attachments_are_checked_for_type_and_size(api, admin, tenant, shops, settings):
    rent = ExpenseCategory.objects.get(tenant=tenant, name="Rent")
    body = {"branch": shops["north"].pk, "category": rent.pk, "amount": "10", "currency": "USD"}
    body["spent_on"] = date.today().isoformat()
    script = SimpleUploadedFile("x.html", b"<script>", content_type="text/html")
    answer = api.post("/api/shops/expenses/", {**body, "attachment": script}, format="multipart", **bearer(admin))
    assert answer.status_code == 400 and answer.json()["error"]["fields"]["attachment"][0]["code"] == "invalid_type"
    settings.EXPENSE_ATTACHMENT_MAX_BYTES = 1000
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * 1500, content_type="application/pdf")
    answer = api.post("/api/shops/expenses/", {**body, "attachment": big}, format="multipart", **bearer(admin))
    assert answer.status_code == 400 and answer.json()["error"]["fields"]["attachment"][0]["code"] == "too_large"
    settings.MAX_UPLOAD_BYTES = 1000  # a body over the upload limit is refused before it is read
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * 1500, content_type="application/pdf")
    answer = api.post("/api/shops/expenses/", {**body, "attachment": big}, format="multipart", **bearer(admin))
    assert answer.status_code == 413
    assert not Expense.objects.exists()


def test_expense_categories_and_branches_of_another_tenant_are_refused(api, admin, tenant, shops):
    theirs = ExpenseCategory.objects.filter(tenant=tenant_factory()).first()
    body = {"branch": shops["north"].pk, "category": theirs.pk, "amount": "10", "currency": "USD"}
    answer = api.post("/api/shops/expenses/", {**body, "spent_on": "2026-01-01"}, format="json", **bearer(admin))
    assert answer.status_code == 400 and "category" in answer.json()["error"]["fields"]
