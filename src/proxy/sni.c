#include "sni.h"
void sni_init(struct sni_parser *p) { (void)p; }
enum sni_rc sni_feed(struct sni_parser *p, const uint8_t *d, size_t n) { (void)p; (void)d; (void)n; return SNI_ERROR; }
const char *sni_strerror(enum sni_err e) { (void)e; return ""; }
