INSERT INTO hosts(ip, ptr, fcrdns, base_domain) VALUES ('192.0.2.40', 'mail.portal.test', 1, 'portal.test');
INSERT INTO hosts(ip, ptr, fcrdns, base_domain) VALUES ('167.89.12.34', 'o1.ptr1234.sendgrid.net', 1, 'sendgrid.net');
INSERT INTO hosts(ip, ptr, fcrdns, base_domain) VALUES ('209.85.220.50', 'mail-sor-f50.google.com', 1, 'google.com');
INSERT INTO hosts(ip, ptr, fcrdns, base_domain) VALUES ('209.85.220.41', 'mail-sor-f41.google.com', 1, 'google.com');
