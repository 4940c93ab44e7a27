INSERT INTO hosts(ip, ptr, fcrdns, base_domain) VALUES ('192.0.2.40', 'mail.own.test', 1, 'own.test');
