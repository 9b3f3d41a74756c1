"""What each statutory notice is: its title, citation, recipient and whether it is published.

The wording lives in the service's templates; what the law requires of each notice is
checked by tests against the rendered text.
"""

from __future__ import annotations

from dataclasses import dataclass

from workflows.rules import Party


@dataclass(frozen=True)
class NoticeSpec:
    kind: str
    title: str
    citation: str
    recipient: Party
    published: bool = False
