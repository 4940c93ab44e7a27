-- hosts rows for this case: what enrichment would have found.
INSERT INTO hosts(ip, ptr, fcrdns, base_domain, asn) VALUES ('192.0.2.80', 'ml.lists.example.co.jp', 1, 'example.co.jp', NULL);
