-- hosts rows for this case: what enrichment would have found.
INSERT INTO hosts(ip, ptr, fcrdns, base_domain, asn) VALUES ('203.0.113.5', 'mta1.example.co.jp', 1, 'example.co.jp', NULL);
INSERT INTO hosts(ip, ptr, fcrdns, base_domain, asn) VALUES ('203.0.113.6', 'mta1.evilexample.co.jp', 1, 'evilexample.co.jp', NULL);
