/* Reading one flat JSON object (the node agent's commands): top-level string, number and bool
 * members; nested values are skipped. Strings are unescaped in place. */
#ifndef SCHEDCP_JPARSE_H
#define SCHEDCP_JPARSE_H
#include <stdbool.h>

#define JP_MAX 32

struct jp_member {
	const char *key;
	const char *str; /* unescaped, NUL-terminated; NULL for non-strings */
	double num;
	bool is_num, is_bool, boolean;
};

struct jp_object {
	int n;
	struct jp_member m[JP_MAX];
};

/* Parses `line` in place; returns 0 or -1 when it is not a JSON object. */
int jp_parse(char *line, struct jp_object *o);
const char *jp_str(const struct jp_object *o, const char *key);
double jp_num(const struct jp_object *o, const char *key, double dflt);
bool jp_bool(const struct jp_object *o, const char *key, bool dflt);

#endif
