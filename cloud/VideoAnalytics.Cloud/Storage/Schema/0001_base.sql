-- Base schema. Later scripts: 01xx ingest, 02xx cluster/grains/alerts/console, 03xx models.
CREATE TABLE IF NOT EXISTS devices (
    branch text NOT NULL,
    site text NOT NULL,
    device text NOT NULL,
    PRIMARY KEY (branch, site, device)
);
