/* sanitizer_options.c: linked into the sanitizer builds of make
 * check-asan only (the binary and the unit tests): every ASan and LSan
 * report of every process goes to a file in HOOKLINE_SAN_DIR (asan.PID),
 * whatever that process's stderr is: a drainer's is /dev/null, a FastCGI
 * process's the web server's, a command's in a test is often captured
 * and thrown away, and a CGI environment is made from nothing, so
 * ASAN_OPTIONS would not reach them. make check-asan fails when the
 * folder holds any report. (UBSan's, with ASan in the same process,
 * keeps to stderr: its runtime reads neither these options nor
 * UBSAN_OPTIONS. tests/e2e/run.sh looks for them in the servers' logs.) */
#ifndef HOOKLINE_SAN_DIR
#error "HOOKLINE_SAN_DIR: the reports' folder (the Makefile sets it)"
#endif

const char	*__asan_default_options(void);

const char *
__asan_default_options(void)
{
	return "log_path=" HOOKLINE_SAN_DIR "/asan:detect_leaks=1";
}
