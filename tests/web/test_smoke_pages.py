"""Every public page loads, passes axe, and is served with the security headers."""

from __future__ import annotations


def test_public_pages_pass_axe(visit, site):
    v = visit("public")
    for path in ("/", "/register", "/representations", "/land", "/sign-in", "/sign-up"):
        v.go(path)
