"""The RESO Data Dictionary 2.0 facts about the fields we map: OData type and
its facets (MaxLength of strings, Precision and Scale of decimals), as a
certified server declares them in $metadata.

The types are those of ../shared/reso.md (a test parses it); the facets are
the DD's suggested ones. Our columns must hold every value these allow
(sql/010_mls_dd_widths.sql; tests/test_mls_dd.py checks the live schema), so a
DD-valid value is never refused. Lookups (enums) are open lists whose values
are at most 255 characters here.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DDField:
    # 'String', 'Decimal', 'Int64', 'Date', 'DateTimeOffset', 'Boolean' or
    # 'enum <LookupName>'
    type: str
    max_length: int | None = None
    precision: int | None = None
    scale: int | None = None

    @property
    def edm(self) -> str:
        if self.type.startswith("enum "):
            return "Edm.String"
        return "Edm." + self.type


ENUM_LENGTH = 255


def _s(n: int) -> DDField:
    return DDField("String", max_length=n)


def _d(p: int, s: int) -> DDField:
    return DDField("Decimal", precision=p, scale=s)


def _e(name: str) -> DDField:
    return DDField(f"enum {name}", max_length=ENUM_LENGTH)


_I = DDField("Int64")
_DATE = DDField("Date")
_TS = DDField("DateTimeOffset")
_B = DDField("Boolean")

PROPERTY: dict[str, DDField] = {
    "ListingKey": _s(255), "ListingId": _s(255), "OriginatingSystemName": _s(255),
    "StandardStatus": _e("StandardStatus"), "MlsStatus": _e("MlsStatus"),
    "PropertyType": _e("PropertyType"), "PropertySubType": _e("PropertySubType"),
    "ListPrice": _d(14, 2), "OriginalListPrice": _d(14, 2), "ClosePrice": _d(14, 2),
    "CloseDate": _DATE, "ListingContractDate": _DATE, "OnMarketDate": _DATE,
    "OffMarketDate": _DATE, "DaysOnMarket": _I, "CumulativeDaysOnMarket": _I,
    "BedroomsTotal": _I, "BathroomsTotalInteger": _I, "BathroomsFull": _I, "BathroomsHalf": _I,
    "LivingArea": _d(14, 2), "LivingAreaUnits": _e("AreaUnits"),
    "LotSizeArea": _d(16, 4), "LotSizeAcres": _d(16, 4), "LotSizeSquareFeet": _d(14, 2),
    "YearBuilt": _I, "StoriesTotal": _I, "GarageSpaces": _d(14, 2),
    "UnparsedAddress": _s(255), "StreetNumber": _s(25), "StreetName": _s(50),
    "StreetSuffix": _e("StreetSuffix"), "UnitNumber": _s(25), "City": _e("City"),
    "StateOrProvince": _e("StateOrProvince"), "PostalCode": _s(10),
    "CountyOrParish": _e("CountyOrParish"), "Country": _e("Country"),
    "Latitude": _d(12, 8), "Longitude": _d(12, 8), "SubdivisionName": _s(50),
    "PublicRemarks": _s(4000), "PrivateRemarks": _s(4000),
    "ListAgentKey": _s(255), "ListAgentMlsId": _s(25), "ListAgentFullName": _s(150),
    "ListOfficeKey": _s(255), "ListOfficeName": _s(255), "BuyerAgentKey": _s(255),
    "BuyerOfficeKey": _s(255), "AssociationFee": _d(14, 2), "TaxAnnualAmount": _d(14, 2),
    "ModificationTimestamp": _TS, "OriginalEntryTimestamp": _TS, "StatusChangeTimestamp": _TS,
    "PriceChangeTimestamp": _TS, "PhotosChangeTimestamp": _TS, "PhotosCount": _I,
    "VirtualTourURLUnbranded": _s(8000), "InternetEntireListingDisplayYN": _B,
    "InternetAddressDisplayYN": _B,
}

MEDIA: dict[str, DDField] = {
    "MediaKey": _s(255), "ResourceName": _e("ResourceName"), "ResourceRecordKey": _s(255),
    "MediaURL": _s(8000), "MediaCategory": _e("MediaCategory"), "Order": _I,
    "ShortDescription": _s(50), "MediaModificationTimestamp": _TS,
    "ModificationTimestamp": _TS,
}

MEMBER: dict[str, DDField] = {
    "MemberKey": _s(255), "MemberMlsId": _s(25), "MemberFirstName": _s(50),
    "MemberLastName": _s(50), "MemberFullName": _s(150), "MemberEmail": _s(80),
    "MemberMobilePhone": _s(16), "OfficeKey": _s(255), "MemberStatus": _e("MemberStatus"),
    "ModificationTimestamp": _TS,
}

OFFICE: dict[str, DDField] = {
    "OfficeKey": _s(255), "OfficeMlsId": _s(25), "OfficeName": _s(255), "OfficePhone": _s(16),
    "OfficeEmail": _s(80), "OfficeStatus": _e("OfficeStatus"), "ModificationTimestamp": _TS,
}

OPEN_HOUSE: dict[str, DDField] = {
    "OpenHouseKey": _s(255), "ListingKey": _s(255), "OpenHouseDate": _DATE,
    "OpenHouseStartTime": _TS, "OpenHouseEndTime": _TS, "OpenHouseStatus": _e("OpenHouseStatus"),
    "OpenHouseRemarks": _s(500), "ModificationTimestamp": _TS,
}

ENTITY_EVENT: dict[str, DDField] = {
    "EntityEventSequence": _I, "ResourceName": _e("ResourceName"),
    "ResourceRecordKey": _s(255),
}

RESOURCES: dict[str, dict[str, DDField]] = {
    "Property": PROPERTY, "Media": MEDIA, "Member": MEMBER, "Office": OFFICE,
    "OpenHouse": OPEN_HOUSE,
}
