/* Writes a snapshot in the Go runtime's own goroutine dump format (runtime/traceback.go:
 * goroutineheader, traceback1/traceback2, printcreatedby1), so that tools reading debug=2
 * text read ours. It writes what the model holds; it does not symbolise or unwind. */
#include "internal.h"

/* The runtime elides the middle of stacks longer than these (tracebackInnerFrames and
 * tracebackOuterFrames, Go 1.21+). */
enum { INNER_FRAMES = 50, OUTER_FRAMES = 50 };

/* printquoted (runtime/print.go): \n \r \t \\ \" escaped, printable ASCII as is, other
 * characters as \xNN, \uNNNN or \UNNNNNNNN; invalid UTF-8 decodes to U+FFFD as Go's range
 * loop does. */
static void write_quoted(struct gs_out *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	gs_out_add(out, "\"", 1);
	while (*p) {
		uint32_t r = *p;
		size_t n = 1;
		if (r >= 0x80) {
			size_t want = r >= 0xf0 ? 4 : r >= 0xe0 ? 3 : r >= 0xc0 ? 2 : 0;
			uint32_t v = want == 4 ? r & 7 : want == 3 ? r & 15 : r & 31;
			size_t i = 1;
			for (; want && i < want && (p[i] & 0xc0) == 0x80; i++)
				v = v << 6 | (p[i] & 0x3f);
			if (want && i == want && v >= (want == 2 ? 0x80u : want == 3 ? 0x800u : 0x10000u) &&
			    v <= 0x10ffff && !(v >= 0xd800 && v <= 0xdfff)) {
				r = v;
				n = want;
			} else {
				r = 0xfffd;
			}
		}
		p += n;
		switch (r) {
		case '\n':
			gs_out_str(out, "\\n");
			continue;
		case '\r':
			gs_out_str(out, "\\r");
			continue;
		case '\t':
			gs_out_str(out, "\\t");
			continue;
		case '\\':
		case '"':
			gs_out_printf(out, "\\%c", (char)r);
			continue;
		}
		if (r >= ' ' && r <= '~')
			gs_out_printf(out, "%c", (char)r);
		else if (r < 127)
			gs_out_printf(out, "\\x%02x", r);
		else if (r < 0x10000)
			gs_out_printf(out, "\\u%04x", r);
		else
			gs_out_printf(out, "\\U%08x", r);
	}
	gs_out_add(out, "\"", 1);
}

static void write_header(const struct gs_snapshot *s, const struct gs_goroutine *g,
			 const struct gs_dump_opts *opts, struct gs_out *out)
{
	const char *state = gs_snapshot_str(s, g->state);
	if (!*state)
		state = gs_gstatus_name(g->status);
	gs_out_printf(out, "goroutine %llu", (unsigned long long)g->id);
	if (opts && opts->thread_ids && g->gp) {
		gs_out_printf(out, " gp=0x%llx", (unsigned long long)g->gp);
		if (g->m_id >= 0)
			gs_out_printf(out, " m=%lld mp=0x%llx", (long long)g->m_id,
				      (unsigned long long)g->mp);
		else
			gs_out_str(out, " m=nil");
	}
	gs_out_printf(out, " [%s", state);
	if (g->status == GS_GSTATUS_LEAKED)
		gs_out_str(out, " (leaked)");
	if (g->flags & GS_G_SCAN)
		gs_out_str(out, " (scan)");
	if (g->flags & GS_G_DURABLE)
		gs_out_str(out, " (durable)");
	if (g->wait_minutes >= 1)
		gs_out_printf(out, ", %lld minutes", (long long)g->wait_minutes);
	if (g->flags & GS_G_LOCKED)
		gs_out_str(out, ", locked to thread");
	if (g->bubble)
		gs_out_printf(out, ", synctest bubble %lld", (long long)g->bubble);
	if (opts && opts->labels && g->n_labels) {
		const struct gs_glabel *labels = gs_goroutine_labels(s, g);
		gs_out_str(out, " labels:{");
		for (uint32_t i = 0; i < g->n_labels; i++) {
			if (i)
				gs_out_str(out, ", ");
			write_quoted(out, gs_snapshot_str(s, labels[i].key));
			gs_out_str(out, ": ");
			write_quoted(out, gs_snapshot_str(s, labels[i].value));
		}
		gs_out_str(out, "}");
	}
	gs_out_str(out, "]:\n");
}

static void write_frame(const struct gs_snapshot *s, const struct gs_gframe *f,
			const struct gs_dump_opts *opts, struct gs_out *out)
{
	if ((f->flags & GS_GFRAME_CGO) && !f->func) {
		gs_out_printf(out, "non-Go function at pc=0x%llx\n", (unsigned long long)f->pc);
		return;
	}
	const char *args = f->flags & GS_GFRAME_INLINED ? "..." : gs_snapshot_str(s, f->args);
	gs_out_printf(out, "%s(%s)\n\t%s:%lld", gs_snapshot_str(s, f->func), args,
		      gs_snapshot_str(s, f->file), (long long)f->line);
	if (!(f->flags & GS_GFRAME_INLINED)) {
		if (f->flags & GS_GFRAME_HAS_OFF)
			gs_out_printf(out, " +0x%llx", (unsigned long long)f->pc_offset);
		if (opts && opts->frame_regs && (f->flags & GS_GFRAME_HAS_PC))
			gs_out_printf(out, " fp=0x%llx sp=0x%llx pc=0x%llx", (unsigned long long)f->fp,
				      (unsigned long long)f->sp, (unsigned long long)f->pc);
	}
	gs_out_str(out, "\n");
}

static void write_elided(const struct gs_goroutine *g, uint64_t count, struct gs_out *out)
{
	if (count || !(g->flags & GS_G_ELIDED))
		gs_out_printf(out, "...%llu frames elided...\n", (unsigned long long)count);
	else
		gs_out_str(out, "...additional frames elided...\n");
}

int gs_goroutine_write_dump(const struct gs_snapshot *s, const struct gs_goroutine *g,
			    const struct gs_dump_opts *opts, struct gs_out *out)
{
	const struct gs_gframe *frames = gs_goroutine_frames(s, g);
	write_header(s, g, opts, out);
	if (g->flags & GS_G_NO_STACK)
		gs_out_str(out, "\tgoroutine running on other thread; stack unavailable\n");
	if (g->flags & GS_G_ELIDED) {
		for (uint32_t i = 0; i < g->n_frames; i++) {
			if (i == g->elided_at)
				write_elided(g, g->elided_count, out);
			write_frame(s, &frames[i], opts, out);
		}
		if (g->elided_at >= g->n_frames)
			write_elided(g, g->elided_count, out);
	} else if (g->n_frames > INNER_FRAMES + OUTER_FRAMES && !(opts && opts->full)) {
		/* a complete stack (a memory reader's): elide the middle like traceback1 */
		for (uint32_t i = 0; i < INNER_FRAMES; i++)
			write_frame(s, &frames[i], opts, out);
		write_elided(g, g->n_frames - INNER_FRAMES - OUTER_FRAMES, out);
		for (uint32_t i = g->n_frames - OUTER_FRAMES; i < g->n_frames; i++)
			write_frame(s, &frames[i], opts, out);
	} else {
		for (uint32_t i = 0; i < g->n_frames; i++)
			write_frame(s, &frames[i], opts, out);
	}
	if (g->flags & GS_G_HAS_CREATOR) {
		const struct gs_gcreator *c = &g->created_by;
		gs_out_printf(out, "created by %s", gs_snapshot_str(s, c->func));
		if (c->goid)
			gs_out_printf(out, " in goroutine %llu", (unsigned long long)c->goid);
		gs_out_printf(out, "\n\t%s:%lld", gs_snapshot_str(s, c->file), (long long)c->line);
		if (c->has_offset)
			gs_out_printf(out, " +0x%llx", (unsigned long long)c->pc_offset);
		gs_out_str(out, "\n");
	}
	return out->err;
}

int gs_snapshot_write_dump(const struct gs_snapshot *s, const bool *keep,
			   const struct gs_dump_opts *opts, struct gs_out *out)
{
	bool first = true;
	for (size_t i = 0; i < s->n_goroutines && !out->err; i++) {
		if (keep && !keep[i])
			continue;
		if (!first)
			gs_out_str(out, "\n");
		first = false;
		gs_goroutine_write_dump(s, &s->goroutines[i], opts, out);
	}
	return out->err;
}
