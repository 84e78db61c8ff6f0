/* wrap_ca.h: for test files linked with "// WRAP: ca_file_default":
 * no_system_ca set makes the host look as if it had none of the usual
 * CA bundles. */
#ifndef HOOKLINE_WRAP_CA_H
#define HOOKLINE_WRAP_CA_H

static int no_system_ca;

const char *__real_ca_file_default(void);
const char *__wrap_ca_file_default(void);

const char *
__wrap_ca_file_default(void)
{
	return no_system_ca ? NULL : __real_ca_file_default();
}

#endif
