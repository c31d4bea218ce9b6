/* goscope threads: what lib/target sees of a live process or a core file: its threads (with
 * registers when stopped or from a core), its mappings, the executable and its load bias,
 * and raw memory at addresses or symbols. A debugging aid and the test bed of lib/target. */
#include <unistd.h>

#include "cli.h"
#include "goscope/gobin.h"
#include "target_cli.h"

const char cmd_threads_summary[] = "list the threads and mappings of a process or core file";
const char cmd_threads_usage[] =
	"usage: goscope threads [--consistent] [--maps] [--read WHAT[:LEN]]... [--binary FILE]\n"
	"                       [--json] PID|CORE\n"
	"\n"
	"Lists the threads of a running process or of a core file, with their registers (program\n"
	"counter, stack pointer, frame pointer, thread pointer) when they are known: always in a\n"
	"core, and for a live process with --consistent, which stops every thread for the moment\n"
	"it takes to read them (PTRACE_SEIZE, never SIGSTOP) and reports that pause on stderr.\n"
	"Without --consistent nothing is stopped. Also prints the executable, its load bias and,\n"
	"with --maps, the memory mappings.\n"
	"\n"
	"OPTIONS\n"
	"  --consistent     stop all threads while reading registers and memory\n"
	"  --maps           print the memory mappings\n"
	"  --read WHAT[:LEN]\n"
	"                   print LEN bytes (default: the symbol's size, else 8) in hex at WHAT,\n"
	"                   an address (0x...) or a symbol of the executable; repeatable\n"
	"  --binary FILE    the executable, when a core's recorded path does not name it here\n"
	"  --json           print JSON\n"
	"\n"
	"EXAMPLES\n"
	"  goscope threads $(pidof server)\n"
	"  goscope threads --consistent --json 4242\n"
	"  goscope threads --read runtime.buildVersion core.4242 --binary ./server\n";

#define READ_MAX (16u << 20)

struct read_req {
	const char *what;
	uint64_t addr, len;
	uint8_t *buf;
	size_t got;
};

static int parse_reads(struct gs_mem *m, const struct gs_strlist *list, const char *exe,
		       struct read_req *reqs, struct gs_ctx *ctx)
{
	for (size_t i = 0; i < list->len; i++) {
		char name[512];
		const char *spec = list->items[i], *colon = strrchr(spec, ':');
		uint64_t size;
		int64_t len = -1;
		size_t n = colon ? (size_t)(colon - spec) : strlen(spec);
		if (n >= sizeof(name))
			return usage_error("--read '%s' is too long", spec);
		memcpy(name, spec, n);
		name[n] = 0;
		if (colon && (gs_parse_i64(colon + 1, &len) || len < 0 || (uint64_t)len > READ_MAX))
			return usage_error("--read '%s': LEN must be 0..%u", spec, READ_MAX);
		reqs[i].what = spec;
		int rc = gs_target_resolve(m, exe, name, &reqs[i].addr, &size, ctx);
		if (rc)
			return rc;
		reqs[i].len = len >= 0 ? (uint64_t)len : size ? size : 8;
		if (reqs[i].len > READ_MAX)
			reqs[i].len = READ_MAX;
		if (!(reqs[i].buf = malloc(reqs[i].len ? reqs[i].len : 1)))
			return fail("out of memory");
	}
	return 0;
}

static void do_reads(struct gs_mem *m, struct read_req *reqs, size_t n, struct gs_ctx *ctx)
{
	struct gs_mem_iov *iov = calloc(n ? n : 1, sizeof(*iov));
	if (!iov)
		return;
	for (size_t i = 0; i < n; i++) {
		iov[i].addr = reqs[i].addr;
		iov[i].buf = reqs[i].buf;
		iov[i].len = reqs[i].len;
	}
	struct gs_ctx quiet = *ctx;
	gs_mem_readv(m, iov, n, &quiet);
	for (size_t i = 0; i < n; i++)
		reqs[i].got = iov[i].got;
	free(iov);
}

static const char *kind_name(const struct gs_mem *m)
{
	return gs_mem_kind(m) == GS_MEM_LIVE ? "live" : "core";
}

static void perms(char out[5], uint32_t prot)
{
	out[0] = prot & GS_MAP_READ ? 'r' : '-';
	out[1] = prot & GS_MAP_WRITE ? 'w' : '-';
	out[2] = prot & GS_MAP_EXEC ? 'x' : '-';
	out[3] = prot & GS_MAP_SHARED ? 's' : 'p';
	out[4] = 0;
}

static void print_json(struct gs_mem *m, bool maps, const struct read_req *reqs, size_t nreqs,
		       bool consistent, struct gs_out *o)
{
	struct gs_json j;
	bool known;
	size_t n;
	char p[5];
	uint64_t bias = gs_mem_load_bias(m, &known);
	gs_json_init(&j, o, true);
	gs_json_obj_begin(&j);
	gs_json_kstr(&j, "kind", kind_name(m));
	gs_json_ki64(&j, "pid", gs_mem_pid(m));
	gs_json_kstr(&j, "comm", gs_mem_comm(m));
	gs_json_kstr(&j, "args", gs_mem_args(m));
	gs_json_kstr(&j, "arch", gs_arch_name(gs_mem_arch(m)));
	gs_json_kstr(&j, "exe", gs_mem_exe_path(m));
	gs_json_key(&j, "load_bias");
	if (known)
		gs_json_u64(&j, bias);
	else
		gs_json_null(&j);
	if (consistent)
		gs_json_ku64(&j, "pause_ns", gs_mem_pause_ns(m));
	const struct gs_thread *t = gs_mem_threads(m, &n);
	gs_json_key(&j, "threads");
	gs_json_arr_begin(&j);
	for (size_t i = 0; i < n; i++) {
		char st[2] = {t[i].state, 0};
		gs_json_obj_begin(&j);
		gs_json_ki64(&j, "tid", t[i].tid);
		gs_json_kstr(&j, "state", st);
		gs_json_kstr(&j, "name", t[i].comm);
		if (t[i].signal)
			gs_json_ki64(&j, "signal", t[i].signal);
		if (t[i].has_regs) {
			gs_json_key(&j, "regs");
			gs_json_obj_begin(&j);
			gs_json_ku64(&j, "pc", t[i].regs.pc);
			gs_json_ku64(&j, "sp", t[i].regs.sp);
			gs_json_ku64(&j, "fp", t[i].regs.fp);
			if (t[i].regs.arch == GS_ARCH_ARM64)
				gs_json_ku64(&j, "lr", t[i].regs.lr);
			if (t[i].regs.tls_known)
				gs_json_ku64(&j, "tls", t[i].regs.tls);
			gs_json_key(&j, "words");
			gs_json_arr_begin(&j);
			for (uint32_t k = 0; k < t[i].regs.count; k++)
				gs_json_u64(&j, t[i].regs.words[k]);
			gs_json_arr_end(&j);
			gs_json_obj_end(&j);
		}
		gs_json_obj_end(&j);
	}
	gs_json_arr_end(&j);
	if (maps) {
		const struct gs_mem_mapping *mp = gs_mem_mappings(m, &n);
		gs_json_key(&j, "mappings");
		gs_json_arr_begin(&j);
		for (size_t i = 0; i < n; i++) {
			perms(p, mp[i].prot);
			gs_json_obj_begin(&j);
			gs_json_ku64(&j, "start", mp[i].start);
			gs_json_ku64(&j, "end", mp[i].end);
			gs_json_kstr(&j, "perms", p);
			gs_json_ku64(&j, "offset", mp[i].offset);
			gs_json_ku64(&j, "inode", mp[i].inode);
			gs_json_ku64(&j, "in_core", mp[i].in_core);
			gs_json_kstr(&j, "path", mp[i].path);
			gs_json_obj_end(&j);
		}
		gs_json_arr_end(&j);
	}
	if (nreqs) {
		struct gs_buf b = GS_BUF_INIT;
		gs_json_key(&j, "reads");
		gs_json_arr_begin(&j);
		for (size_t i = 0; i < nreqs; i++) {
			gs_buf_reset(&b);
			gs_buf_addhex(&b, reqs[i].buf, reqs[i].got);
			gs_json_obj_begin(&j);
			gs_json_kstr(&j, "what", reqs[i].what);
			gs_json_ku64(&j, "addr", reqs[i].addr);
			gs_json_ku64(&j, "len", reqs[i].len);
			gs_json_ku64(&j, "got", reqs[i].got);
			gs_json_kstr(&j, "hex", b.data ? b.data : "");
			gs_json_obj_end(&j);
		}
		gs_json_arr_end(&j);
		gs_buf_release(&b);
	}
	gs_json_obj_end(&j);
	gs_json_end(&j);
}

static void print_text(struct gs_mem *m, bool maps, const struct read_req *reqs, size_t nreqs,
		       struct gs_out *o)
{
	bool known;
	size_t n;
	char p[5];
	uint64_t bias = gs_mem_load_bias(m, &known);
	gs_out_printf(o, "%s pid %d (%s), %s, exe %s\n", kind_name(m), gs_mem_pid(m), gs_mem_comm(m),
		      gs_arch_name(gs_mem_arch(m)), *gs_mem_exe_path(m) ? gs_mem_exe_path(m) : "unknown");
	if (known)
		gs_out_printf(o, "load bias 0x%llx\n", (unsigned long long)bias);
	else
		gs_out_printf(o, "load bias unknown\n");
	const struct gs_thread *t = gs_mem_threads(m, &n);
	gs_out_printf(o, "%zu threads\n", n);
	gs_out_printf(o, "  %-8s %-5s %-16s %-18s %-18s %-18s %s\n", "TID", "STATE", "NAME", "PC", "SP",
		      "FP", "TLS");
	for (size_t i = 0; i < n; i++) {
		char st[2] = {t[i].state ? t[i].state : '-', 0};
		gs_out_printf(o, "  %-8d %-5s %-16s", t[i].tid, st, t[i].comm[0] ? t[i].comm : "-");
		if (t[i].has_regs) {
			gs_out_printf(o, " 0x%016llx 0x%016llx 0x%016llx", (unsigned long long)t[i].regs.pc,
				      (unsigned long long)t[i].regs.sp, (unsigned long long)t[i].regs.fp);
			if (t[i].regs.tls_known)
				gs_out_printf(o, " 0x%llx", (unsigned long long)t[i].regs.tls);
			else
				gs_out_printf(o, " -");
		} else {
			gs_out_printf(o, " %-18s %-18s %-18s -", "-", "-", "-");
		}
		gs_out_printf(o, "\n");
	}
	if (maps) {
		const struct gs_mem_mapping *mp = gs_mem_mappings(m, &n);
		gs_out_printf(o, "%zu mappings\n", n);
		for (size_t i = 0; i < n; i++) {
			perms(p, mp[i].prot);
			gs_out_printf(o, "  %llx-%llx %s %08llx %s", (unsigned long long)mp[i].start,
				      (unsigned long long)mp[i].end, p, (unsigned long long)mp[i].offset,
				      mp[i].path);
			if (gs_mem_kind(m) == GS_MEM_CORE && mp[i].in_core != mp[i].end - mp[i].start)
				gs_out_printf(o, " (%llu bytes in core)", (unsigned long long)mp[i].in_core);
			gs_out_printf(o, "\n");
		}
	}
	struct gs_buf b = GS_BUF_INIT;
	for (size_t i = 0; i < nreqs; i++) {
		gs_buf_reset(&b);
		gs_buf_addhex(&b, reqs[i].buf, reqs[i].got);
		gs_out_printf(o, "read %s at 0x%llx, %llu bytes: %s%s\n", reqs[i].what,
			      (unsigned long long)reqs[i].addr, (unsigned long long)reqs[i].len,
			      b.data ? b.data : "", reqs[i].got < reqs[i].len ? " (incomplete)" : "");
	}
	gs_buf_release(&b);
}

int cmd_threads(int argc, char **argv, struct gs_ctx *ctx)
{
	bool json = false, maps = false, consistent = false;
	const char *exe = NULL;
	struct gs_strlist pos = {0}, reads = {0};
	struct read_req *reqs = NULL;
	struct gs_mem *m = NULL;
	struct gs_output out;
	int rc;
	const struct gs_flag flags[] = {
		{"json", 0, GS_FLAG_BOOL, &json, 0, NULL},
		{"maps", 0, GS_FLAG_BOOL, &maps, 0, NULL},
		{"consistent", 0, GS_FLAG_BOOL, &consistent, 0, NULL},
		{"read", 0, GS_FLAG_STRLIST, &reads, 0, NULL},
		{"binary", 0, GS_FLAG_STR, &exe, 0, NULL},
		{NULL, 0, 0, NULL, 0, NULL},
	};
	rc = gs_flags_parse(gs_cli_find("threads"), flags, argc, argv, &pos);
	if (rc)
		goto out_args;
	if (pos.len != 1) {
		rc = usage_error("expected one PID or core file");
		goto out_args;
	}
	if ((rc = gs_target_open(pos.items[0], exe, ctx, &m)))
		goto out_args;
	if (consistent && gs_mem_kind(m) != GS_MEM_LIVE) {
		rc = usage_error("--consistent needs a live process");
		goto out;
	}
	reqs = calloc(reads.len ? reads.len : 1, sizeof(*reqs));
	if (!reqs) {
		rc = fail("out of memory");
		goto out;
	}
	if ((rc = parse_reads(m, &reads, exe, reqs, ctx)))
		goto out;
	if (consistent) {
		int err = gs_mem_stop(m, NULL, 0, 0, ctx);
		if (err) {
			rc = fail("%s", gs_ctx_errmsg(ctx));
			goto out;
		}
	}
	do_reads(m, reqs, reads.len, ctx);
	if (consistent) {
		size_t n;
		int err = gs_mem_resume(m, ctx);
		gs_mem_threads(m, &n);
		if (err) {
			rc = fail("%s", gs_ctx_errmsg(ctx));
			goto out;
		}
		fprintf(stderr, "%s: stopped %zu threads for %.3f ms\n", gs_cli_prog, n,
			(double)gs_mem_pause_ns(m) / 1e6);
	}
	if ((rc = gs_output_open(&out, NULL)))
		goto out;
	if (json)
		print_json(m, maps, reqs, reads.len, consistent, &out.out);
	else
		print_text(m, maps, reqs, reads.len, &out.out);
	rc = gs_output_close(&out, true);
	for (size_t i = 0; !rc && i < reads.len; i++)
		if (reqs[i].got < reqs[i].len)
			rc = GS_EXIT_PARTIAL;
out:
	for (size_t i = 0; reqs && i < reads.len; i++)
		free(reqs[i].buf);
	free(reqs);
	gs_mem_free(m);
out_args:
	gs_strlist_release(&pos);
	gs_strlist_release(&reads);
	return rc == GS_FLAGS_HELP ? 0 : rc;
}
