/*
 * redact.c - `ingest --redact`: in a failure report's model, the local part
 * of every e-mail address is replaced by a stable token (its first character
 * and "…": "alice@example.com" → "a…@example.com") before anything is
 * stored, so the columns derived from the model (mail_from, envelope_from,
 * rcpt_to, reporter) hold no mailbox name either.  Domains stay: they are
 * what the reports are about.
 *
 * Not redacted: URLs (threat indicators; "http://paypal.com@evil.example/"
 * must stay visible), Message-IDs (References, In-Reply-To), hashes and the
 * identity (computed before, from the unredacted report, so duplicates are
 * still found).  TLS reports hold no personal address and are left alone.
 *
 * Exports: ig_redact.  No errors: a model without addresses is unchanged.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "ingest_priv.h"
#include "../util/dbuf.h"
#include "../util/log.h"

#define TOKEN_TAIL "\xe2\x80\xa6"	/* U+2026 */

static int
atext(unsigned char c)
{
	return isalnum(c) || c >= 0x80 || strchr("!#$%&'*+-/=?^_`{|}~.", c) != NULL;
}

/* s with every address's local part replaced, or NULL when nothing changed
 * (malloc'ed). */
static char *
redact_str(const char *s)
{
	const char *at, *p = s;
	dbuf b;
	int changed = 0;

	dbuf_init(&b, (size_t)1 << 30);
	while ((at = strchr(p, '@')) != NULL) {
		const char *lp = at;

		while (lp > p && atext((unsigned char)lp[-1]))
			lp--;
		/* a local part, and a domain that starts like one */
		if (lp < at && isalnum((unsigned char)at[1]) &&
		    !(at - lp == 1 && lp[0] == '.')) {
			/* keep a UTF-8 first character whole */
			size_t first = 1;

			while (lp + first < at && ((unsigned char)lp[first] & 0xc0) == 0x80)
				first++;
			dbuf_add(&b, p, (size_t)(lp - p));
			dbuf_add(&b, lp, first);
			dbuf_addstr(&b, TOKEN_TAIL);
			changed = 1;
		} else
			dbuf_add(&b, p, (size_t)(lp - p) + (size_t)(at - lp));
		dbuf_addc(&b, '@');
		p = at + 1;
	}
	dbuf_addstr(&b, p);
	if (!changed) {
		dbuf_free(&b);
		return NULL;
	}
	{
		size_t len;
		char *out;

		dbuf_addc(&b, '\0');
		out = dbuf_steal(&b, &len);
		return out;
	}
}

static void
redact_member(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	char *r;

	if (!json_is_string(v) || (r = redact_str(json_string_value(v))) == NULL)
		return;
	json_object_set_new(o, key, json_string(r));
	free(r);
}

static int
id_header(const char *name)
{
	static const char *const ids[] = { "message-id", "references", "in-reply-to",
	    "resent-message-id", "content-id", "x-ms-exchange-parent-message-id", NULL };

	for (int i = 0; name != NULL && ids[i] != NULL; i++)
		if (strcasecmp(name, ids[i]) == 0)
			return 1;
	return 0;
}

void
ig_redact(int kind, json_t *m)
{
	json_t *fb, *smp, *hs, *h;
	const char *key;
	json_t *v;
	size_t i;

	if (kind != DM_KIND_FAILURE || !json_is_object(m))
		return;
	redact_member(m, "reporter");
	redact_member(m, "report_subject");
	fb = json_object_get(m, "feedback");
	json_object_foreach(fb, key, v)
		if (strcmp(key, "message_id") != 0)
			redact_member(fb, key);
	smp = json_object_get(m, "sample");
	json_object_foreach(smp, key, v)
		if (json_is_string(v) && strcmp(key, "message_id") != 0)
			redact_member(smp, key);
	hs = json_object_get(smp, "headers");
	json_array_foreach(hs, i, h)
		if (!id_header(json_string_value(json_object_get(h, "name"))))
			redact_member(h, "value");
	json_object_set_new(m, "redacted", json_true());
}
