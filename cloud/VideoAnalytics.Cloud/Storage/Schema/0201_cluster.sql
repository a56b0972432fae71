-- Orleans cluster membership and grain state on PostgreSQL (Grains/Cluster/). One row per cluster holds the
-- membership table version; silo rows carry an etag that every conditional update checks and replaces.
CREATE TABLE IF NOT EXISTS orleans_membership_version (
    cluster_id  text PRIMARY KEY,
    version     integer NOT NULL,
    etag        text NOT NULL,
    updated_utc timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS orleans_membership (
    cluster_id      text NOT NULL REFERENCES orleans_membership_version (cluster_id) ON DELETE CASCADE,
    silo_address    text NOT NULL,             -- SiloAddress.ToParsableString(): ip:port@generation
    generation      integer NOT NULL,
    silo_name       text NOT NULL,
    host_name       text NOT NULL,
    status          integer NOT NULL,          -- Orleans SiloStatus
    proxy_port      integer NOT NULL,
    suspect_times   text NULL,                 -- "address@ticks|address@ticks" votes of suspecting silos
    start_time      timestamptz NOT NULL,
    i_am_alive_time timestamptz NOT NULL,
    etag            text NOT NULL,
    PRIMARY KEY (cluster_id, silo_address)
);

-- Grain state: one row per (service, state name, grain), JSON body, etag for optimistic concurrency.
CREATE TABLE IF NOT EXISTS orleans_grain_state (
    service_id  text NOT NULL,
    state_name  text NOT NULL,
    grain_id    text NOT NULL,
    grain_type  text NOT NULL,
    state       jsonb NOT NULL,
    etag        text NOT NULL,
    updated_utc timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (service_id, state_name, grain_id)
);
CREATE INDEX IF NOT EXISTS orleans_grain_state_type_idx ON orleans_grain_state (service_id, grain_type);

-- Clips still waiting for a judge (ClipGrain state), found by the sweeper when their silo died or the judge was down.
CREATE INDEX IF NOT EXISTS orleans_grain_state_pending_clips_idx
    ON orleans_grain_state (service_id, ((state ->> 'nextAttemptUtc')))
    WHERE state_name = 'clip' AND state ->> 'status' = 'pending';
