-- hosts rows for this case: what enrichment would have found.
INSERT INTO hosts(ip, ptr, fcrdns, base_domain, asn) VALUES ('209.85.220.41', 'mail-sor-f41.google.com', 1, 'google.com', NULL);
