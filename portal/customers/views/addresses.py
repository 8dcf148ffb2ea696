"""A customer's addresses: add, edit, verify again, make the default of its type."""

from __future__ import annotations

from dataclasses import asdict

from flask import url_for
from flask_login import current_user

from portal.customers import bp, services
from portal.customers.forms.addresses import AddressActionForm, address_form
from portal.customers.queries.profile import address_or_404, customer_or_404
from portal.customers.views._sections import conflict, saved, section
from portal.domain import DomainError, StaleVersion
from portal.idempotency import create_once
from portal.security.access import require

# AddressData field → its name in the address payloads (StaleVersion.current).
PAYLOAD_KEYS = {
    "address_type": "addressType",
    "street1": "streetAddress1",
    "street2": "streetAddress2",
    "city": "city",
    "state": "state",
    "postal_code": "postalCode",
    "country": "country",
    "note": "addressNote",
}


def _form(customer, form, *, address=None, status=200, errors=()):
    return section(
        "customers/_address_form.html",
        customer,
        tab="addresses",
        status=status,
        form=form,
        address=address,
        form_errors=list(errors),
    )


def _list(customer):
    return saved("customers/_address_list.html", customer, target="addresses", tab="addresses")


@bp.get("/<customer_id>/addresses/new")
@require("customer:manage")
def address_new(customer_id: str):
    return _form(customer_or_404(customer_id), address_form(formdata=None))


@bp.post("/<customer_id>/addresses")
@require("customer:manage")
def address_create(customer_id: str):
    customer = customer_or_404(customer_id)
    form = address_form()
    if not form.validate():
        return _form(customer, form, status=422)
    try:
        create_once(
            current_user,
            form,
            lambda: services.add_address(
                current_user, customer.id, form.address(), make_default=form.make_default.data
            ),
            lambda _: url_for("customers.profile", customer_id=customer.id, tab="addresses"),
        )
    except DomainError as exc:
        return _form(customer, form, status=422, errors=form.show_errors(exc.errors))
    return _list(customer)


@bp.get("/<customer_id>/addresses/<address_id>/edit")
@require("customer:manage")
def address_edit(customer_id: str, address_id: str):
    customer = customer_or_404(customer_id)
    address = address_or_404(customer.id, address_id)
    return _form(customer, address_form(address, formdata=None), address=address)


@bp.post("/<customer_id>/addresses/<address_id>")
@require("customer:manage")
def address_update(customer_id: str, address_id: str):
    customer = customer_or_404(customer_id)
    address = address_or_404(customer.id, address_id)
    form = address_form(address)
    if not form.validate():
        return _form(customer, form, address=address, status=422)
    data = form.address()
    try:
        services.update_address(current_user, customer.id, address.id, data, form.version.data)
    except StaleVersion as exc:
        return conflict(
            customer,
            target=f"address-{address.id}",
            tab="addresses",
            current=exc.current,
            submitted={PAYLOAD_KEYS[k]: v for k, v in asdict(data).items()},
            reload=url_for(
                "customers.address_edit", customer_id=customer.id, address_id=address.id
            ),
        )
    except DomainError as exc:
        errors = form.show_errors(exc.errors)
        return _form(customer, form, address=address, status=422, errors=errors)
    return _list(customer)


def _button_post(customer_id: str, address_id: str, use_case):
    """A one-button post on the address version the user saw. A refusal or a change made
    meanwhile (409) shows the list as it is now, with the message on that address."""
    customer = customer_or_404(customer_id)
    address = address_or_404(customer.id, address_id)
    form = AddressActionForm()
    if not form.validate():
        return _list_with_problems(customer, address, form.errors, status=422)
    try:
        use_case(current_user, customer.id, address.id, expected_version=form.version.data)
    except (StaleVersion, DomainError) as exc:
        return _list_with_problems(customer, address, exc.errors, status=exc.status)
    return _list(customer)


def _list_with_problems(customer, address, errors, *, status):
    return section(
        "customers/_address_list.html",
        customer,
        tab="addresses",
        status=status,
        problems={address.id: [m for ms in errors.values() for m in ms]},
    )


@bp.post("/<customer_id>/addresses/<address_id>/verify")
@require("customer:manage")
def address_verify(customer_id: str, address_id: str):
    return _button_post(customer_id, address_id, services.verify_address)


@bp.post("/<customer_id>/addresses/<address_id>/default")
@require("customer:manage")
def address_default(customer_id: str, address_id: str):
    return _button_post(customer_id, address_id, services.set_default_address)
