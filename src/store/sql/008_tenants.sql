-- 008_tenants.sql: provider mode (issue 14): tenants (customers) owning
-- policy domains, users (of one tenant, or provider operators), server-side
-- login sessions, API tokens, failed-login counters for lockout and rate
-- limits, and the audit log.  Secrets are never stored: passwords as
-- argon2id encodings, session ids and API tokens as SHA-256 hex.
-- Reports are never tied to a tenant: a report's policy_domain is looked up
-- in tenant_domains, and a domain no tenant owns is "unassigned" (operators
-- see it, no tenant does).  Times are unix seconds.

CREATE TABLE tenants (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,          -- [a-z0-9._-], 1-64 bytes
    created_at  INTEGER NOT NULL,
    disabled    INTEGER NOT NULL DEFAULT 0
);

-- A domain belongs to exactly one tenant (the primary key).
CREATE TABLE tenant_domains (
    domain      TEXT PRIMARY KEY,              -- policy domain, lower case, no trailing dot
    tenant_id   INTEGER NOT NULL REFERENCES tenants(id),
    assigned_at INTEGER NOT NULL
);
CREATE INDEX tenant_domains_tenant ON tenant_domains(tenant_id, domain);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,        -- login name, lower case
    tenant_id     INTEGER REFERENCES tenants(id),  -- NULL: a provider operator
    role          TEXT NOT NULL CHECK (role IN ('operator', 'admin', 'viewer')),
    pw_hash       TEXT NOT NULL,               -- $argon2id$v=19$m=...,t=...,p=...$salt$hash
    created_at    INTEGER NOT NULL,
    pw_changed_at INTEGER NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0,
    CHECK ((role = 'operator') = (tenant_id IS NULL))
);
CREATE INDEX users_tenant ON users(tenant_id);

CREATE TABLE sessions (
    id_hash     TEXT PRIMARY KEY,              -- SHA-256 hex of the cookie's random id
    user_id     INTEGER NOT NULL REFERENCES users(id),
    created_at  INTEGER NOT NULL,              -- absolute timeout from here
    last_seen   INTEGER NOT NULL,              -- idle timeout from here
    csrf        TEXT NOT NULL,                 -- the session's CSRF secret (random, hex)
    ip          TEXT                           -- client address at login
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
    id          INTEGER PRIMARY KEY,
    tenant_id   INTEGER NOT NULL REFERENCES tenants(id),
    name        TEXT,                          -- what it is for (free text)
    scope       TEXT NOT NULL CHECK (scope IN ('read', 'write')),
    hash        TEXT NOT NULL UNIQUE,          -- SHA-256 hex of the whole token
    prefix      TEXT NOT NULL,                 -- "dms_" and the first 8 characters, shown in lists
    created_at  INTEGER NOT NULL,
    last_used   INTEGER,
    revoked_at  INTEGER                        -- NULL: valid
);
CREATE INDEX api_tokens_tenant ON api_tokens(tenant_id);

-- Failed logins ('user' / 'addr') and login attempts ('rate'), one row each;
-- rows older than a day, and expired locks, are purged at every failed login.
CREATE TABLE login_failures (
    kind        TEXT NOT NULL,                 -- user | addr | rate
    key         TEXT NOT NULL,                 -- user name (lower case) or client address (v6: /64)
    at          INTEGER NOT NULL
);
CREATE INDEX login_failures_key ON login_failures(kind, key, at);
CREATE INDEX login_failures_at ON login_failures(at);
CREATE TABLE login_locks (
    kind        TEXT NOT NULL,                 -- user | addr
    key         TEXT NOT NULL,
    until       INTEGER NOT NULL,
    PRIMARY KEY (kind, key)
);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          INTEGER NOT NULL,
    actor       TEXT NOT NULL,                 -- user name, "token:PREFIX", "cli:UNIXUSER"
    tenant_id   INTEGER,                       -- the tenant concerned, NULL: none / provider
    action      TEXT NOT NULL,                 -- login, login_failed, user_add, token_add, ...
    target      TEXT,                          -- what was acted on (a name, a domain, an id)
    ip          TEXT,
    detail      TEXT                           -- never a secret
);
CREATE INDEX audit_log_tenant ON audit_log(tenant_id, id);
