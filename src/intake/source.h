/*
 * source.h - turn one command-line INPUT into messages for ingest.h.
 *
 *   "-"            stdin: one message (Postfix pipe(8) delivery), capped by
 *                  max_message
 *   a directory    walked recursively in name order; hidden entries skipped;
 *                  each directory entered once (device and inode), so
 *                  symlink loops end.
 *                  A directory with cur/ and new/ is a Maildir: only cur/,
 *                  new/ and Maildir++ subfolders (".Name") are read, never tmp/
 *                  or the server's index files
 *   an mbox        a file starting with "From ": split into messages at
 *                  "From " lines (mboxo/mboxrd); ">From " unquoting is left to
 *                  the MIME parser's reading of the body.  Each message is
 *                  held whole (up to 2 GiB) so that --max-message applies to
 *                  it as to any other input (ingest.c: archived, quarantined)
 *   any other file one message (its format is sniffed by unpack.h)
 *
 * Exports:
 *   source_ingest(g, input)   returns 0 when every message was stored or was
 *                             a duplicate, 1 when something was refused or
 *                             failed (already reported through the ingest
 *                             callbacks)
 *   source_ingest_shard(g, input, k, n)
 *                             the same for worker k of n: only the files
 *                             (mbox files whole) whose path hashes to k; stdin
 *                             is worker 0's; a directory's own trouble is
 *                             reported by worker 0 only.  n workers given the
 *                             same inputs take every file exactly once
 *   source_size(input)        total bytes of regular files under input (for
 *                             progress bars); 0 for stdin
 */
#ifndef DS_SOURCE_H
#define DS_SOURCE_H

#include <stdint.h>

#include "ingest.h"

int source_ingest(ingest *g, const char *input);
int source_ingest_shard(ingest *g, const char *input, unsigned shard, unsigned nshards);
uint64_t source_size(const char *input);

#endif
