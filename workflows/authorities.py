"""Authority types: who is a public service authority (Part 3, Schedule 2) or a relevant
authority (Part 5, Schedule 3), and which review or appeal route an authority's type takes."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ReviewRoute(StrEnum):
    """Where an asset transfer decision goes next (ss.85-88)."""

    LOCAL_AUTHORITY = "local_authority"  # review by the council's members (s.86), then s.88
    OTHER = "other"  # appeal to the Scottish Ministers (s.85)
    SCOTTISH_MINISTERS = "scottish_ministers"  # review by the Scottish Ministers (s.87)


@dataclass(frozen=True)
class AuthorityType:
    id: str
    label: str
    public_service_authority: bool  # Schedule 2 (V as at 2017)
    relevant_authority: bool  # Schedule 3 (G list)
    review_route: ReviewRoute | None


def _t(id, label, psa, ra, route=ReviewRoute.OTHER):
    return AuthorityType(id, label, psa, ra, route if ra else None)


AUTHORITY_TYPES: dict[str, AuthorityType] = {
    t.id: t
    for t in (
        _t("local_authority", "Local authority", True, True, ReviewRoute.LOCAL_AUTHORITY),
        _t("health_board", "Health Board", True, True),
        _t("college_board", "Board of management of a college", True, True),
        _t("highlands_and_islands_enterprise", "Highlands and Islands Enterprise", True, True),
        _t("national_park_authority", "National Park authority", True, True),
        _t("police_scotland", "Police Scotland (chief constable)", True, False),
        _t("scottish_police_authority", "Scottish Police Authority", False, True),
        _t("scottish_enterprise", "Scottish Enterprise", True, True),
        _t("sepa", "Scottish Environment Protection Agency", True, True),
        _t("fire_and_rescue", "Scottish Fire and Rescue Service", True, True),
        _t("naturescot", "NatureScot", True, True),
        _t("regional_transport_partnership", "Regional Transport Partnership", True, True),
        _t(
            "scottish_ministers",
            "The Scottish Ministers",
            False,
            True,
            ReviewRoute.SCOTTISH_MINISTERS,
        ),
        _t("crofting_commission", "Crofting Commission", False, True),
        _t("historic_environment_scotland", "Historic Environment Scotland", False, True),
        _t("scottish_canals", "Scottish Canals", False, True),
        _t(
            "scottish_courts_and_tribunals_service",
            "Scottish Courts and Tribunals Service",
            False,
            True,
        ),
        _t("scottish_water", "Scottish Water", False, True),
    )
}
