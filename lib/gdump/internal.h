/* Declarations shared by the files of lib/gdump (not part of the public API). */
#ifndef GOSCOPE_GDUMP_INTERNAL_H
#define GOSCOPE_GDUMP_INTERNAL_H

#include "goscope/goroutine.h"

/* The runtime's isSystemGoroutine test on a start function name. */

/* How gs_gdump_write_stack ends: no creator line, the creator, or the creator with its
 * goroutine (for a group of one). */
enum gs_gdump_creator { GS_GDUMP_CREATOR_NONE, GS_GDUMP_CREATOR, GS_GDUMP_CREATOR_GOID };

/* The frames of g, one line each (function, file:line; a recursion folded with its count;
 * the elision marker), then its creator, as the grouped view prints them. */
void gs_gdump_write_stack(const struct gs_snapshot *s, const struct gs_goroutine *g,
			  enum gs_gdump_creator creator, struct gs_out *out);
/* The members describing g in JSON views: state, status, wait_reason, system, labels,
 * created_by (with its goroutine when creator_goid), frames, elided. */
void gs_gdump_json_goroutine(struct gs_json *j, const struct gs_snapshot *s,
			     const struct gs_goroutine *g, bool creator_goid);

#endif
