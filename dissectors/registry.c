/* registry.c - the list of protocol dissectors. */
#include "dissector.h"

#include <stddef.h>

const ms_dissector *ms_dissector_for(ms_proto proto) {
  switch (proto) {
  case MS_PROTO_SMTP:
    return &ms_smtp_dissector;
  case MS_PROTO_POP3:
    return &ms_pop3_dissector;
  default:
    return NULL;
  }
}
