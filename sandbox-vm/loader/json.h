/* Minimal JSON-line writer: the guest protocol is one JSON object per line on the serial
 * console, prefixed with "@@SCHEDCP " so the host can tell it apart from kernel messages. */
#ifndef SCHEDCP_JSON_H
#define SCHEDCP_JSON_H
#include <stdbool.h>
#include <stddef.h>

#define SCHEDCP_MARKER "@@SCHEDCP "

struct jbuf {
	char *p;
	size_t len, cap;
	bool need_comma;
};

void jb_init(struct jbuf *b);
void jb_obj_open(struct jbuf *b, const char *key);
void jb_obj_close(struct jbuf *b);
void jb_arr_open(struct jbuf *b, const char *key);
void jb_arr_close(struct jbuf *b);
void jb_str(struct jbuf *b, const char *key, const char *val);
void jb_strn(struct jbuf *b, const char *key, const char *val, size_t n);
void jb_int(struct jbuf *b, const char *key, long long v);
void jb_num(struct jbuf *b, const char *key, double v);
void jb_bool(struct jbuf *b, const char *key, bool v);
void jb_null(struct jbuf *b, const char *key);
/* Writes the marker, the object and a newline with a single write() so kernel console
 * output cannot land in the middle of the line, then frees the buffer. */
void jb_emit(struct jbuf *b);
void jb_emit_to(struct jbuf *b, int fd);

#endif
