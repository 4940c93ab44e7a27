-- 003_enrich.sql: the enrichment cache (issue 4).  hosts (002) keeps the
-- facts the classifier reads; this adds, per lookup kind, its state, the time
-- of the lookup and when it is due again, plus the DNSBL results per zone and
-- the RDAP networks.  States and their classes are listed in
-- src/store/store_hosts.h and docs/ENRICH.md.

ALTER TABLE hosts ADD COLUMN ptr_names TEXT;         -- every PTR name, space separated
ALTER TABLE hosts ADD COLUMN dnsbl_listed INTEGER;   -- zones listing it at the last check
ALTER TABLE hosts ADD COLUMN ptr_state TEXT;         -- ok | nxdomain | nodata | servfail | refused | timeout | error
ALTER TABLE hosts ADD COLUMN ptr_at INTEGER;
ALTER TABLE hosts ADD COLUMN ptr_expires INTEGER;
ALTER TABLE hosts ADD COLUMN geo_state TEXT;         -- ok | none
ALTER TABLE hosts ADD COLUMN geo_source TEXT;        -- the mmdb file that answered
ALTER TABLE hosts ADD COLUMN geo_at INTEGER;
ALTER TABLE hosts ADD COLUMN geo_expires INTEGER;
ALTER TABLE hosts ADD COLUMN asn_state TEXT;         -- ok | none | nxdomain | temporary states
ALTER TABLE hosts ADD COLUMN asn_source TEXT;        -- mmdb file name, or cymru
ALTER TABLE hosts ADD COLUMN asn_at INTEGER;
ALTER TABLE hosts ADD COLUMN asn_expires INTEGER;
ALTER TABLE hosts ADD COLUMN rdap_state TEXT;        -- ok | notfound | timeout | error
ALTER TABLE hosts ADD COLUMN rdap_at INTEGER;
ALTER TABLE hosts ADD COLUMN rdap_expires INTEGER;
ALTER TABLE hosts ADD COLUMN rdap_net INTEGER;       -- rdap_networks.id

-- One row per host and DNSBL zone.
CREATE TABLE host_dnsbl (
    ip          TEXT NOT NULL,
    zone        TEXT NOT NULL,
    state       TEXT NOT NULL,      -- listed | not_listed | temporary states
    codes       TEXT,               -- answer addresses, space separated
    meaning     TEXT,               -- the codes decoded for known zones
    txt         TEXT,               -- the TXT reason
    checked_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    PRIMARY KEY (ip, zone)
) WITHOUT ROWID;
CREATE INDEX host_dnsbl_listed ON host_dnsbl(zone) WHERE state = 'listed';

-- RDAP ip network objects; lo/hi are 16-byte keys (IPv4 as ::ffff:a.b.c.d),
-- so one network answers for every address inside it.
CREATE TABLE rdap_networks (
    id          INTEGER PRIMARY KEY,
    family      INTEGER NOT NULL,
    lo          BLOB NOT NULL,
    hi          BLOB NOT NULL,
    start_addr  TEXT,
    end_addr    TEXT,
    handle      TEXT,
    name        TEXT,
    org         TEXT,
    country     TEXT,
    abuse_email TEXT,
    url         TEXT,               -- where it was fetched
    fetched_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);
CREATE INDEX rdap_networks_lo ON rdap_networks(lo, hi);

-- Small key/value state of the enrichment (the records.id watermark).
CREATE TABLE enrich_state (
    key    TEXT PRIMARY KEY,
    value  INTEGER NOT NULL
) WITHOUT ROWID;
