-- Alerts refinements: evidence keeps the clip's edge features and scene embedding so staff decisions become
-- training labels without another lookup; who last changed an alert's state, and the labels themselves.
ALTER TABLE alert_evidence ADD COLUMN IF NOT EXISTS features jsonb NULL;
ALTER TABLE alert_evidence ADD COLUMN IF NOT EXISTS scene_embedding real[] NULL;
ALTER TABLE alert_evidence ADD COLUMN IF NOT EXISTS keyframes text[] NULL;   -- blob keys of keyframe files
ALTER TABLE alert_evidence ADD COLUMN IF NOT EXISTS verified boolean NOT NULL DEFAULT false;
ALTER TABLE alerts ADD COLUMN IF NOT EXISTS state_actor text NULL;
ALTER TABLE alerts ADD COLUMN IF NOT EXISTS state_utc timestamptz NULL;
CREATE INDEX IF NOT EXISTS alert_evidence_clip_idx ON alert_evidence (clip_id) WHERE clip_id IS NOT NULL;

-- Training data for the next heads: one row per clip and source (staff decision or judge verdict).
CREATE TABLE IF NOT EXISTS labels (
    clip_id         text NOT NULL,
    source          text NOT NULL,            -- staff | judge
    branch          text NOT NULL,
    site            text NOT NULL,
    camera          text NOT NULL,
    rule            text NOT NULL,
    label           text NOT NULL,            -- fight | nofight
    actor           text NOT NULL,            -- user name, or the judge backend
    alert_id        text NULL,
    features        jsonb NULL,
    scene_embedding real[] NULL,
    time_utc        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (clip_id, source)
);
CREATE INDEX IF NOT EXISTS labels_branch_idx ON labels (branch, rule, time_utc DESC);

-- Gate events and clips arrive at least once: the evidence id alone finds a duplicate.
CREATE INDEX IF NOT EXISTS alert_evidence_id_idx ON alert_evidence (evidence_id);
