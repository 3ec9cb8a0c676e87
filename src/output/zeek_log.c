/* zeek_log.c - Zeek records, TSV and JSON (see zeek_log.h). */
#include "zeek_log.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "jsonw.h"
#include "sensor.h"
#include "utf8.h"
#include "vec.h"

/* What a field holds: its text (numbers already formatted), or its
 * elements for a set or vector. */
typedef struct {
  bool set;
  char *text;
  strvec elems;
} zeek_value;

struct zeek_rec {
  const zeek_log_def *def;
  zeek_value *v;
};

zeek_rec *zr_new(const zeek_log_def *def) {
  zeek_rec *r = xcalloc(1, sizeof *r);
  r->def = def;
  r->v = xcalloc(def->nfields, sizeof *r->v);
  return r;
}

void zr_reset(zeek_rec *r) {
  for (size_t i = 0; i < r->def->nfields; i++) {
    free(r->v[i].text);
    strvec_free(&r->v[i].elems);
    memset(&r->v[i], 0, sizeof r->v[i]);
  }
}

void zr_free(zeek_rec *r) {
  if (!r)
    return;
  zr_reset(r);
  free(r->v);
  free(r);
}

const zeek_log_def *zr_def(const zeek_rec *r) { return r->def; }

time_t zr_seconds(const zeek_rec *r, const char *name) {
  for (size_t i = 0; i < r->def->nfields; i++)
    if (!strcmp(r->def->fields[i].name, name))
      return r->v[i].set && r->v[i].text
                 ? (time_t)strtoll(r->v[i].text, NULL, 10)
                 : 0;
  return 0;
}

static zeek_value *field(zeek_rec *r, const char *name) {
  for (size_t i = 0; i < r->def->nfields; i++)
    if (!strcmp(r->def->fields[i].name, name))
      return &r->v[i];
  fprintf(stderr, "mailscope: internal error: %s.log has no field %s\n",
          r->def->path, name);
  abort();
}

static void set_text(zeek_rec *r, const char *name, char *text) {
  zeek_value *v = field(r, name);
  free(v->text);
  v->text = text;
  v->set = true;
}

void zr_strn(zeek_rec *r, const char *name, const char *s, size_t n) {
  if (s)
    set_text(r, name, xstrndup(s, n));
}

void zr_str(zeek_rec *r, const char *name, const char *s) {
  if (s)
    set_text(r, name, xstrdup(s));
}

void zr_count(zeek_rec *r, const char *name, uint64_t v) {
  set_text(r, name, xasprintf("%" PRIu64, v));
}

void zr_int(zeek_rec *r, const char *name, int64_t v) {
  set_text(r, name, xasprintf("%" PRId64, v));
}

void zr_bool(zeek_rec *r, const char *name, bool v) {
  set_text(r, name, xstrdup(v ? "T" : "F"));
}

/* Seconds with six decimals, as Zeek renders time and interval. */
static char *seconds(int64_t usec) {
  const char *sign = usec < 0 ? "-" : "";
  uint64_t u = usec < 0 ? (uint64_t)(-(usec + 1)) + 1 : (uint64_t)usec;
  return xasprintf("%s%" PRIu64 ".%06" PRIu64, sign, u / 1000000, u % 1000000);
}

void zr_time(zeek_rec *r, const char *name, int64_t usec) {
  set_text(r, name, seconds(usec));
}

void zr_interval(zeek_rec *r, const char *name, int64_t usec) {
  set_text(r, name, seconds(usec));
}

void zr_container(zeek_rec *r, const char *name) { field(r, name)->set = true; }

void zr_add(zeek_rec *r, const char *name, const char *elem) {
  zeek_value *v = field(r, name);
  v->set = true;
  strvec_push(&v->elems, elem ? elem : "");
}

void zr_conn_id(zeek_rec *r, const char *orig_h, uint16_t orig_p,
                const char *resp_h, uint16_t resp_p) {
  zr_str(r, "id.orig_h", orig_h);
  zr_count(r, "id.orig_p", orig_p);
  zr_str(r, "id.resp_h", resp_h);
  zr_count(r, "id.resp_p", resp_p);
}

/* ---- TSV ------------------------------------------------------------------
 */

static bool is_container(const char *type) {
  return !strncmp(type, "set[", 4) || !strncmp(type, "vector[", 7);
}

static void hex_byte(ms_outfile *f, unsigned char c) {
  char hex[5];
  snprintf(hex, sizeof hex, "\\x%02x", c);
  outfile_write(f, hex, 4);
}

/* Zeek's escaping: printable ASCII and valid UTF-8 pass; control bytes,
 * backslash, the tab separator, the set separator inside a container,
 * bytes that are not UTF-8 and code points that act on a display (bidi
 * overrides, C1 controls: mailscope's rule) are written \xHH. */
static void tsv_escaped(ms_outfile *f, const char *s, bool in_container) {
  const unsigned char *p = (const unsigned char *)s;
  size_t n = strlen(s);
  if (!strcmp(s, "-") || !strcmp(s, "(empty)")) { /* reserved values */
    hex_byte(f, p[0]);
    outfile_write(f, s + 1, n - 1);
    return;
  }
  size_t run = 0; /* bytes that pass, not yet written */
  for (size_t i = 0; i < n;) {
    unsigned char c = p[i];
    size_t len = 1;
    bool pass;
    if (c >= 0x80) {
      uint32_t cp;
      len = utf8_decode(p + i, n - i, &cp);
      pass = len && !esc_dangerous_codepoint(cp);
      if (!len)
        len = 1;
    } else {
      pass = c >= 0x20 && c < 0x7f && c != '\\' && !(in_container && c == ',');
    }
    if (pass) {
      run += len;
      i += len;
      continue;
    }
    outfile_write(f, s + i - run, run);
    run = 0;
    for (size_t k = 0; k < len; k++)
      hex_byte(f, p[i + k]);
    i += len;
  }
  outfile_write(f, s + n - run, run);
}

static void tsv_value(ms_outfile *f, const char *type, const zeek_value *v) {
  if (!v->set) {
    outfile_write(f, "-", 1);
    return;
  }
  if (is_container(type)) {
    if (!v->elems.len) {
      outfile_puts(f, "(empty)");
      return;
    }
    for (size_t i = 0; i < v->elems.len; i++) {
      if (i)
        outfile_write(f, ",", 1);
      if (!*v->elems.items[i])
        outfile_puts(f, "(empty)");
      else
        tsv_escaped(f, v->elems.items[i], true);
    }
    return;
  }
  if (!*v->text)
    outfile_puts(f, "(empty)");
  else
    tsv_escaped(f, v->text, false);
}

static void tsv_line(const zeek_rec *r, ms_outfile *f) {
  const ms_sensor *sn = sensor_get();
  bool first = true;
  if (sn->name) {
    tsv_escaped(f, sn->name, false);
    outfile_write(f, "\t", 1);
    if (sn->interface)
      tsv_escaped(f, sn->interface, false);
    else
      outfile_write(f, "-", 1);
    first = false;
  }
  for (size_t i = 0; i < r->def->nfields; i++) {
    if (!first)
      outfile_write(f, "\t", 1);
    first = false;
    tsv_value(f, r->def->fields[i].type, &r->v[i]);
  }
  outfile_write(f, "\n", 1);
}

static void tsv_stamp(ms_outfile *f, const char *key, time_t t) {
  struct tm tm;
  char stamp[64];
  gmtime_r(&t, &tm);
  strftime(stamp, sizeof stamp, "%Y-%m-%d-%H-%M-%S", &tm);
  outfile_puts(f, key);
  outfile_puts(f, stamp);
  outfile_write(f, "\n", 1);
}

void zeek_tsv_header(const zeek_log_def *def, time_t opened, ms_outfile *f) {
  outfile_puts(f, "#separator \\x09\n"
                  "#set_separator\t,\n"
                  "#empty_field\t(empty)\n"
                  "#unset_field\t-\n"
                  "#path\t");
  outfile_puts(f, def->path);
  outfile_write(f, "\n", 1);
  tsv_stamp(f, "#open\t", opened);
  const ms_sensor *sn = sensor_get();
  for (int pass = 0; pass < 2; pass++) {
    outfile_puts(f, pass ? "#types" : "#fields");
    if (sn->name)
      outfile_puts(f, pass ? "\tstring\tstring" : "\t_system_name\t_interface");
    for (size_t i = 0; i < def->nfields; i++) {
      outfile_write(f, "\t", 1);
      outfile_puts(f, pass ? def->fields[i].type : def->fields[i].name);
    }
    outfile_write(f, "\n", 1);
  }
}

void zeek_tsv_footer(time_t closed, ms_outfile *f) {
  tsv_stamp(f, "#close\t", closed);
}

/* ---- JSON -----------------------------------------------------------------
 */

/* The JSON form of one value of Zeek type `type` (an element's type for a
 * container's elements). */
static void json_scalar(jsonw *w, const char *type, const char *text) {
  if (!strcmp(type, "bool"))
    jw_bool(w, !strcmp(text, "T"));
  else if (!strcmp(type, "count") || !strcmp(type, "port"))
    jw_uint(w, strtoull(text, NULL, 10));
  else if (!strcmp(type, "int"))
    jw_int(w, strtoll(text, NULL, 10));
  else if (!strcmp(type, "time") || !strcmp(type, "interval") ||
           !strcmp(type, "double"))
    jw_raw_number(w, text);
  else
    jw_str(w, text);
}

static void json_line(const zeek_rec *r, ms_outfile *f) {
  jsonw w;
  jw_init(&w);
  jw_obj_begin(&w);
  const ms_sensor *sn = sensor_get();
  if (sn->name) {
    jw_kstr(&w, "_system_name", sn->name);
    jw_kstr_opt(&w, "_interface", sn->interface);
  }
  for (size_t i = 0; i < r->def->nfields; i++) {
    const zeek_value *v = &r->v[i];
    const char *type = r->def->fields[i].type;
    if (!v->set)
      continue;
    jw_key(&w, r->def->fields[i].name);
    if (!is_container(type)) {
      json_scalar(&w, type, v->text);
      continue;
    }
    char inner[32];
    const char *open = strchr(type, '[');
    snprintf(inner, sizeof inner, "%.*s", (int)(strlen(open) - 2), open + 1);
    jw_arr_begin(&w);
    for (size_t k = 0; k < v->elems.len; k++)
      json_scalar(&w, inner, v->elems.items[k]);
    jw_arr_end(&w);
  }
  jw_obj_end(&w);
  outfile_write(f, w.buf, w.len);
  outfile_write(f, "\n", 1);
  jw_free(&w);
}

void zr_write(const zeek_rec *r, bool json, ms_outfile *f) {
  if (json)
    json_line(r, f);
  else
    tsv_line(r, f);
}
