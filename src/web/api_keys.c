/*
 * api_keys.c - the JSON keys of the API's rows (see api_keys.h): one table
 * per portal query, column -> JSON key and type.  Today every key is the
 * column's own name (the API as it was); a column renamed in SQL must be
 * renamed here too, with its key kept, or the API answers 500 and logs
 * "column X of query N has no JSON key".
 *
 * SWQ_HOST is SELECT * FROM hosts: its table is the hosts table's columns
 * (migrations 002 and 003 of both backends).  The CSV queries (SWQ_*_CSV),
 * SWQ_RAW_ACCESS and SWQ_OVERVIEW_DAYS are read by their callers, not turned
 * into JSON: no table.
 *
 * Exports: api_key_tables, api_key_of, api_key_type_ok.
 */
#include <string.h>

#include "api_keys.h"

#define TABLE(k) { (k), sizeof(k) / sizeof((k)[0]) }

static const api_key k_version[] = {
	{ "reports", "reports", AK_INT },
	{ "failures", "failures", AK_INT },
	{ "tls", "tls", AK_INT },
	{ "senders", "senders", AK_INT },
	{ "hosts", "hosts", AK_INT },
	{ "pending", "pending", AK_INT },
	{ "domains", "domains", AK_INT },
	/* the operator's form (bg.c reads it by position, no JSON; kept whole) */
	{ "raws", "raws", AK_INT },
	{ "quarantine", "quarantine", AK_INT },
	{ "assigned", "assigned", AK_INT },
};

static const api_key k_domains[] = {
	{ "domain", "domain", AK_TEXT },
	{ "reports", "reports", AK_INT },
	{ "messages", "messages", AK_INT },
	{ "first_begin", "first_begin", AK_INT },
	{ "last_end", "last_end", AK_INT },
	{ "tenant", "tenant", AK_TEXT },
};

static const api_key k_records[] = {
	{ "id", "id", AK_INT },
	{ "report_id", "report_id", AK_INT },
	{ "date_begin", "date_begin", AK_INT },
	{ "date_end", "date_end", AK_INT },
	{ "policy_domain", "policy_domain", AK_TEXT },
	{ "source_ip", "source_ip", AK_TEXT },
	{ "reverse_dns", "reverse_dns", AK_TEXT },
	{ "fcrdns", "fcrdns", AK_INT },
	{ "count", "count", AK_INT },
	{ "header_from", "header_from", AK_TEXT },
	{ "dmarc_result", "dmarc_result", AK_TEXT },
	{ "spf_alignment", "spf_alignment", AK_TEXT },
	{ "spf_result_domain", "spf_result_domain", AK_TEXT },
	{ "dkim_alignment", "dkim_alignment", AK_TEXT },
	{ "dkim_result_domain", "dkim_result_domain", AK_TEXT },
	{ "disposition", "disposition", AK_TEXT },
	{ "country_code", "country_code", AK_TEXT },
	{ "class", "class", AK_INT },
	{ "path", "path", AK_INT },
	{ "spf_cat", "spf_cat", AK_INT },
	{ "dkim_cat", "dkim_cat", AK_INT },
	{ "sender_kind", "sender_kind", AK_INT },
	{ "org_name", "org_name", AK_TEXT },
};

static const api_key k_records_count[] = {
	{ "records", "records", AK_INT },
	{ "messages", "messages", AK_INT },
	{ "partial", "partial", AK_INT },
};

static const api_key k_record[] = {
	{ "id", "id", AK_INT },
	{ "report_id", "report_id", AK_INT },
	{ "date_begin", "date_begin", AK_INT },
	{ "date_end", "date_end", AK_INT },
	{ "policy_domain", "policy_domain", AK_TEXT },
	{ "source_ip", "source_ip", AK_TEXT },
	{ "reverse_dns", "reverse_dns", AK_TEXT },
	{ "fcrdns", "fcrdns", AK_INT },
	{ "count", "count", AK_INT },
	{ "header_from", "header_from", AK_TEXT },
	{ "dmarc_result", "dmarc_result", AK_TEXT },
	{ "spf_alignment", "spf_alignment", AK_TEXT },
	{ "spf_result_domain", "spf_result_domain", AK_TEXT },
	{ "dkim_alignment", "dkim_alignment", AK_TEXT },
	{ "dkim_result_domain", "dkim_result_domain", AK_TEXT },
	{ "disposition", "disposition", AK_TEXT },
	{ "country_code", "country_code", AK_TEXT },
	{ "class", "class", AK_INT },
	{ "path", "path", AK_INT },
	{ "spf_cat", "spf_cat", AK_INT },
	{ "dkim_cat", "dkim_cat", AK_INT },
	{ "sender_kind", "sender_kind", AK_INT },
	{ "org_name", "org_name", AK_TEXT },
	{ "envelope_from", "envelope_from", AK_TEXT },
	{ "envelope_to", "envelope_to", AK_TEXT },
	{ "spf_domain", "spf_domain", AK_TEXT },
	{ "spf_result", "spf_result", AK_TEXT },
	{ "dkim_domain", "dkim_domain", AK_TEXT },
	{ "dkim_result", "dkim_result", AK_TEXT },
	{ "expl", "expl", AK_INT },
	{ "service", "service", AK_TEXT },
	{ "mismatch", "mismatch", AK_INT },
	{ "reporter_pass", "reporter_pass", AK_INT },
	{ "report_ext_id", "report_ext_id", AK_TEXT },
	{ "org_email", "org_email", AK_TEXT },
	{ "p", "p", AK_TEXT },
	{ "sp", "sp", AK_TEXT },
	{ "adkim", "adkim", AK_TEXT },
	{ "aspf", "aspf", AK_TEXT },
	{ "pct", "pct", AK_INT },
};

static const api_key k_record_reasons[] = {
	{ "type", "type", AK_TEXT },
	{ "comment", "comment", AK_TEXT },
};

static const api_key k_record_dkim[] = {
	{ "domain", "domain", AK_TEXT },
	{ "selector", "selector", AK_TEXT },
	{ "result", "result", AK_TEXT },
	{ "human_result", "human_result", AK_TEXT },
};

static const api_key k_record_spf[] = {
	{ "domain", "domain", AK_TEXT },
	{ "scope", "scope", AK_TEXT },
	{ "result", "result", AK_TEXT },
	{ "human_result", "human_result", AK_TEXT },
};

static const api_key k_reports[] = {
	{ "id", "id", AK_INT },
	{ "raw_id", "raw_id", AK_INT },
	{ "org_name", "org_name", AK_TEXT },
	{ "email", "email", AK_TEXT },
	{ "extra_contact_info", "extra_contact_info", AK_TEXT },
	{ "report_id", "report_id", AK_TEXT },
	{ "policy_domain", "policy_domain", AK_TEXT },
	{ "date_begin", "date_begin", AK_INT },
	{ "date_end", "date_end", AK_INT },
	{ "schema", "schema", AK_TEXT },
	{ "version", "version", AK_TEXT },
	{ "generator", "generator", AK_TEXT },
	{ "p", "p", AK_TEXT },
	{ "sp", "sp", AK_TEXT },
	{ "np", "np", AK_TEXT },
	{ "adkim", "adkim", AK_TEXT },
	{ "aspf", "aspf", AK_TEXT },
	{ "pct", "pct", AK_INT },
	{ "fo", "fo", AK_TEXT },
	{ "errors", "errors", AK_TEXT },
	{ "warnings", "warnings", AK_TEXT },
	{ "record_count", "record_count", AK_INT },
	{ "message_count", "message_count", AK_INT },
	{ "skipped_records", "skipped_records", AK_INT },
	{ "recovered", "recovered", AK_INT },
	{ "ingested_at", "ingested_at", AK_INT },
	{ "source", "source", AK_TEXT },
	{ "raw_state", "raw_state", AK_TEXT },
	{ "raw_size", "raw_size", AK_INT },
};

static const api_key k_reports_count[] = {
	{ "reports", "reports", AK_INT },
};

static const api_key k_report[] = {
	{ "id", "id", AK_INT },
	{ "raw_id", "raw_id", AK_INT },
	{ "org_name", "org_name", AK_TEXT },
	{ "email", "email", AK_TEXT },
	{ "extra_contact_info", "extra_contact_info", AK_TEXT },
	{ "report_id", "report_id", AK_TEXT },
	{ "policy_domain", "policy_domain", AK_TEXT },
	{ "date_begin", "date_begin", AK_INT },
	{ "date_end", "date_end", AK_INT },
	{ "schema", "schema", AK_TEXT },
	{ "version", "version", AK_TEXT },
	{ "generator", "generator", AK_TEXT },
	{ "p", "p", AK_TEXT },
	{ "sp", "sp", AK_TEXT },
	{ "np", "np", AK_TEXT },
	{ "adkim", "adkim", AK_TEXT },
	{ "aspf", "aspf", AK_TEXT },
	{ "pct", "pct", AK_INT },
	{ "fo", "fo", AK_TEXT },
	{ "errors", "errors", AK_TEXT },
	{ "warnings", "warnings", AK_TEXT },
	{ "record_count", "record_count", AK_INT },
	{ "message_count", "message_count", AK_INT },
	{ "skipped_records", "skipped_records", AK_INT },
	{ "recovered", "recovered", AK_INT },
	{ "ingested_at", "ingested_at", AK_INT },
	{ "source", "source", AK_TEXT },
	{ "raw_state", "raw_state", AK_TEXT },
	{ "raw_size", "raw_size", AK_INT },
};

static const api_key k_sources[] = {
	{ "ip", "ip", AK_TEXT },
	{ "sender_kind", "sender_kind", AK_INT },
	{ "messages", "messages", AK_INT },
	{ "spf_aligned", "spf_aligned", AK_INT },
	{ "dkim_aligned", "dkim_aligned", AK_INT },
	{ "dmarc_pass", "dmarc_pass", AK_INT },
	{ "spoofing", "spoofing", AK_INT },
	{ "service", "service", AK_TEXT },
	{ "ptr", "ptr", AK_TEXT },
	{ "country", "country", AK_TEXT },
	{ "partial", "partial", AK_INT },
};

static const api_key k_host[] = {
	{ "ip", "ip", AK_TEXT },
	{ "ptr", "ptr", AK_TEXT },
	{ "fcrdns", "fcrdns", AK_INT },
	{ "base_domain", "base_domain", AK_TEXT },
	{ "asn", "asn", AK_INT },
	{ "as_name", "as_name", AK_TEXT },
	{ "country", "country", AK_TEXT },
	{ "service", "service", AK_TEXT },
	{ "service_type", "service_type", AK_TEXT },
	{ "updated_at", "updated_at", AK_INT },
	{ "ptr_names", "ptr_names", AK_TEXT },
	{ "dnsbl_listed", "dnsbl_listed", AK_INT },
	{ "ptr_state", "ptr_state", AK_TEXT },
	{ "ptr_at", "ptr_at", AK_INT },
	{ "ptr_expires", "ptr_expires", AK_INT },
	{ "geo_state", "geo_state", AK_TEXT },
	{ "geo_source", "geo_source", AK_TEXT },
	{ "geo_at", "geo_at", AK_INT },
	{ "geo_expires", "geo_expires", AK_INT },
	{ "asn_state", "asn_state", AK_TEXT },
	{ "asn_source", "asn_source", AK_TEXT },
	{ "asn_at", "asn_at", AK_INT },
	{ "asn_expires", "asn_expires", AK_INT },
	{ "rdap_state", "rdap_state", AK_TEXT },
	{ "rdap_at", "rdap_at", AK_INT },
	{ "rdap_expires", "rdap_expires", AK_INT },
	{ "rdap_net", "rdap_net", AK_INT },
};

static const api_key k_host_daily[] = {
	{ "day", "day", AK_INT },
	{ "class", "class", AK_INT },
	{ "messages", "messages", AK_INT },
};

static const api_key k_countries[] = {
	{ "country", "country", AK_TEXT },
	{ "messages", "messages", AK_INT },
	{ "spoofing", "spoofing", AK_INT },
	{ "sources", "sources", AK_INT },
	{ "partial", "partial", AK_INT },
};

static const api_key k_quarantine[] = {
	{ "id", "id", AK_INT },
	{ "raw_id", "raw_id", AK_INT },
	{ "reason", "reason", AK_TEXT },
	{ "created_at", "created_at", AK_INT },
	{ "retried_at", "retried_at", AK_INT },
	{ "resolved", "resolved", AK_INT },
	{ "source", "source", AK_TEXT },
	{ "raw_state", "raw_state", AK_TEXT },
	{ "raw_size", "raw_size", AK_INT },
};

static const api_key k_threats[] = {
	{ "id", "id", AK_INT },
	{ "arrival_time", "arrival_time", AK_INT },
	{ "reporter", "reporter", AK_TEXT },
	{ "reporter_domain", "reporter_domain", AK_TEXT },
	{ "source_ip", "source_ip", AK_TEXT },
	{ "ptr", "ptr", AK_TEXT },
	{ "country", "country", AK_TEXT },
	{ "_service", "_service", AK_TEXT },
	{ "subject", "subject", AK_TEXT },
	{ "mail_from", "mail_from", AK_TEXT },
	{ "policy_domain", "policy_domain", AK_TEXT },
	{ "auth_failure", "auth_failure", AK_TEXT },
	{ "feedback_type", "feedback_type", AK_TEXT },
	{ "delivery_result", "delivery_result", AK_TEXT },
	{ "url_count", "url_count", AK_INT },
	{ "attachment_count", "attachment_count", AK_INT },
	{ "flags", "flags", AK_TEXT },
};

static const api_key k_threats_count[] = {
	{ "total", "total", AK_INT },
	{ "partial", "partial", AK_INT },
};

static const api_key k_threat_sources[] = {
	{ "policy_domain", "policy_domain", AK_TEXT },
	{ "source_ip", "source_ip", AK_TEXT },
	{ "ptr", "ptr", AK_TEXT },
	{ "service", "service", AK_TEXT },
	{ "n", "n", AK_INT },
	{ "partial", "partial", AK_INT },
};

static const api_key k_threats_received[] = {
	{ "n", "n", AK_INT },
};

static const api_key k_threat[] = {
	{ "id", "id", AK_INT },
	{ "raw_id", "raw_id", AK_INT },
	{ "arrival_time", "arrival_time", AK_INT },
	{ "reporter", "reporter", AK_TEXT },
	{ "reporter_domain", "reporter_domain", AK_TEXT },
	{ "source_ip", "source_ip", AK_TEXT },
	{ "source_ip_from", "source_ip_from", AK_TEXT },
	{ "policy_domain", "policy_domain", AK_TEXT },
	{ "feedback_type", "feedback_type", AK_TEXT },
	{ "is_dmarc_failure", "is_dmarc_failure", AK_INT },
	{ "auth_failure", "auth_failure", AK_TEXT },
	{ "identity_alignment", "identity_alignment", AK_TEXT },
	{ "delivery_result", "delivery_result", AK_TEXT },
	{ "flags", "flags", AK_TEXT },
	{ "redacted", "redacted", AK_INT },
	{ "sample_purged", "sample_purged", AK_INT },
	{ "subject", "subject", AK_TEXT },
	{ "mail_from", "mail_from", AK_TEXT },
	{ "envelope_from", "envelope_from", AK_TEXT },
	{ "rcpt_to", "rcpt_to", AK_TEXT },
	{ "url_count", "url_count", AK_INT },
	{ "attachment_count", "attachment_count", AK_INT },
	{ "ingested_at", "ingested_at", AK_INT },
	{ "model", "model", AK_TEXT },
	{ "ptr", "ptr", AK_TEXT },
	{ "country", "country", AK_TEXT },
	{ "service", "service", AK_TEXT },
};

static const api_key k_threat_urls[] = {
	{ "url", "url", AK_TEXT },
	{ "host", "host", AK_TEXT },
	{ "reg_domain", "reg_domain", AK_TEXT },
	{ "flags", "flags", AK_TEXT },
	{ "count", "count", AK_INT },
	{ "reports", "reports", AK_INT },
};

static const api_key k_urls[] = {
	{ "url", "url", AK_TEXT },
	{ "host", "host", AK_TEXT },
	{ "urls", "urls", AK_INT },
	{ "reg_domain", "reg_domain", AK_TEXT },
	{ "reports", "reports", AK_INT },
	{ "occurrences", "occurrences", AK_INT },
	{ "first_seen", "first_seen", AK_INT },
	{ "last_seen", "last_seen", AK_INT },
	{ "n", "n", AK_INT },
	{ "_total", "_total", AK_INT },
	{ "_partial", "_partial", AK_INT },
};

static const api_key k_urls_count[] = {
	{ "total", "total", AK_INT },
	{ "partial", "partial", AK_INT },
};

static const api_key k_tls_domains[] = {
	{ "domain", "domain", AK_TEXT },
};

static const api_key k_tls_days[] = {
	{ "day", "day", AK_TEXT },
	{ "success", "success", AK_INT },
	{ "failure", "failure", AK_INT },
	{ "partial", "partial", AK_INT },
};

static const api_key k_tls_types[] = {
	{ "result_type", "result_type", AK_TEXT },
	{ "sessions", "sessions", AK_INT },
};

static const api_key k_tls_failures[] = {
	{ "result_type", "result_type", AK_TEXT },
	{ "sending_mta_ip", "sending_mta_ip", AK_TEXT },
	{ "receiving_ip", "receiving_ip", AK_TEXT },
	{ "receiving_mx_hostname", "receiving_mx_hostname", AK_TEXT },
	{ "receiving_mx_helo", "receiving_mx_helo", AK_TEXT },
	{ "sessions", "sessions", AK_INT },
	{ "reporters", "reporters", AK_TEXT },
	{ "failure_reason_code", "failure_reason_code", AK_TEXT },
	{ "additional_information", "additional_information", AK_TEXT },
};

static const api_key k_tls_reports[] = {
	{ "id", "id", AK_INT },
	{ "org_name", "org_name", AK_TEXT },
	{ "report_id", "report_id", AK_TEXT },
	{ "date_begin", "date_begin", AK_INT },
	{ "date_end", "date_end", AK_INT },
	{ "policy_domain", "policy_domain", AK_TEXT },
	{ "policy_type", "policy_type", AK_TEXT },
	{ "success", "success", AK_INT },
	{ "failure", "failure", AK_INT },
};

static const api_key k_ip_failures[] = {
	{ "id", "id", AK_INT },
	{ "arrival_time", "arrival_time", AK_INT },
	{ "subject", "subject", AK_TEXT },
	{ "reporter", "reporter", AK_TEXT },
	{ "policy_domain", "policy_domain", AK_TEXT },
	{ "feedback_type", "feedback_type", AK_TEXT },
	{ "is_dmarc_failure", "is_dmarc_failure", AK_INT },
};

static const api_key k_ip_failures_count[] = {
	{ "n", "n", AK_INT },
};

static const api_key k_kind_domains[] = {
	{ "domain", "domain", AK_TEXT },
	{ "failure_reports", "failure_reports", AK_INT },
	{ "tls_reports", "tls_reports", AK_INT },
	{ "tenant", "tenant", AK_TEXT },
};

static const api_key k_ip_class[] = {
	{ "class", "class", AK_INT },
	{ "messages", "messages", AK_INT },
};

static const api_key k_host_seen[] = {
	{ "seen", "seen", AK_INT },
};

static const api_key k_sender_domain[] = {
	{ "policy_domain", "policy_domain", AK_TEXT },
};

static const api_key k_overview_totals[] = {
	{ "_messages", "_messages", AK_INT },
	{ "_dmarc_pass", "_dmarc_pass", AK_INT },
	{ "_spf_aligned", "_spf_aligned", AK_INT },
	{ "_dkim_aligned", "_dkim_aligned", AK_INT },
	{ "_forwarded", "_forwarded", AK_INT },
	{ "_auth_failure", "_auth_failure", AK_INT },
	{ "_spoofing", "_spoofing", AK_INT },
	{ "_total", "_total", AK_INT },
	{ "_spoofed", "_spoofed", AK_INT },
	{ "_failing", "_failing", AK_INT },
	{ "_p_none", "_p_none", AK_INT },
	{ "_silent", "_silent", AK_INT },
	{ "_unassigned", "_unassigned", AK_INT },
};

static const api_key k_overview[] = {
	{ "domain", "domain", AK_TEXT },
	{ "tenant", "tenant", AK_TEXT },
	{ "messages", "messages", AK_INT },
	{ "dmarc_pass", "dmarc_pass", AK_INT },
	{ "spf_aligned", "spf_aligned", AK_INT },
	{ "dkim_aligned", "dkim_aligned", AK_INT },
	{ "forwarded", "forwarded", AK_INT },
	{ "auth_failure", "auth_failure", AK_INT },
	{ "spoofing", "spoofing", AK_INT },
	{ "days", "days", AK_INT },
	{ "p", "p", AK_TEXT },
	{ "sp", "sp", AK_TEXT },
	{ "np", "np", AK_TEXT },
	{ "pct", "pct", AK_INT },
	{ "testing", "testing", AK_TEXT },
	{ "next_step", "next_step", AK_TEXT },
	{ "senders", "senders", AK_INT },
	{ "alerts", "alerts", AK_INT },
	{ "last_begin", "last_begin", AK_INT },
	{ "last_end", "last_end", AK_INT },
	{ "reports_all", "reports_all", AK_INT },
	{ "spoofed", "spoofed", AK_INT },
	{ "failing", "failing", AK_INT },
	{ "p_none", "p_none", AK_INT },
	{ "silent", "silent", AK_INT },
	{ "unassigned", "unassigned", AK_INT },
	{ "_messages", "_messages", AK_INT },
	{ "_dmarc_pass", "_dmarc_pass", AK_INT },
	{ "_spf_aligned", "_spf_aligned", AK_INT },
	{ "_dkim_aligned", "_dkim_aligned", AK_INT },
	{ "_forwarded", "_forwarded", AK_INT },
	{ "_auth_failure", "_auth_failure", AK_INT },
	{ "_spoofing", "_spoofing", AK_INT },
	{ "_total", "_total", AK_INT },
	{ "_spoofed", "_spoofed", AK_INT },
	{ "_failing", "_failing", AK_INT },
	{ "_p_none", "_p_none", AK_INT },
	{ "_silent", "_silent", AK_INT },
	{ "_unassigned", "_unassigned", AK_INT },
	{ "reporters", "reporters", AK_INT },
	{ "ready_level", "ready_level", AK_TEXT },
	{ "ready_ladder", "ready_ladder", AK_TEXT },
};

const api_key_table api_key_tables[SWQ__COUNT] = {
	[SWQ_VERSION] = TABLE(k_version),
	[SWQ_DOMAINS] = TABLE(k_domains),
	[SWQ_RECORDS] = TABLE(k_records),
	[SWQ_RECORDS_COUNT] = TABLE(k_records_count),
	[SWQ_RECORD] = TABLE(k_record),
	[SWQ_RECORD_REASONS] = TABLE(k_record_reasons),
	[SWQ_RECORD_DKIM] = TABLE(k_record_dkim),
	[SWQ_RECORD_SPF] = TABLE(k_record_spf),
	[SWQ_REPORTS] = TABLE(k_reports),
	[SWQ_REPORTS_COUNT] = TABLE(k_reports_count),
	[SWQ_REPORT] = TABLE(k_report),
	[SWQ_SOURCES] = TABLE(k_sources),
	[SWQ_HOST] = TABLE(k_host),
	[SWQ_HOST_DAILY] = TABLE(k_host_daily),
	[SWQ_COUNTRIES] = TABLE(k_countries),
	[SWQ_QUARANTINE] = TABLE(k_quarantine),
	[SWQ_THREATS] = TABLE(k_threats),
	[SWQ_THREATS_COUNT] = TABLE(k_threats_count),
	[SWQ_THREAT_SOURCES] = TABLE(k_threat_sources),
	[SWQ_THREATS_RECEIVED] = TABLE(k_threats_received),
	[SWQ_THREAT] = TABLE(k_threat),
	[SWQ_THREAT_URLS] = TABLE(k_threat_urls),
	[SWQ_URLS] = TABLE(k_urls),
	[SWQ_URLS_COUNT] = TABLE(k_urls_count),
	[SWQ_TLS_DOMAINS] = TABLE(k_tls_domains),
	[SWQ_TLS_DAYS] = TABLE(k_tls_days),
	[SWQ_TLS_TYPES] = TABLE(k_tls_types),
	[SWQ_TLS_FAILURES] = TABLE(k_tls_failures),
	[SWQ_TLS_REPORTS] = TABLE(k_tls_reports),
	[SWQ_IP_FAILURES] = TABLE(k_ip_failures),
	[SWQ_IP_FAILURES_COUNT] = TABLE(k_ip_failures_count),
	[SWQ_KIND_DOMAINS] = TABLE(k_kind_domains),
	[SWQ_IP_CLASS] = TABLE(k_ip_class),
	[SWQ_HOST_SEEN] = TABLE(k_host_seen),
	[SWQ_SENDER_DOMAIN] = TABLE(k_sender_domain),
	[SWQ_OVERVIEW_TOTALS] = TABLE(k_overview_totals),
	[SWQ_OVERVIEW] = TABLE(k_overview),
};

const api_key *
api_key_of(int q, int i, const char *col)
{
	const api_key_table *t;

	if (q < 0 || q >= SWQ__COUNT)
		return NULL;
	t = &api_key_tables[q];
	if (i >= 0 && (size_t)i < t->n && strcmp(t->k[i].col, col) == 0)
		return &t->k[i];	/* the usual case: the table's order */
	for (size_t j = 0; j < t->n; j++)
		if (strcmp(t->k[j].col, col) == 0)
			return &t->k[j];
	return NULL;
}

int
api_key_type_ok(const api_key *k, const store_web_val *v)
{
	switch (v->type) {
	case SWV_NULL: return 1;
	case SWV_INT: return (k->types & AK_INT) != 0;
	case SWV_REAL: return (k->types & AK_REAL) != 0;
	case SWV_TEXT: return (k->types & AK_TEXT) != 0;
	default: return 0;
	}
}
