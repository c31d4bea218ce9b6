/* Unit tests for lib/goruntime/goroutines.c over hostile memory: a synthetic core file laid out
 * for the runtime of a real Go program (the toolchain's go command: its symbols, pclntab and
 * layout) whose allgs holds what a reader sees when memory changes under the read or a pointer
 * no longer points to a g: stack bounds no stack has, a status the runtime never sets, a pc in
 * no function, a g pointer that cannot be read, and an allm list that loops. The read must end,
 * list each such goroutine as unreadable with the reason, count them, and keep the rest. The
 * live check is tests/cli/t0730-goroutines-stress.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sys/stat.h>

#include "goscope/goroutine.h"
#include "goscope/goruntime.h"
#include "goscope/layout.h"
#include "goscope/target.h"
#include "go_fixture.h"

#define GO_BIN GS_TEST_GO
#define HEAP 0xc000010000ULL
#define HEAP_SIZE 0x20000
#define G_AT(i) (HEAP + 0x1000 + (uint64_t)(i) * 0x800)
#define M_AT(i) (HEAP + 0x8000 + (uint64_t)(i) * 0x2000)
#define STACK (HEAP + 0x10000)
#define MAX_PAGES 4

struct fixture {
	struct gs_ctx ctx;
	struct gs_elf *e;
	struct gs_pclntab *t;
	struct gs_layout *l;
	uint8_t heap[HEAP_SIZE];
	uint64_t page_addr[MAX_PAGES];
	uint8_t page[MAX_PAGES][4096];
	size_t npages;
};

static int setup(void **state)
{
	struct stat st;
	*state = NULL;
	if (stat(GO_BIN, &st) != 0) {
		print_message("no Go toolchain at %s\n", GO_BIN);
		return 0;
	}
	struct fixture *fx = calloc(1, sizeof(*fx));
	assert_non_null(fx);
	gs_ctx_init(&fx->ctx);
	assert_int_equal(gs_elf_open_path(GO_BIN, &fx->ctx, &fx->e), 0);
	assert_int_equal(gs_pclntab_open(fx->e, &fx->ctx, &fx->t), 0);
	assert_int_equal(gs_layout_open(fx->e, fx->t, 0, &fx->ctx, &fx->l), 0);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	if (fx) {
		gs_layout_free(fx->l);
		gs_pclntab_free(fx->t);
		gs_elf_free(fx->e);
		free(fx);
	}
	return 0;
}

/* A word of target memory: in the heap, or in the page of a runtime global. */
static void poke(struct fixture *fx, uint64_t addr, uint64_t v, int size)
{
	uint8_t *p = NULL;
	if (addr >= HEAP && addr + (uint64_t)size <= HEAP + HEAP_SIZE) {
		p = fx->heap + (addr - HEAP);
	} else {
		uint64_t page = addr & ~4095ULL;
		size_t i = 0;
		while (i < fx->npages && fx->page_addr[i] != page)
			i++;
		if (i == fx->npages) {
			assert_true(fx->npages < MAX_PAGES);
			/* keep the pages sorted: the core wants its segments in address order */
			while (i > 0 && fx->page_addr[i - 1] > page) {
				fx->page_addr[i] = fx->page_addr[i - 1];
				memcpy(fx->page[i], fx->page[i - 1], 4096);
				i--;
			}
			fx->page_addr[i] = page;
			memset(fx->page[i], 0, 4096);
			fx->npages++;
		}
		assert_true((addr & 4095) + (uint64_t)size <= 4096);
		p = fx->page[i] + (addr & 4095);
	}
	for (int k = 0; k < size; k++)
		p[k] = (uint8_t)(v >> (8 * k));
}

static uint64_t addr_of(struct fixture *fx, enum gs_layout_symbol s)
{
	uint64_t a = 0;
	assert_int_equal(gs_layout_addr(fx->l, s, &a, NULL), 0);
	return a;
}

static uint32_t off(struct fixture *fx, enum gs_layout_field f)
{
	uint32_t o = gs_layout_off(fx->l, f);
	assert_int_not_equal(o, GS_LAYOUT_UNKNOWN);
	return o;
}

/* A waiting g with the given id, status and stack bounds, parked at pc. */
static void make_g(struct fixture *fx, int i, uint64_t goid, uint32_t status, uint64_t lo, uint64_t hi,
		   uint64_t pc)
{
	uint64_t g = G_AT(i);
	poke(fx, g + off(fx, GS_LF_G_ATOMICSTATUS), status, 4);
	poke(fx, g + off(fx, GS_LF_G_GOID), goid, 8);
	poke(fx, g + off(fx, GS_LF_G_STACK_LO), lo, 8);
	poke(fx, g + off(fx, GS_LF_G_STACK_HI), hi, 8);
	poke(fx, g + off(fx, GS_LF_G_SCHED_SP), hi > lo ? hi - 0x100 : lo, 8);
	poke(fx, g + off(fx, GS_LF_G_SCHED_PC), pc, 8);
	poke(fx, g + off(fx, GS_LF_G_WAITREASON), 1, 1);
	/* labels: a pointer to nothing readable */
	poke(fx, g + off(fx, GS_LF_G_LABELS), 0xdead000, 8);
}

static int buf_write(void *arg, const void *p, size_t n)
{
	return gs_buf_add(arg, p, n);
}

static const struct gs_goroutine *find(const struct gs_snapshot *s, uint64_t goid)
{
	long i = gs_snapshot_find(s, goid);
	return i < 0 ? NULL : &s->goroutines[i];
}

static void expect_unreadable(const struct gs_snapshot *s, uint64_t goid, const char *why)
{
	const struct gs_goroutine *g = find(s, goid);
	assert_non_null(g);
	assert_true(g->flags & GS_G_UNREADABLE);
	assert_string_equal(gs_snapshot_str(s, g->unreadable), why);
}

static void test_hostile(void **state)
{
	struct fixture *fx = *state;
	if (!fx)
		GS_TEST_NO_GO();
	assert_true(gs_layout_size(fx->l, GS_LF_G_SIZE) <= 0x800);
	assert_true(gs_layout_size(fx->l, GS_LF_M_SIZE) <= 0x2000);

	/* allgs: five g's and a pointer to nothing */
	uint64_t gptrs[] = {G_AT(0), G_AT(1), G_AT(2), G_AT(3), G_AT(4), 0xdead0000ULL};
	size_t ng = GS_ARRAY_LEN(gptrs);
	for (size_t i = 0; i < ng; i++)
		poke(fx, HEAP + 8 * i, gptrs[i], 8);
	poke(fx, addr_of(fx, GS_LS_ALLGLEN), ng, 8);
	poke(fx, addr_of(fx, GS_LS_ALLGPTR), HEAP, 8);

	/* low bound above the high one; a status the runtime never sets; bounds of 2 GiB; a
	 * sane g parked at a pc in no function; a dead g */
	make_g(fx, 0, 10, 4, STACK + 0x2000, STACK, 0);
	make_g(fx, 1, 11, 0x77, STACK, STACK + 0x2000, 0);
	make_g(fx, 2, 12, 4, STACK, STACK + (2ULL << 30), 0);
	make_g(fx, 3, 13, 4, STACK, STACK + 0x2000, 0x10);
	make_g(fx, 4, 14, 6, STACK, STACK + 0x2000, 0);

	/* allm: two Ms whose alllink point at each other; g 13 is on the first */
	poke(fx, addr_of(fx, GS_LS_ALLM), M_AT(0), 8);
	for (int i = 0; i < 2; i++) {
		poke(fx, M_AT(i) + off(fx, GS_LF_M_ID), (uint64_t)i + 1, 8);
		poke(fx, M_AT(i) + off(fx, GS_LF_M_PROCID), 1000 + (uint64_t)i, 8);
		poke(fx, M_AT(i) + off(fx, GS_LF_M_ALLLINK), M_AT(1 - i), 8);
	}
	poke(fx, G_AT(3) + off(fx, GS_LF_G_M), M_AT(0), 8);

	/* the core: the pages of the globals, then the heap */
	struct gs_mem_mapping maps[MAX_PAGES + 1];
	struct gs_core_segment segs[MAX_PAGES + 1];
	size_t n = 0;
	for (size_t i = 0; i < fx->npages; i++, n++) {
		maps[n] = (struct gs_mem_mapping){fx->page_addr[i], fx->page_addr[i] + 4096, 0,
						  GS_MAP_READ | GS_MAP_WRITE, 0, "", 0, 0};
		segs[n] = (struct gs_core_segment){&maps[n], fx->page[i], 4096};
	}
	assert_true(fx->page_addr[fx->npages - 1] < HEAP);
	maps[n] = (struct gs_mem_mapping){HEAP, HEAP + HEAP_SIZE, 0, GS_MAP_READ | GS_MAP_WRITE, 0, "", 0, 0};
	segs[n] = (struct gs_core_segment){&maps[n], fx->heap, HEAP_SIZE};
	n++;
	struct gs_thread th = {.tid = 1000, .has_regs = true};
	th.regs.arch = GS_ARCH_AMD64;
	th.regs.count = GS_AMD64_NREGS;
	struct gs_core_image img = {
		.arch = GS_ARCH_AMD64, .pid = 1000, .ppid = 1, .comm = "hostile", .args = "hostile",
		.threads = &th, .nthreads = 1, .segments = segs, .nsegments = n, .page_size = 4096,
	};
	struct gs_buf core = GS_BUF_INIT;
	assert_int_equal(gs_core_write(&img, buf_write, &core, &fx->ctx), 0);
	struct gs_mem *mem;
	struct gs_mem_opts mopts = {.exe_path = GO_BIN};
	assert_int_equal(gs_mem_open_core_mem(core.data, core.len, &mopts, &fx->ctx, &mem), 0);

	struct gs_snapshot *s = NULL;
	assert_int_equal(gs_goroutines_read(mem, fx->t, fx->l, NULL, &fx->ctx, &s), 0);
	assert_int_equal(s->n_goroutines, 4); /* the dead g is left out */
	assert_int_equal(s->n_unreadable, 5); /* the four, and the g that could not be read */
	expect_unreadable(s, 10, "stack bounds are not valid");
	expect_unreadable(s, 11, "status is not a goroutine status");
	expect_unreadable(s, 12, "stack bounds are not valid");
	expect_unreadable(s, 13, "pc is in no Go function");
	assert_null(find(s, 14));
	const struct gs_goroutine *g13 = find(s, 13);
	assert_int_equal(g13->m_id, 1); /* found along the looping allm */
	assert_int_equal(g13->os_tid, 1000);
	assert_int_equal(g13->n_labels, 0);

	/* and they render: the dump, the groups, JSON */
	struct gs_buf text = GS_BUF_INIT;
	struct gs_out out;
	struct gs_gbuckets b = {0};
	struct gs_group_opts gopts = {.max_ids = 10};
	struct gs_dump_opts dopts = {0};
	gs_out_init(&out, buf_write, &text);
	assert_int_equal(gs_snapshot_write_dump(s, NULL, &dopts, &out), 0);
	assert_int_equal(gs_gdump_bucket(s, NULL, &b), 0);
	assert_int_equal(gs_gdump_write_groups(s, &b, &gopts, &out), 0);
	assert_int_equal(gs_snapshot_write_json(s, NULL, &out), 0);
	assert_int_equal(gs_out_release(&out), 0);
	gs_buf_add(&text, "", 1);
	assert_non_null(strstr((const char *)text.data, "goroutine 11 ["));
	gs_gbuckets_release(&b);
	gs_buf_release(&text);
	gs_snapshot_free(s);
	gs_mem_free(mem);
	gs_buf_release(&core);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostile),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
