#include "json.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void put(struct jbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 1024;
		while (b->len + n + 1 > cap)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p)
			abort();
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void puts_(struct jbuf *b, const char *s) { put(b, s, strlen(s)); }

static void escaped(struct jbuf *b, const char *s, size_t n)
{
	put(b, "\"", 1);
	for (size_t i = 0; i < n && s[i]; i++) {
		unsigned char c = (unsigned char)s[i];
		char tmp[8];
		if (c == '"' || c == '\\') {
			tmp[0] = '\\';
			tmp[1] = (char)c;
			put(b, tmp, 2);
		} else if (c == '\n') {
			put(b, "\\n", 2);
		} else if (c == '\t') {
			put(b, "\\t", 2);
		} else if (c < 0x20 || c == 0x7f) {
			snprintf(tmp, sizeof(tmp), "\\u%04x", c);
			put(b, tmp, 6);
		} else {
			put(b, (const char *)&c, 1);
		}
	}
	put(b, "\"", 1);
}

static void key(struct jbuf *b, const char *k)
{
	if (b->need_comma)
		put(b, ",", 1);
	b->need_comma = true;
	if (k) {
		escaped(b, k, strlen(k));
		put(b, ":", 1);
	}
}

void jb_init(struct jbuf *b) { memset(b, 0, sizeof(*b)); }

void jb_obj_open(struct jbuf *b, const char *k)
{
	key(b, k);
	put(b, "{", 1);
	b->need_comma = false;
}

void jb_obj_close(struct jbuf *b)
{
	put(b, "}", 1);
	b->need_comma = true;
}

void jb_arr_open(struct jbuf *b, const char *k)
{
	key(b, k);
	put(b, "[", 1);
	b->need_comma = false;
}

void jb_arr_close(struct jbuf *b)
{
	put(b, "]", 1);
	b->need_comma = true;
}

void jb_strn(struct jbuf *b, const char *k, const char *val, size_t n)
{
	key(b, k);
	if (!val)
		puts_(b, "null");
	else
		escaped(b, val, n);
}

void jb_str(struct jbuf *b, const char *k, const char *val) { jb_strn(b, k, val, val ? strlen(val) : 0); }

void jb_int(struct jbuf *b, const char *k, long long v)
{
	char tmp[32];
	key(b, k);
	snprintf(tmp, sizeof(tmp), "%lld", v);
	puts_(b, tmp);
}

void jb_num(struct jbuf *b, const char *k, double v)
{
	char tmp[48];
	key(b, k);
	snprintf(tmp, sizeof(tmp), "%.3f", v);
	puts_(b, tmp);
}

void jb_bool(struct jbuf *b, const char *k, bool v)
{
	key(b, k);
	puts_(b, v ? "true" : "false");
}

void jb_null(struct jbuf *b, const char *k)
{
	key(b, k);
	puts_(b, "null");
}

/* One object per line on fd, no marker (the node agent's channel carries only protocol lines). */
void jb_emit_to(struct jbuf *b, int fd)
{
	put(b, "\n", 1);
	size_t off = 0;
	while (off < b->len) {
		ssize_t w = write(fd, b->p + off, b->len - off);
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	free(b->p);
	jb_init(b);
}

void jb_emit(struct jbuf *b)
{
	struct jbuf line;
	jb_init(&line);
	puts_(&line, "\n" SCHEDCP_MARKER);
	put(&line, b->p ? b->p : "{}", b->p ? b->len : 2);
	put(&line, "\n", 1);
	size_t off = 0;
	while (off < line.len) {
		ssize_t w = write(STDOUT_FILENO, line.p + off, line.len - off);
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	free(line.p);
	free(b->p);
	jb_init(b);
}
