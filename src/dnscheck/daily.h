/*
 * daily.h - the DNS checks with the store (issue 18 part 4): the DKIM
 * selectors of a domain's reports, the record history (a change raises a
 * `dns_record_changed` alert with the diff), and the daemon's daily run over
 * every policy domain ([dnscheck] of the config file).
 *
 * Exports:
 *   dnscheck_selectors(s, domain, o, err)   the last 30 days' selectors into o
 *   dnscheck_selectors_free(o)
 *   dnscheck_track(s, r, &changes, err)     result + history + alert, one transaction
 *   dnscheck_config(path, o, &enabled, err) [dnscheck] over o
 *   dnscheck_config_check(cf, f)            config check of [dnscheck]: problems
 *   dnscheck_once(c)                        the daemon's child: every domain once
 *   dnscheck_first_delay()                  seconds to the first run (600;
 *                                           $DMARCSCOPE_DNSCHECK_DELAY)
 * Errors: -1 with err (the store's message); the transaction rolled back.
 */
#ifndef DS_DNSCHECK_DAILY_H
#define DS_DNSCHECK_DAILY_H

#include <stdio.h>

#include "dnscheck.h"
#include "../cmd/cmd.h"

struct ds_config;

#define RULE_DNS_CHANGE "dns_record_changed"

int dnscheck_selectors(store *s, const char *domain, dc_opts *o, char *err, size_t errlen);
void dnscheck_selectors_free(dc_opts *o);
int dnscheck_track(store *s, const dc_result *r, int *changes, char *err, size_t errlen);
int dnscheck_config(const char *path, dc_opts *o, int *enabled, char *err, size_t errlen);
int dnscheck_config_check(struct ds_config *cf, FILE *f);
int dnscheck_once(cmd_ctx *c);
long dnscheck_first_delay(void);

#endif
