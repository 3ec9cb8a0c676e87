/* report_page.c - the page skeleton of the report: head with the
 * Content-Security-Policy, the inline style, the body skeleton, the data
 * blocks and the inline script (assets in src/output/report_assets/,
 * embedded at build time as report_assets.h).
 *
 * The policy allows exactly our style and script (by sha256) and nothing
 * else: no fetch of any kind (default-src 'none'), no other inline script
 * or style, no form or base.  Data blocks are JSON already safe inside
 * <script> (report_text.h): "ms-meta" the capture's counters, "ms-rows"
 * every session's row, then "d-N" the detail of row N, after the script so
 * that the page can paint before they are all parsed. */
#include <errno.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "jsonw.h"
#include "report_assets.h"
#include "report_part.h"

#define CSP_HASH_MAX 100

/* 'sha256-BASE64' of n bytes into out. */
static void csp_hash(const void *p, size_t n, char out[CSP_HASH_MAX]) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  unsigned char b64[4 * EVP_MAX_MD_SIZE / 3 + 4];
  EVP_Digest(p, n, md, &len, EVP_sha256(), NULL);
  EVP_EncodeBlock(b64, md, (int)len);
  snprintf(out, CSP_HASH_MAX, "'sha256-%.60s'", (const char *)b64);
}

static void head(FILE *f) {
  char js[CSP_HASH_MAX], css[CSP_HASH_MAX];
  csp_hash(report_js, sizeof report_js - 1, js);
  csp_hash(report_css, sizeof report_css - 1, css);
  fprintf(f,
          "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
          "'none'; script-src %s; style-src %s; img-src data:; base-uri "
          "'none'; form-action 'none'\">\n"
          "<meta name=\"generator\" content=\"mailscope %s\">\n"
          "<meta name=\"viewport\" content=\"width=device-width\">\n"
          "<title>mailscope report</title>\n<style>",
          js, css, MAILSCOPE_VERSION);
  fwrite(report_css, 1, sizeof report_css - 1, f);
  fputs("</style></head>\n", f);
  fwrite(report_body, 1, sizeof report_body - 1, f);
}

/* The capture's counters and the page's settings. */
static void meta(FILE *f, const char *extract_href, const report_read *r) {
  jsonw w;
  jw_init(&w);
  jw_obj_begin(&w);
  jw_kstr(&w, "version", MAILSCOPE_VERSION);
  jw_kuint(&w, "sessions", r->frames.len);
  jw_kuint(&w, "packets", r->stats.packets);
  jw_kuint(&w, "bytes", r->stats.bytes);
  jw_kuint(&w, "dropped", r->stats.sessions_dropped);
  jw_kuint(&w, "evicted", r->stats.sessions_evicted);
  jw_kuint(&w, "truncated", r->stats.sessions_truncated);
  jw_kuint(&w, "gap_bytes", r->stats.gap_bytes);
  if (extract_href) {
    jw_key(&w, "extract");
    jw_str(&w, extract_href);
  }
  jw_obj_end(&w);
  rt_buf safe = {0};
  rt_script_safe(&safe, w.buf, w.len);
  fputs("<script type=\"application/json\" id=\"ms-meta\">", f);
  fwrite(safe.buf, 1, safe.len, f);
  fputs("</script>\n", f);
  rt_free(&safe);
  jw_free(&w);
}

static void rows(FILE *f, const report_read *r) {
  fputs("<script type=\"application/json\" id=\"ms-rows\">[", f);
  for (size_t i = 0; i < r->frames.len; i++) {
    const report_frame *fr = &r->frames.items[i];
    if (i)
      fputs(",\n", f);
    fwrite(fr->row, 1, fr->row_len, f);
  }
  fputs("]</script>\n", f);
}

static void details(FILE *f, const report_read *r) {
  for (size_t i = 0; i < r->frames.len; i++) {
    const report_frame *fr = &r->frames.items[i];
    fprintf(f, "<script type=\"application/json\" id=\"d-%zu\">", i);
    fwrite(fr->detail, 1, fr->detail_len, f);
    fputs("</script>\n", f);
  }
}

int report_page_write(int fd, const char *extract_href, const report_read *r) {
  FILE *f = ftruncate(fd, 0) == 0 ? fdopen(fd, "w") : NULL;
  if (!f) {
    close(fd);
    return -1;
  }
  head(f);
  meta(f, extract_href, r);
  rows(f, r);
  fputs("<script>", f);
  fwrite(report_js, 1, sizeof report_js - 1, f);
  fputs("</script>\n", f);
  details(f, r);
  fputs("</body></html>\n", f);
  int rc = ferror(f) ? -1 : 0;
  if (fclose(f) != 0)
    rc = -1;
  return rc;
}
