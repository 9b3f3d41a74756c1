"""Register records by the thousand, written straight into PostgreSQL with generate_series,
for the tests of the register at scale. Record g (1, 2, ...) is:

- authority A{g % 32} ("Authority {g % 32:02d}"), kind asset_transfer_request when g % 3 == 0;
- document DOCUMENTS[g % 5] (three of every five are decisions), outcome OUTCOMES[g % 4];
- issued 1 January 2020 plus g % 2000 days; published 1 January 2026 plus g // 3 hours
  (so three records share each time, and only the id tells them apart);
- land "Glen{g % 1000} Hall, {g % 1000} Main Street" in its search text (what the
  publication actor writes there), and the word "word{g % 7}" in its text.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

DOCUMENTS = ("decision_notice", "review_outcome", "appeal_outcome", "public_notice", "other")
OUTCOMES = ("agreed", "refused", "confirm", "dismissed")

SEED = """
WITH made AS (
    INSERT INTO events (type, occurred_at, actor, payload)
    SELECT 'seed.record', now(), 'seed', '{}' FROM generate_series(1, :n)
    RETURNING id
), numbered AS (
    SELECT id, row_number() OVER (ORDER BY id) AS g FROM made
)
INSERT INTO register_records (
    event_id, case_id, report_id, reference, kind, document, title, request_title,
    authority_code, authority_name, body_name, outcome, issued_on, citation, text,
    published_at, search_text)
SELECT id, NULL, NULL, 'PR-A' || (g % 32) || '-2026-' || lpad(g::text, 6, '0'),
    CASE WHEN g % 3 = 0 THEN 'asset_transfer_request' ELSE 'participation_request' END,
    (ARRAY['decision_notice', 'review_outcome', 'appeal_outcome', 'public_notice', 'other'])
        [1 + g % 5],
    'Decision on request ' || g, 'Request ' || g,
    'A' || (g % 32), 'Authority ' || lpad((g % 32)::text, 2, '0'), 'Body ' || (g % 97),
    (ARRAY['agreed', 'refused', 'confirm', 'dismissed'])[1 + g % 4],
    date '2020-01-01' + (g % 2000)::int, 's.24', 'The decision on word' || (g % 7) || '.',
    timestamptz '2026-01-01 00:00:00+00' + (g / 3) * interval '1 hour',
    'Glen' || (g % 1000) || ' Hall, ' || (g % 1000) || ' Main Street'
FROM numbered ORDER BY g
"""


def seed(connection: Connection, n: int) -> None:
    connection.execute(text(SEED), {"n": n})
    connection.execute(text("ANALYZE register_records"))
    connection.execute(text("ANALYZE events"))
