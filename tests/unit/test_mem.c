#include "ktest.h"
int main(void) { return ktest_summary(); }
