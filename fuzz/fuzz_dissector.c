/* fuzz_dissector.c - libFuzzer harness for one protocol dissector.
 *
 * Built once per protocol with -DFUZZ_PROTO=MS_PROTO_SMTP (or POP3).  The
 * input is a script of chunks: each chunk starts with one control byte whose
 * low bit is the direction (0 client, 1 server), bit 1 asks for a gap notice
 * before the chunk, and whose upper six bits (+1) give the chunk length.
 * This lets the fuzzer interleave directions and split lines at any byte.
 * Without libFuzzer (-DFUZZ_STANDALONE) main() replays the files named on
 * the command line, which the test suite does under ASan.
 */
#include <stdio.h>
#include <stdlib.h>

#include "dissector.h"
#include "record.h"

#ifndef FUZZ_PROTO
#define FUZZ_PROTO MS_PROTO_SMTP
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const ms_dissector *d = ms_dissector_for(FUZZ_PROTO);
  ms_dissect_config cfg;
  ms_dissect_config_defaults(&cfg);
  cfg.max_line = 256;
  cfg.max_pipeline = 16;
  cfg.max_message_bytes = 4096;
  cfg.max_mime_depth = 4;
  cfg.full_bodies = size > 0 && (data[0] & 0x80);
  ms_session *rec = ms_session_new();
  rec->proto = FUZZ_PROTO;
  void *st = d->create(rec, &cfg);
  ms_ts ts = 1000000;
  size_t i = 0;
  bool stopped = false;
  while (i < size && !stopped) {
    uint8_t ctl = data[i++];
    ms_dir dir = (ctl & 1) ? MS_SERVER : MS_CLIENT;
    size_t len = (size_t)(ctl >> 2) + 1;
    if (len > size - i)
      len = size - i;
    if (ctl & 2)
      d->on_gap(st, dir, len, ts);
    if (len > 0 && d->on_data(st, dir, data + i, len, ts) == MS_STOP)
      stopped = true;
    i += len;
    ts += 1000;
  }
  rec->end = MS_END_EOF;
  d->on_close(st, ts);
  d->destroy(st);
  ms_session_free(rec);
  return 0;
}

#ifdef FUZZ_STANDALONE
int main(int argc, char **argv) {
  for (int a = 1; a < argc; a++) {
    FILE *f = fopen(argv[a], "rb");
    if (!f) {
      perror(argv[a]);
      return 1;
    }
    static uint8_t buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    LLVMFuzzerTestOneInput(buf, n);
  }
  return 0;
}
#endif
