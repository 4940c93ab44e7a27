-- hosts rows for this case: what enrichment would have found.
INSERT INTO hosts(ip, ptr, fcrdns, base_domain, asn) VALUES ('209.85.220.50', 'mail-sor-f50.google.com', 1, 'google.com', NULL);
