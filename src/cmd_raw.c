/* goscope raw: a debug dump of a profile as decoded, the text `go tool pprof -raw` prints
 * (same layout, byte for byte for single-valued labels), as JSON, or re-encoded as
 * profile.proto (which also converts the legacy text formats). It applies no filter. */
#include "cli.h"
#include "goscope/profile.h"
#include "source.h"

const char cmd_raw_summary[] = "dump a profile as decoded (like pprof -raw), or re-encode it";
const char cmd_raw_usage[] =
	"usage: goscope raw [--json | --proto] [-o FILE] SOURCE\n"
	"\n"
	"Prints every sample, location and mapping of a profile as goscope decoded it, in the\n"
	"layout of `go tool pprof -raw`. SOURCE is a profile.proto file (gzip-compressed or not),\n"
	"a legacy text profile (?debug=1), or - for standard input.\n"
	"\n"
	"OPTIONS\n"
	"  --json      print a JSON object instead of text\n"
	"  --proto     write the profile as gzip-compressed profile.proto (converts legacy text)\n"
	"  -o FILE     write to FILE instead of standard output\n"
	"\n"
	"EXAMPLES\n"
	"  goscope raw cpu.pb.gz\n"
	"  goscope raw --json heap.pb.gz | jq '.samples | length'\n"
	"  goscope raw --proto -o goroutine.pb.gz goroutine.txt\n";

/* Go's time.Duration.String(), e.g. "1.5s", "299.998417ms", "2m30s". */
static void go_duration(struct gs_buf *b, int64_t d)
{
	char buf[40];
	size_t w = sizeof(buf);
	uint64_t u = d < 0 ? -(uint64_t)d : (uint64_t)d;
	bool neg = d < 0;
	buf[--w] = '\0';
	if (u < 1000000000ULL) {
		/* less than a second: ns, µs or ms with a fraction */
		int prec;
		const char *unit;
		if (u == 0) {
			gs_buf_addstr(b, "0s");
			return;
		} else if (u < 1000ULL) {
			prec = 0;
			unit = "ns";
		} else if (u < 1000000ULL) {
			prec = 3;
			unit = "\xc2\xb5s";
		} else {
			prec = 6;
			unit = "ms";
		}
		size_t ul = strlen(unit);
		w -= ul;
		memcpy(buf + w, unit, ul);
		bool print = false;
		for (int i = 0; i < prec; i++) {
			unsigned digit = (unsigned)(u % 10);
			print = print || digit != 0;
			if (print)
				buf[--w] = (char)('0' + digit);
			u /= 10;
		}
		if (print)
			buf[--w] = '.';
		do {
			buf[--w] = (char)('0' + u % 10);
			u /= 10;
		} while (u);
	} else {
		buf[--w] = 's';
		bool print = false;
		for (int i = 0; i < 9; i++) {
			unsigned digit = (unsigned)(u % 10);
			print = print || digit != 0;
			if (print)
				buf[--w] = (char)('0' + digit);
			u /= 10;
		}
		if (print)
			buf[--w] = '.';
		uint64_t secs = u % 60;
		u /= 60;
		do {
			buf[--w] = (char)('0' + secs % 10);
			secs /= 10;
		} while (secs);
		if (u > 0) {
			buf[--w] = 'm';
			uint64_t mins = u % 60;
			u /= 60;
			do {
				buf[--w] = (char)('0' + mins % 10);
				mins /= 10;
			} while (mins);
			if (u > 0) {
				buf[--w] = 'h';
				do {
					buf[--w] = (char)('0' + u % 10);
					u /= 10;
				} while (u);
			}
		}
	}
	if (neg)
		buf[--w] = '-';
	gs_buf_addstr(b, buf + w);
}

/* Go's time.Time.String() in the local zone: "2006-01-02 15:04:05.999999999 -0700 MST". */
static void go_time(struct gs_buf *b, int64_t ns)
{
	time_t secs = (time_t)(ns / 1000000000);
	int64_t frac = ns % 1000000000;
	struct tm tm;
	char date[64], zone[64];
	if (frac < 0) {
		frac += 1000000000;
		secs--;
	}
	localtime_r(&secs, &tm);
	strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", &tm);
	strftime(zone, sizeof(zone), "%z %Z", &tm);
	gs_buf_addstr(b, date);
	if (frac) {
		char f[16];
		snprintf(f, sizeof(f), ".%09lld", (long long)frac);
		size_t n = strlen(f);
		while (f[n - 1] == '0')
			n--;
		gs_buf_add(b, f, n);
	}
	gs_buf_addf(b, " %s", zone);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* One label line of pprof's Sample.string(): "key:[v1 v2]" entries sorted as strings, string
 * labels first then numeric ones on their own line. */
static void raw_labels(struct gs_buf *b, const struct gs_profile *p, const struct gs_label *l,
		       uint32_t n, bool numeric)
{
	struct gs_buf entries = GS_BUF_INIT;
	size_t starts[64], count = 0;
	const char *ptrs[64];
	for (uint32_t i = 0; i < n && count < GS_ARRAY_LEN(starts); i++) {
		if ((l[i].str != 0) == numeric)
			continue;
		if (i > 0 && l[i].key == l[i - 1].key && (l[i - 1].str != 0) != numeric)
			continue; /* values of one key were gathered with the first */
		starts[count++] = entries.len;
		gs_buf_addf(&entries, "%s:[", gs_profile_str(p, l[i].key));
		bool any_unit = false;
		for (uint32_t j = i; j < n && l[j].key == l[i].key; j++)
			any_unit |= (l[j].str == 0) && l[j].num_unit != 0;
		for (uint32_t j = i, k = 0; j < n && l[j].key == l[i].key; j++) {
			if ((l[j].str != 0) == numeric)
				continue;
			if (k++)
				gs_buf_addch(&entries, ' ');
			if (!numeric)
				gs_buf_addstr(&entries, gs_profile_str(p, l[j].str));
			else if (any_unit)
				gs_buf_addf(&entries, "%lld %s", (long long)l[j].num,
					    gs_profile_str(p, l[j].num_unit));
			else
				gs_buf_addf(&entries, "%lld", (long long)l[j].num);
		}
		gs_buf_addch(&entries, ']');
		gs_buf_addch(&entries, '\0');
	}
	if (!count) {
		gs_buf_release(&entries);
		return;
	}
	for (size_t i = 0; i < count; i++)
		ptrs[i] = entries.data + starts[i];
	qsort(ptrs, count, sizeof(ptrs[0]), cmp_str);
	gs_buf_addstr(b, "\n                ");
	for (size_t i = 0; i < count; i++)
		gs_buf_addf(b, "%s%s", i ? " " : "", ptrs[i]);
	gs_buf_release(&entries);
}

/* Go's %#x: "0x0" for zero, where C's %#llx prints "0". */
static const char *go_hex(char *buf, size_t n, uint64_t v)
{
	snprintf(buf, n, "0x%llx", (unsigned long long)v);
	return buf;
}

static int raw_text(const struct gs_profile *p, struct gs_out *o)
{
	struct gs_buf b = GS_BUF_INIT;
	for (size_t i = 0; i < p->n_comments; i++)
		gs_buf_addf(&b, "Comment: %s\n", gs_profile_str(p, p->comments[i]));
	if (p->doc_url)
		gs_buf_addf(&b, "Doc: %s\n", gs_profile_str(p, p->doc_url));
	gs_buf_addf(&b, "PeriodType: %s %s\n", gs_profile_str(p, p->period_type.type),
		    gs_profile_str(p, p->period_type.unit));
	gs_buf_addf(&b, "Period: %lld\n", (long long)p->period);
	if (p->time_nanos) {
		gs_buf_addstr(&b, "Time: ");
		go_time(&b, p->time_nanos);
		gs_buf_addch(&b, '\n');
	}
	if (p->duration_nanos) {
		/* pprof prints it with %.4v: the duration text cut to four bytes */
		struct gs_buf d = GS_BUF_INIT;
		go_duration(&d, p->duration_nanos);
		gs_buf_addstr(&b, "Duration: ");
		gs_buf_add(&b, d.data, d.len < 4 ? d.len : 4);
		gs_buf_addch(&b, '\n');
		gs_buf_release(&d);
	}
	gs_buf_addstr(&b, "Samples:\n");
	for (size_t i = 0; i < p->n_sample_types; i++) {
		const char *type = gs_profile_str(p, p->sample_types[i].type);
		bool dflt = !strcmp(type, gs_profile_str(p, p->default_sample_type));
		gs_buf_addf(&b, "%s%s/%s%s", i ? " " : "", type,
			    gs_profile_str(p, p->sample_types[i].unit), dflt ? "[dflt]" : "");
	}
	gs_buf_addch(&b, '\n');
	int err = gs_out_add(o, b.data, b.len);
	for (size_t i = 0; i < p->n_samples && !err; i++) {
		const int64_t *v = gs_profile_values(p, i);
		uint32_t n_locs, n_labels;
		const uint32_t *locs = gs_profile_stack(p, p->samples[i].stack, &n_locs);
		const struct gs_label *l = gs_profile_labelset(p, p->samples[i].labels, &n_labels);
		gs_buf_reset(&b);
		for (size_t j = 0; j < p->n_sample_types; j++)
			gs_buf_addf(&b, " %10lld", (long long)v[j]);
		gs_buf_addstr(&b, ": ");
		for (uint32_t j = 0; j < n_locs; j++)
			gs_buf_addf(&b, "%llu ", (unsigned long long)p->locations[locs[j]].id);
		raw_labels(&b, p, l, n_labels, false);
		raw_labels(&b, p, l, n_labels, true);
		gs_buf_addch(&b, '\n');
		err = gs_out_add(o, b.data, b.len);
	}
	if (!err)
		err = gs_out_str(o, "Locations\n");
	for (size_t i = 0; i < p->n_locations && !err; i++) {
		const struct gs_location *l = &p->locations[i];
		char head[96], hex[24];
		int n = snprintf(head, sizeof(head), "%6llu: %s ", (unsigned long long)l->id,
				 go_hex(hex, sizeof(hex), l->address));
		if (l->mapping != GS_NONE)
			n += snprintf(head + n, sizeof(head) - (size_t)n, "M=%llu ",
				      (unsigned long long)p->mappings[l->mapping].id);
		if (l->is_folded)
			snprintf(head + n, sizeof(head) - (size_t)n, "[F] ");
		gs_buf_reset(&b);
		if (!l->line_count)
			gs_buf_addf(&b, "%s\n", head);
		for (uint32_t j = 0; j < l->line_count; j++) {
			const struct gs_line *ln = &p->lines[l->line_start + j];
			gs_buf_addstr(&b, j ? "             " : head);
			if (ln->function == GS_NONE) {
				gs_buf_addstr(&b, "??\n");
				continue;
			}
			const struct gs_function *f = &p->functions[ln->function];
			gs_buf_addf(&b, "%s %s:%lld:%lld s=%lld", gs_profile_str(p, f->name),
				    gs_profile_str(p, f->filename), (long long)ln->line,
				    (long long)ln->column, (long long)f->start_line);
			if (f->name != f->system_name)
				gs_buf_addf(&b, "(%s)", gs_profile_str(p, f->system_name));
			gs_buf_addch(&b, '\n');
		}
		err = gs_out_add(o, b.data, b.len);
	}
	if (!err)
		err = gs_out_str(o, "Mappings\n");
	for (size_t i = 0; i < p->n_mappings && !err; i++) {
		const struct gs_mapping *m = &p->mappings[i];
		char h1[24], h2[24], h3[24];
		gs_buf_reset(&b);
		gs_buf_addf(&b, "%llu: %s/%s/%s", (unsigned long long)m->id,
			    go_hex(h1, sizeof(h1), m->memory_start),
			    go_hex(h2, sizeof(h2), m->memory_limit),
			    go_hex(h3, sizeof(h3), m->file_offset));
		gs_buf_addf(&b, " %s %s %s%s%s%s\n", gs_profile_str(p, m->filename),
			    gs_profile_str(p, m->build_id), m->has_functions ? "[FN]" : "",
			    m->has_filenames ? "[FL]" : "", m->has_line_numbers ? "[LN]" : "",
			    m->has_inline_frames ? "[IN]" : "");
		err = gs_out_add(o, b.data, b.len);
	}
	gs_buf_release(&b);
	return err;
}

static void json_value_type(struct gs_json *j, const struct gs_profile *p,
			    const struct gs_value_type *vt)
{
	gs_json_obj_begin(j);
	gs_json_kstr(j, "type", gs_profile_str(p, vt->type));
	gs_json_kstr(j, "unit", gs_profile_str(p, vt->unit));
	gs_json_obj_end(j);
}

static void raw_json(const struct gs_profile *p, struct gs_out *o)
{
	struct gs_json j;
	gs_json_init(&j, o, false);
	gs_json_obj_begin(&j);
	gs_json_key(&j, "period_type");
	json_value_type(&j, p, &p->period_type);
	gs_json_ki64(&j, "period", p->period);
	gs_json_ki64(&j, "time_nanos", p->time_nanos);
	gs_json_ki64(&j, "duration_nanos", p->duration_nanos);
	gs_json_kstr(&j, "default_sample_type", gs_profile_str(p, p->default_sample_type));
	gs_json_kstr(&j, "drop_frames", gs_profile_str(p, p->drop_frames));
	gs_json_kstr(&j, "keep_frames", gs_profile_str(p, p->keep_frames));
	gs_json_kstr(&j, "doc_url", gs_profile_str(p, p->doc_url));
	gs_json_key(&j, "comments");
	gs_json_arr_begin(&j);
	for (size_t i = 0; i < p->n_comments; i++)
		gs_json_str(&j, gs_profile_str(p, p->comments[i]));
	gs_json_arr_end(&j);
	gs_json_key(&j, "sample_types");
	gs_json_arr_begin(&j);
	for (size_t i = 0; i < p->n_sample_types; i++)
		json_value_type(&j, p, &p->sample_types[i]);
	gs_json_arr_end(&j);
	gs_json_key(&j, "samples");
	gs_json_arr_begin(&j);
	for (size_t i = 0; i < p->n_samples; i++) {
		uint32_t n_locs, n_labels;
		const uint32_t *locs = gs_profile_stack(p, p->samples[i].stack, &n_locs);
		const struct gs_label *l = gs_profile_labelset(p, p->samples[i].labels, &n_labels);
		const int64_t *v = gs_profile_values(p, i);
		gs_json_obj_begin(&j);
		gs_json_key(&j, "values");
		gs_json_arr_begin(&j);
		for (size_t k = 0; k < p->n_sample_types; k++)
			gs_json_i64(&j, v[k]);
		gs_json_arr_end(&j);
		gs_json_key(&j, "locations");
		gs_json_arr_begin(&j);
		for (uint32_t k = 0; k < n_locs; k++)
			gs_json_u64(&j, p->locations[locs[k]].id);
		gs_json_arr_end(&j);
		gs_json_key(&j, "labels");
		gs_json_arr_begin(&j);
		for (uint32_t k = 0; k < n_labels; k++) {
			gs_json_obj_begin(&j);
			gs_json_kstr(&j, "key", gs_profile_str(p, l[k].key));
			if (l[k].str) {
				gs_json_kstr(&j, "str", gs_profile_str(p, l[k].str));
			} else {
				gs_json_ki64(&j, "num", l[k].num);
				gs_json_kstr(&j, "unit", gs_profile_str(p, l[k].num_unit));
			}
			gs_json_obj_end(&j);
		}
		gs_json_arr_end(&j);
		gs_json_obj_end(&j);
	}
	gs_json_arr_end(&j);
	gs_json_key(&j, "locations");
	gs_json_arr_begin(&j);
	for (size_t i = 0; i < p->n_locations; i++) {
		const struct gs_location *l = &p->locations[i];
		gs_json_obj_begin(&j);
		gs_json_ku64(&j, "id", l->id);
		gs_json_ku64(&j, "address", l->address);
		if (l->mapping != GS_NONE)
			gs_json_ku64(&j, "mapping", p->mappings[l->mapping].id);
		gs_json_kbool(&j, "is_folded", l->is_folded);
		gs_json_key(&j, "lines");
		gs_json_arr_begin(&j);
		for (uint32_t k = 0; k < l->line_count; k++) {
			const struct gs_line *ln = &p->lines[l->line_start + k];
			gs_json_obj_begin(&j);
			if (ln->function != GS_NONE) {
				const struct gs_function *f = &p->functions[ln->function];
				gs_json_ku64(&j, "function_id", f->id);
				gs_json_kstr(&j, "function", gs_profile_str(p, f->name));
				gs_json_kstr(&j, "system_name", gs_profile_str(p, f->system_name));
				gs_json_kstr(&j, "file", gs_profile_str(p, f->filename));
				gs_json_ki64(&j, "start_line", f->start_line);
			}
			gs_json_ki64(&j, "line", ln->line);
			gs_json_ki64(&j, "column", ln->column);
			gs_json_obj_end(&j);
		}
		gs_json_arr_end(&j);
		gs_json_obj_end(&j);
	}
	gs_json_arr_end(&j);
	gs_json_key(&j, "mappings");
	gs_json_arr_begin(&j);
	for (size_t i = 0; i < p->n_mappings; i++) {
		const struct gs_mapping *m = &p->mappings[i];
		gs_json_obj_begin(&j);
		gs_json_ku64(&j, "id", m->id);
		gs_json_ku64(&j, "memory_start", m->memory_start);
		gs_json_ku64(&j, "memory_limit", m->memory_limit);
		gs_json_ku64(&j, "file_offset", m->file_offset);
		gs_json_kstr(&j, "filename", gs_profile_str(p, m->filename));
		gs_json_kstr(&j, "build_id", gs_profile_str(p, m->build_id));
		gs_json_kbool(&j, "has_functions", m->has_functions);
		gs_json_kbool(&j, "has_filenames", m->has_filenames);
		gs_json_kbool(&j, "has_line_numbers", m->has_line_numbers);
		gs_json_kbool(&j, "has_inline_frames", m->has_inline_frames);
		gs_json_obj_end(&j);
	}
	gs_json_arr_end(&j);
	gs_json_obj_end(&j);
	gs_json_end(&j);
}

int cmd_raw(int argc, char **argv, struct gs_ctx *ctx)
{
	bool json = false, proto = false;
	const char *output = NULL;
	struct gs_strlist pos = {0};
	struct gs_profile *p = NULL;
	struct gs_output o;
	const struct gs_flag flags[] = {
		{"json", 0, GS_FLAG_BOOL, &json},
		{"proto", 0, GS_FLAG_BOOL, &proto},
		{"output", 'o', GS_FLAG_STR, &output},
		{0},
	};
	int rc = gs_flags_parse(gs_cli_find("raw"), flags, argc, argv, &pos);
	if (rc)
		return rc == GS_FLAGS_HELP ? 0 : rc;
	if (pos.len != 1) {
		gs_strlist_release(&pos);
		return usage_error("expected one profile source");
	}
	if (json && proto) {
		gs_strlist_release(&pos);
		return usage_error("--json and --proto cannot be combined");
	}
	const char *src = pos.items[0];
	struct gs_source_opts opts = {0};
	int err = gs_source_load(src, &opts, ctx, &p);
	if (err) {
		rc = fail_ctx(ctx, err, "cannot read '%s'", src);
		gs_strlist_release(&pos);
		return rc;
	}
	rc = gs_output_open(&o, output);
	if (rc)
		goto out;
	if (proto)
		err = gs_profile_encode(p, true, &o.out, ctx);
	else if (json)
		raw_json(p, &o.out);
	else
		raw_text(p, &o.out);
	rc = gs_output_finish(&o, err, ctx, "cannot encode '%s'", src);
out:
	gs_profile_free(p);
	gs_strlist_release(&pos);
	return rc;
}
