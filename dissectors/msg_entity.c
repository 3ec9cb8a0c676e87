/* msg_entity.c - the header block of one MIME entity (msg_entity.h). */
#include "msg_entity.h"

#include <ctype.h>
#include <gmime/gmime.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "msg_fields.h"
#include "vec.h"

static char *lower_dup(const char *s) {
  char *d = xstrdup(s);
  for (char *p = d; *p; p++)
    *p = (char)tolower((unsigned char)*p);
  return d;
}

void msg_entity_free(msg_entity *e) {
  free(e->content_type);
  free(e->boundary);
  free(e->charset);
  free(e->name);
  free(e->disposition);
  free(e->filename);
  free(e->encoding);
}

static char *param(const GMimeParamList *list, const char *name) {
  if (!list)
    return NULL;
  GMimeParam *prm =
      g_mime_param_list_get_parameter((GMimeParamList *)list, name);
  const char *v = prm ? g_mime_param_get_value(prm) : NULL;
  return v ? xstrdup(v) : NULL;
}

static void content_type_field(msg_entity *e, const char *v) {
  fields_param want[3] = {
      {"boundary", NULL}, {"charset", NULL}, {"name", NULL}};
  char *type;
  if (fields_typed_params(v, true, &type, want, 3)) {
    free(e->content_type); /* a repeated Content-Type: the last one counts */
    free(e->boundary);
    free(e->charset);
    free(e->name);
    e->content_type = type;
    e->boundary = want[0].value;
    e->charset = want[1].value;
    e->name = want[2].value;
    return;
  }
  GMimeContentType *ct = g_mime_content_type_parse(NULL, v);
  if (!ct)
    return;
  char *mt = g_mime_content_type_get_mime_type(ct);
  free(e->content_type);
  e->content_type = mt ? lower_dup(mt) : NULL;
  g_free(mt);
  GMimeParamList *params = g_mime_content_type_get_parameters(ct);
  free(e->boundary); /* a repeated Content-Type: the last one counts */
  free(e->charset);
  free(e->name);
  e->boundary = param(params, "boundary");
  e->charset = param(params, "charset");
  e->name = param(params, "name");
  g_object_unref(ct);
}

static void disposition_field(msg_entity *e, const char *v) {
  fields_param want = {"filename", NULL};
  char *type;
  if (fields_typed_params(v, false, &type, &want, 1)) {
    free(e->disposition); /* repeated: the last one counts */
    free(e->filename);
    e->disposition = type;
    e->filename = want.value;
    return;
  }
  GMimeContentDisposition *cd = g_mime_content_disposition_parse(NULL, v);
  if (!cd)
    return;
  const char *d = g_mime_content_disposition_get_disposition(cd);
  free(e->disposition); /* repeated: the last one counts */
  free(e->filename);
  e->disposition = d ? lower_dup(d) : NULL;
  e->filename =
      param(g_mime_content_disposition_get_parameters(cd), "filename");
  g_object_unref(cd);
}

void msg_entity_parse(const char *h, size_t n, msg_entity *e,
                      msg_field_fn field, void *ctx) {
  size_t i = 0;
  char *value = xmalloc(n + 1);
  while (i < n) {
    size_t line_end = i;
    /* a field: name ':' value, continued by lines starting with WSP */
    size_t v = 0;
    size_t name_end = i;
    while (name_end < n && h[name_end] != ':' && h[name_end] != '\n')
      name_end++;
    line_end = name_end;
    while (line_end < n) {
      size_t nl = line_end;
      while (nl < n && h[nl] != '\n')
        nl++;
      line_end = nl + 1;
      if (line_end >= n || (h[line_end] != ' ' && h[line_end] != '\t'))
        break;
    }
    if (line_end > n)
      line_end = n;
    if (name_end >= line_end || h[name_end] != ':') {
      i = line_end; /* not a field: skip */
      continue;
    }
    for (size_t k = name_end + 1; k < line_end; k++) {
      char c = h[k];
      if (c == '\r' || c == '\n')
        continue;
      if (c == '\t')
        c = ' ';
      if (c == '\0')
        c = ' ';
      value[v++] = c;
    }
    value[v] = '\0';
    char *val = value;
    while (*val == ' ')
      val++;
    size_t vl = strlen(val);
    while (vl && val[vl - 1] == ' ')
      val[--vl] = '\0';
    char name[80];
    size_t nl = name_end - i < sizeof name - 1 ? name_end - i : sizeof name - 1;
    memcpy(name, h + i, nl);
    while (nl && (name[nl - 1] == ' ' || name[nl - 1] == '\t'))
      nl--;
    name[nl] = '\0';
    if (!strcasecmp(name, "Content-Type")) {
      content_type_field(e, val);
    } else if (!strcasecmp(name, "Content-Disposition")) {
      disposition_field(e, val);
    } else if (!strcasecmp(name, "Content-Transfer-Encoding")) {
      free(e->encoding);
      e->encoding = lower_dup(val);
    }
    if (field)
      field(ctx, e, name, val, line_end >= n);
    i = line_end;
  }
  free(value);
}
