#include "jparse.h"
#include <stdlib.h>
#include <string.h>

static char *ws(char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	return p;
}

/* Unescapes the string starting after its opening quote; returns the char after the closing quote. */
static char *string(char *p, const char **out)
{
	char *w = p;
	*out = p;
	while (*p && *p != '"') {
		if (*p == '\\' && p[1]) {
			p++;
			switch (*p) {
			case 'n': *w++ = '\n'; break;
			case 't': *w++ = '\t'; break;
			case 'r': *w++ = '\r'; break;
			case 'u': *w++ = '?'; p += strlen(p) >= 5 ? 4 : 0; break; /* names are ASCII; keep a marker */
			default: *w++ = *p;
			}
			p++;
		} else {
			*w++ = *p++;
		}
	}
	if (*p != '"')
		return NULL;
	*w = '\0';
	return p + 1;
}

/* Skips a nested object or array, honouring strings. */
static char *skip_nested(char *p)
{
	int depth = 0;
	bool in_str = false;
	for (; *p; p++) {
		if (in_str) {
			if (*p == '\\' && p[1])
				p++;
			else if (*p == '"')
				in_str = false;
		} else if (*p == '"') {
			in_str = true;
		} else if (*p == '{' || *p == '[') {
			depth++;
		} else if (*p == '}' || *p == ']') {
			if (--depth == 0)
				return p + 1;
		}
	}
	return NULL;
}

int jp_parse(char *line, struct jp_object *o)
{
	memset(o, 0, sizeof(*o));
	char *p = ws(line);
	if (*p++ != '{')
		return -1;
	p = ws(p);
	if (*p == '}')
		return 0;
	for (;;) {
		p = ws(p);
		if (*p++ != '"')
			return -1;
		const char *key;
		if (!(p = string(p, &key)))
			return -1;
		p = ws(p);
		if (*p++ != ':')
			return -1;
		p = ws(p);
		struct jp_member m = { .key = key };
		if (*p == '"') {
			if (!(p = string(p + 1, &m.str)))
				return -1;
		} else if (*p == '{' || *p == '[') {
			if (!(p = skip_nested(p)))
				return -1;
		} else if (!strncmp(p, "true", 4) || !strncmp(p, "false", 5)) {
			m.is_bool = true;
			m.boolean = *p == 't';
			p += m.boolean ? 4 : 5;
		} else if (!strncmp(p, "null", 4)) {
			p += 4;
		} else {
			char *end;
			m.num = strtod(p, &end);
			if (end == p)
				return -1;
			m.is_num = true;
			p = end;
		}
		if (o->n < JP_MAX)
			o->m[o->n++] = m;
		p = ws(p);
		if (*p == ',') {
			p++;
			continue;
		}
		return *p == '}' ? 0 : -1;
	}
}

static const struct jp_member *find(const struct jp_object *o, const char *key)
{
	for (int i = 0; i < o->n; i++)
		if (!strcmp(o->m[i].key, key))
			return &o->m[i];
	return NULL;
}

const char *jp_str(const struct jp_object *o, const char *key)
{
	const struct jp_member *m = find(o, key);
	return m ? m->str : NULL;
}

double jp_num(const struct jp_object *o, const char *key, double dflt)
{
	const struct jp_member *m = find(o, key);
	return m && m->is_num ? m->num : dflt;
}

bool jp_bool(const struct jp_object *o, const char *key, bool dflt)
{
	const struct jp_member *m = find(o, key);
	return m && m->is_bool ? m->boolean : dflt;
}
