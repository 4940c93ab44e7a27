-- hosts rows for this case: what enrichment would have found.
INSERT INTO hosts(ip, ptr, fcrdns, base_domain, asn) VALUES ('74.125.0.5', NULL, NULL, NULL, 15169);
