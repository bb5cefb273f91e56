#include "t.h"
#include "proxy/sni.h"
int main(void) { CHECK(1); return t_done("test_sni"); }
