/* test_community_id.c - Community ID v1 against the baseline files of the
 * specification's repository (corelight/community-id-spec,
 * baseline/baseline_deflt.json for seed 0 and baseline_seed1.json for seed
 * 1): every flow in both directions gives the value listed there.  ICMP
 * rows give the type and code already mapped to ports, as the baseline
 * does; protocol 46 (RSVP) has no ports. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "community_id.h"

typedef struct {
  int proto;
  const char *saddr, *daddr;
  int sport, dport; /* -1: no ports */
  const char *seed0, *seed1;
} vector;

static const vector vectors[] = {
    {58, "fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 135, 136,
     "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=", "1:kHa1FhMYIT6Ym2Vm2AOtoOARDzY="},
    {58, "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 135, 136,
     "1:zavyT/cezQr1fmImYCwYnMXbgck=", "1:2hSqmsDZ2kdcY9kbiUzOEBic0iM="},
    {58, "3ffe:501:1800:2345::2", "3ffe:507:0:1:200:86ff:fe05:80da", 3, 0,
     "1:2ObVBgIn28oZvibYZhZMBgh7WdQ=", "1:lVEtCZpYu84Xqaa++3lXFyuu2n4="},
    {58, "3ffe:501:410:0:2c0:dfff:fe47:33e", "3ffe:507:0:1:200:86ff:fe05:80da",
     1, 4, "1:hLZd0XGWojozrvxqE0dWB1iM6R0=", "1:W8MHwXpWzpoSTD+cGcaJr4u0ys8="},
    {58, "3ffe:507:0:1:200:86ff:fe05:80da", "3ffe:501:0:1001::2", 128, 129,
     "1:+TW+HtLHvV1xnGhV1lv7XoJrqQg=", "1:GfZxjAkDk2MkegpBYHV6tadtFXQ="},
    {58, "fe80::200:86ff:fe05:80da", "ff02::2", 133, 134,
     "1:hO+sN4H+MG5MY/8hIrXPqc4ZQz0=", "1:L7Ka0ZMYu+J3bL4ulW2PrqyXNo8="},
    {58, "fe80::260:97ff:fe07:69ea", "ff02::1", 134, 133,
     "1:pkvHqCL88/tg1k4cPigmZXUtL00=", "1:K/ee5UCqAMAQXDorP5nSa2CGLjc="},
    {1, "192.168.0.89", "192.168.0.1", 8, 0,
     "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=", "1:03g6IloqVBdcZlPyX8r0hgoE7kA="},
    {1, "10.0.0.1", "10.0.0.2", 11, 0,
     "1:YHxtAirCG//0OzkcVAukqKQN9xM=", "1:XjUibYHaafLQ3pxQeiMI8g25q20="},
    {6, "2001:470:e5bf:dead:4957:2174:e82c:4887", "2607:f8b0:400c:c03::1a",
     63943, 25,
     "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=", "1:eJYTW6AOzFLlSUoESovMjnu7rMw="},
    {132, "192.168.170.8", "192.168.170.56", 7, 7,
     "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=", "1:5w3ZRjeKBzqT3zsaEECDGjUbYeg="},
    {6, "128.232.110.120", "66.35.250.204", 34855, 80,
     "1:LQU9qZlK+B5F3KDmev6m5PMibrg=", "1:3V71V58M3Ksw/yuFALMcW0LAHvc="},
    {17, "192.168.1.52", "8.8.8.8", 54585, 53,
     "1:d/FP5EW3wiY1vCndhwleRRKHowQ=", "1:Q9We8WO3piVF8yEQBNJF4uiSVrI="},
    {46, "10.1.12.1", "10.1.12.2", -1, -1,
     "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=", "1:rYir8gphR31noO9iDRQmF/BteEI="},
};

static void check(const vector *v, bool reverse, uint16_t seed,
                  const char *want) {
  char out[COMMUNITY_ID_LEN];
  bool ports = v->sport >= 0;
  uint16_t sp = ports ? (uint16_t)v->sport : 0;
  uint16_t dp = ports ? (uint16_t)v->dport : 0;
  bool ok = reverse ? community_id_v1(v->daddr, v->saddr, dp, sp,
                                      (uint8_t)v->proto, ports, seed, out)
                    : community_id_v1(v->saddr, v->daddr, sp, dp,
                                      (uint8_t)v->proto, ports, seed, out);
  assert_true(ok);
  assert_string_equal(out, want);
}

static void baseline_values(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
    check(&vectors[i], false, 0, vectors[i].seed0);
    check(&vectors[i], true, 0, vectors[i].seed0);
    check(&vectors[i], false, 1, vectors[i].seed1);
    check(&vectors[i], true, 1, vectors[i].seed1);
  }
}

static void bad_addresses(void **state) {
  (void)state;
  char out[COMMUNITY_ID_LEN];
  assert_false(community_id_v1("10.0.0.1", "::1", 1, 2, 6, true, 0, out));
  assert_false(community_id_v1("not an ip", "10.0.0.1", 1, 2, 6, true, 0, out));
  assert_string_equal(out, "");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(baseline_values),
      cmocka_unit_test(bad_addresses),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
