"""Which field each column of an import goes to.

Headers of common CRM exports (Zendesk Sell/Base, HubSpot, Salesforce, Pipedrive, Google
Contacts, Outlook) and custom fields (by name or key) are mapped to fields automatically;
``resolve_mapping`` applies the user's overrides.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from desktopcrm.models.records import RecordKind
from desktopcrm.services import custom_fields
from desktopcrm.services.errors import ServiceError
from desktopcrm.services.importing.report import KINDS
from desktopcrm.services.search import words


def _aliases(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_GROUPS: dict[str, tuple[str, ...]] = {
    "first_name": _aliases("firstname givenname forename personfirstname contactfirstname"),
    "last_name": _aliases("lastname familyname surname personlastname contactlastname"),
    "full_name": _aliases("name fullname contactname personname leadname displayname"),
    "email": _aliases(
        "email emailaddress email1value email1 emailaddress1 workemail "
        "businessemail primaryemail personemail contactemail emailwork "
        "personemailwork email1address"
    ),
    "phone": _aliases(
        "phone phonenumber phone1value businessphone workphone telephone tel "
        "officephone primaryphone personphone phonework personphonework"
    ),
    "mobile": _aliases(
        "mobile mobilephone cellphone mobilenumber cell phone2value "
        "personphonemobile mobilephonenumber"
    ),
    "company": _aliases(
        "company companyname organization organisation organizationname "
        "organisationname organization1name accountname account "
        "personorganization org"
    ),
    "title": _aliases("title jobtitle position organization1title organizationtitle role"),
    "website": _aliases(
        "website websiteurl webpage url web website1value companywebsite companydomainname domain"
    ),
    "street": _aliases(
        "street address streetaddress mailingstreet businessstreet "
        "billingstreet address1street addressline1 address1"
    ),
    "city": _aliases("city mailingcity businesscity billingcity address1city town"),
    "region": _aliases(
        "state region province stateregion stateprovince mailingstateprovince "
        "billingstateprovince businessstate address1region county"
    ),
    "postal_code": _aliases(
        "zip zipcode postalcode postcode zippostalcode mailingzippostalcode "
        "billingzippostalcode businesspostalcode address1postalcode"
    ),
    "country": _aliases(
        "country countryregion mailingcountry billingcountry businesscountryregion address1country"
    ),
    "source": _aliases("source leadsource originalsource dealsource channel"),
    "description": _aliases("description notes note about comments background"),
    "owner": _aliases(
        "owner ownername owneremail leadowner contactowner contactownername "
        "dealowner accountowner opportunityowner recordowner assignedto "
        "salesrep hubspotowner"
    ),
    "tags": _aliases("tags tag labels label categories category groupmembership"),
    "status": _aliases("status leadstatus"),
    "priority": _aliases("priority rating leadrating abc abcpriority leadpriority"),
    "deal_name": _aliases("dealname opportunityname dealtitle name title deal"),
    "value": _aliases("value amount dealvalue dealamount opportunityamount"),
    "currency": _aliases("currency dealcurrency currencyisocode currencycode amountcurrency"),
    "probability": _aliases("probability probabilitypercent dealprobability winprobability"),
    "expected_close": _aliases(
        "closedate expectedclose expectedclosedate estimatedclosedate "
        "dealexpectedclosedate closingdate dealclosedate"
    ),
    "pipeline": _aliases("pipeline dealpipeline salespipeline"),
    "stage": _aliases("stage dealstage salesstage stagename pipelinestage"),
    "contact": _aliases("contact contactname person personname primarycontact fullname"),
    "contact_email": _aliases("email contactemail personemail emailaddress personemailwork"),
    "loss_reason": _aliases("lossreason lostreason reason unqualifiedreason"),
}

_PERSON = (
    "first_name",
    "last_name",
    "full_name",
    "email",
    "phone",
    "mobile",
    "title",
    "website",
    "street",
    "city",
    "region",
    "postal_code",
    "country",
    "source",
    "description",
    "owner",
    "tags",
)

#: For each kind: (alias group, field it maps to), in the order headers are matched.
_TARGETS: dict[str, tuple[tuple[str, str], ...]] = {
    "lead": (
        *((g, g) for g in _PERSON),
        ("company", "company_name"),
        ("status", "status"),
        ("priority", "priority"),
    ),
    "contact": (*((g, g) for g in _PERSON), ("company", "company")),
    "company": (
        ("full_name", "name"),
        ("company", "name"),
        *((g, g) for g in _PERSON if g not in ("first_name", "last_name", "full_name", "title")),
    ),
    "deal": (
        ("deal_name", "name"),
        ("value", "value"),
        ("currency", "currency"),
        ("probability", "probability"),
        ("expected_close", "expected_close"),
        ("pipeline", "pipeline"),
        ("stage", "stage"),
        ("contact", "contact"),
        ("contact_email", "contact_email"),
        ("company", "company"),
        ("loss_reason", "loss_reason"),
        ("owner", "owner"),
        ("source", "source"),
        ("description", "description"),
        ("tags", "tags"),
    ),
}


def header_key(header: str) -> str:
    """A header reduced to lower-case letters and digits ("E-mail 1 - Value" → "email1value")."""
    return "".join(words(header))


def fields_for(kind: str) -> list[str]:
    """The fields a column can be mapped to for ``kind`` (custom fields as ``custom:KEY``)."""
    check_kind(kind)
    names = list(dict.fromkeys(target for _, target in _TARGETS[kind]))
    entity = entity_of(kind)
    return names + [f"custom:{f.key}" for f in custom_fields.fields_of(entity)]


def suggest_mapping(kind: str, headers: Sequence[str]) -> dict[str, str | None]:
    """Which field each column goes to (``None``: not imported), from the header's wording.

    Built-in fields first (the first column wins when several fit), then custom fields by
    their name or key.
    """
    check_kind(kind)
    aliases: dict[str, str] = {}
    for group, field_name in _TARGETS[kind]:
        for alias in _GROUPS[group]:
            aliases.setdefault(alias, field_name)
    customs: dict[str, str] = {}
    for custom in custom_fields.fields_of(entity_of(kind)):
        customs.setdefault(header_key(custom.name), f"custom:{custom.key}")
        customs.setdefault(header_key(custom.key), f"custom:{custom.key}")
    mapping: dict[str, str | None] = {}
    used: set[str] = set()
    for header in headers:
        key = header_key(header)
        target: str | None = aliases.get(key) or customs.get(key)
        if target is None and key.startswith(("deal", "person", "organization", "lead")):
            for prefix in ("deal", "person", "organization", "lead"):
                if key.startswith(prefix) and key != prefix:
                    target = aliases.get(key[len(prefix) :])
                    break
        if target in used:
            target = None
        mapping[header] = target
        if target:
            used.add(target)
    return mapping


def check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ServiceError(f"{kind!r} cannot be imported: choose one of {', '.join(KINDS)}.")


def entity_of(kind: str) -> RecordKind:
    return {
        "lead": RecordKind.LEAD,
        "contact": RecordKind.CONTACT,
        "company": RecordKind.CONTACT,
        "deal": RecordKind.DEAL,
    }[kind]


def resolve_mapping(
    kind: str, headers: Sequence[str], overrides: Mapping[str, str | None] | None = None
) -> dict[str, str | None]:
    """The suggested mapping with ``overrides`` applied; refuses unknown columns or fields."""
    mapping = suggest_mapping(kind, headers)
    if not overrides:
        return mapping
    allowed = set(fields_for(kind))
    for header, target in overrides.items():
        if header not in mapping:
            raise ServiceError(
                f"The file has no column {header!r}; its columns are: {', '.join(headers)}."
            )
        target = (target or "").strip() or None
        if target is not None and target not in allowed:
            raise ServiceError(
                f"{target!r} is not a field of {kind}s; map {header!r} to one of: "
                f"{', '.join(sorted(allowed))} (or to nothing)."
            )
        if target is not None:
            for other, current in mapping.items():
                if current == target and other != header:
                    mapping[other] = None
        mapping[header] = target
    return mapping
