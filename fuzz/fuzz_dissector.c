/* fuzz_dissector.c - libFuzzer harness for one protocol dissector.
 *
 * Built once per protocol with -DFUZZ_PROTO=MS_PROTO_SMTP (fuzz_smtp) or
 * MS_PROTO_POP3 (fuzz_pop3).  The input is a script of chunks: each chunk
 * starts with one control byte whose low bit is the direction (0 client,
 * 1 server), bit 1 asks for a gap notice (of the chunk's length) before the
 * chunk, and whose upper six bits (+1) give the chunk length.  This lets
 * the fuzzer interleave directions and split lines at any byte.  The first
 * control byte also sets options: bit 7 full bodies, bit 6 an extraction
 * sink (in memory), bit 5 show secrets, bit 4 small limits (256-byte
 * lines, 16 outstanding commands, 4 KiB headers, depth 4, 8 MIME parts,
 * 8 header fields, 16 commands).
 * fuzz/seeds.c writes such scripts from the sessions of capture files.
 *
 * The finished record goes through every emitter (fuzz_emit_all), which
 * checks that the JSON parses and the transcript is terminal-safe.
 */
#include <stdio.h>
#include <stdlib.h>

#include "dissector.h"
#include "fuzz_common.h"
#include "record.h"

#ifndef FUZZ_PROTO
#define FUZZ_PROTO MS_PROTO_SMTP
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const ms_dissector *d = ms_dissector_for(FUZZ_PROTO);
  uint8_t opts = size > 0 ? data[0] : 0;
  ms_dissect_config cfg;
  ms_dissect_config_defaults(&cfg);
  if (opts & 0x10) {
    cfg.max_line = 256;
    cfg.max_pipeline = 16;
    cfg.max_message_bytes = 4096;
    cfg.max_mime_depth = 4;
    cfg.max_mime_parts = 8;
    cfg.max_headers = 8;
    cfg.max_commands = 16;
  }
  cfg.full_bodies = opts & 0x80;
  cfg.show_secrets = opts & 0x20;
  fuzz_sink sink;
  fuzz_sink_init(&sink);
  if (opts & 0x40)
    cfg.sink = &sink.sink;
  ms_session *rec = ms_session_new();
  rec->proto = FUZZ_PROTO;
  void *st = d->create(rec, &cfg);
  ms_ts ts = 1000000;
  size_t i = 0;
  bool stopped = false, tls[2] = {false, false};
  while (i < size && !stopped) {
    uint8_t ctl = data[i++];
    ms_dir dir = (ctl & 1) ? MS_SERVER : MS_CLIENT;
    size_t len = (size_t)(ctl >> 2) + 1;
    if (len > size - i)
      len = size - i;
    if (tls[dir]) { /* the TLS layer's bytes, as the session layer does */
      i += len;
      continue;
    }
    if (ctl & 2)
      d->on_gap(st, dir, len, ts);
    size_t used = len;
    ms_verdict v =
        len > 0 ? d->on_data(st, dir, data + i, len, ts, &used) : MS_CONTINUE;
    if (v == MS_STOP)
      stopped = true;
    if (v == MS_TLS) { /* decrypted or not, as the control byte says */
      tls[dir] = !(ctl & 2);
      d->on_tls(st, dir, tls[dir] ? MS_TLS_OPAQUE : MS_TLS_PLAINTEXT, ts);
    }
    i += len;
    ts += 1000;
  }
  rec->end = MS_END_EOF;
  rec->end_ts = ts;
  d->on_close(st, ts);
  d->destroy(st);
  fuzz_sink_finish(&sink);
  fuzz_emit_all(rec, cfg.full_bodies);
  ms_session_free(rec);
  return 0;
}
