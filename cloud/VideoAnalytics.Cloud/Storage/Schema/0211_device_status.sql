-- Last status of each edge device (the retained va.status.v1 record, or its Last Will), for the console's device page.
-- Written by the cloud's DeviceGrain through Console/Devices/DeviceStatusStore.UpsertAsync; older records never
-- overwrite newer ones.
CREATE TABLE IF NOT EXISTS device_status (
    branch          text NOT NULL,
    site            text NOT NULL,
    device          text NOT NULL,
    state           text NOT NULL,                  -- online | offline
    status_time_utc timestamptz NOT NULL,           -- the edge's timestamp of the record
    received_utc    timestamptz NOT NULL,           -- when the cloud received it
    status          jsonb NOT NULL,                 -- the va.status.v1 record: cameras (fps, state), spool, model versions
    PRIMARY KEY (branch, site, device)
);
CREATE INDEX IF NOT EXISTS device_status_scope_idx ON device_status (branch, site);
