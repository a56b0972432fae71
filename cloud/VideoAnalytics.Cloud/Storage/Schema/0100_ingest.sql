-- Ingest (cloud/VideoAnalytics.Cloud/Ingest): the durable inbox between MQTT and the grains.
-- Every accepted message is written here in one transaction BEFORE its PUBACK, idempotent on its id, so QoS 1
-- redeliveries change nothing. Work rows carry a lease so that a silo that dies mid-work loses nothing.

-- Gate events and device statuses waiting to be handed to IClipDispatcher (then state = 'done').
CREATE TABLE IF NOT EXISTS ingest_inbox (
    message_key   text PRIMARY KEY,              -- event:{branch}/{site}/{device}:{eventId} | status:{branch}/{site}/{device}:{ticks}
    kind          text NOT NULL,                 -- event | status
    branch        text NOT NULL,
    site          text NOT NULL,
    device        text NOT NULL,
    camera        text NULL,
    payload       jsonb NOT NULL,
    time_utc      timestamptz NOT NULL,          -- the message's own timestamp
    received_utc  timestamptz NOT NULL DEFAULT clock_timestamp(),
    state         text NOT NULL DEFAULT 'pending', -- pending | done
    attempts      int NOT NULL DEFAULT 0,
    lease_until   timestamptz NULL,
    done_utc      timestamptz NULL,
    last_error    text NULL
);
CREATE INDEX IF NOT EXISTS ingest_inbox_pending_idx ON ingest_inbox (received_utc) WHERE state = 'pending';

-- One row per clip: created by its manifest or its first chunk, whichever arrives first.
CREATE TABLE IF NOT EXISTS clips (
    clip_id          text PRIMARY KEY,
    branch           text NOT NULL,
    site             text NOT NULL,
    device           text NOT NULL,
    camera           text NOT NULL,
    manifest         jsonb NULL,                 -- null until the manifest message arrived
    sha256           text NULL,                  -- whole-clip hash (from the manifest)
    total_bytes      bigint NULL,
    chunk_count      int NOT NULL,
    chunks_received  int NOT NULL DEFAULT 0,
    state            text NOT NULL DEFAULT 'receiving', -- receiving | complete | incomplete | dispatched
    blob_key         text NULL,                  -- IClipStore key, clips/{clip_id}
    reason           text NULL,                  -- why incomplete, or the last dispatch error
    attempts         int NOT NULL DEFAULT 0,
    lease_until      timestamptz NULL,
    first_seen_utc   timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_utc      timestamptz NOT NULL DEFAULT clock_timestamp(),
    completed_utc    timestamptz NULL,
    dispatched_utc   timestamptz NULL
);
CREATE INDEX IF NOT EXISTS clips_receiving_idx ON clips (updated_utc) WHERE state = 'receiving';
CREATE INDEX IF NOT EXISTS clips_complete_idx ON clips (completed_utc) WHERE state = 'complete';
CREATE INDEX IF NOT EXISTS clips_device_idx ON clips (branch, site, device, camera, first_seen_utc DESC);

-- Chunks of clips still being assembled; deleted once the clip is stored (or given up as incomplete).
CREATE TABLE IF NOT EXISTS clip_chunks (
    clip_id      text NOT NULL,
    chunk_index  int NOT NULL,
    sha256       text NOT NULL,
    data         bytea NOT NULL,
    received_utc timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (clip_id, chunk_index)
);

-- Structured track records, one row per batch as the device sent it (records as JSONB).
CREATE TABLE IF NOT EXISTS track_batches (
    message_id    text PRIMARY KEY,
    branch        text NOT NULL,
    site          text NOT NULL,
    device        text NOT NULL,
    camera        text NOT NULL,
    sequence      bigint NOT NULL,
    time_utc      timestamptz NOT NULL,
    record_count  int NOT NULL,
    records       jsonb NOT NULL,
    received_utc  timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX IF NOT EXISTS track_batches_camera_seq_idx ON track_batches (branch, site, device, camera, sequence);

-- The latest models/reported of each device (retained on the broker; newest wins).
CREATE TABLE IF NOT EXISTS device_models_reported (
    branch        text NOT NULL,
    site          text NOT NULL,
    device        text NOT NULL,
    payload       jsonb NOT NULL,
    time_utc      timestamptz NOT NULL,
    received_utc  timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (branch, site, device)
);
