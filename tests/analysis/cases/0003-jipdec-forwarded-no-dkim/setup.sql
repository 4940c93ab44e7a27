-- hosts rows for this case: what enrichment would have found.
INSERT INTO hosts(ip, ptr, fcrdns, base_domain, asn) VALUES ('209.85.220.69', 'mail-sor-f69.google.com', 1, 'google.com', NULL);
