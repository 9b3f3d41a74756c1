"""What each statutory notice is: its title, citation, addressee and whether it is published.

The wording lives in the service's templates; what the law requires of each notice is
checked by tests against the rendered text.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Addressee(StrEnum):
    BODY = "body"
    ADDITIONAL_AUTHORITY = "additional_authority"
    OWNERS_AND_OCCUPIERS = "owners_and_occupiers"
    PUBLIC = "public"


@dataclass(frozen=True)
class NoticeSpec:
    kind: str
    title: str
    citation: str
    recipient: Addressee
    published: bool = False
