/* unit.h: what every cmocka test file includes first. */
#ifndef HOOKLINE_UNIT_H
#define HOOKLINE_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#endif
