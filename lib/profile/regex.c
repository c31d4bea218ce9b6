/* Regular expressions for pprof's filters (-focus, -ignore, -tagfocus, ...) with the matching
 * rules of Go's regexp as pprof uses it: unanchored search over UTF-8 text, `$` only at the
 * very end, leftmost-first alternation. PCRE2 does the matching, with its JIT when the
 * platform has one. Syntax that RE2 and PCRE2 read differently (backreferences, lookaround)
 * is accepted as PCRE2 reads it. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "goscope/report.h"

struct gs_regex {
	pcre2_code *code;
	pcre2_match_data *match;
	bool jit;
};

int gs_regex_compile(const char *pattern, struct gs_ctx *ctx, struct gs_regex **out)
{
	int errcode;
	PCRE2_SIZE erroff;
	struct gs_regex *re = calloc(1, sizeof(*re));
	if (!re)
		return -ENOMEM;
	/* Invalid UTF-8 in names must not stop matching (Go reads it as U+FFFD). */
	uint32_t flags = PCRE2_UTF | PCRE2_DOLLAR_ENDONLY | PCRE2_MATCH_INVALID_UTF;
	re->code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, flags, &errcode,
				 &erroff, NULL);
	if (!re->code) {
		PCRE2_UCHAR msg[256];
		pcre2_get_error_message(errcode, msg, sizeof(msg));
		free(re);
		return gs_ctx_err(ctx, -EINVAL, "%s at offset %zu of `%s`", (const char *)msg,
				  (size_t)erroff, pattern);
	}
	re->jit = pcre2_jit_compile(re->code, PCRE2_JIT_COMPLETE) == 0;
	re->match = pcre2_match_data_create_from_pattern(re->code, NULL);
	if (!re->match) {
		pcre2_code_free(re->code);
		free(re);
		return -ENOMEM;
	}
	*out = re;
	return 0;
}

void gs_regex_free(struct gs_regex *re)
{
	if (!re)
		return;
	pcre2_match_data_free(re->match);
	pcre2_code_free(re->code);
	free(re);
}

bool gs_regex_match(const struct gs_regex *re, const char *s, size_t n)
{
	int rc;
	/* The match data is scratch space: matching is not reentrant per regex, which is fine
	 * since a report runs on one thread. */
	if (re->jit)
		rc = pcre2_jit_match(re->code, (PCRE2_SPTR)s, n, 0, 0, re->match, NULL);
	else
		rc = pcre2_match(re->code, (PCRE2_SPTR)s, n, 0, 0, re->match, NULL);
	return rc >= 0;
}
