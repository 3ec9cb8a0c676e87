/* sensor.h - what every record says about where it was seen.
 *
 * Live, records carry the sensor's name (--sensor-name, by default the host
 * name) and the interface; reading files, only a name given with
 * --sensor-name (a capture file's records describe the capture, not the
 * machine that read it, and stay the same on every machine).  Every
 * session also carries its Community ID (community_id.h) with the seed of
 * --community-id-seed.  Set once at start-up; emitters only read it.
 */
#ifndef MAILSCOPE_SENSOR_H
#define MAILSCOPE_SENSOR_H

#include <stdint.h>

#include "community_id.h"
#include "options.h"
#include "record.h"

typedef struct {
  const char *name;      /* NULL: not written */
  const char *interface; /* NULL: not live */
  uint16_t seed;
} ms_sensor;

void sensor_init(const ms_options *opt);
const ms_sensor *sensor_get(void);
/* The session's Community ID ("" when its addresses do not parse). */
void sensor_community_id(const ms_session *s, char out[COMMUNITY_ID_LEN]);

#endif
