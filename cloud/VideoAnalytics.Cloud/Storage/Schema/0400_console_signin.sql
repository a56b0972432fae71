-- Console sign-in throttle and audit (Console/Users/SignInThrottle), shared by every silo.
-- Failed sign-ins are counted per key: 'name:{user}@{address}' (one name from one client address) and 'addr:{address}'
-- (any name from one address), so a wrong password from one address locks out that address, never the user everywhere.
-- Rows leave by time only (window over and lock expired), never because many names or addresses are tracked.
CREATE TABLE IF NOT EXISTS console_signin_throttle (
    key           text PRIMARY KEY,
    failures      int NOT NULL,                 -- failures since window_start
    window_start  timestamptz NOT NULL,
    locked_until  timestamptz NULL
);
CREATE INDEX IF NOT EXISTS console_signin_throttle_window_idx ON console_signin_throttle (window_start);

-- Every sign-in that was decided: signed-in | failed | locked (this failure started a lockout). Attempts refused while
-- locked are only logged: the per-address lock and rate limit bound what an attacker can add here.
CREATE TABLE IF NOT EXISTS console_signin_audit (
    id        bigserial PRIMARY KEY,
    time_utc  timestamptz NOT NULL DEFAULT clock_timestamp(),
    name      text NOT NULL,
    address   text NOT NULL,
    outcome   text NOT NULL
);
CREATE INDEX IF NOT EXISTS console_signin_audit_time_idx ON console_signin_audit (time_utc);
