"""gen_kinds.py - the demo's failure reports and TLS reports (gen_demo.py reports
calls these; they go into the same directory as the aggregate reports).

  failures(out, first, days, spoofers1, spoofers2)
      DMARC failure reports (RFC 6591 on ARF, RFC 5965) as Google, Yahoo! JAPAN
      and Netease send them: multipart/report with a message/feedback-report
      part and the sample as message/rfc822 (Google), text/rfc822-headers
      (Yahoo! JAPAN), or Netease's multipart/mixed with a base64 feedback part.
      For the spoofers of the aggregate data (from the day each wave starts),
      phishing samples with Japanese and English subjects (RFC 2047,
      ISO-2022-JP and UTF-8), URLs on reserved names only (.test, .example,
      .invalid, example.com, TEST-NET addresses) and now and then a fake
      invoice.pdf.exe or 請求書_N.pdf.exe (RFC 2231 name; harmless bytes); and a few for My Senders: the
      company's own mailing list, whose subject tag breaks DKIM (Auth-Failure:
      dkim, the domain asks fo=1), and SendGrid's web-form notices (not
      signed with the domain).
  tls(out, first, days)
      Daily SMTP TLS reports (RFC 8460, gzip JSON) from two reporters for the
      demo domains since they published their TLSRPT records: Google's in
      mail (multipart/report; report-type=tlsrpt, application/tlsrpt+gzip),
      Microsoft's as bare .json.gz files; mostly successful sessions, a
      backup MX without STARTTLS now and then, and four days of an expired
      certificate on mx2.example.co.jp.

Deterministic: every report is seeded by its date (random.Random), so a run
on a later day writes the same bytes for the days already written.
Standard library only.  Returns the number of files written.
"""
import base64, datetime, gzip, io, json, os, random, urllib.parse
from email.header import Header

UTC = datetime.timezone.utc
HARMLESS = b"dmarcscope demo data: this is not a program, only these words.\r\n"

# reporter: From, User-Agent, style, the mailbox domain of its users
FAIL_REPORTERS = [
    ("noreply-dmarc-support@google.com", "Google-DMARC-Reporter/1.0", "google", "gmail.com"),
    ("dmarc-report@mail.yahoo.co.jp", "Yahoo!-Mail-Feedback/2.0", "yahoo", "yahoo.co.jp"),
    ("abuse@163.com", "NtesDmarcReporter/1.0", "netease", "163.com"),
]

# phishing samples: subject, charset of the subject and body, display name,
# local part of the spoofed From, body, URLs (reserved names only), attachment
PHISH = [
    ("【重要】アカウントの一時停止のお知らせ", "iso-2022-jp", "サポートセンター", "support",
     "お客様のアカウントで不審なログインを検出したため、ご利用を一時停止しました。\n"
     "24時間以内に下記よりご本人確認をお願いいたします。\n\n{u0}\n"
     "（つながらない場合: {u1} ）\n\n"
     "確認が取れない場合、アカウントは削除されます。\n",
     ["https://login.example-co-jp.test/verify?id={n}", "http://192.0.2.45/secure/"], None),
    ("お支払い方法の確認をお願いします", "utf-8", "請求担当", "billing",
     "今月のご請求のお支払いが確認できませんでした。\n"
     "お支払い方法を更新してください: {u0}\n"
     "ご不明な点は {u1} をご覧ください。\n",
     ["http://pay-update.example/card?ref={n}", "https://www.example.com/help"], None),
    ("【example.co.jp】パスワードの有効期限が切れます", "iso-2022-jp", "システム管理者",
     "admin",
     "メールパスワードの有効期限が本日切れます。\n"
     "引き続きご利用いただくには、次のページでパスワードを更新してください。\n{u0}\n",
     ["http://example.co.jp@mail-portal.invalid/reset?u={n}"], None),
    ("請求書送付のご案内（{n}）", "utf-8", "経理部", "keiri",
     "いつもお世話になっております。\n今月分の請求書を添付いたします。\n"
     "ご確認のほどよろしくお願いいたします。\n",
     [], "請求書_{n}.pdf.exe"),
    ("Your mailbox is almost full", "utf-8", "Mail Administrator", "postmaster",
     "Your mailbox has reached 98% of its quota.\n"
     "Increase your storage now: {u0}\n", ["https://quota-upgrade.test/mailbox?n={n}"], None),
    ("Invoice #{n} overdue", "utf-8", "Accounts Receivable", "accounts",
     "Dear customer,\n\nThe attached invoice is overdue. Please pay today to avoid a late fee.\n"
     "Details: {u0}\n", ["http://invoices.example/view/{n}"], "invoice.pdf.exe"),
]
SHOP_PHISH = [
    ("ご注文の商品を発送できませんでした", "iso-2022-jp", "ショップ配送センター",
     "shipping",
     "ご注文の商品（注文番号 {n}）を、住所不明のため発送できませんでした。\n"
     "配送先を確認してください: {u0}\n",
     ["https://delivery-check.example/track?no={n}"], None),
    ("Action required: verify your order", "utf-8", "Shop Security", "security",
     "We could not verify your last order. Confirm your card within 24 hours:\n{u0}\n",
     ["http://shop-example-jp.test/confirm?o={n}"], None),
]


def rfc2822(t):
    return t.strftime("%a, %d %b %Y %H:%M:%S +0000")


def enc_subject(s, cs):
    return Header(s, cs).encode()


def body_part(text, cs):
    """The sample's text part: ISO-2022-JP in 7bit, UTF-8 in base64."""
    if cs == "iso-2022-jp":
        return ('Content-Type: text/plain; charset="ISO-2022-JP"\n'
                "Content-Transfer-Encoding: 7bit\n\n" + text.encode("iso-2022-jp").decode("ascii"))
    return ('Content-Type: text/plain; charset="UTF-8"\nContent-Transfer-Encoding: base64\n\n'
            + base64.encodebytes(text.encode()).decode())


def sample_message(rng, domain, ip, when, rcpt, kind, n):
    """(headers, body, original mail from, subject) of one failing message."""
    mid = "<%08x.%d@%s>" % (rng.randrange(16 ** 8), n, "mail.%s" % ip.replace(".", "-") + ".invalid")
    if kind == "list":
        subj, cs = "[example-ml:%04d] 次回定例会のお知らせ" % (n % 10000), "iso-2022-jp"
        name, addr = "総務部", "soumu@" + domain
        mfrom = "example-ml-bounces@ml.%s" % domain
        text = "各位\n\n次回の定例会は来週水曜日 10:00 からです。\n資料は共有フォルダにあります。\n"
        urls, att = [], None
    elif kind == "notice":
        subj, cs = "お問い合わせを受け付けました", "utf-8"
        name, addr = "example.co.jp お問い合わせ窓口", "info@" + domain
        mfrom = "bounces+%d@sendgrid.net" % (100000 + n)
        text = ("お問い合わせありがとうございます。\n担当者より2営業日以内にご連絡いたします。\n"
                "受付番号: %d\n" % (200000 + n))
        urls, att = [], None
    else:
        pool = SHOP_PHISH + PHISH[4:] if domain.startswith("shop.") else PHISH
        subj, cs, name, local, text, urls, att = pool[rng.randrange(len(pool))]
        ref = str(rng.randrange(10 ** 6, 10 ** 7))
        urls = [u.format(n=ref) for u in urls]
        subj = subj.format(n=ref)
        att = att.format(n=ref) if att else None
        text = text.format(n=ref, **{"u%d" % i: u for i, u in enumerate(urls)})
        addr = "%s@%s" % (local, domain)
        mfrom = "%s@%s" % (local, domain) if rng.random() < 0.5 else \
            "bounce-%d@mailer.example" % rng.randrange(10 ** 5)
    frm = "%s <%s>" % (Header(name, cs).encode(), addr)
    hdr = ("Received: from mail.%s.invalid (unknown [%s]) by mx.%s.invalid with ESMTP id %08X; %s\n"
           % (ip.replace(".", "-").replace(":", "-"), ip, rcpt.split("@")[1], rng.randrange(16 ** 8),
              rfc2822(when)))
    if kind == "list":
        hdr += "DKIM-Signature: v=1; a=rsa-sha256; d=%s; s=selector1; h=from:subject:date; bh=...; b=...\n" % domain
        hdr += "List-Id: <example-ml.ml.%s>\n" % domain
    hdr += ("From: %s\nTo: <%s>\nSubject: %s\nDate: %s\nMessage-ID: %s\nMIME-Version: 1.0\n"
            % (frm, rcpt, enc_subject(subj, cs), rfc2822(when - datetime.timedelta(seconds=3)), mid))
    if att:
        b = "demo-sample-%d" % n
        body = ("Content-Type: multipart/mixed; boundary=\"%s\"\n\n--%s\n%s\n--%s\n"
                "Content-Type: application/octet-stream; name=\"%s\"\n"
                "Content-Disposition: attachment; %s\n"
                "Content-Transfer-Encoding: base64\n\n%s--%s--\n"
                % (b, b, body_part(text, cs), b, Header(att, "utf-8").encode(),
                   'filename="%s"' % att if att.isascii() else
                   "filename*=UTF-8''" + urllib.parse.quote(att),
                   base64.encodebytes(HARMLESS).decode(), b))
    else:
        body = body_part(text, cs)
    return hdr, body, mfrom, subj


def feedback_fields(domain, ip, when, mfrom, rcpt, agent, auth, delivery, dkim):
    f = ["Feedback-Type: auth-failure", "User-Agent: " + agent, "Version: 1",
         "Original-Mail-From: <%s>" % mfrom, "Original-Rcpt-To: <%s>" % rcpt,
         "Arrival-Date: " + rfc2822(when), "Source-IP: " + ip, "Reported-Domain: " + domain,
         "Authentication-Results: mx.example.invalid; dmarc=fail header.from=%s; %s" % (domain, dkim),
         "Auth-Failure: " + auth, "Delivery-Result: " + delivery]
    if auth == "dkim":
        f += ["DKIM-Domain: " + domain, "DKIM-Selector: selector1", "Identity-Alignment: spf"]
    else:
        f += ["Identity-Alignment: none"]
    return "\n".join(f) + "\n"


def failure_mail(rng, rep, domain, ip, when, n, kind, policy):
    addr, agent, style, mbox_dom = rep
    rcpt = "dmarcscope-demo-%03d@%s" % (n % 1000, mbox_dom)
    hdr, body, mfrom, subj = sample_message(rng, domain, ip, when, rcpt, kind, n)
    auth = "dkim" if kind == "list" else "dmarc"
    dkim = "dkim=fail (body hash did not verify) header.d=%s" % domain if kind == "list" else \
        "dkim=none; spf=fail smtp.mailfrom=%s" % mfrom.split("@")[1]
    delivery = "delivered" if kind != "phish" or policy == "none" else "spam"
    fb = feedback_fields(domain, ip, when, mfrom, rcpt, agent, auth, delivery, dkim)
    sent = when + datetime.timedelta(minutes=rng.randrange(2, 50))
    b = "dmarcscope-ruf-%s-%d" % (style, n)
    mid = "<ruf-%d-%s@%s>" % (n, when.strftime("%Y%m%d%H%M%S"), addr.split("@")[1])
    if style == "netease":
        top = ("From: <%s>\nTo: <dmarc-ruf@%s>\nSubject: %s\nDate: %s\nMessage-ID: %s\n"
               "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"%s\"\n\n"
               % (addr, domain, enc_subject("[Netease DMARC Failure Report] " + subj, "utf-8"),
                  rfc2822(sent), mid, b))
        intro = ("This is a spf/dkim authentication-failure report for an email message received "
                 "from IP %s on %s.\n" % (ip, rfc2822(when)))
        parts = [('Content-Type: text/plain; charset="UTF-8"\nContent-Transfer-Encoding: 7bit\n\n'
                  + intro),
                 ('Content-Type: message/feedback-report; name="ATT00001"\n'
                  'Content-Disposition: attachment; filename="ATT00001"\n'
                  "Content-Transfer-Encoding: base64\n\n"
                  + base64.encodebytes(fb.replace("\n", "\r\n").encode()).decode()),
                 "Content-Type: message/rfc822\nContent-Disposition: attachment\n\n" + hdr + body]
    else:
        top = ("From: %s <%s>\nTo: <dmarc-ruf@%s>\nSubject: %s\nDate: %s\nMessage-ID: %s\n"
               "MIME-Version: 1.0\nContent-Type: multipart/report; report-type=feedback-report;\n"
               "\tboundary=\"%s\"\n\n"
               % ("Google" if style == "google" else "Yahoo! JAPAN", addr, domain,
                  "DMARC Failure Report for %s (mail-from=%s, ip=%s)" % (domain, mfrom, ip),
                  rfc2822(sent), mid, b))
        intro = ("This is an authentication failure report for an email message received from "
                 "IP %s on %s.\n" % (ip, rfc2822(when)))
        sample = ("Content-Type: message/rfc822\n\n" + hdr + body if style == "google" else
                  "Content-Type: text/rfc822-headers\n\n" + hdr)
        parts = ['Content-Type: text/plain; charset="US-ASCII"\n\n' + intro,
                 "Content-Type: message/feedback-report\n\n" + fb, sample]
    msg = top + "".join("--%s\n%s\n" % (b, p) for p in parts) + "--%s--\n" % b
    return msg.encode("ascii")


def failures(out, first, days, spoofers1, spoofers2, domains):
    n = 0
    for day in range(days):
        date = first + datetime.timedelta(days=day)
        rng = random.Random("ruf|%s" % date.isoformat())
        events = []	# (domain, ip, kind)
        if day >= days // 2:
            for ip in spoofers1:
                if rng.random() < 0.55:
                    events.append(("example.co.jp", ip, "phish"))
        if day >= days - 20:
            for i, ip in enumerate(spoofers2):
                if rng.random() < 0.5:
                    events.append(("shop.example.jp" if i % 2 == 0 and rng.random() < 0.4
                                   else "example.co.jp", ip, "phish"))
        if rng.random() < 0.1:
            events.append(("example.co.jp", "160.16.104.13", "list"))
        if date.weekday() in (0, 3) and rng.random() < 0.3:
            events.append(("example.co.jp", "149.72.161.59", "notice"))
        for k, (domain, ip, kind) in enumerate(events):
            when = datetime.datetime(date.year, date.month, date.day, tzinfo=UTC) + \
                datetime.timedelta(seconds=rng.randrange(86400 - 3600))
            rep = FAIL_REPORTERS[rng.randrange(len(FAIL_REPORTERS))]
            policy = dict(domains)[domain]
            seq = int(date.strftime("%Y%m%d")) * 100 + k
            data = failure_mail(rng, rep, domain, ip, when, seq, kind, policy)
            with open(os.path.join(out, "ruf-%s-%02d.eml" % (date.isoformat(), k)), "wb") as f:
                f.write(data)
            n += 1
    return n


# ---- TLS reports --------------------------------------------------------------

TLS_REPORTERS = [
    ("Google Inc.", "smtp-tls-reporting@google.com", "google.com", "mail",
     ["209.85.220.41", "209.85.220.69", "2607:f8b0:4864:20::42e"]),
    ("Microsoft Corporation", "tlsrpt-noreply@microsoft.com", "microsoft.com", "file",
     ["40.107.74.72", "40.107.75.50", "52.101.228.18"]),
]
# domain, days before the end its TLSRPT record appeared, policy, MX hosts,
# weekday sessions for the domain per reporter
TLS_DOMAINS = [
    ("example.co.jp", 60, "sts", ["mx1.example.co.jp", "mx2.example.co.jp", "mx3.example.co.jp"], 420),
    ("shop.example.jp", 30, "no-policy-found", ["mx.shop.example.jp"], 160),
]
MX_IP = {"mx1.example.co.jp": "160.16.104.20", "mx2.example.co.jp": "160.16.104.21",
         "mx3.example.co.jp": "160.16.104.22", "mx.shop.example.jp": "160.16.104.30"}


def tls_report(rng, org, contact, rep_dom, ips, domain, ptype, mx, vol, date, day_from_end):
    begin = datetime.datetime(date.year, date.month, date.day, tzinfo=UTC)
    end = begin + datetime.timedelta(seconds=86399)
    weekend = date.weekday() >= 5
    total = int(vol * (0.35 if weekend else 1.0) * rng.uniform(0.8, 1.2))
    details = []
    if domain == "example.co.jp" and 17 <= day_from_end <= 20:
        # mx2's certificate expired and was renewed four days later
        n = int(total * 0.3)
        details.append({"result-type": "certificate-expired", "sending-mta-ip": ips[0],
                        "receiving-mx-hostname": "mx2.example.co.jp",
                        "receiving-ip": MX_IP["mx2.example.co.jp"], "failed-session-count": n})
    if rng.random() < 0.25:
        host = mx[-1]
        details.append({"result-type": "starttls-not-supported",
                        "sending-mta-ip": ips[rng.randrange(len(ips))],
                        "receiving-mx-hostname": host, "receiving-ip": MX_IP[host],
                        "failed-session-count": rng.randrange(1, 12),
                        "additional-information": "https://tls-help.example/starttls"})
    failed = sum(d["failed-session-count"] for d in details)
    pol = {"policy-type": ptype, "policy-domain": domain}
    if ptype == "sts":
        pol["policy-string"] = ["version: STSv1", "mode: testing"] + ["mx: " + h for h in mx] + \
            ["max_age: 604800"]
        pol["mx-host"] = mx
    policy = {"policy": pol, "summary": {"total-successful-session-count": max(total - failed, 0),
                                         "total-failure-session-count": failed}}
    if details:
        policy["failure-details"] = details
    rid = ("%s_%s" % (begin.strftime("%Y-%m-%dT%H:%M:%SZ"), domain) if rep_dom == "google.com"
           else "%d+%s" % (133000000000000000 + rng.randrange(10 ** 12), domain))
    return {"organization-name": org,
            "date-range": {"start-datetime": begin.strftime("%Y-%m-%dT%H:%M:%SZ"),
                           "end-datetime": end.strftime("%Y-%m-%dT%H:%M:%SZ")},
            "contact-info": contact, "report-id": rid, "policies": [policy]}, begin


def tls(out, first, days):
    n = 0
    for day in range(days):
        date = first + datetime.timedelta(days=day)
        from_end = days - 1 - day
        for domain, since, ptype, mx, vol in TLS_DOMAINS:
            if from_end >= since:
                continue
            for org, contact, rep_dom, style, ips in TLS_REPORTERS:
                rng = random.Random("tls|%s|%s|%s" % (date.isoformat(), domain, rep_dom))
                rep, begin = tls_report(rng, org, contact, rep_dom, ips, domain, ptype, mx, vol,
                                        date, from_end)
                data = gzip.compress(json.dumps(rep, indent=1).encode(), mtime=0)
                name = "%s!%s!%d!%d!001.json.gz" % (rep_dom, domain, begin.timestamp(),
                                                     begin.timestamp() + 86399)
                if style == "file":
                    path = os.path.join(out, name.replace("!", "_"))
                else:
                    b = "dmarcscope-tlsrpt-%s-%s" % (date.isoformat(), domain)
                    msg = ("From: %s <noreply-smtp-tls-reporting@%s>\nTo: <tlsrpt@%s>\n"
                           "Subject: Report Domain: %s Submitter: %s Report-ID: <%s>\n"
                           "Date: %s\nMessage-ID: <tlsrpt-%s-%s@%s>\nTLS-Report-Domain: %s\n"
                           "TLS-Report-Submitter: %s\nMIME-Version: 1.0\n"
                           "Content-Type: multipart/report; report-type=tlsrpt;\n\tboundary=\"%s\"\n\n"
                           "--%s\nContent-Type: text/plain; charset=\"UTF-8\"\n\n"
                           "This is an aggregate TLS report from %s\n\n"
                           "--%s\nContent-Type: application/tlsrpt+gzip\n"
                           "Content-Disposition: attachment; filename=\"%s\"\n"
                           "Content-Transfer-Encoding: base64\n\n%s\n--%s--\n"
                           % (org, rep_dom, domain, domain, rep_dom, rep["report-id"],
                              rfc2822(begin + datetime.timedelta(days=1, hours=3)),
                              date.isoformat(), domain, rep_dom, domain, rep_dom, b, b, rep_dom, b,
                              name, base64.encodebytes(data).decode(), b))
                    path = os.path.join(out, "tlsrpt-%s-%s.eml" % (date.isoformat(), domain))
                    data = msg.encode("ascii")
                with open(path, "wb") as f:
                    f.write(data)
                n += 1
    return n
