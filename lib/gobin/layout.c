/* Runtime layouts: the layout object, the text format of the per-version tables (parser and
 * writer), the choice of table by Go version, the wait-reason strings read from the binary,
 * and gs_layout_open, which puts DWARF (dwarf.c), tables, .symtab and the code scan
 * (symscan.c) together. It never reads DWARF or decodes instructions itself. */
#include <elf.h>

#include "gobin/layout_internal.h"

static const char *const field_names[GS_LF_COUNT] = {
	[GS_LF_G_STACK_LO] = "g.stack.lo",
	[GS_LF_G_STACK_HI] = "g.stack.hi",
	[GS_LF_G_STACKGUARD0] = "g.stackguard0",
	[GS_LF_G_PANIC] = "g._panic",
	[GS_LF_G_DEFER] = "g._defer",
	[GS_LF_G_M] = "g.m",
	[GS_LF_G_SCHED] = "g.sched",
	[GS_LF_G_SCHED_SP] = "g.sched.sp",
	[GS_LF_G_SCHED_PC] = "g.sched.pc",
	[GS_LF_G_SCHED_G] = "g.sched.g",
	[GS_LF_G_SCHED_CTXT] = "g.sched.ctxt",
	[GS_LF_G_SCHED_LR] = "g.sched.lr",
	[GS_LF_G_SCHED_BP] = "g.sched.bp",
	[GS_LF_G_SYSCALLSP] = "g.syscallsp",
	[GS_LF_G_SYSCALLPC] = "g.syscallpc",
	[GS_LF_G_SYSCALLBP] = "g.syscallbp",
	[GS_LF_G_STKTOPSP] = "g.stktopsp",
	[GS_LF_G_PARAM] = "g.param",
	[GS_LF_G_ATOMICSTATUS] = "g.atomicstatus",
	[GS_LF_G_GOID] = "g.goid",
	[GS_LF_G_SCHEDLINK] = "g.schedlink",
	[GS_LF_G_WAITSINCE] = "g.waitsince",
	[GS_LF_G_WAITREASON] = "g.waitreason",
	[GS_LF_G_PREEMPT] = "g.preempt",
	[GS_LF_G_LOCKEDM] = "g.lockedm",
	[GS_LF_G_PARENTGOID] = "g.parentGoid",
	[GS_LF_G_GOPC] = "g.gopc",
	[GS_LF_G_ANCESTORS] = "g.ancestors",
	[GS_LF_G_STARTPC] = "g.startpc",
	[GS_LF_G_WAITING] = "g.waiting",
	[GS_LF_G_LABELS] = "g.labels",
	[GS_LF_G_SIZE] = "sizeof.g",
	[GS_LF_GOBUF_SP] = "gobuf.sp",
	[GS_LF_GOBUF_PC] = "gobuf.pc",
	[GS_LF_GOBUF_G] = "gobuf.g",
	[GS_LF_GOBUF_CTXT] = "gobuf.ctxt",
	[GS_LF_GOBUF_LR] = "gobuf.lr",
	[GS_LF_GOBUF_BP] = "gobuf.bp",
	[GS_LF_GOBUF_SIZE] = "sizeof.gobuf",
	[GS_LF_M_G0] = "m.g0",
	[GS_LF_M_MOREBUF] = "m.morebuf",
	[GS_LF_M_PROCID] = "m.procid",
	[GS_LF_M_GSIGNAL] = "m.gsignal",
	[GS_LF_M_CURG] = "m.curg",
	[GS_LF_M_P] = "m.p",
	[GS_LF_M_ID] = "m.id",
	[GS_LF_M_LOCKEDG] = "m.lockedg",
	[GS_LF_M_INCGO] = "m.incgo",
	[GS_LF_M_ALLLINK] = "m.alllink",
	[GS_LF_M_VDSOSP] = "m.vdsoSP",
	[GS_LF_M_VDSOPC] = "m.vdsoPC",
	[GS_LF_M_SIZE] = "sizeof.m",
	[GS_LF_P_ID] = "p.id",
	[GS_LF_P_STATUS] = "p.status",
	[GS_LF_P_M] = "p.m",
	[GS_LF_P_SIZE] = "sizeof.p",
	[GS_LF_SUDOG_G] = "sudog.g",
	[GS_LF_SUDOG_NEXT] = "sudog.next",
	[GS_LF_SUDOG_PREV] = "sudog.prev",
	[GS_LF_SUDOG_ELEM] = "sudog.elem",
	[GS_LF_SUDOG_TICKET] = "sudog.ticket",
	[GS_LF_SUDOG_ISSELECT] = "sudog.isSelect",
	[GS_LF_SUDOG_SUCCESS] = "sudog.success",
	[GS_LF_SUDOG_WAITLINK] = "sudog.waitlink",
	[GS_LF_SUDOG_C] = "sudog.c",
	[GS_LF_SUDOG_SIZE] = "sizeof.sudog",
	[GS_LF_HCHAN_QCOUNT] = "hchan.qcount",
	[GS_LF_HCHAN_DATAQSIZ] = "hchan.dataqsiz",
	[GS_LF_HCHAN_BUF] = "hchan.buf",
	[GS_LF_HCHAN_ELEMSIZE] = "hchan.elemsize",
	[GS_LF_HCHAN_CLOSED] = "hchan.closed",
	[GS_LF_HCHAN_ELEMTYPE] = "hchan.elemtype",
	[GS_LF_HCHAN_SENDX] = "hchan.sendx",
	[GS_LF_HCHAN_RECVX] = "hchan.recvx",
	[GS_LF_HCHAN_RECVQ] = "hchan.recvq",
	[GS_LF_HCHAN_SENDQ] = "hchan.sendq",
	[GS_LF_HCHAN_LOCK] = "hchan.lock",
	[GS_LF_HCHAN_SIZE] = "sizeof.hchan",
	[GS_LF_WAITQ_FIRST] = "waitq.first",
	[GS_LF_WAITQ_LAST] = "waitq.last",
	[GS_LF_ANCESTOR_PCS] = "ancestorInfo.pcs",
	[GS_LF_ANCESTOR_GOID] = "ancestorInfo.goid",
	[GS_LF_ANCESTOR_GOPC] = "ancestorInfo.gopc",
	[GS_LF_ANCESTOR_SIZE] = "sizeof.ancestorInfo",
	[GS_LF_LABELS_LIST] = "labelMap.list",
	[GS_LF_LABEL_KEY] = "label.key",
	[GS_LF_LABEL_VALUE] = "label.value",
	[GS_LF_LABEL_SIZE] = "sizeof.label",
	[GS_LF_HMAP_COUNT] = "hmap.count",
	[GS_LF_HMAP_B] = "hmap.B",
	[GS_LF_HMAP_BUCKETS] = "hmap.buckets",
	[GS_LF_HMAP_OLDBUCKETS] = "hmap.oldbuckets",
	[GS_LF_HMAP_NEVACUATE] = "hmap.nevacuate",
	[GS_LF_BUCKET_TOPHASH] = "bucket.tophash",
	[GS_LF_BUCKET_KEYS] = "bucket.keys",
	[GS_LF_BUCKET_ELEMS] = "bucket.elems",
	[GS_LF_BUCKET_OVERFLOW] = "bucket.overflow",
	[GS_LF_BUCKET_SIZE] = "sizeof.bucket",
	[GS_LF_SCHED_GOIDGEN] = "schedt.goidgen",
	[GS_LF_SCHED_MIDLE] = "schedt.midle",
	[GS_LF_SCHED_NMIDLE] = "schedt.nmidle",
	[GS_LF_SCHED_GFREE] = "schedt.gFree",
	[GS_LF_SCHED_SIZE] = "sizeof.schedt",
};

static const char *const symbol_names[GS_LS_COUNT] = {
	[GS_LS_ALLGS] = "runtime.allgs",
	[GS_LS_ALLGLEN] = "runtime.allglen",
	[GS_LS_ALLGPTR] = "runtime.allgptr",
	[GS_LS_ALLM] = "runtime.allm",
	[GS_LS_WAITREASONSTRINGS] = "runtime.waitReasonStrings",
	[GS_LS_BUILDVERSION] = "runtime.buildVersion",
	[GS_LS_SCHED] = "runtime.sched",
	[GS_LS_ALLP] = "runtime.allp",
	[GS_LS_FIRSTMODULEDATA] = "runtime.firstmoduledata",
	[GS_LS_TLSG] = "runtime.tlsg",
	[GS_LS_TLS_G] = "runtime.tls_g",
};

static const char *const source_names[] = {
	[GS_LAYOUT_SRC_NONE] = "none",     [GS_LAYOUT_SRC_DWARF] = "dwarf",
	[GS_LAYOUT_SRC_TABLE] = "table",   [GS_LAYOUT_SRC_SYMTAB] = "symtab",
	[GS_LAYOUT_SRC_SCAN] = "scan",     [GS_LAYOUT_SRC_BINARY] = "binary",
};

/* The words of the table format's labels line, and of goscope info. */
static const char *const labels_names[] = {
	[GS_LABELS_UNKNOWN] = "unknown",
	[GS_LABELS_MAP] = "map",
	[GS_LABELS_SLICE] = "slice",
};

/* The Go minor versions the tables cover. */
#define GS_LAYOUT_MIN_MINOR 21
#define GS_LAYOUT_MAX_MINOR 26
/* Bounds of the table text format. */
#define GS_LAYOUT_MAX_TEXT (64u << 10)
#define GS_LAYOUT_MAX_LINES 1024u

const char *gs_layout_field_name(enum gs_layout_field f)
{
	return (unsigned)f < GS_LF_COUNT ? field_names[f] : NULL;
}

const char *gs_layout_symbol_name(enum gs_layout_symbol s)
{
	return (unsigned)s < GS_LS_COUNT ? symbol_names[s] : NULL;
}

const char *gs_layout_source_name(enum gs_layout_source s)
{
	return (unsigned)s < GS_ARRAY_LEN(source_names) ? source_names[s] : "none";
}

const char *gs_layout_labels_name(enum gs_labels_repr r)
{
	return (unsigned)r < GS_ARRAY_LEN(labels_names) ? labels_names[r] : "unknown";
}

struct gs_layout *gs_layout_alloc(void)
{
	struct gs_layout *l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	for (size_t i = 0; i < GS_LF_COUNT; i++)
		l->off[i] = GS_LAYOUT_UNKNOWN;
	return l;
}

void gs_layout_free(struct gs_layout *l)
{
	if (!l)
		return;
	free(l->wait_text);
	free(l);
}

void gs_layout_wait_clear(struct gs_layout *l)
{
	free(l->wait_text);
	l->wait_text = NULL;
	l->wait_text_len = 0;
	l->nwait = 0;
	l->wait_src = GS_LAYOUT_SRC_NONE;
}

int gs_layout_wait_push(struct gs_layout *l, const char *s, size_t len)
{
	if (l->nwait >= GS_LAYOUT_MAX_WAIT_REASONS || len > GS_LAYOUT_MAX_WAIT_REASON_LEN)
		return -E2BIG;
	char *t = realloc(l->wait_text, l->wait_text_len + len + 1);
	if (!t)
		return -ENOMEM;
	memcpy(t + l->wait_text_len, s, len);
	t[l->wait_text_len + len] = 0;
	l->wait_text = t;
	l->wait_off[l->nwait++] = (uint32_t)l->wait_text_len;
	l->wait_text_len += len + 1;
	return 0;
}

uint32_t gs_layout_off(const struct gs_layout *l, enum gs_layout_field f)
{
	return (unsigned)f < GS_LF_COUNT ? l->off[f] : GS_LAYOUT_UNKNOWN;
}

uint32_t gs_layout_size(const struct gs_layout *l, enum gs_layout_field f)
{
	return (unsigned)f < GS_LF_COUNT && l->off[f] != GS_LAYOUT_UNKNOWN ? l->size[f] : 0;
}

enum gs_layout_source gs_layout_field_source(const struct gs_layout *l, enum gs_layout_field f)
{
	return (unsigned)f < GS_LF_COUNT ? (enum gs_layout_source)l->field_src[f] : GS_LAYOUT_SRC_NONE;
}

int gs_layout_addr(const struct gs_layout *l, enum gs_layout_symbol s, uint64_t *addr,
		   enum gs_layout_source *src)
{
	if ((unsigned)s >= GS_LS_COUNT || l->addr_src[s] == GS_LAYOUT_SRC_NONE)
		return -ENOENT;
	*addr = l->addr[s];
	if (src)
		*src = (enum gs_layout_source)l->addr_src[s];
	return 0;
}

const char *gs_layout_go_version(const struct gs_layout *l)
{
	return l->go_version;
}

int gs_layout_go_minor(const struct gs_layout *l)
{
	return l->minor;
}

enum gs_arch gs_layout_arch(const struct gs_layout *l)
{
	return l->arch;
}

unsigned gs_layout_flags(const struct gs_layout *l)
{
	return l->flags;
}

enum gs_labels_repr gs_layout_labels(const struct gs_layout *l)
{
	return l->labels;
}

const char *gs_layout_wait_reason(const struct gs_layout *l, unsigned r)
{
	return r < l->nwait ? l->wait_text + l->wait_off[r] : NULL;
}

size_t gs_layout_wait_reason_count(const struct gs_layout *l)
{
	return l->nwait;
}

enum gs_layout_source gs_layout_wait_reason_source(const struct gs_layout *l)
{
	return (enum gs_layout_source)l->wait_src;
}

int gs_layout_parse_minor(const char *v)
{
	const char *p = strstr(v, "go1.");
	int minor = 0;
	if (!p)
		return 0;
	p += 4;
	if (*p < '0' || *p > '9')
		return 0;
	while (*p >= '0' && *p <= '9' && minor < 1000)
		minor = minor * 10 + (*p++ - '0');
	return minor;
}

/* ------------------------------------------------------------------------------------------
 * The table text format: one fact per line, tab-separated, '#' comments.
 *   go	<version>                 arch	amd64|arm64          labels	map|slice|unknown
 *   field	<name>	<offset>	<size>
 *   waitreason	<index>	<string>      (indexes from 0, in order; the string may be empty)
 */

static bool printable_ascii(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return false;
	return true;
}

/* A decimal number without sign or leading garbage, at most max. */
static bool parse_dec(const char *s, size_t n, uint32_t max, uint32_t *out)
{
	uint64_t v = 0;
	if (n == 0 || n > 10)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > max)
		return false;
	*out = (uint32_t)v;
	return true;
}

static bool tok_is(const char *s, size_t n, const char *word)
{
	return strlen(word) == n && memcmp(s, word, n) == 0;
}

/* Index of the word [s, s+n) in words, or -1. */
static int word_index(const char *s, size_t n, const char *const *words, size_t nwords)
{
	for (size_t i = 0; i < nwords; i++)
		if (tok_is(s, n, words[i]))
			return (int)i;
	return -1;
}

/* Splits line [s, s+n) at tabs into at most max tokens; the last one takes the rest. */
static size_t split_tabs(const char *s, size_t n, const char **tok, size_t *tlen, size_t max)
{
	size_t k = 0, start = 0;
	for (size_t i = 0; i <= n && k < max; i++) {
		if (i == n || (s[i] == '\t' && k + 1 < max)) {
			tok[k] = s + start;
			tlen[k] = i - start;
			k++;
			start = i + 1;
		}
	}
	return k;
}

static int parse_line(struct gs_layout *l, const char *s, size_t n, size_t lineno, bool *seen_go,
		      struct gs_ctx *ctx)
{
	const char *tok[4];
	size_t tlen[4];
	size_t k;

	if (n == 0 || s[0] == '#')
		return 0;
	if (!printable_ascii(s, n) && memchr(s, '\t', n) == NULL)
		return gs_ctx_err(ctx, -EBADMSG, "layout table line %zu: unprintable bytes", lineno);
	k = split_tabs(s, n, tok, tlen, 4);
	for (size_t i = 0; i < k; i++)
		if (!printable_ascii(tok[i], tlen[i]))
			return gs_ctx_err(ctx, -EBADMSG, "layout table line %zu: unprintable bytes", lineno);
	if (tok_is(tok[0], tlen[0], "go") && k == 2) {
		if (*seen_go || tlen[1] == 0 || tlen[1] >= sizeof(l->go_version))
			return gs_ctx_err(ctx, -EBADMSG, "layout table line %zu: bad go line", lineno);
		memcpy(l->go_version, tok[1], tlen[1]);
		l->go_version[tlen[1]] = 0;
		l->minor = gs_layout_parse_minor(l->go_version);
		if (l->minor == 0)
			return gs_ctx_err(ctx, -EBADMSG, "layout table line %zu: bad Go version", lineno);
		*seen_go = true;
		return 0;
	}
	if (tok_is(tok[0], tlen[0], "arch") && k == 2) {
		static const char *const arches[] = {"amd64", "arm64"};
		int w = word_index(tok[1], tlen[1], arches, GS_ARRAY_LEN(arches));
		if (l->arch != GS_ARCH_UNKNOWN || w < 0)
			return gs_ctx_err(ctx, -EBADMSG, "layout table line %zu: bad arch line", lineno);
		l->arch = w == 0 ? GS_ARCH_AMD64 : GS_ARCH_ARM64;
		return 0;
	}
	if (tok_is(tok[0], tlen[0], "labels") && k == 2) {
		int w = word_index(tok[1], tlen[1], labels_names, GS_ARRAY_LEN(labels_names));
		if (l->labels_src != GS_LAYOUT_SRC_NONE || w < 0)
			return gs_ctx_err(ctx, -EBADMSG, "layout table line %zu: bad labels line", lineno);
		l->labels = (enum gs_labels_repr)w;
		l->labels_src = GS_LAYOUT_SRC_TABLE;
		return 0;
	}
	if (tok_is(tok[0], tlen[0], "field") && k == 4) {
		uint32_t off, size;
		size_t f;
		for (f = 0; f < GS_LF_COUNT; f++)
			if (tok_is(tok[1], tlen[1], field_names[f]))
				break;
		if (f == GS_LF_COUNT)
			return gs_ctx_err(ctx, -EBADMSG, "layout table line %zu: unknown field", lineno);
		if (l->off[f] != GS_LAYOUT_UNKNOWN)
			return gs_ctx_err(ctx, -EBADMSG, "layout table line %zu: field %s twice", lineno,
					  field_names[f]);
		if (!parse_dec(tok[2], tlen[2], GS_LAYOUT_MAX_OFFSET, &off) ||
		    !parse_dec(tok[3], tlen[3], GS_LAYOUT_MAX_OFFSET, &size))
			return gs_ctx_err(ctx, -EBADMSG, "layout table line %zu: bad offset or size",
					  lineno);
		l->off[f] = off;
		l->size[f] = size;
		l->field_src[f] = GS_LAYOUT_SRC_TABLE;
		return 0;
	}
	if (tok_is(tok[0], tlen[0], "waitreason") && (k == 3 || k == 2)) {
		uint32_t idx;
		if (!parse_dec(tok[1], tlen[1], GS_LAYOUT_MAX_WAIT_REASONS - 1, &idx) || idx != l->nwait)
			return gs_ctx_err(ctx, -EBADMSG, "layout table line %zu: wait reason out of order",
					  lineno);
		int err = gs_layout_wait_push(l, k == 3 ? tok[2] : "", k == 3 ? tlen[2] : 0);
		if (err == -ENOMEM)
			return gs_ctx_err(ctx, err, "out of memory");
		if (err)
			return gs_ctx_err(ctx, -EBADMSG, "layout table line %zu: wait reason too long",
					  lineno);
		l->wait_src = GS_LAYOUT_SRC_TABLE;
		return 0;
	}
	return gs_ctx_err(ctx, -EBADMSG, "layout table line %zu: unknown line", lineno);
}

int gs_layout_parse(const char *text, size_t len, struct gs_ctx *ctx, struct gs_layout **out)
{
	struct gs_layout *l;
	size_t lineno = 0, pos = 0;
	bool seen_go = false;
	int err = 0;

	*out = NULL;
	if (len > GS_LAYOUT_MAX_TEXT)
		return gs_ctx_err(ctx, -EBADMSG, "layout table: larger than %u bytes", GS_LAYOUT_MAX_TEXT);
	l = gs_layout_alloc();
	if (!l)
		return gs_ctx_err(ctx, -ENOMEM, "out of memory");
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;
		if (++lineno > GS_LAYOUT_MAX_LINES) {
			err = gs_ctx_err(ctx, -EBADMSG, "layout table: more than %u lines",
					 GS_LAYOUT_MAX_LINES);
			goto out;
		}
		err = parse_line(l, text + pos, end - pos, lineno, &seen_go, ctx);
		if (err)
			goto out;
		pos = end + 1;
	}
	if (!seen_go || l->arch == GS_ARCH_UNKNOWN) {
		err = gs_ctx_err(ctx, -EBADMSG, "layout table: no go or arch line");
		goto out;
	}
out:
	if (err) {
		gs_layout_free(l);
		return err;
	}
	*out = l;
	return 0;
}

int gs_layout_format(const struct gs_layout *l, struct gs_buf *out)
{
	int err = 0;
	err |= gs_buf_addf(out, "go\t%s\narch\t%s\nlabels\t%s\n", l->go_version, gs_arch_name(l->arch),
			   gs_layout_labels_name(l->labels));
	for (size_t f = 0; f < GS_LF_COUNT; f++)
		if (l->off[f] != GS_LAYOUT_UNKNOWN)
			err |= gs_buf_addf(out, "field\t%s\t%u\t%u\n", field_names[f], l->off[f],
					   l->size[f]);
	for (size_t i = 0; i < l->nwait; i++)
		err |= gs_buf_addf(out, "waitreason\t%zu\t%s\n", i, gs_layout_wait_reason(l, (unsigned)i));
	return err ? -ENOMEM : 0;
}

static const struct gs_layout_table_file *find_table(int minor, enum gs_arch arch)
{
	char name[64];
	snprintf(name, sizeof(name), "go1.%d-%s.tsv", minor, gs_arch_name(arch));
	for (const struct gs_layout_table_file *t = gs_layout_table_files; t->name; t++)
		if (!strcmp(t->name, name))
			return t;
	return NULL;
}

int gs_layout_from_table(int minor, enum gs_arch arch, struct gs_ctx *ctx, struct gs_layout **out)
{
	const struct gs_layout_table_file *t = find_table(minor, arch);
	*out = NULL;
	if (!t)
		return gs_ctx_err(ctx, -ENOENT, "no runtime layout table for go1.%d on %s", minor,
				  gs_arch_name(arch));
	int err = gs_layout_parse((const char *)t->data, t->len, ctx, out);
	if (err)
		return gs_ctx_prefix(ctx, err, "built-in table %s", t->name);
	return 0;
}

/* ------------------------------------------------------------------------------------------
 * gs_layout_open
 */

/* Copies the table's offsets into the fields l does not know yet, and its wait reasons and
 * label representation when l has none. */
static int merge_table(struct gs_layout *l, const struct gs_layout *t)
{
	for (size_t f = 0; f < GS_LF_COUNT; f++) {
		if (l->off[f] != GS_LAYOUT_UNKNOWN || t->off[f] == GS_LAYOUT_UNKNOWN)
			continue;
		l->off[f] = t->off[f];
		l->size[f] = t->size[f];
		l->field_src[f] = GS_LAYOUT_SRC_TABLE;
	}
	if (l->labels_src == GS_LAYOUT_SRC_NONE) {
		l->labels = t->labels;
		l->labels_src = GS_LAYOUT_SRC_TABLE;
	}
	if (l->nwait == 0 && t->nwait > 0) {
		for (size_t i = 0; i < t->nwait; i++) {
			const char *s = gs_layout_wait_reason(t, (unsigned)i);
			int err = gs_layout_wait_push(l, s, strlen(s));
			if (err)
				return err;
		}
		l->wait_src = GS_LAYOUT_SRC_TABLE;
	}
	return 0;
}

/* The wanted globals in one pass over .symtab, then one over .dynsym for those .symtab lacks
 * (the first symbol of a name counts, as for gs_elf_symbol_find). */
static void symtab_addrs(struct gs_elf *e, struct gs_layout *l, struct gs_ctx *ctx)
{
	static const char prefix[] = "runtime."; /* of every name in symbol_names */
	const size_t prefix_len = sizeof(prefix) - 1;
	bool seen[GS_LS_COUNT] = {false};
	struct gs_ctx quiet = *ctx;

	for (int dynamic = 0; dynamic < 2; dynamic++) {
		const struct gs_elf_symbol *syms;
		size_t n;
		if (gs_elf_symbols(e, dynamic, &quiet, &syms, &n) != 0)
			return;
		for (size_t i = 0; i < n; i++) {
			const struct gs_elf_symbol *sym = &syms[i];
			if (strncmp(sym->name, prefix, prefix_len) != 0)
				continue;
			for (size_t s = 0; s < GS_LS_COUNT; s++) {
				if (seen[s] || strcmp(sym->name + prefix_len, symbol_names[s] + prefix_len))
					continue;
				seen[s] = true;
				if (sym->shndx == SHN_UNDEF)
					break;
				l->addr[s] = sym->value;
				l->addr_src[s] = GS_LAYOUT_SRC_SYMTAB;
				if (s == GS_LS_WAITREASONSTRINGS && sym->size % 16 == 0 &&
				    sym->size / 16 <= GS_LAYOUT_MAX_WAIT_REASONS)
					l->wait_array_len = sym->size / 16;
				break;
			}
		}
	}
}

/* Reads n bytes at link-time address addr of e into buf: 0 or -ENOENT. */
static int read_vaddr(struct gs_elf *e, uint64_t addr, void *buf, size_t n)
{
	const uint8_t *p;
	size_t avail;
	if (gs_elf_vaddr_view(e, addr, &p, &avail) != 0 || avail < n)
		return -ENOENT;
	memcpy(buf, p, n);
	return 0;
}

static uint64_t le64(const uint8_t *b)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | b[i];
	return v;
}

/* The binary's own runtime.waitReasonStrings: n Go string headers {ptr, len}. Taken only if
 * every entry reads as a printable string (an externally linked PIE keeps the pointers in
 * relocations and zeros in the file: then the table stays). */
static void binary_wait_reasons(struct gs_elf *e, struct gs_layout *l, size_t n)
{
	struct gs_layout tmp;
	uint64_t base = l->addr[GS_LS_WAITREASONSTRINGS];

	memset(&tmp, 0, sizeof(tmp));
	if (n == 0 || n > GS_LAYOUT_MAX_WAIT_REASONS)
		return;
	for (size_t i = 0; i < n; i++) {
		uint8_t hdr[16];
		char s[GS_LAYOUT_MAX_WAIT_REASON_LEN];
		uint64_t ptr, len;
		if (read_vaddr(e, base + 16 * i, hdr, sizeof(hdr)) != 0)
			goto fail;
		ptr = le64(hdr);
		len = le64(hdr + 8);
		if (len > sizeof(s) || (len > 0 && read_vaddr(e, ptr, s, (size_t)len) != 0) ||
		    !printable_ascii(s, (size_t)len) || (i == 0) != (len == 0))
			goto fail;
		if (gs_layout_wait_push(&tmp, s, (size_t)len) != 0)
			goto fail;
	}
	gs_layout_wait_clear(l);
	l->wait_text = tmp.wait_text;
	l->wait_text_len = tmp.wait_text_len;
	memcpy(l->wait_off, tmp.wait_off, sizeof(tmp.wait_off));
	l->nwait = tmp.nwait;
	l->wait_src = GS_LAYOUT_SRC_BINARY;
	return;
fail:
	free(tmp.wait_text);
}

int gs_layout_open(struct gs_elf *e, const struct gs_pclntab *pcln, unsigned flags,
		   struct gs_ctx *ctx, struct gs_layout **out)
{
	struct gs_buildinfo bi;
	struct gs_layout *l = NULL, *table = NULL;
	struct gs_pclntab *own_pcln = NULL;
	struct gs_ctx quiet, dwarf_ctx;
	bool dwarf_ok = false;
	int err, dwarf_err = -ENOENT;

	*out = NULL;
	memset(&bi, 0, sizeof(bi));
	enum gs_arch arch = gs_elf_arch(e);
	if (arch != GS_ARCH_AMD64 && arch != GS_ARCH_ARM64)
		return gs_ctx_err(ctx, -ENOTSUP, "runtime layouts: unsupported architecture");
	l = gs_layout_alloc();
	if (!l)
		return gs_ctx_err(ctx, -ENOMEM, "out of memory");
	l->arch = arch;

	quiet = *ctx;
	err = gs_buildinfo_read(e, &quiet, &bi);
	if (err == 0 && bi.go_version && strlen(bi.go_version) < sizeof(l->go_version)) {
		snprintf(l->go_version, sizeof(l->go_version), "%s", bi.go_version);
		l->minor = gs_layout_parse_minor(l->go_version);
	}
	gs_buildinfo_release(&bi);

	/* DWARF that cannot be read (-EBADMSG, -E2BIG) is no worse than none: the table gives
	 * the offsets, as for a stripped binary. Its error is reported only when nothing else
	 * can stand in for it. */
	if (!(flags & GS_LAYOUT_NO_DWARF) && gs_elf_has_dwarf(e)) {
		dwarf_ctx = *ctx;
		dwarf_err = gs_layout_dwarf(e, l, &dwarf_ctx);
		if (dwarf_err == -ENOMEM) {
			err = gs_ctx_err(ctx, -ENOMEM, "out of memory");
			goto out;
		}
		dwarf_ok = dwarf_err == 0;
	}
	if (l->minor == 0 && !dwarf_ok) {
		const char *why = gs_elf_has_dwarf(e) ? ", no runtime.g in DWARF" : ", no DWARF";
		if (dwarf_err != -ENOENT)
			err = gs_ctx_err(ctx, dwarf_err, "%s", gs_ctx_errmsg(&dwarf_ctx));
		else
			err = gs_ctx_err(ctx, -ENOENT,
					 "not a Go executable (no Go build information%s)", why);
		goto out;
	}
	if (l->minor == 0)
		l->flags |= GS_LAYOUT_VERSION_GUESSED;

	/* The table of the binary's version fills what DWARF left unknown (a binary that does
	 * not link runtime/pprof has no label types). Without DWARF, the nearest table gives
	 * everything, flagged; with DWARF, another version's table would give wrong offsets
	 * for fields the binary's runtime does not have, so it is not used. */
	{
		int minor = l->minor;
		bool exact = minor >= GS_LAYOUT_MIN_MINOR && minor <= GS_LAYOUT_MAX_MINOR;
		if (!exact) {
			minor = minor != 0 && minor < GS_LAYOUT_MIN_MINOR ? GS_LAYOUT_MIN_MINOR
									    : GS_LAYOUT_MAX_MINOR;
			if (!dwarf_ok)
				l->flags |= GS_LAYOUT_APPROXIMATE;
		}
		quiet = *ctx;
		if ((exact || !dwarf_ok) && gs_layout_from_table(minor, arch, &quiet, &table) == 0) {
			err = merge_table(l, table);
			if (err) {
				err = gs_ctx_err(ctx, err, "out of memory");
				goto out;
			}
		} else if (!dwarf_ok && dwarf_err != -ENOENT) {
			err = gs_ctx_err(ctx, dwarf_err, "%s (and no table for go1.%d on %s)",
					 gs_ctx_errmsg(&dwarf_ctx), minor, gs_arch_name(arch));
			goto out;
		} else if (!dwarf_ok) {
			err = gs_ctx_err(ctx, -ENOTSUP,
					 "runtime layouts: no DWARF and no table for go1.%d on %s", minor,
					 gs_arch_name(arch));
			goto out;
		}
	}

	if (!(flags & GS_LAYOUT_NO_SYMTAB)) {
		/* .symtab beats DWARF for addresses: it is what the linker wrote */
		symtab_addrs(e, l, ctx);
	} else {
		for (size_t s = 0; s < GS_LS_COUNT; s++) {
			l->addr_src[s] = GS_LAYOUT_SRC_NONE;
			l->addr[s] = 0;
		}
		l->wait_array_len = 0;
	}
	if (gs_layout_scan_needed(l)) {
		/* an address the scan can find is missing: decode runtime code (needs the pclntab) */
		if (!pcln) {
			quiet = *ctx;
			if (gs_pclntab_open(e, &quiet, &own_pcln) == 0)
				pcln = own_pcln;
		}
		if (pcln) {
			quiet = *ctx;
			gs_layout_scan(e, pcln, l, &quiet);
		}
	}
	if (l->addr_src[GS_LS_WAITREASONSTRINGS] != GS_LAYOUT_SRC_NONE)
		binary_wait_reasons(e, l, l->wait_array_len ? l->wait_array_len : l->nwait);
	err = 0;
out:
	gs_pclntab_free(own_pcln);
	gs_layout_free(table);
	if (err) {
		gs_layout_free(l);
		return err;
	}
	*out = l;
	return 0;
}
