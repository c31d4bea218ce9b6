/* Unit tests for lib/goruntime/unwind.c and frames.c over the pclntab of a real Go program
 * (the toolchain's go command): special functions found by name, a stack image laid out with
 * the binary's own frame sizes unwound to goexit (with and without a PIE bias), the stops
 * (bad return address, unreadable stack, SP outside the stack, frame cap), the runtime's
 * frame filter and name printing. The end-to-end check against a live process is
 * tests/cli/t0704-goroutines-live.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sys/stat.h>

#include "goscope/goruntime.h"
#include "go_fixture.h"

#define GO_BIN GS_TEST_GO
#define STACK_BASE 0xc000100000ULL
#define STACK_SIZE 8192

struct fixture {
	struct gs_ctx ctx;
	struct gs_elf *e;
	struct gs_pclntab *t;
	uint8_t stack[STACK_SIZE];
};

static int setup(void **state)
{
	struct stat st;
	if (stat(GO_BIN, &st) != 0) {
		print_message("no Go toolchain at %s\n", GO_BIN);
		*state = NULL;
		return 0;
	}
	struct fixture *fx = calloc(1, sizeof(*fx));
	gs_ctx_init(&fx->ctx);
	assert_int_equal(gs_elf_open_path(GO_BIN, &fx->ctx, &fx->e), 0);
	assert_int_equal(gs_pclntab_open(fx->e, &fx->ctx, &fx->t), 0);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	if (fx) {
		gs_pclntab_free(fx->t);
		gs_elf_free(fx->e);
		free(fx);
	}
	return 0;
}

static int read_image(void *arg, uint64_t addr, void *buf, size_t len)
{
	struct fixture *fx = arg;
	if (addr < STACK_BASE || addr - STACK_BASE > STACK_SIZE || len > STACK_SIZE - (addr - STACK_BASE))
		return -EFAULT;
	memcpy(buf, fx->stack + (addr - STACK_BASE), len);
	return 0;
}

static void put_word(struct fixture *fx, uint64_t addr, uint64_t v)
{
	assert_true(addr >= STACK_BASE && addr + 8 <= STACK_BASE + STACK_SIZE);
	for (int i = 0; i < 8; i++)
		fx->stack[addr - STACK_BASE + (uint64_t)i] = (uint8_t)(v >> (8 * i));
}

static struct gs_func func_named(struct fixture *fx, const char *name)
{
	struct gs_func f;
	uint32_t n = gs_pclntab_nfunc(fx->t);
	for (uint32_t i = 0; i < n; i++)
		if (gs_pclntab_func_at(fx->t, i, &f) == 0 && !strcmp(f.name, name))
			return f;
	fail_msg("no function %s", name);
	return f;
}

/* A return address inside f where the frame is set up (pcsp > 0), past a few instructions. */
static uint64_t pc_with_frame(struct fixture *fx, const struct gs_func *f, int32_t *size)
{
	for (uint64_t pc = f->entry + 1; pc < f->end; pc++) {
		int32_t sp = gs_pclntab_sp(fx->t, f, pc);
		if (sp > 0 && gs_pclntab_sp(fx->t, f, pc - 1) == sp) {
			*size = sp;
			return pc;
		}
	}
	fail_msg("no frame in %s", f->name);
	return 0;
}

static void test_roles(void **state)
{
	struct fixture *fx = *state;
	if (!fx)
		GS_TEST_NO_GO();
	struct gs_unwinder *u;
	assert_int_equal(gs_unwinder_new(fx->t, GS_ARCH_AMD64, 0, &fx->ctx, &u), 0);
	struct gs_func f = func_named(fx, "runtime.sigpanic");
	assert_int_equal(gs_unwinder_role(u, f.func_id), GS_ROLE_INJECTED);
	f = func_named(fx, "runtime.asyncPreempt");
	assert_int_equal(gs_unwinder_role(u, f.func_id), GS_ROLE_INJECTED);
	f = func_named(fx, "runtime.systemstack");
	assert_int_equal(gs_unwinder_role(u, f.func_id), GS_ROLE_SYSTEMSTACK);
	f = func_named(fx, "runtime.deferreturn");
	assert_int_not_equal(f.func_id, 0);
	assert_int_equal(gs_unwinder_role_func_id(u, GS_ROLE_WRAPPER), f.func_id);
	f = func_named(fx, "runtime.gopark");
	assert_int_equal(gs_unwinder_role(u, f.func_id), GS_ROLE_NONE);
	f = func_named(fx, "runtime.goexit");
	assert_true(f.flag & GS_FUNCFLAG_TOPFRAME);
	gs_unwinder_free(u);
	struct gs_unwinder *none = (struct gs_unwinder *)1;
	assert_int_equal(gs_unwinder_new(fx->t, GS_ARCH_UNKNOWN, 0, &fx->ctx, &none), -ENOTSUP);
	assert_null(none);
}

/* gopark <- main.main <- goexit laid out as amd64 frames; returns the stktopsp. */
static uint64_t build_stack(struct fixture *fx, uint64_t bias, uint64_t *pcs)
{
	struct gs_func park = func_named(fx, "runtime.gopark");
	struct gs_func mainf = func_named(fx, "main.main");
	struct gs_func exitf = func_named(fx, "runtime.goexit");
	int32_t s0, s1;
	uint64_t pc0 = pc_with_frame(fx, &park, &s0);
	uint64_t pc1 = pc_with_frame(fx, &mainf, &s1);
	memset(fx->stack, 0xee, sizeof(fx->stack));
	uint64_t sp0 = STACK_BASE + 1024;
	uint64_t fp0 = sp0 + (uint64_t)s0 + 8;
	put_word(fx, fp0 - 8, pc1 + bias);
	uint64_t fp1 = fp0 + (uint64_t)s1 + 8;
	put_word(fx, fp1 - 8, exitf.entry + 1 + bias);
	pcs[0] = pc0 + bias;
	pcs[1] = pc1 + bias;
	pcs[2] = exitf.entry + 1 + bias;
	pcs[3] = sp0;
	return fp1;
}

static void check_unwind(struct fixture *fx, uint64_t bias)
{
	struct gs_unwinder *u;
	assert_int_equal(gs_unwinder_new(fx->t, GS_ARCH_AMD64, bias, &fx->ctx, &u), 0);
	uint64_t pcs[4];
	uint64_t top = build_stack(fx, bias, pcs);
	struct gs_unwind_start st = {.pc = pcs[0], .sp = pcs[3]};
	struct gs_unwind_stack stack = {.lo = STACK_BASE, .hi = STACK_BASE + STACK_SIZE, .stktopsp = top};
	struct gs_pframe frames[8];
	struct gs_unwind_result res;
	assert_int_equal(gs_unwind(u, &st, &stack, read_image, fx, frames, 8, &res), 0);
	assert_int_equal(res.n, 3);
	assert_int_equal(res.stop, GS_UNWIND_TOP);
	assert_true(res.complete);
	for (int i = 0; i < 3; i++)
		assert_int_equal(frames[i].pc, pcs[i]);
	assert_int_equal(frames[2].sp, top);
	assert_int_equal(frames[0].fp, frames[1].sp);

	/* every frame is runtime.* or main.main: debug=2 shows only main.main */
	struct gs_lframe lf[16];
	size_t nl;
	assert_int_equal(gs_unwinder_logical(u, frames, res.n, false, lf, 16, &nl), 0);
	assert_true(nl >= 1);
	assert_string_equal(lf[nl - 1].function, "main.main");
	for (size_t i = 0; i < nl; i++)
		assert_true(strncmp(lf[i].function, "runtime.", 8) != 0);
	size_t nall;
	assert_int_equal(gs_unwinder_logical(u, frames, res.n, true, lf, 16, &nall), 0);
	assert_true(nall >= 3);
	assert_string_equal(lf[0].function, "runtime.gopark");
	assert_string_equal(lf[nall - 1].function, "runtime.goexit");
	/* only runtime frames: the runtime then shows them all */
	assert_int_equal(gs_unwinder_logical(u, frames, 1, false, lf, 16, &nl), 0);
	assert_int_equal(nl, 1);
	assert_string_equal(lf[0].function, "runtime.gopark");

	/* a wrong stktopsp: the walk ends at goexit but is not complete */
	stack.stktopsp = top + 8;
	assert_int_equal(gs_unwind(u, &st, &stack, read_image, fx, frames, 8, &res), 0);
	assert_int_equal(res.stop, GS_UNWIND_TOP);
	assert_false(res.complete);
	stack.stktopsp = top;

	/* the frame cap */
	assert_int_equal(gs_unwind(u, &st, &stack, read_image, fx, frames, 2, &res), 0);
	assert_int_equal(res.n, 2);
	assert_int_equal(res.stop, GS_UNWIND_CAP);
	assert_false(res.complete);

	/* a garbage return address */
	put_word(fx, frames[0].fp - 8, 0x10);
	assert_int_equal(gs_unwind(u, &st, &stack, read_image, fx, frames, 8, &res), 0);
	assert_int_equal(res.n, 1);
	assert_int_equal(res.stop, GS_UNWIND_BAD_RETURN);
	assert_int_equal(res.bad_addr, 0x10);

	/* a stack that cannot be read, an SP outside the stack, a pc in no function */
	st.sp = STACK_BASE + STACK_SIZE + 4096;
	stack.hi = st.sp + 65536;
	assert_int_equal(gs_unwind(u, &st, &stack, read_image, fx, frames, 8, &res), 0);
	assert_int_equal(res.stop, GS_UNWIND_READ);
	stack.hi = STACK_BASE + STACK_SIZE;
	assert_int_equal(gs_unwind(u, &st, &stack, read_image, fx, frames, 8, &res), 0);
	assert_int_equal(res.stop, GS_UNWIND_OUTSIDE);
	st.pc = 0x42;
	assert_int_equal(gs_unwind(u, &st, &stack, read_image, fx, frames, 8, &res), 0);
	assert_int_equal(res.stop, GS_UNWIND_NO_FUNC);
	assert_int_equal(res.n, 0);
	gs_unwinder_free(u);
}

static void test_unwind(void **state)
{
	struct fixture *fx = *state;
	if (!fx)
		GS_TEST_NO_GO();
	check_unwind(fx, 0);
	check_unwind(fx, 0x7f0000000000ULL);
}

static void test_showframe(void **state)
{
	struct fixture *fx = *state;
	if (!fx)
		GS_TEST_NO_GO();
	struct gs_unwinder *u;
	assert_int_equal(gs_unwinder_new(fx->t, GS_ARCH_AMD64, 0, &fx->ctx, &u), 0);
	assert_true(gs_unwinder_showframe(u, "main.main", 0, true, 0));
	assert_true(gs_unwinder_showframe(u, "runtime.Gosched", 0, true, 0));
	assert_true(gs_unwinder_showframe(u, "runtime.(*Func).Name", 0, true, 0));
	assert_false(gs_unwinder_showframe(u, "runtime.(*mheap).alloc", 0, true, 0));
	assert_false(gs_unwinder_showframe(u, "runtime.(*Func).name", 0, true, 0));
	assert_false(gs_unwinder_showframe(u, "runtime.gopark", 0, false, 0));
	assert_false(gs_unwinder_showframe(u, "nodot", 0, false, 0));
	/* gopanic shows below the top only */
	uint8_t gopanic = func_named(fx, "runtime.gopanic").func_id;
	assert_false(gs_unwinder_showframe(u, "runtime.gopanic", gopanic, true, 0));
	assert_true(gs_unwinder_showframe(u, "runtime.gopanic", gopanic, false, 0));
	/* a wrapper is hidden unless it called a panic function */
	uint8_t wrapper = (uint8_t)gs_unwinder_role_func_id(u, GS_ROLE_WRAPPER);
	uint8_t sigpanic = func_named(fx, "runtime.sigpanic").func_id;
	assert_false(gs_unwinder_showframe(u, "main.(*T).M", wrapper, false, 0));
	assert_true(gs_unwinder_showframe(u, "main.(*T).M", wrapper, false, gopanic));
	assert_true(gs_unwinder_showframe(u, "main.(*T).M", wrapper, false, sigpanic));

	struct gs_func f = func_named(fx, "main.main");
	assert_false(gs_unwinder_is_system(u, f.entry, false));
	f = func_named(fx, "runtime.main");
	assert_false(gs_unwinder_is_system(u, f.entry, false));
	f = func_named(fx, "runtime.bgsweep");
	assert_true(gs_unwinder_is_system(u, f.entry, false));

	/* created by: the function holding gopc, the line at gopc - 1, the offset */
	int32_t size;
	f = func_named(fx, "main.main");
	uint64_t pc = pc_with_frame(fx, &f, &size);
	struct gs_creator_pos cr;
	assert_int_equal(gs_unwinder_creator(u, pc, 7, &cr), 0);
	assert_string_equal(cr.function, "main.main");
	assert_int_equal(cr.offset, pc - f.entry);
	assert_true(cr.line > 0);
	assert_int_equal(gs_unwinder_creator(u, pc, 1, &cr), -ENOENT); /* main goroutine */
	f = func_named(fx, "runtime.gcenable");
	assert_int_equal(gs_unwinder_creator(u, f.entry + 4, 7, &cr), -ENOENT); /* runtime.* */
	gs_unwinder_free(u);
}

static void test_print_name(void **state)
{
	(void)state;
	char b[128];
	assert_string_equal(gs_goruntime_print_name("runtime.gopanic", b, sizeof(b)), "panic");
	assert_string_equal(gs_goruntime_print_name("main.f", b, sizeof(b)), "main.f");
	assert_string_equal(gs_goruntime_print_name("main.Map[go.shape.int,go.shape.string]", b, sizeof(b)),
			    "main.Map[...]");
	assert_string_equal(gs_goruntime_print_name("main.(*List[go.shape.int]).Push", b, sizeof(b)),
			    "main.(*List[...]).Push");
	assert_string_equal(gs_goruntime_print_name("odd]name[", b, sizeof(b)), "odd]name[");
	assert_string_equal(gs_goruntime_print_name("main.f", b, 3), "ma");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roles),
		cmocka_unit_test(test_unwind),
		cmocka_unit_test(test_showframe),
		cmocka_unit_test(test_print_name),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
