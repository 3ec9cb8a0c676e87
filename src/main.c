/* main.c - PLACEHOLDER until the CLI lands. */
#include <stdio.h>

int main(void) {
  fputs("mailscope: not built yet\n", stderr);
  return 2;
}
