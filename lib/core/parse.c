/* Strict parsers for numbers, Go-style durations and byte sizes given on command lines, in
 * URLs and in text formats. The whole string must parse. */
#include <math.h>
#include <strings.h>

#include "goscope/core.h"

int gs_parse_i64(const char *s, int64_t *v)
{
	char *end;
	if (!s || !*s)
		return -EINVAL;
	errno = 0;
	long long x = strtoll(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	*v = x;
	return 0;
}

int gs_parse_f64(const char *s, double *v)
{
	char *end;
	if (!s || !*s)
		return -EINVAL;
	errno = 0;
	double x = strtod(s, &end);
	if (errno || *end || isnan(x))
		return -EINVAL;
	*v = x;
	return 0;
}

/* Go's time.ParseDuration: a sequence of decimal numbers with units ns us µs ms s m h, an
 * optional sign; "0" alone is allowed. */
int gs_parse_duration_ns(const char *s, int64_t *ns)
{
	static const struct {
		const char *name;
		double factor;
	} units[] = {{"ns", 1}, {"us", 1e3}, {"\xc2\xb5s", 1e3}, {"\xce\xbcs", 1e3}, {"ms", 1e6},
		     {"s", 1e9}, {"m", 60e9}, {"h", 3600e9}};
	double total = 0;
	bool neg = false;
	if (!s || !*s)
		return -EINVAL;
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (!strcmp(s, "0")) {
		*ns = 0;
		return 0;
	}
	if (!*s)
		return -EINVAL;
	while (*s) {
		char *end;
		if (!((*s >= '0' && *s <= '9') || *s == '.'))
			return -EINVAL;
		double x = strtod(s, &end);
		if (end == s)
			return -EINVAL;
		s = end;
		size_t best = 0, best_len = 0;
		for (size_t i = 0; i < GS_ARRAY_LEN(units); i++) {
			size_t len = strlen(units[i].name);
			if (!strncmp(s, units[i].name, len) && len > best_len) {
				best = i;
				best_len = len;
			}
		}
		if (!best_len)
			return -EINVAL;
		total += x * units[best].factor;
		s += best_len;
	}
	if (total > 9.2e18)
		return -ERANGE;
	*ns = (int64_t)llround(neg ? -total : total);
	return 0;
}

int gs_parse_bytes(const char *s, uint64_t *bytes)
{
	static const struct {
		const char *name;
		double factor;
	} units[] = {{"", 1}, {"b", 1}, {"k", 1024.0}, {"kb", 1024.0}, {"kib", 1024.0},
		     {"m", 1048576.0}, {"mb", 1048576.0}, {"mib", 1048576.0}, {"g", 1073741824.0},
		     {"gb", 1073741824.0}, {"gib", 1073741824.0}, {"t", 1099511627776.0},
		     {"tb", 1099511627776.0}, {"tib", 1099511627776.0}};
	char *end;
	if (!s || !*s || *s == '-')
		return -EINVAL;
	errno = 0;
	double x = strtod(s, &end);
	if (errno || end == s || x < 0)
		return -EINVAL;
	for (size_t i = 0; i < GS_ARRAY_LEN(units); i++) {
		if (!strcasecmp(end, units[i].name)) {
			double v = x * units[i].factor;
			if (v >= 1.8e19)
				return -ERANGE;
			*bytes = (uint64_t)v;
			return 0;
		}
	}
	return -EINVAL;
}
