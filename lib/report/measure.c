/* pprof's measurement rules, to the byte: the unit families (memory, time, GCU) and how a unit
 * string is recognised, scaling between units (explicit, `auto`, `minimum`), the scaled label of
 * a value, the percentage text, the report-wide output unit, and the Duration header line.
 * Facts from google/pprof internal/measurement and internal/report (Go 1.26.8's vendored copy);
 * see docs/internals/report.md. Nothing here parses profiles or allocates beyond gs_buf growth. */
#include <math.h>

#include "goscope/report.h"

struct unit {
	const char *name;        /* canonical, as printed */
	const char *aliases[4];  /* lower-case; matched after lower-casing and the trailing-s rule */
	double factor;           /* value of one unit in the family's base unit */
};

struct family {
	const struct unit *units; /* ascending factors */
	size_t n_units;
	const char *default_name;
	double default_factor;
};

static const struct unit memory_units[] = {
	{"B", {"b", "byte"}, 1},
	{"kB", {"kb", "kbyte", "kilobyte"}, 1024.0},
	{"MB", {"mb", "mbyte", "megabyte"}, 1048576.0},
	{"GB", {"gb", "gbyte", "gigabyte"}, 1073741824.0},
	{"TB", {"tb", "tbyte", "terabyte"}, 1099511627776.0},
	{"PB", {"pb", "pbyte", "petabyte"}, 1125899906842624.0},
};

/* "μs" is an alias in pprof but can never match: it is three bytes long, so the trailing-s
 * rule turns it into "μ" before the lookup. It is kept so that "μss" behaves as in pprof. */
static const struct unit time_units[] = {
	{"ns", {"ns", "nanosecond"}, 1},
	{"us", {"\xce\xbcs", "us", "microsecond"}, 1e3},
	{"ms", {"ms", "millisecond"}, 1e6},
	{"s", {"s", "sec", "second"}, 1e9},
	{"hrs", {"hour", "hr"}, 3.6e12},
};

static const struct unit gcu_units[] = {
	{"n*GCU", {"nanogcu"}, 1e-9}, {"u*GCU", {"microgcu"}, 1e-6}, {"m*GCU", {"milligcu"}, 1e-3},
	{"GCU", {"gcu"}, 1},          {"k*GCU", {"kilogcu"}, 1e3},   {"M*GCU", {"megagcu"}, 1e6},
	{"G*GCU", {"gigagcu"}, 1e9},  {"T*GCU", {"teragcu"}, 1e12},  {"P*GCU", {"petagcu"}, 1e15},
};

static const struct family families[] = {
	{memory_units, GS_ARRAY_LEN(memory_units), "B", 1},
	{time_units, GS_ARRAY_LEN(time_units), "s", 1e9},
	{gcu_units, GS_ARRAY_LEN(gcu_units), "GCU", 1},
};

/* Longest unit string worth lower-casing: every alias is shorter, so a longer string cannot
 * match and is rejected without copying. */
#define UNIT_MAX 32

/* Lower-cases s the way Go's strings.ToLower does, as far as it matters for matching an alias:
 * ASCII letters, U+212A KELVIN SIGN (-> 'k'), U+0130 (-> 'i') and U+039C (-> U+03BC). Any other
 * non-ASCII character, or invalid UTF-8, makes a match impossible: returns false. */
static bool unit_lower(const char *s, char out[UNIT_MAX + 1])
{
	size_t o = 0;
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		if (o + 2 > UNIT_MAX)
			return false;
		if (*p < 0x80) {
			unsigned char c = *p++;
			out[o++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
		} else if (p[0] == 0xe2 && p[1] == 0x84 && p[2] == 0xaa) {
			out[o++] = 'k';
			p += 3;
		} else if (p[0] == 0xc4 && p[1] == 0xb0) {
			out[o++] = 'i';
			p += 2;
		} else if (p[0] == 0xce && (p[1] == 0x9c || p[1] == 0xbc)) {
			out[o++] = (char)0xce;
			out[o++] = (char)0xbc;
			p += 2;
		} else {
			return false;
		}
	}
	out[o] = 0;
	return true;
}

/* The unit of family f that the unit string s names, or NULL. */
static const struct unit *family_sniff(const struct family *f, const char *s)
{
	char low[UNIT_MAX + 1];
	if (!s || !unit_lower(s, low))
		return NULL;
	size_t n = strlen(low);
	if (n > 2 && low[n - 1] == 's')
		low[n - 1] = 0;
	for (size_t i = 0; i < f->n_units; i++)
		for (size_t a = 0; a < GS_ARRAY_LEN(f->units[i].aliases) && f->units[i].aliases[a]; a++)
			if (!strcmp(low, f->units[i].aliases[a]))
				return &f->units[i];
	return NULL;
}

int gs_measure_unit_family(const char *unit)
{
	for (size_t i = 0; i < GS_ARRAY_LEN(families); i++)
		if (family_sniff(&families[i], unit))
			return (int)i;
	return -1;
}

static bool is_auto(const char *to)
{
	return to && (!strcmp(to, "minimum") || !strcmp(to, "auto"));
}

static double scale_in_family(const struct family *f, const struct unit *from, int64_t value,
			      const char *to, const char **unit)
{
	double v = (double)value * from->factor;
	if (is_auto(to)) {
		double best = 0;
		const char *name = NULL;
		for (size_t i = 0; i < f->n_units; i++) {
			if (f->units[i].factor >= best && v / f->units[i].factor >= 1.0) {
				best = f->units[i].factor;
				name = f->units[i].name;
			}
		}
		if (name) {
			*unit = name;
			return v / best;
		}
		*unit = f->default_name;
		return v / f->default_factor;
	}
	const struct unit *target = family_sniff(f, to);
	if (!target) {
		*unit = f->default_name;
		return v / f->default_factor;
	}
	*unit = target->name;
	return v / target->factor;
}

double gs_measure_scale(int64_t value, const char *from_unit, const char *to_unit,
			const char **unit)
{
	const char *dummy;
	if (!unit)
		unit = &dummy;
	/* INT64_MIN has no positive counterpart: pprof scales it as it is. */
	if (value < 0 && value != INT64_MIN)
		return -gs_measure_scale(-value, from_unit, to_unit, unit);
	for (size_t i = 0; i < GS_ARRAY_LEN(families); i++) {
		const struct unit *from = family_sniff(&families[i], from_unit);
		if (from)
			return scale_in_family(&families[i], from, value, to_unit, unit);
	}
	static const char *const quiet[] = {"count", "sample", "unit", "minimum", "auto"};
	*unit = to_unit ? to_unit : "";
	for (size_t i = 0; i < GS_ARRAY_LEN(quiet); i++)
		if (to_unit && !strcmp(to_unit, quiet[i]))
			*unit = "";
	return (double)value;
}

int gs_measure_label(struct gs_buf *b, int64_t value, const char *from_unit, const char *to_unit)
{
	const char *unit;
	double v = gs_measure_scale(value, from_unit, to_unit, &unit);
	char num[512];
	int n = snprintf(num, sizeof(num), "%.2f", v);
	if (n < 0 || (size_t)n >= sizeof(num))
		return -EINVAL; /* cannot happen: |v| < 1e44 */
	if (n >= 3 && !strcmp(num + n - 3, ".00"))
		num[n -= 3] = 0;
	if (!strcmp(num, "0") || !strcmp(num, "-0"))
		return gs_buf_addch(b, '0');
	int err = gs_buf_add(b, num, (size_t)n);
	return err ? err : gs_buf_addstr(b, unit);
}

const char *gs_measure_percent(int64_t value, int64_t total, char buf[GS_MEASURE_PCT_MAX])
{
	double ratio = 0;
	if (total != 0)
		ratio = fabs((double)value / (double)total) * 100;
	if (ratio >= 99.95 && ratio <= 100.05)
		snprintf(buf, GS_MEASURE_PCT_MAX, "  100%%");
	else if (ratio >= 1.0)
		snprintf(buf, GS_MEASURE_PCT_MAX, "%5.2f%%", ratio);
	else
		snprintf(buf, GS_MEASURE_PCT_MAX, "%5.2g%%", ratio);
	return buf;
}

int64_t gs_measure_f64_to_i64(double v)
{
	/* Go on amd64 converts with CVTTSD2SQ: NaN and out-of-range values give INT64_MIN. */
	if (!(v >= -9223372036854775808.0 && v < 9223372036854775808.0))
		return INT64_MIN;
	return (int64_t)v;
}

static int64_t apply_ratio(int64_t v, double ratio)
{
	if (ratio > 0 && ratio != 1)
		return gs_measure_f64_to_i64((double)v * ratio);
	return v;
}

void gs_measure_fmt_init(struct gs_measure_fmt *f, const char *sample_unit, const char *output_unit,
			 double divide_by)
{
	f->sample_unit = sample_unit ? sample_unit : "";
	f->output_unit = output_unit ? output_unit : "minimum";
	f->ratio = 1 / divide_by;
}

int gs_measure_fmt_value(const struct gs_measure_fmt *f, struct gs_buf *b, int64_t value)
{
	return gs_measure_label(b, apply_ratio(value, f->ratio), f->sample_unit, f->output_unit);
}

int64_t gs_measure_min_fold(int64_t min_value, int64_t flat, int64_t cum)
{
	int64_t v = flat < 0 ? (int64_t)(0 - (uint64_t)flat) : flat;
	if (v == 0)
		v = cum < 0 ? (int64_t)(0 - (uint64_t)cum) : cum;
	if (v > 0 && (min_value == 0 || v < min_value))
		return v;
	return min_value;
}

void gs_measure_select_unit(struct gs_measure_fmt *f, size_t n_nodes, int64_t min_value,
			    int64_t total, bool integers_only)
{
	if (strcmp(f->output_unit, "minimum") || n_nodes == 0)
		return;
	int64_t max_value = total;
	if (min_value == 0)
		min_value = max_value;
	min_value = apply_ratio(min_value, f->ratio);
	max_value = apply_ratio(max_value, f->ratio);

	const char *min_unit, *max_unit, *unit;
	gs_measure_scale(min_value, f->sample_unit, "minimum", &min_unit);
	gs_measure_scale(max_value, f->sample_unit, "minimum", &max_unit);
	unit = min_unit;
	/* Go's int64 arithmetic wraps; so does this. */
	int64_t min100 = (int64_t)((uint64_t)min_value * 100u);
	if (strcmp(min_unit, max_unit) && min100 < max_value && !integers_only)
		gs_measure_scale(min100, f->sample_unit, "minimum", &unit);
	f->output_unit = unit[0] ? unit : f->sample_unit;
}

int gs_measure_duration_line(struct gs_buf *b, int64_t duration_ns, int64_t total,
			     const struct gs_measure_fmt *f)
{
	int err = gs_buf_addstr(b, "Duration: ");
	if (!err)
		err = gs_measure_label(b, duration_ns, "nanoseconds", "auto");
	if (!err)
		err = gs_buf_addstr(b, ", Total samples = ");
	if (!err)
		err = gs_measure_fmt_value(f, b, total);
	if (!err)
		err = gs_buf_addch(b, ' ');
	if (err)
		return err;
	const char *unit;
	double total_ns = gs_measure_scale(total, f->sample_unit, "nanoseconds", &unit);
	if (!strcmp(unit, "ns") && total_ns != 0) {
		char pct[GS_MEASURE_PCT_MAX];
		gs_measure_percent(gs_measure_f64_to_i64(total_ns), duration_ns, pct);
		err = gs_buf_addf(b, "(%s)", pct);
	}
	return err;
}

/* Number of characters Go's fmt counts for width padding: runes, an invalid byte being one. */
size_t gs_measure_runes(const char *s, size_t n)
{
	size_t count = 0;
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < n) {
		unsigned char c = p[i];
		size_t len = 1;
		uint32_t min = 0, cp = 0;
		if (c >= 0xc2 && c <= 0xdf) {
			len = 2, cp = c & 0x1f, min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			len = 3, cp = c & 0x0f, min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			len = 4, cp = c & 0x07, min = 0x10000;
		}
		if (len > 1) {
			size_t k = 1;
			for (; k < len && i + k < n && (p[i + k] & 0xc0) == 0x80; k++)
				cp = cp << 6 | (p[i + k] & 0x3f);
			if (k < len || cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
				len = 1; /* invalid: the lead byte counts alone */
		}
		i += len;
		count++;
	}
	return count;
}

int gs_measure_pad_left(struct gs_buf *b, const char *s, size_t width)
{
	size_t n = strlen(s);
	size_t runes = gs_measure_runes(s, n);
	int err = 0;
	if (runes < width)
		err = gs_buf_pad(b, ' ', width - runes);
	return err ? err : gs_buf_add(b, s, n);
}

double gs_measure_share(int64_t value, int64_t total)
{
	return total ? fabs((double)value / (double)total) * 100 : 0;
}

void gs_measure_json_amount(struct gs_json *j, const struct gs_measure_fmt *f, struct gs_buf *tmp,
			    const char *key, int64_t value, int64_t total)
{
	char text_key[64], pct_key[64];
	snprintf(text_key, sizeof(text_key), "%s_text", key);
	snprintf(pct_key, sizeof(pct_key), "%s_percent", key);
	gs_buf_reset(tmp);
	gs_measure_fmt_value(f, tmp, value);
	gs_json_ki64(j, key, value);
	gs_json_key(j, text_key);
	gs_json_strn(j, tmp->data, tmp->len);
	gs_json_kf64(j, pct_key, gs_measure_share(value, total));
}
