-- How far each targeted device got in a rollout. One small row per device report, so a rollout over thousands of
-- devices does not rewrite its whole grain state for every report; the rollout grain reads them back on activation.
-- A released device without a row has not reported yet (pending).
CREATE TABLE IF NOT EXISTS model_rollout_progress (
    rollout_id text NOT NULL,
    device     text NOT NULL,                   -- branch/site/device
    state      text NOT NULL,                   -- pending | running | failed
    error      text NULL,
    time_utc   timestamptz NOT NULL,
    PRIMARY KEY (rollout_id, device)
);
