"""A sample deprivation lookup for the demo's own postcodes, so its reports and national
page show the SIMD breakdown without the official files (which the service never
downloads). It is named as sample data wherever a figure cites it; the data zone codes are
made up (S0109990x, outside the real range S01006506 to S01013481) and the ranks are
invented, placed among 6,976 zones as SIMD 2020v2's are. Load the real files with
`casework simd import` (README, "The inequalities lens").
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from casework.models import SimdPostcode, SimdVersion, SimdZone
from casework.simd import bands, make_current

ZONES = 6976  # as in SIMD 2020v2, so the invented ranks fall in quintiles as real ones do
# (postcode, made-up data zone, invented rank): the demo bodies' and land's postcodes.
SAMPLE = (
    ("KY8 4AA", "S01099901", 310),  # Leven
    ("KY8 4NP", "S01099901", 310),
    ("KY1 3NB", "S01099902", 1020),  # Kirkcaldy
    ("KY3 9DB", "S01099903", 3050),  # Burntisland
    ("KY3 9DS", "S01099903", 3050),
    ("KY3 9UE", "S01099904", 4480),  # Kinghorn
    ("PH2 9QN", "S01099905", 6510),  # Glenfarg
)


def seed_sample_simd(session: Session) -> SimdVersion:
    version = SimdVersion(
        edition="Sample data, not the real SIMD",  # the demo's; 40 characters at most
        vintage="made-up data zones for the demo",
        simd_file="(sample data in casework/demo_simd.py)",
        postcodes_file="(sample data in casework/demo_simd.py)",
        zones_loaded=len({z for _, z, _ in SAMPLE}),
        zones_refused=0,
        postcodes_loaded=len(SAMPLE),
        postcodes_refused=0,
    )
    session.add(version)
    session.flush()
    ranks = {zone: rank for _, zone, rank in SAMPLE}
    for zone, rank in ranks.items():
        quintile, decile = bands(rank, ZONES)
        session.add(
            SimdZone(
                version_id=version.id, data_zone=zone, rank=rank, quintile=quintile, decile=decile
            )
        )
    for postcode, zone, _ in SAMPLE:
        session.add(SimdPostcode(version_id=version.id, postcode=postcode, data_zone=zone))
    session.flush()
    make_current(session, version)
    return version
