-- Security console users (Console/). Created by `va users add`; passwords are PBKDF2 hashes (Console/Users/PasswordHashing).
-- Staff see one branch; admins see every branch (their branch, if any, is only informative).
CREATE TABLE IF NOT EXISTS console_users (
    name          text PRIMARY KEY,                 -- [a-z0-9][a-z0-9._@-]{0,63}
    role          text NOT NULL CHECK (role IN ('staff', 'admin')),
    branch        text NULL,
    password_hash text NOT NULL,                    -- pbkdf2-sha512$iterations$salt$hash (base64)
    disabled      boolean NOT NULL DEFAULT false,
    created_utc   timestamptz NOT NULL DEFAULT now(),
    updated_utc   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT console_users_staff_branch CHECK (role = 'admin' OR branch IS NOT NULL)
);
