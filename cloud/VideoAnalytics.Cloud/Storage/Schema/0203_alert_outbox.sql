-- Alert changes still to be pushed: one row per change and target ('mqtt', or 'webhook:<url>'), written in the same
-- transaction as the change itself, so a silo that dies between storing an alert and pushing it loses nothing: another
-- silo (or the same one after its restart) sends it. due_utc doubles as a lease: a silo that takes a row pushes it
-- forward while it sends, and a failed send sets it to the next retry.
CREATE TABLE IF NOT EXISTS alert_outbox (
    id          bigserial PRIMARY KEY,
    alert_id    text NOT NULL,
    change      text NOT NULL,
    target      text NOT NULL,
    alert       jsonb NOT NULL,                 -- the alert as changed (contract JSON)
    attempts    int NOT NULL DEFAULT 0,
    due_utc     timestamptz NOT NULL DEFAULT now(),
    created_utc timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS alert_outbox_due_idx ON alert_outbox (due_utc);
