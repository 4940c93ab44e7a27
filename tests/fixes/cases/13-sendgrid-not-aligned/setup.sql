INSERT INTO hosts(ip, ptr, fcrdns, base_domain) VALUES ('167.89.12.34', 'o1.ptr1234.sendgrid.net', 1, 'sendgrid.net');
INSERT INTO hosts(ip, ptr, fcrdns, base_domain) VALUES ('167.89.12.35', 'o2.ptr1234.sendgrid.net', 1, 'sendgrid.net');
