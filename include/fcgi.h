/* fcgi.h: the web server side: FastCGI (libfcgi) and CGI. */
#ifndef HOOKLINE_FCGI_H
#define HOOKLINE_FCGI_H

/* 1 when started by a web server for a request: GATEWAY_INTERFACE is
 * set, even empty (RFC 3875). */
int	cgi_detect(void);
/* 1 when stdin is a listening socket (started as a FastCGI app). */
int	fcgi_detect(void);

/* Answers one CGI request from the environment, stdin and stdout.
 * Returns the exit status for main. */
int	cgi_serve(const char *conf_path);

/* Serves FastCGI on listen_addr ("127.0.0.1:9000" or a socket path), or
 * on fd 0 when listen_addr is NULL, until SIGTERM: in this process when
 * workers is 0 (started by a web server that runs as many as it wants),
 * else in that many worker processes (pool.h). */
int	fcgi_serve(const char *conf_path, const char *listen_addr,
	    unsigned workers);

/* libfcgi's version as pkg-config gave it at build time. */
const char *fcgi_lib_version(void);

#endif
