INSERT INTO hosts(ip, ptr, fcrdns, base_domain) VALUES ('209.85.220.50', 'mail-sor-f50.google.com', 1, 'google.com');
