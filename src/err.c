/* err.c: filling the caller's error buffer. */
#include <stdarg.h>
#include <stdio.h>

#include "err.h"

void
err_set(struct err *e, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return;
	va_start(ap, fmt);
	/* A message cut short is still a message: truncation is fine here. */
	(void)vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
}
