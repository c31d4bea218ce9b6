/* gs_profile_symbolize on legacy goroutine text written here from the real addresses of the
 * legacy fixture (built at test time): the runtime's expanded stack of an inlined call
 * becomes one location with a line per call and goexit goes; addresses outside the binary
 * give a warning; the stack depth cap holds when the last frame is expanded; a stack of
 * addresses that follow no call is refused as another binary's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "go_fixture.h"
#include "goscope/gobin.h"
#include "goscope/profile.h"

struct fixture {
	char path[4096];
	struct gs_ctx ctx;
	struct gs_elf *e;
	struct gs_pclntab *t;
	uint64_t inl_pc;   /* a call site in main.worker inside park inside level2 */
	uint64_t marks[2]; /* the inline marks of level2 and worker at it */
	uint64_t goexit;   /* runtime.goexit's entry */
	uint64_t entries[6]; /* entries of a few functions */
};

static int setup(void **state)
{
	static struct fixture fx;
	memset(&fx, 0, sizeof(fx));
	if (gs_test_build_go_fixture("legacy", "", fx.path, sizeof(fx.path)) != 0) {
		*state = NULL;
		return 0;
	}
	gs_ctx_init(&fx.ctx);
	assert_int_equal(gs_elf_open_path(fx.path, &fx.ctx, &fx.e), 0);
	assert_int_equal(gs_pclntab_open(fx.e, &fx.ctx, &fx.t), 0);
	size_t k = 0;
	for (uint32_t i = 0; i < gs_pclntab_nfunc(fx.t); i++) {
		struct gs_func f;
		assert_int_equal(gs_pclntab_func_at(fx.t, i, &f), 0);
		if (!strcmp(f.name, "runtime.goexit"))
			fx.goexit = f.entry;
		if (k < 6 && !strncmp(f.name, "main.", 5) && f.end - f.entry > 16)
			fx.entries[k++] = f.entry;
		if (strcmp(f.name, "main.worker") != 0)
			continue;
		for (uint64_t pc = f.entry; pc < f.end && !fx.inl_pc; pc++) {
			struct gs_frame fr[8];
			size_t n;
			if (gs_pclntab_frames(fx.t, pc, fr, 8, &n) == 0 && n == 3 &&
			    !strcmp(fr[0].function, "main.park")) {
				fx.inl_pc = pc;
				fx.marks[0] = fr[1].pc;
				fx.marks[1] = fr[2].pc;
			}
		}
	}
	assert_true(fx.inl_pc && fx.goexit && k == 6);
	*state = &fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	if (fx) {
		gs_pclntab_free(fx->t);
		gs_elf_free(fx->e);
	}
	return 0;
}

/* Parses a goroutine text of one sample whose stack is the given return PCs. */
static struct gs_profile *text_profile(struct gs_ctx *ctx, const uint64_t *ret, size_t n)
{
	char text[1024];
	size_t len = (size_t)snprintf(text, sizeof(text), "goroutine profile: total 1\n1 @");
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, " %#llx",
					(unsigned long long)ret[i]);
	len += (size_t)snprintf(text + len, sizeof(text) - len, "\n");
	struct gs_profile *p;
	assert_int_equal(gs_profile_parse(text, len, ctx, &p), 0);
	return p;
}

static void test_inlined_stack(void **state)
{
	struct fixture *fx = *state;
	if (!fx) {
		GS_TEST_NO_GO();
		return;
	}
	uint64_t ret[] = {fx->inl_pc + 1, fx->marks[0] + 1, fx->marks[1] + 1, fx->goexit + 1};
	struct gs_profile *p = text_profile(&fx->ctx, ret, 4);
	struct gs_symbolize_opts o = {fx->path, false};
	struct gs_buf w = GS_BUF_INIT;
	assert_int_equal(gs_profile_symbolize(p, fx->e, fx->t, &o, &fx->ctx, &w), 0);
	assert_int_equal(w.len, 0);
	uint32_t n;
	const uint32_t *locs = gs_profile_stack(p, p->samples[0].stack, &n);
	assert_int_equal(n, 1); /* one location; goexit dropped */
	const struct gs_location *l = &p->locations[locs[0]];
	assert_int_equal(l->address, fx->inl_pc);
	assert_int_equal(l->line_count, 3);
	static const char *const names[] = {"main.park", "main.level2", "main.worker"};
	for (uint32_t i = 0; i < 3; i++) {
		const struct gs_function *f = &p->functions[p->lines[l->line_start + i].function];
		assert_string_equal(gs_profile_str(p, f->name), names[i]);
		assert_true(f->start_line > 0);
	}
	assert_true(p->mappings[l->mapping].has_functions);
	assert_string_equal(gs_profile_str(p, p->mappings[l->mapping].filename), fx->path);
	gs_profile_free(p);
	gs_buf_release(&w);
}

static void test_outside_warns(void **state)
{
	struct fixture *fx = *state;
	if (!fx) {
		GS_TEST_NO_GO();
		return;
	}
	uint64_t ret[] = {0x11, fx->inl_pc + 1, fx->marks[0] + 1, fx->marks[1] + 1, fx->goexit + 1};
	struct gs_profile *p = text_profile(&fx->ctx, ret, 5);
	struct gs_buf w = GS_BUF_INIT;
	assert_int_equal(gs_profile_symbolize(p, fx->e, fx->t, NULL, &fx->ctx, &w), 0);
	assert_non_null(strstr(w.data, "1 of 5 addresses are outside the functions of the binary"));
	uint32_t n;
	const uint32_t *locs = gs_profile_stack(p, p->samples[0].stack, &n);
	assert_int_equal(n, 2);
	assert_int_equal(p->locations[locs[0]].line_count, 0); /* kept as an address */
	assert_int_equal(p->locations[locs[0]].address, 0x10);
	assert_int_equal(p->locations[locs[1]].line_count, 3);
	assert_false(p->mappings[0].has_functions);
	gs_profile_free(p);
	gs_buf_release(&w);
}

static void test_depth_cap(void **state)
{
	struct fixture *fx = *state;
	if (!fx) {
		GS_TEST_NO_GO();
		return;
	}
	/* a stack cut inside inlined code: the runtime adds the calls around it */
	uint64_t ret[] = {fx->inl_pc + 1};
	struct gs_profile *p = text_profile(&fx->ctx, ret, 1);
	struct gs_limits saved = p->limits;
	p->limits.stack_depth = 2;
	assert_int_equal(gs_profile_symbolize(p, fx->e, fx->t, NULL, &fx->ctx, NULL), -E2BIG);
	assert_non_null(strstr(gs_ctx_errmsg(&fx->ctx), "limits.stack_depth"));
	gs_profile_free(p);
	p = text_profile(&fx->ctx, ret, 1);
	p->limits = saved;
	assert_int_equal(gs_profile_symbolize(p, fx->e, fx->t, NULL, &fx->ctx, NULL), 0);
	uint32_t n;
	const uint32_t *locs = gs_profile_stack(p, p->samples[0].stack, &n);
	assert_int_equal(n, 1);
	assert_int_equal(p->locations[locs[0]].line_count, 3);
	gs_profile_free(p);
}

static void test_not_return_addresses(void **state)
{
	struct fixture *fx = *state;
	if (!fx) {
		GS_TEST_NO_GO();
		return;
	}
	/* function entries plus one: inside the functions, never after a call */
	uint64_t ret[6];
	for (size_t i = 0; i < 6; i++)
		ret[i] = fx->entries[i] + 2;
	struct gs_profile *p = text_profile(&fx->ctx, ret, 6);
	struct gs_symbolize_opts o = {"other", false};
	assert_int_equal(gs_profile_symbolize(p, fx->e, fx->t, &o, &fx->ctx, NULL), -EINVAL);
	assert_non_null(strstr(gs_ctx_errmsg(&fx->ctx), "other does not match the profile"));
	gs_profile_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inlined_stack),
		cmocka_unit_test(test_outside_warns),
		cmocka_unit_test(test_depth_cap),
		cmocka_unit_test(test_not_return_addresses),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
