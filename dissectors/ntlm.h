/* ntlm.h - the NTLMSSP messages carried by SASL/AUTH NTLM (MS-NLMP 2.2.1):
 * NEGOTIATE (type 1), CHALLENGE (type 2) and AUTHENTICATE (type 3), read
 * for the names they carry.  Every offset and length comes from the wire
 * and is checked against the message; names are returned as UTF-8 (UTF-16LE
 * decoded when the message says Unicode, otherwise the bytes as sent). */
#ifndef MAILSCOPE_NTLM_H
#define MAILSCOPE_NTLM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
  int type;                   /* 1, 2 or 3 */
  uint32_t flags;             /* NegotiateFlags, 0 when the message has none */
  char *target;               /* type 2: TargetName, or NULL */
  char *domain;               /* type 3: DomainName, or NULL when empty */
  char *user;                 /* type 3: UserName, or NULL when empty */
  char *workstation;          /* type 3: Workstation, or NULL when empty */
  const uint8_t *nt_response; /* type 3: NtChallengeResponse, in the input */
  size_t nt_response_len;     /* 24: NTLMv1; more: NTLMv2; 0: anonymous */
} ntlm_message;

/* Parse one decoded NTLMSSP message.  false (and *m empty) when it is not
 * one: no "NTLMSSP\0" signature, an unknown type, or a field outside the
 * message.  m->nt_response points into d. */
bool ntlm_parse(const uint8_t *d, size_t n, ntlm_message *m);
void ntlm_message_free(ntlm_message *m);

#endif
