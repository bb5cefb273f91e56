#include "t.h"
#include "proxy/http.h"
int main(void) { CHECK(1); return t_done("test_http"); }
