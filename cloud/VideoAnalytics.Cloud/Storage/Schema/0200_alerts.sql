-- Alerts: one row per incident (judgments and certain gate events of one site/camera/rule within a window).
-- Written by the alerts grains (Alerts/), read by the console and its HTTP API (Console/).
CREATE TABLE IF NOT EXISTS alerts (
    alert_id          text PRIMARY KEY,
    branch            text NOT NULL,
    site              text NOT NULL,
    device            text NOT NULL,
    camera            text NOT NULL,
    rule              text NOT NULL,
    severity          text NOT NULL,            -- low | medium | high | critical
    state             text NOT NULL,            -- new | acknowledged | confirmed | dismissed
    verified          boolean NOT NULL,         -- false: edge-certain only, or judge backend down ("unverified")
    summary           text NOT NULL,
    opened_utc        timestamptz NOT NULL,
    updated_utc       timestamptz NOT NULL,
    last_evidence_utc timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS alerts_scope_idx ON alerts (branch, site, opened_utc DESC);
CREATE INDEX IF NOT EXISTS alerts_open_idx ON alerts (branch, site, camera, rule, last_evidence_utc DESC);

-- Evidence merged into an alert: judgments of clips, certain gate events.
CREATE TABLE IF NOT EXISTS alert_evidence (
    alert_id    text NOT NULL REFERENCES alerts (alert_id),
    evidence_id text NOT NULL,                  -- clip id (judgment) or event id (gate event)
    kind        text NOT NULL,                  -- judgment | gate_event
    clip_id     text NULL,
    verdict     text NULL,                      -- fight | no_fight | unsure (judgments)
    confidence  double precision NULL,
    score       double precision NULL,          -- gate score (gate events)
    reason      text NOT NULL,
    backend     text NULL,                      -- judge backend name, on every judgment
    time_utc    timestamptz NOT NULL,
    PRIMARY KEY (alert_id, evidence_id)
);

-- Every state change, with who and when.
CREATE TABLE IF NOT EXISTS alert_audit (
    id         bigserial PRIMARY KEY,
    alert_id   text NOT NULL REFERENCES alerts (alert_id),
    actor      text NOT NULL,                   -- user name, or "system"
    action     text NOT NULL,                   -- opened | merged | acknowledged | confirmed | dismissed | verified
    from_state text NULL,
    to_state   text NULL,
    note       text NULL,
    time_utc   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS alert_audit_alert_idx ON alert_audit (alert_id, id);
