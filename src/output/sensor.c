/* sensor.c - the sensor's name, interface and Community ID seed
 * (sensor.h). */
#include "sensor.h"

#include <string.h>
#include <unistd.h>

static ms_sensor sensor;
static char hostname[256];

void sensor_init(const ms_options *opt) {
  memset(&sensor, 0, sizeof sensor);
  sensor.seed = (uint16_t)opt->community_id_seed;
  sensor.interface = opt->iface;
  if (opt->sensor_name)
    sensor.name = opt->sensor_name;
  else if (opt->iface && gethostname(hostname, sizeof hostname - 1) == 0)
    sensor.name = hostname;
}

const ms_sensor *sensor_get(void) { return &sensor; }

void sensor_community_id(const ms_session *s, char out[COMMUNITY_ID_LEN]) {
  if (!community_id_v1(s->client.ip, s->server.ip, s->client.port,
                       s->server.port, 6, true, sensor.seed, out))
    out[0] = '\0';
}
