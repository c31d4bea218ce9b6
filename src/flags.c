/* Flag parsing with Go's flag-package spelling (-name, --name, -name=value, -name value), so
 * that habits from `go tool pprof` carry over. */
#include <strings.h>

#include "cli.h"

void gs_strlist_release(struct gs_strlist *l)
{
	free(l->items);
	l->items = NULL;
	l->len = 0;
}

int gs_strlist_add(struct gs_strlist *l, const char *s)
{
	const char **items = realloc(l->items, (l->len + 1) * sizeof(*items));
	if (!items)
		return -ENOMEM;
	items[l->len++] = s;
	l->items = items;
	return 0;
}

static const struct gs_flag *find_flag(const struct gs_flag *flags, const char *name, size_t len)
{
	for (const struct gs_flag *f = flags; f && f->name; f++) {
		if (len == 1 && f->short_name == name[0])
			return f;
		if (strlen(f->name) == len && !strncmp(f->name, name, len))
			return f;
	}
	return NULL;
}

static int parse_bool(const char *v, bool *out)
{
	if (!strcmp(v, "1") || !strcasecmp(v, "true") || !strcasecmp(v, "t")) {
		*out = true;
		return 0;
	}
	if (!strcmp(v, "0") || !strcasecmp(v, "false") || !strcasecmp(v, "f")) {
		*out = false;
		return 0;
	}
	return -EINVAL;
}

static int set_value(const struct gs_flag *f, const char *v)
{
	int64_t i;
	double d;
	switch (f->kind) {
	case GS_FLAG_BOOL:
		if (parse_bool(v, f->dest))
			return usage_error("invalid boolean value '%s' for -%s", v, f->name);
		break;
	case GS_FLAG_STR:
		*(const char **)f->dest = v;
		break;
	case GS_FLAG_INT:
		if (gs_parse_i64(v, &i))
			return usage_error("invalid value '%s' for -%s: expected an integer", v, f->name);
		*(int64_t *)f->dest = i;
		break;
	case GS_FLAG_F64:
		if (gs_parse_f64(v, &d))
			return usage_error("invalid value '%s' for -%s: expected a number", v, f->name);
		*(double *)f->dest = d;
		break;
	case GS_FLAG_DURATION:
		if (gs_parse_f64(v, &d) == 0) {
			if (d < 0 || d > 9e9)
				return usage_error("invalid duration '%s' for -%s", v, f->name);
			*(int64_t *)f->dest = (int64_t)(d * 1e9);
		} else if (gs_parse_duration_ns(v, &i) == 0 && i >= 0) {
			*(int64_t *)f->dest = i;
		} else {
			return usage_error("invalid duration '%s' for -%s (examples: 30, 30s, 1m30s)",
					   v, f->name);
		}
		break;
	case GS_FLAG_STRLIST:
		if (gs_strlist_add(f->dest, v))
			return fail("out of memory");
		break;
	case GS_FLAG_SET:
		*(int *)f->dest = f->set_value;
		break;
	}
	if (f->seen)
		*f->seen = true;
	return 0;
}

int gs_flags_parse(const struct gs_cli_cmd *cmd, const struct gs_flag *flags, int argc, char **argv,
		   struct gs_strlist *pos)
{
	bool only_positional = false;
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		if (only_positional || arg[0] != '-' || arg[1] == '\0') {
			if (gs_strlist_add(pos, arg))
				return fail("out of memory");
			continue;
		}
		if (!strcmp(arg, "--")) {
			only_positional = true;
			continue;
		}
		const char *name = arg + 1 + (arg[1] == '-');
		const char *eq = strchr(name, '=');
		size_t len = eq ? (size_t)(eq - name) : strlen(name);
		if ((len == 1 && name[0] == 'h') || (len == 4 && !strncmp(name, "help", 4))) {
			print_usage(cmd);
			return GS_FLAGS_HELP;
		}
		const struct gs_flag *f = find_flag(flags, name, len);
		if (!f)
			return usage_error("unknown flag '%.*s'", (int)(len + (size_t)(name - arg)), arg);
		int rc;
		if (f->kind == GS_FLAG_BOOL || f->kind == GS_FLAG_SET) {
			if (eq && f->kind == GS_FLAG_BOOL)
				rc = set_value(f, eq + 1);
			else if (eq)
				return usage_error("flag -%s takes no value", f->name);
			else if (f->kind == GS_FLAG_BOOL)
				rc = set_value(f, "true");
			else
				rc = set_value(f, "");
		} else if (eq) {
			rc = set_value(f, eq + 1);
		} else {
			if (i + 1 >= argc)
				return usage_error("flag -%s needs a value", f->name);
			rc = set_value(f, argv[++i]);
		}
		if (rc)
			return rc;
	}
	return 0;
}
