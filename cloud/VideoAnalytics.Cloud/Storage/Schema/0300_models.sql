-- Model registry (Models/): signed package versions, their files (blobs in IClipStore under models/{name}/{version}/{file}),
-- assignments per scope, the concrete target of every device, what devices report, and who did what when.
CREATE TABLE IF NOT EXISTS model_versions (
    name            text NOT NULL,
    version         text NOT NULL,
    kind            text NOT NULL,              -- detector | encoder | heads | pose
    manifest        bytea NOT NULL,             -- exact signed bytes of manifest.json
    manifest_sha256 text NOT NULL,
    signature       text NOT NULL,              -- base64 ECDSA P-256 (P1363) over manifest
    key_id          text NOT NULL,
    total_bytes     bigint NOT NULL,
    pushed_by       text NOT NULL,
    pushed_utc      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (name, version)
);

CREATE TABLE IF NOT EXISTS model_files (
    name     text NOT NULL,
    version  text NOT NULL,
    path     text NOT NULL,
    sha256   text NOT NULL,
    bytes    bigint NOT NULL,
    blob_key text NOT NULL,
    PRIMARY KEY (name, version, path),
    FOREIGN KEY (name, version) REFERENCES model_versions (name, version)
);

-- One row per assign/push. At most one active assignment per (scope, kind); the most specific scope wins per device.
CREATE TABLE IF NOT EXISTS model_assignments (
    rollout_id     text PRIMARY KEY,
    scope          text NOT NULL,               -- org | branch:<b> | site:<b>/<s> | camera:<b>/<s>/<d>/<c>
    kind           text NOT NULL,
    name           text NOT NULL,
    version        text NOT NULL,
    canary_percent int NOT NULL,
    state          text NOT NULL,               -- active | superseded | rolled_back
    supersedes     text NULL,                   -- rollout_id of the assignment it replaced in that scope
    assigned_by    text NOT NULL,
    assigned_utc   timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (name, version) REFERENCES model_versions (name, version)
);
CREATE UNIQUE INDEX IF NOT EXISTS model_assignments_active_idx ON model_assignments (scope, kind) WHERE state = 'active';

-- What each device (camera '' = all its cameras) must run, per kind: written by rollouts, read to build models/desired.
CREATE TABLE IF NOT EXISTS model_device_targets (
    branch      text NOT NULL,
    site        text NOT NULL,
    device      text NOT NULL,
    camera      text NOT NULL DEFAULT '',
    kind        text NOT NULL,
    name        text NOT NULL,
    version     text NOT NULL,
    rollout_id  text NOT NULL,
    updated_utc timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (branch, site, device, camera, kind)
);

-- The last models/reported of each device.
CREATE TABLE IF NOT EXISTS model_device_reports (
    branch     text NOT NULL,
    site       text NOT NULL,
    device     text NOT NULL,
    rollout_id text NULL,
    state      text NOT NULL,                   -- applying | running | failed
    models     text NOT NULL,                   -- name@version (health), comma-separated
    last_error text NULL,
    time_utc   timestamptz NOT NULL,
    PRIMARY KEY (branch, site, device)
);

CREATE TABLE IF NOT EXISTS model_audit (
    id       bigserial PRIMARY KEY,
    actor    text NOT NULL,
    action   text NOT NULL,                     -- pushed | assigned | advanced | completed | rolled_back
    details  text NOT NULL,
    time_utc timestamptz NOT NULL DEFAULT now()
);
